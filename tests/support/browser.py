"""A real browser (Playwright driving Debian's chromium) on the suite's daphne server.

Pages are checked as a user sees them: logged in through the login form, live updates waited for
in the DOM, and the requests a page makes while idle recorded (a live page makes none: it is fed
over its websocket).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, Request, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# A loaded machine (load 30+) renders slowly: waits are for a condition, with room to spare.
TIMEOUT_MS = 30_000


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless chromium; Playwright's sync API runs an event loop on this thread, so Django's
    ORM (which refuses to run beside one) is let through while the browser is open."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Records each websocket the page opens and the topics the server confirmed (its "subscribed"
# frames), so a test acts only once the page is listening.
TRACK_SOCKETS = """
(() => {
  const Native = window.WebSocket;
  window.__radtikSockets = [];
  window.WebSocket = function (url, protocols) {
    const socket = new Native(url, protocols);
    const asked = new URL(url, location.href).searchParams.get("topics");
    const entry = {asked: asked ? asked.split(",").filter(Boolean) : [], joined: new Set(),
                   ready: !new URL(url, location.href).searchParams.has("format")};
    window.__radtikSockets.push(entry);
    socket.addEventListener("message", (event) => {
      try {
        const frame = JSON.parse(event.data);
        if (frame.type === "subscribed") entry.joined.add(frame.topic);
        if (frame.type === "ready") entry.ready = true;
      } catch (e) { /* an HTML fragment */ }
    });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();
"""


def host_url(port: int, schema: str) -> str:
    host = "localhost" if schema == "public" else f"{schema}.localhost"
    return f"http://{host}:{port}"


def open_page(
    browser: Browser,
    base_url: str,
    username: str,
    password: str,
    *,
    width: int = 1366,
    height: int = 900,
) -> Page:
    """A new browser context at `width` x `height`, logged in through the login form."""
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(TRACK_SOCKETS)
    page = context.new_page()
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form[method=post] button")
    if "/login/" in page.url:
        raise AssertionError(f"login as {username} failed: {page.inner_text('main')[:300]}")
    return page


def live(page: Page) -> None:
    """Wait until every websocket of the page has joined all the topics it asked for, and the
    page has caught up with what changed before it was listening (static/radtik.js)."""
    page.wait_for_function(
        "() => window.__radtikSockets.length > 0 && window.__radtikSockets.every("
        "s => s.ready && s.asked.every(t => s.joined.has(t))) && !window.radtikRefreshing"
    )


def wait_for_text(page: Page, selector: str, text: str) -> None:
    """Wait until the element at `selector` contains `text` (pushed, never reloaded)."""
    page.wait_for_function(
        "([selector, text]) => { const el = document.querySelector(selector);"
        " return !!el && el.textContent.includes(text); }",
        arg=[selector, text],
    )


def requests_while_idle(page: Page, seconds: float) -> list[str]:
    """The URLs the page requests while left alone for `seconds` (a live page asks none)."""
    seen: list[str] = []

    def record(request: Request) -> None:
        seen.append(request.url)

    page.on("request", record)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page.wait_for_timeout(500)
    page.remove_listener("request", record)
    return seen


def overflows(page: Page) -> int:
    """How many CSS pixels the page is wider than its viewport (0: nothing scrolls sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
