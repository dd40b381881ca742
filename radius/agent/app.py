"""The agent's HTTP API. radtik is its only client; FreeRADIUS reads the tables it writes."""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from radius.agent import coa
from radius.agent.attributes import UserRows, compact_rows, user_rows
from radius.agent.guard import Guard
from radius.agent.store import Store, StoreUnavailable
from radius.agent.store.accounting import MAX_PAGE

# radtik sends VOUCHER_SYNC_CHUNK (2,500) per request: fewer, larger transactions write each
# index page of a store once for more users (random voucher codes touch pages all over).
DEFAULT_MAX_BATCH = 5000
logger = logging.getLogger("radius.agent")


class BatchIn(BaseModel):
    """Users as whole items ("vouchers"), or in the compact form radtik sends: "credentials"
    ([username, password, shared index]) and the "shared" fields of each set of users (see
    radius.agent.attributes.compact_rows). Items are checked one by one, so one bad item is
    only that item's error."""

    vouchers: list[Any] | None = None
    credentials: list[Any] | None = None
    shared: list[Any] = Field(default_factory=lambda: [{}], min_length=1)

    @model_validator(mode="after")
    def one_form(self) -> BatchIn:
        if (self.vouchers is None) == (self.credentials is None):
            raise ValueError("send either vouchers (items) or credentials (with shared)")
        return self

    def items(self) -> tuple[list[Any], Callable[[Any], UserRows]]:
        """The items and the function that validates one into its rows."""
        if self.vouchers is not None:
            return self.vouchers, user_rows
        return self.credentials or [], compact_rows(self.shared)


class UsernamesIn(BaseModel):
    usernames: list[str]


class DeleteIn(UsernamesIn):
    # A radtik tenant: users owned by another one are kept (and listed), not deleted.
    scope: str | None = None


class ClientIn(BaseModel):
    # Printable ASCII: what RouterOS's /radius secret and FreeRADIUS's client secret both take.
    secret: str = Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")
    shortname: str = Field(default="", max_length=32)


class DisconnectIn(BaseModel):
    """Which session(s) of which NAS to end: every identifier given must match (RFC 5176)."""

    nas: str
    port: int = Field(default=3799, ge=1, le=65535)
    username: str = Field(default="", max_length=253)
    session_id: str = Field(default="", max_length=64)
    framed_ip: str = ""
    timeout: float = Field(default=3.0, gt=0, le=30)


def _address(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise HTTPException(422, f"{text!r} is not an IP address") from None


def _validation_message(exc: RequestValidationError) -> str:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    cause = (first.get("ctx") or {}).get("error")
    return (
        f"Malformed request: {first.get('msg', 'invalid body')}"
        + (f" ({cause})" if isinstance(cause, str) else "")
        + (f" at {where}" if where else "")
    )


def _item_name(item: Any) -> str:
    """The username an item names, for its error: either form, valid or not."""
    name = item.get("username") if isinstance(item, dict) else None
    if name is None and isinstance(item, list) and item:
        name = item[0]
    return name if isinstance(name, str) else ""


def _batch(store: Store, items: list[Any], rows: Callable[[Any], UserRows]) -> dict[str, Any]:
    users: list[UserRows] = []
    indexes: list[int] = []  # users[i] came from items[indexes[i]]
    first_seen: dict[str, int] = {}
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            user = rows(item)
        except ValueError as exc:
            errors.append({"index": index, "username": _item_name(item), "reason": str(exc)})
            continue
        name = user.username
        if name in first_seen:
            reason = f"username repeated in this batch; item {first_seen[name]} was used"
            errors.append({"index": index, "username": name, "reason": reason})
            continue
        first_seen[name] = index
        users.append(user)
        indexes.append(index)
    started = time.perf_counter()
    refused = store.replace_users(users) if users else {}
    db_ms = (time.perf_counter() - started) * 1000
    errors.extend(
        {"index": indexes[position], "username": users[position].username, "reason": reason}
        for position, reason in refused.items()
    )
    errors.sort(key=lambda error: error["index"])
    synced = len(users) - len(refused)
    logger.info(
        "batch: %d items, %d synced, %d failed, %.1fms in the database",
        len(items), synced, len(errors), db_ms,
    )  # fmt: skip
    return {"success": not errors, "synced": synced, "failed": len(errors), "errors": errors}


def create_app(store: Store, token: str, *, max_batch: int = DEFAULT_MAX_BATCH) -> FastAPI:
    app = FastAPI(title="radtik RADIUS agent", version="1.0")
    app.add_middleware(Guard, token=token, open_paths={"/health"})
    api = APIRouter()

    def check_size(count: int, what: str) -> None:
        if count > max_batch:
            raise HTTPException(413, f"{count} {what} in one request; the limit is {max_batch}")

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_message(exc)}, status_code=422)

    @app.exception_handler(StoreUnavailable)
    async def unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        logger.error("database unavailable: %s", exc)
        return JSONResponse({"detail": f"RADIUS database unavailable: {exc}"}, status_code=503)

    @app.get("/health")
    def health() -> JSONResponse:
        try:
            store.ping()
        except StoreUnavailable as exc:
            body = {"status": "error", "db": store.dialect, "detail": str(exc)}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"status": "ok", "db": store.dialect})

    @api.post("/batch")
    def batch(body: BatchIn) -> dict[str, Any]:
        items, rows = body.items()
        check_size(len(items), "vouchers")
        return _batch(store, items, rows)

    @api.post("/delete")
    def delete(body: DeleteIn) -> dict[str, Any]:
        check_size(len(body.usernames), "usernames")
        deleted, kept = store.delete_users(body.usernames, body.scope)
        logger.info(
            "delete: %d asked, %d deleted, %d kept", len(body.usernames), deleted, len(kept)
        )
        return {"deleted": deleted} if body.scope is None else {"deleted": deleted, "kept": kept}

    @api.delete("/users/{username:path}")  # ":path": names may hold a slash
    def delete_user(username: str) -> dict[str, int]:
        if not store.delete_users([username])[0]:
            raise HTTPException(404, f"No RADIUS rows for user {username!r}")
        return {"deleted": 1}

    @api.get("/users/{username:path}")
    def get_user(username: str) -> dict[str, Any]:
        user = store.users([username]).get(username)
        if user is None:
            raise HTTPException(404, f"No RADIUS rows for user {username!r}")
        return user

    @api.post("/users/lookup")
    def lookup(body: UsernamesIn) -> dict[str, dict[str, str | None]]:
        check_size(len(body.usernames), "usernames")
        return {"users": store.digests(body.usernames)}

    @api.put("/clients/{address}")
    def client_put(address: str, body: ClientIn) -> dict[str, str]:
        """A router becomes a RADIUS client: FreeRADIUS reads it on its next first packet."""
        address = _address(address)
        store.client_put(address=address, secret=body.secret, shortname=body.shortname)
        logger.info("client %s set", address)
        return {"address": address, "shortname": body.shortname}

    @api.delete("/clients/{address}")
    def client_delete(address: str) -> dict[str, int]:
        if not store.client_delete(_address(address)):
            raise HTTPException(404, f"No RADIUS client at {address}")
        return {"deleted": 1}

    @api.get("/clients")
    def clients() -> dict[str, list[dict[str, str]]]:
        return {"clients": store.clients()}

    @api.post("/disconnect")
    def disconnect(body: DisconnectIn) -> dict[str, Any]:
        """Send the NAS a Disconnect-Request, signed with the secret of its client row; answers
        whether it acknowledged (ack), refused (nak, with its Error-Cause) or stayed silent."""
        nas = _address(body.nas)
        framed_ip = _address(body.framed_ip) if body.framed_ip else ""
        if not (body.username or body.session_id or framed_ip):
            raise HTTPException(422, "Name the session: username, session_id or framed_ip")
        secret = store.client_secret(nas)
        if secret is None:
            raise HTTPException(404, f"No RADIUS client at {nas}: its secret is unknown here")
        reply = coa.disconnect(
            nas=nas, port=body.port, secret=secret, username=body.username,
            session_id=body.session_id, framed_ip=framed_ip, timeout=body.timeout,
        )  # fmt: skip
        logger.info("disconnect %s on %s:%d: %s", body.username, nas, body.port, reply.result)
        return {"result": reply.result, "error_cause": reply.error_cause}

    @api.get("/sessions")
    def sessions(
        after: int = Query(0, ge=0, description="the previous page's cursor; 0: from the start"),
        limit: int = Query(1000, ge=1, le=MAX_PAGE),
    ) -> dict[str, Any]:
        """Sessions whose accounting changed after the cursor (open and closed), oldest change
        first: radtik's ingest pages through them and keeps the cursor."""
        rows, cursor = store.sessions_changed(after=after, limit=limit)
        return {"sessions": rows, "cursor": cursor, "more": len(rows) == limit}

    @api.post("/sessions/{radacct_id}/close")
    def session_close(radacct_id: int = Path(ge=1)) -> dict[str, bool]:
        """Close an open session now, Admin-Reset: radtik ended it at the router, which has
        no active entry for it, and its Stop never came (lost, or a NAS that sends none). It
        would otherwise stay open and count against Simultaneous-Use until it goes stale."""
        closed = store.session_close(radacct_id, cause="Admin-Reset")
        if closed is None:
            raise HTTPException(404, f"No session {radacct_id} in radacct")
        logger.info("session %d closed%s", radacct_id, "" if closed else " already")
        return {"closed": closed}

    app.include_router(api)
    return app


def stale_sessions_closer(store: Store, *, silent_for: int) -> threading.Thread:
    """Closes, every minute, sessions silent for 3 of their user's accounting intervals, or for
    `silent_for` s (3 of FreeRADIUS's default) when the user has none: a router that lost power
    never says so, and its sessions would block Simultaneous-Use."""

    def run() -> None:
        while True:
            try:
                if closed := store.sessions_close_stale(silent_for=silent_for):
                    logger.info("closed %d stale sessions", closed)
            except StoreUnavailable as exc:
                logger.warning("could not close stale sessions: %s", exc)
            time.sleep(min(60, silent_for))

    thread = threading.Thread(target=run, name="stale-sessions", daemon=True)
    thread.start()
    return thread
