"""Helpers of the browser tests (the fixtures are in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fixtures import PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
TIMEOUT_MS = 10_000


def searched(query: str) -> Any:
    """Matches the HTMX search response for `query` (the browser encodes the space as %20)."""

    def matches(response: Any) -> bool:
        url = urlsplit(response.url)
        return url.path == "/units/search/" and parse_qs(url.query).get("q") == [query]

    return matches


@dataclass
class Session:
    """One browser context talking to the live server, with every request it made."""

    page: Any
    base_url: str
    requests: list[str] = field(default_factory=list)

    def go(self, path: str) -> Any:
        return self.page.goto(self.base_url + path)

    def login(self, username: str) -> None:
        self.go("/login/")
        assert self.page.locator("h1").inner_text() == "Đăng nhập"
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("form.stack button[type=submit]")

    def external_requests(self) -> list[str]:
        return [url for url in self.requests
                if urlsplit(url).scheme in ("http", "https", "ws", "wss")
                and (urlsplit(url).hostname or "") not in LOCAL_HOSTS]


