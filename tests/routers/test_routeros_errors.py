"""Every failure reaches radtik as one RouterError subclass with an actionable message."""

from __future__ import annotations

import socket
import threading
import time
import traceback

import pytest

from radius.testing.agent import free_port
from routers.routeros.client import Credentials, RouterClient
from routers.routeros.errors import (
    RouterCommandError,
    RouterConnectionLost,
    RouterError,
    RouterLoginFailed,
    RouterProtocolError,
    RouterTimeout,
    RouterTLSError,
    RouterUnreachable,
)
from routers.routeros.simulator import Faults

SECRET = "s3cr3t-Pa55"


def _assert_password_absent(error: BaseException, password: str) -> None:
    rendered = "".join(traceback.format_exception(error))
    for text in (str(error), repr(error), rendered, repr(error.args)):
        assert password not in text


def test_closed_port_is_unreachable():
    creds = Credentials("127.0.0.1", "admin", SECRET, port=free_port(), timeout=2)
    with pytest.raises(RouterUnreachable) as excinfo:
        RouterClient.connect(creds)
    assert "refused" in str(excinfo.value) and "/ip service" in str(excinfo.value)
    _assert_password_absent(excinfo.value, SECRET)


def test_unknown_host_is_unreachable():
    creds = Credentials("no-such-router.invalid", "admin", SECRET, timeout=2)
    with pytest.raises(RouterUnreachable, match="resolve"):
        RouterClient.connect(creds)


def test_router_that_stops_listening_is_unreachable_then_back(routeros_router):
    routeros_router.stop_listening()
    with pytest.raises(RouterUnreachable):
        RouterClient.connect(routeros_router.credentials())
    routeros_router.start_listening()
    with RouterClient.connect(routeros_router.credentials()) as api:
        assert api.identity().name == "sim-router-0000"


def test_never_answering_router_times_out_with_a_hint(routeros_farm):
    [router] = routeros_farm(1, password=SECRET, faults=Faults(never_answer=True))
    started = time.monotonic()
    with pytest.raises(RouterTimeout) as excinfo:
        RouterClient.connect(router.credentials(timeout=0.5))
    assert time.monotonic() - started < 3
    message = str(excinfo.value)
    assert "0.5s" in message and "firewall" in message and "/ip service api" in message
    _assert_password_absent(excinfo.value, SECRET)


def test_timeout_on_a_command_after_login(routeros_router):
    with RouterClient.connect(routeros_router.credentials(timeout=0.5)) as api:
        routeros_router.faults.latency_ms = 1500
        with pytest.raises(RouterTimeout, match="/system/identity/print"):
            api.identity()


def test_wrong_password_is_login_failed_without_leaking_it(routeros_router):
    with pytest.raises(RouterLoginFailed) as excinfo:
        RouterClient.connect(routeros_router.credentials(password=SECRET))
    assert "invalid user name or password" in str(excinfo.value)
    assert "admin" in str(excinfo.value)
    _assert_password_absent(excinfo.value, SECRET)


def test_injected_login_failure(routeros_farm):
    [router] = routeros_farm(1, password=SECRET, faults=Faults(fail_login=True))
    with pytest.raises(RouterLoginFailed) as excinfo:
        RouterClient.connect(router.credentials())
    _assert_password_absent(excinfo.value, SECRET)
    router.faults.clear()
    RouterClient.connect(router.credentials()).close()


def test_command_trap_carries_routeros_message_and_command(routeros_router):
    with RouterClient.connect(routeros_router.credentials()) as api:
        with pytest.raises(RouterCommandError) as excinfo:
            api.add("/ip/pool", name="hs-pool-1", ranges="10.0.0.1-10.0.0.9")
        assert excinfo.value.router_message == "failure: already have pool with such name"
        assert excinfo.value.command == "/ip/pool/add"
        with pytest.raises(RouterCommandError, match="no such item"):
            api.set("/ip/pool", "*FFF", ranges="1.1.1.1")
        with pytest.raises(RouterCommandError, match="no such command prefix"):
            api.print("/ip/nonsense")
        with pytest.raises(RouterCommandError, match="unknown parameter colour"):
            api.add("/ip/pool", name="p", ranges="1.1.1.1", colour="red")


def test_password_sent_in_a_failing_command_is_not_in_the_error(routeros_router):
    with RouterClient.connect(routeros_router.credentials()) as api:
        api.hotspot_user_upsert("V-1", SECRET, "default")
        with pytest.raises(RouterCommandError) as excinfo:
            api.add("/ip/hotspot/user", name="V-1", password=SECRET)
    _assert_password_absent(excinfo.value, SECRET)


def test_trap_injected_on_the_nth_call_only(routeros_router):
    routeros_router.faults.trap_on["/ip/pool/add"] = 2
    routeros_router.faults.trap_message = "failure: pool database busy"
    with RouterClient.connect(routeros_router.credentials()) as api:
        api.add("/ip/pool", name="a", ranges="10.1.0.1")
        with pytest.raises(RouterCommandError, match="pool database busy"):
            api.add("/ip/pool", name="b", ranges="10.2.0.1")
        api.add("/ip/pool", name="c", ranges="10.3.0.1")
    assert [p["name"] for p in routeros_router.state.rows("/ip/pool")][-2:] == ["a", "c"]


def test_connection_dropped_mid_reply_is_connection_lost(routeros_router):
    routeros_router.faults.drop_after_sentences = 3
    with RouterClient.connect(routeros_router.credentials()) as api:
        with pytest.raises(RouterConnectionLost) as excinfo:
            api.interfaces()
        assert "closed the connection during /interface/print" in str(excinfo.value)
        with pytest.raises(RouterConnectionLost):
            api.identity()  # the session is gone; no silent reuse


def test_refused_connection_after_accept_is_a_router_error(routeros_farm):
    [router] = routeros_farm(1, faults=Faults(refuse_connections=True))
    with pytest.raises((RouterConnectionLost, RouterUnreachable)):
        RouterClient.connect(router.credentials(timeout=2))


def test_tls_with_self_signed_certificate(routeros_farm):
    [router] = routeros_farm(1, tls=True)
    with pytest.raises(RouterTLSError) as excinfo:
        RouterClient.connect(router.credentials(use_tls=True))
    assert "api-ssl" in str(excinfo.value)
    with RouterClient.connect(router.credentials(use_tls=True, tls_verify=False)) as api:
        assert api.identity().name == "sim-router-0000"


def test_non_api_peer_is_a_protocol_or_connection_error():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        conn, _ = server.accept()
        conn.recv(1024)
        conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")  # not RouterOS API words
        time.sleep(0.5)
        conn.close()

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with pytest.raises(RouterError) as excinfo:
            RouterClient.connect(Credentials("127.0.0.1", "admin", SECRET, port=port, timeout=2))
        assert isinstance(excinfo.value, RouterProtocolError | RouterConnectionLost | RouterTimeout)
        _assert_password_absent(excinfo.value, SECRET)
    finally:
        thread.join()
        server.close()
