"""A subscription's usage, kept from its sessions as accounting reads them in."""

from __future__ import annotations

from datetime import datetime

from django.db import connection


def subscriptions_usage_record(*, usage: dict[int, tuple[int, int, datetime | None]]) -> int:
    """{id: (seconds, octets, last session start)} in one statement; how many changed. Never
    lowered: retention prunes old sessions, the use they counted stays."""
    if not usage:
        return 0
    ids = list(usage)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE billing_subscription AS s
            SET used_seconds = GREATEST(s.used_seconds, u.seconds),
                used_octets = GREATEST(s.used_octets, u.octets),
                last_session_at = GREATEST(s.last_session_at, u.last)
            FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::timestamptz[])
                AS u (id, seconds, octets, last)
            WHERE s.id = u.id
              AND (s.used_seconds < u.seconds OR s.used_octets < u.octets
                   OR s.last_session_at IS DISTINCT FROM GREATEST(s.last_session_at, u.last))
            """,
            [ids, *([usage[i][n] for i in ids] for n in range(3))],
        )
        return cursor.rowcount
