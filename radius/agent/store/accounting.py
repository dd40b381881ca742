"""Accounting read back: radacct rows changed since a cursor, for radtik's periodic ingest.

Every insert or update of a radacct row gives it the next value of a change number
(`radtik_seq`), in the order the changes commit, so "rows with radtik_seq > cursor" never skips
a change that committed late: PostgreSQL writers take one transaction-level advisory lock
before they touch a row (statement trigger) and number rows after (row trigger); SQLite has one
writer at a time. FreeRADIUS's own queries are unchanged. radtik keeps the cursor; the same page
asked for twice is the same rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

SEQ_COLUMN = "radtik_seq"
MAX_PAGE = 5000

# Beside Debian's columns: the router's identity (NAS-Identifier), which radacct does not keep;
# written by the FreeRADIUS configuration radtik ships (radius.agent.freeradius).
NAS_IDENTIFIER = "radtik_nasidentifier"

COLUMNS = (
    "radacctid, acctuniqueid, username, nasipaddress, "
    f"{NAS_IDENTIFIER}, acctsessionid, callingstationid, framedipaddress, acctstarttime, "
    "acctupdatetime, acctstoptime, acctterminatecause, acctinputoctets, acctoutputoctets, "
    f"acctsessiontime, calledstationid, {SEQ_COLUMN}"
)

# PostgreSQL: one lock for every radacct writer, taken before any row lock (statement trigger),
# so change numbers follow commit order and no writer waits on a row while holding the lock.
POSTGRES_COLUMNS = f"""
CREATE SEQUENCE IF NOT EXISTS radtik_radacct_seq;
ALTER TABLE radacct ADD COLUMN IF NOT EXISTS {NAS_IDENTIFIER} text;
ALTER TABLE radacct ADD COLUMN IF NOT EXISTS {SEQ_COLUMN} bigint;
"""
# Rows from before (no triggers yet, so nothing moves meanwhile): numbered once, oldest first.
POSTGRES_BACKFILL = f"""
UPDATE radacct SET {SEQ_COLUMN} = numbered.seq FROM (
    SELECT radacctid, nextval('radtik_radacct_seq') AS seq FROM radacct
    WHERE {SEQ_COLUMN} IS NULL ORDER BY radacctid) AS numbered
    WHERE radacct.radacctid = numbered.radacctid;
ALTER TABLE radacct ALTER COLUMN {SEQ_COLUMN} SET DEFAULT 0;
ALTER TABLE radacct ALTER COLUMN {SEQ_COLUMN} SET NOT NULL;
"""
POSTGRES_SETUP = f"""
CREATE OR REPLACE FUNCTION radtik_radacct_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('radtik_radacct_seq'));
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION radtik_radacct_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.{SEQ_COLUMN} := nextval('radtik_radacct_seq');
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER radtik_radacct_lock BEFORE INSERT OR UPDATE ON radacct
    FOR EACH STATEMENT EXECUTE FUNCTION radtik_radacct_lock();
CREATE OR REPLACE TRIGGER radtik_radacct_number BEFORE INSERT OR UPDATE ON radacct
    FOR EACH ROW EXECUTE FUNCTION radtik_radacct_number();
CREATE INDEX IF NOT EXISTS radtik_radacct_seq ON radacct ({SEQ_COLUMN});
"""

SQLITE_SETUP = f"""
CREATE TABLE IF NOT EXISTS radtik_radacct_counter (n INTEGER NOT NULL);
INSERT INTO radtik_radacct_counter (n)
    SELECT COALESCE(MAX({SEQ_COLUMN}), 0) FROM radacct
    WHERE NOT EXISTS (SELECT 1 FROM radtik_radacct_counter);
CREATE TRIGGER IF NOT EXISTS radtik_radacct_insert AFTER INSERT ON radacct BEGIN
    UPDATE radtik_radacct_counter SET n = n + 1;
    UPDATE radacct SET {SEQ_COLUMN} = (SELECT n FROM radtik_radacct_counter)
        WHERE radacctid = NEW.radacctid;
END;
CREATE TRIGGER IF NOT EXISTS radtik_radacct_update AFTER UPDATE ON radacct
    WHEN NEW.{SEQ_COLUMN} = OLD.{SEQ_COLUMN} BEGIN
    UPDATE radtik_radacct_counter SET n = n + 1;
    UPDATE radacct SET {SEQ_COLUMN} = (SELECT n FROM radtik_radacct_counter)
        WHERE radacctid = NEW.radacctid;
END;
CREATE INDEX IF NOT EXISTS radtik_radacct_seq ON radacct ({SEQ_COLUMN});
"""


def _time(value: Any) -> str | None:
    """ISO 8601 in UTC: PostgreSQL gives datetimes, Debian's SQLite queries epoch seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, int | float) or str(value).lstrip("-").isdigit():
        moment = datetime.fromtimestamp(int(value), UTC)
    else:
        moment = datetime.fromisoformat(str(value))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def session_view(row: tuple) -> dict[str, Any]:
    """One radacct row as the API gives it (octets already include the Gigawords: FreeRADIUS
    stores Gigawords << 32 | Octets)."""
    (radacct_id, unique_id, username, nas_ip, nas_identifier, session_id, mac, framed_ip,
     start, update, stop, cause, octets_in, octets_out, session_time, called, seq,
     ) = row  # fmt: skip
    return {
        "id": int(radacct_id),
        "unique_id": unique_id or "",
        "username": username or "",
        "nas_ip_address": str(nas_ip or ""),
        "nas_identifier": nas_identifier or "",
        "session_id": session_id or "",
        "calling_station_id": mac or "",
        "called_station_id": called or "",
        "framed_ip_address": str(framed_ip or ""),
        "start_time": _time(start),
        "update_time": _time(update),
        "stop_time": _time(stop),
        "terminate_cause": cause or "",
        "input_octets": int(octets_in or 0),
        "output_octets": int(octets_out or 0),
        "session_time": int(session_time or 0),
        "change": int(seq),
    }
