"""A phone or laptop joined to a simulated hotspot: it browses as a browser would (following
redirects and meta refreshes, keeping cookies, submitting forms) with every request going
through the router, which knows it by its MAC (hotspot_http.py).

    device = HotspotDevice(pages, "AA:BB:CC:00:00:01")
    page = device.open("http://news.example/")       # -> the router's splash -> the portal
    page = device.submit(page, "form[name=pay]", phone_number="0712345678")
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin

import requests

if TYPE_CHECKING:
    from routers.routeros.simulator.hotspot_http import HotspotPages

REFRESH = re.compile(r"^\s*\d+\s*;\s*url=(.+)$", re.IGNORECASE)


class Form:
    def __init__(self, attrs: dict[str, str]) -> None:
        self.attrs = attrs
        self.fields: dict[str, str] = {}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.refresh: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            match = REFRESH.match(values.get("content", ""))
            self.refresh = match.group(1).strip() if match else None
        elif tag == "form":
            self.forms.append(Form(values))
        elif tag in ("input", "button") and self.forms and values.get("name"):
            kind = values.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in values:
                return
            self.forms[-1].fields.setdefault(values["name"], values.get("value", ""))


def parse(response: requests.Response) -> _Page:
    page = _Page()
    page.feed(response.text)
    return page


class HotspotDevice:
    def __init__(self, pages: HotspotPages, mac: str) -> None:
        self.mac = mac.upper()
        self.http = requests.Session()
        proxy = f"http://{quote(self.mac, safe='')}:@{pages.host}:{pages.port}"
        self.http.proxies = {"http": proxy, "https": proxy}
        self.http.trust_env = False  # no system proxy settings: this device's only way out
        self.pages = pages

    def open(self, url: str, *, method: str = "GET", **kwargs: Any) -> requests.Response:
        """Load a page, following redirects and meta refreshes (at most 10) as a browser does."""
        kwargs.setdefault("timeout", 60)
        response = self.http.request(method, url, **kwargs)
        for _ in range(10):
            target = parse(response).refresh
            if not target:
                break
            response = self.http.get(urljoin(response.url, target), timeout=60)
        return response

    def forms(self, response: requests.Response) -> list[Form]:
        return parse(response).forms

    def submit(
        self, response: requests.Response, form: Form | None = None, **values: str
    ) -> requests.Response:
        """Submit a form of the page (the first one unless given) with `values` filled in."""
        form = form or self.forms(response)[0]
        action = urljoin(response.url, form.attrs.get("action") or response.url)
        method = (form.attrs.get("method") or "get").upper()
        data = {**form.fields, **values}
        if method == "POST":
            return self.open(action, method="POST", data=data)
        return self.open(action, params=data)
