"""A suspended tenant's websocket is refused, over daphne as browsers connect."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tenants.services import tenant_set_status
from tests.platform.test_websocket import connect, session_cookie, subscribe

pytestmark = pytest.mark.usefixtures("live_db")
PORTAL_TOPIC = "payment." + "S" * 32
REFUSED = ("403", "4403")


async def first_answer(port: int, cookie: str = "", query: str = "") -> str:
    """'subscribed', or the close code / HTTP status the connection was refused with."""
    try:
        ws = await connect(port, "alpha.localhost", cookie, query)
        if not query:
            answer = await subscribe(ws, "jobs")
        else:
            answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
        await ws.close()
        return answer["type"]
    except ConnectionClosed as closed:
        return str(closed.rcvd.code if closed.rcvd else None)
    except InvalidStatus as exc:
        return str(exc.response.status_code)


def test_suspended_tenant_websocket_is_refused(daphne_server, make_user, tenants):
    cookie = session_cookie("alpha", make_user("alpha", "night-shift", role="admin"))
    portal = f"?topics={PORTAL_TOPIC}"
    assert asyncio.run(first_answer(daphne_server, cookie)) == "subscribed"
    assert asyncio.run(first_answer(daphne_server, query=portal)) == "subscribed"
    tenant_set_status(tenant=tenants["alpha"], status="suspended")
    try:
        # The operator's dashboard and an anonymous captive-portal page alike: the handshake
        # is refused (403), or the socket closed at once with 4403.
        assert asyncio.run(first_answer(daphne_server, cookie)) in REFUSED
        assert asyncio.run(first_answer(daphne_server, query=portal)) in REFUSED
    finally:
        tenant_set_status(tenant=tenants["alpha"], status="active")
    assert asyncio.run(first_answer(daphne_server, cookie)) == "subscribed"
