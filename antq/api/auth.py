"""Who is calling: a bearer API token or the Django session, and the audit context of the call."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from antq.accounts.models import User
from antq.accounts.services import token_authenticate
from antq.core.audit import AuditContext
from antq.core.models import ChangeRecord


class BearerToken(HttpBearer):
    """`Authorization: Bearer antq_...`; only the token's hash is stored, so look it up hashed."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return token_authenticate(token.strip())


class BrowserSession(SessionAuth):
    """The Django session of the web UI, with CSRF enforced on unsafe methods.

    Unlike ninja's `django_auth`, a request without a logged-in session is simply not
    authenticated by this method (so it gets 401, not a CSRF 403): the CSRF check only
    matters when a session would otherwise grant access.
    """

    def __call__(self, request: HttpRequest) -> Any | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)


bearer_token = BearerToken()
browser_session = BrowserSession()
AUTH = [bearer_token, browser_session]


def current_user(request: HttpRequest) -> User:
    """The authenticated user of an API call (set by ninja from one of AUTH)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise RuntimeError("API view reached without an authenticated user")
    return user


def api_context(request: HttpRequest) -> AuditContext:
    return AuditContext(
        actor=current_user(request),
        source=ChangeRecord.Source.API,
        request_id=getattr(request, "request_id", None),
    )
