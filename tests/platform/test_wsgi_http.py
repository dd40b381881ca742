"""radtik.wsgi_http: ASGI http in, a WSGI application on pool threads, the answer out."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
import requests
from django.http import StreamingHttpResponse

from radtik.wsgi_http import WsgiHttp
from tests.conftest import PASSWORD

SCOPE = {
    "type": "http",
    "http_version": "1.1",
    "method": "POST",
    "scheme": "http",
    "path": "/api/echo/é",
    "root_path": "",
    "query_string": b"a=1&b=2",
    "headers": [
        (b"host", b"alpha.localhost"),
        (b"content-type", b"application/json"),
        (b"content-length", b"11"),
        (b"cookie", b"sessionid=abc"),
        (b"cookie", b"csrftoken=def"),
        (b"x-forwarded-for", b"10.0.0.1"),
        (b"x-forwarded_for", b"6.6.6.6"),  # underscore: would pose as the header above
        (b"accept", b"text/html"),
        (b"accept", b"application/json"),
    ],
    "client": ("192.0.2.7", 51234),
    "server": ("127.0.0.1", 8000),
}


def call(app, scope: dict, chunks: list[bytes]) -> list[dict]:
    """Drive one ASGI request as daphne does; every message the app sent."""

    async def scenario() -> list[dict]:
        incoming = [
            {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
            for i, chunk in enumerate(chunks)
        ]
        sent: list[dict] = []

        async def receive() -> dict:
            return incoming.pop(0) if incoming else {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return sent

    return asyncio.run(scenario())


def echo(environ, start_response):
    seen = {
        key: environ.get(key)
        for key in (
            "REQUEST_METHOD",
            "PATH_INFO",
            "QUERY_STRING",
            "REMOTE_ADDR",
            "SERVER_NAME",
            "SERVER_PORT",
            "CONTENT_TYPE",
            "CONTENT_LENGTH",
            "HTTP_HOST",
            "HTTP_COOKIE",
            "HTTP_ACCEPT",
            "HTTP_X_FORWARDED_FOR",
        )
    }
    seen["body"] = environ["wsgi.input"].read().decode()
    seen["thread"] = threading.current_thread().name
    start_response("201 Created", [("Content-Type", "application/json"), ("X-Seen", "1")])
    return [json.dumps(seen).encode()]


def test_request_reaches_wsgi_as_a_server_would_pass_it():
    sent = call(WsgiHttp(echo, threads=2), SCOPE, [b'{"a":', b" 1234}"])
    start, body = sent
    assert start["status"] == 201
    assert (b"x-seen", b"1") in start["headers"]
    seen = json.loads(body["body"])
    assert seen == {
        "REQUEST_METHOD": "POST",
        # PEP 3333: the path as latin-1 text of its UTF-8 bytes (Django decodes it back).
        "PATH_INFO": "/api/echo/é".encode().decode("latin1"),
        "QUERY_STRING": "a=1&b=2",
        "REMOTE_ADDR": "192.0.2.7",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": "11",
        "HTTP_HOST": "alpha.localhost",
        "HTTP_COOKIE": "sessionid=abc; csrftoken=def",
        "HTTP_ACCEPT": "text/html,application/json",
        "HTTP_X_FORWARDED_FOR": "10.0.0.1",
        "body": '{"a": 1234}',
        "thread": seen["thread"],
    }
    assert seen["thread"].startswith("http")


def test_streaming_response_is_sent_chunk_by_chunk_and_closed_in_its_thread():
    closed_in = []

    def stream(environ, start_response):
        response = StreamingHttpResponse(iter([b"one,", b"", b"two"]), content_type="text/csv")
        response._resource_closers.append(lambda: closed_in.append(threading.current_thread().name))
        start_response("200 OK", list(response.items()))
        return response

    sent = call(WsgiHttp(stream, threads=1), {**SCOPE, "method": "GET"}, [b""])
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    assert [m.get("body") for m in sent[1:]] == [b"one,", b"two", None]
    assert sent[-1] == {"type": "http.response.body"}  # the last one ends the response
    assert closed_in and closed_in[0].startswith("http")


def test_client_gone_before_its_body_runs_nothing():
    ran = []

    def app(environ, start_response):
        ran.append(True)
        start_response("200 OK", [])
        return [b""]

    async def scenario():
        async def receive():
            return {"type": "http.disconnect"}

        async def send(message):
            raise AssertionError("nothing may be sent")

        await WsgiHttp(app, threads=1)(SCOPE, receive, send)

    asyncio.run(scenario())
    assert ran == []


@pytest.mark.usefixtures("live_db")
def test_login_form_round_trip_over_daphne(daphne_server, make_user, tenants):
    """Cookies, CSRF and a form POST through the real server: the session sticks."""
    user = make_user("alpha", "wsgi-admin", role="admin")
    password = PASSWORD
    base = f"http://127.0.0.1:{daphne_server}"
    session = requests.Session()
    session.headers["Host"] = "alpha.localhost"
    form = session.get(f"{base}/login/", timeout=10)
    assert form.status_code == 200
    token = session.cookies["csrftoken"]
    answer = session.post(
        f"{base}/login/",
        data={"username": user.username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"http://alpha.localhost:{daphne_server}/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:500]
    assert session.get(f"{base}/", timeout=10).status_code == 200
