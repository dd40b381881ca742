"""The agent's HTTP API (FastAPI). radtik is its only client; FreeRADIUS reads the tables."""

from __future__ import annotations

import hmac
import logging
from collections import Counter
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from radius.agent.attributes import user_rows
from radius.agent.store import Store

logger = logging.getLogger("radius.agent")


class BatchIn(BaseModel):
    vouchers: list[Any]


class UsernamesIn(BaseModel):
    usernames: list[str]


def create_app(store: Store, token: str, *, max_batch: int = 1000) -> FastAPI:
    app = FastAPI(title="radtik RADIUS agent", version="1.0")

    def authorised(request: Request) -> None:
        header = request.headers.get("authorization", "")
        given = header[7:] if header.lower().startswith("bearer ") else ""
        if not given or not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "Missing or wrong bearer token")

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return JSONResponse(
            {
                "detail": f"Malformed request: {first.get('msg', 'invalid body')}"
                + (f" at {where}" if where else "")
            },
            status_code=422,
        )

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "db": store.dialect}

    @app.post("/batch", dependencies=[Depends(authorised)])
    def batch(body: BatchIn) -> dict[str, Any]:
        if len(body.vouchers) > max_batch:
            raise HTTPException(413, f"At most {max_batch} users per batch; send smaller chunks")
        users, errors = [], []
        for index, item in enumerate(body.vouchers):
            try:
                users.append(user_rows(item))
            except ValueError as exc:
                name = item.get("username", "") if isinstance(item, dict) else ""
                errors.append({"index": index, "username": str(name), "reason": str(exc)})
        duplicates = [n for n, c in Counter(u.username for u in users).items() if c > 1]
        if duplicates:
            raise HTTPException(422, f"Usernames repeated in one batch: {sorted(duplicates)[:5]}")
        if users:
            store.replace_users(users)
        logger.info("batch: %d synced, %d failed", len(users), len(errors))
        return {
            "success": not errors,
            "synced": len(users),
            "failed": len(errors),
            "errors": errors,
        }

    @app.post("/delete", dependencies=[Depends(authorised)])
    def delete(body: UsernamesIn) -> dict[str, int]:
        return {"deleted": store.delete_users(body.usernames)}

    @app.delete("/users/{username}", dependencies=[Depends(authorised)])
    def delete_user(username: str) -> dict[str, int]:
        if not store.delete_users([username]):
            raise HTTPException(404, f"No user {username}")
        return {"deleted": 1}

    @app.get("/users/{username}", dependencies=[Depends(authorised)])
    def get_user(username: str) -> dict[str, Any]:
        user = store.user(username)
        if user is None:
            raise HTTPException(404, f"No user {username}")
        return user

    @app.post("/users/lookup", dependencies=[Depends(authorised)])
    def lookup(body: UsernamesIn) -> dict[str, Any]:
        if len(body.usernames) > max_batch:
            raise HTTPException(413, f"At most {max_batch} usernames per lookup")
        return {"users": store.digests(body.usernames)}

    return app
