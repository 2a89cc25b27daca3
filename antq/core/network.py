"""The client's address, for throttling only (logins, citizens' reports); never stored as such.

Behind the reverse proxy every request comes from the proxy's own address, so with
ANTQ_BEHIND_PROXY the address is the last one the trusted proxy appended to X-Forwarded-For
(nginx: `proxy_add_x_forwarded_for`); an X-Forwarded-For sent by anyone else is ignored, so a
client cannot choose the address it is throttled under.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    peer = str(request.META.get("REMOTE_ADDR", ""))
    if not settings.BEHIND_PROXY or peer not in settings.TRUSTED_PROXIES:
        return peer
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [part for part in forwarded if part]
    return forwarded[-1] if forwarded else peer
