"""Operators disconnect ("kick") a session, or every open session of a user: the API and the
pages call these, which audit the request and queue the accounting.disconnect job. The user
keeps its access (it may log in again): taking access away is disabling its voucher or
subscription."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounting.disconnect import sessions_disconnect
from accounting.models import Session
from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_record
from radtik.jobs.models import Job


def session_kick(*, session: Session, actor: Any = None) -> Job:
    """Disconnect one session; refused when it already ended."""
    if not session.is_open:
        raise ValidationError(f"Session {session.session_id} of {session.username} has ended.")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.SESSION_KICK,
            obj=session,
            changes={"username": session.username, "session_id": session.session_id},
        )
        return sessions_disconnect(
            reason=f"{session.username} disconnected by an operator",
            sessions=[session.pk],
            target=session,
            actor=actor,
        )


def user_kick(*, username: str, actor: Any = None) -> Job:
    """Disconnect every open session of `username` (on any of the account's routers)."""
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": ["Name the user to disconnect."]})
    sessions = list(
        Session.objects.filter(username=username, is_open=True).values_list("pk", flat=True)
    )
    if not sessions:
        raise ValidationError({"username": [f"{username} has no open session."]})
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.SESSION_KICK,
            changes={"username": username, "sessions": len(sessions)},
        )
        return sessions_disconnect(
            reason=f"every session of {username} disconnected by an operator",
            sessions=sessions,
            actor=actor,
        )
