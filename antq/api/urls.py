"""The API object, its uniform error bodies, and the URL patterns mounted at /api/v1/.

Errors are JSON and never leak existence: 401 {"detail"} without credentials, 404 {"detail"}
for anything missing or out of scope (same body), 422 {"detail": [...], "fields": {...}}
for invalid input, whether caught by the schema or by a service's ValidationError.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import BaseModel

from antq.api import award_proposals, awards, grants, indicators, movement, records, units
from antq.api.auth import AUTH
from antq.core.unavailable import RETRY_AFTER_SECONDS

api = NinjaAPI(
    title="ANTQ API",
    version="1",
    description="Units, lineage, change history and grants, always limited to the caller's scope. "
                "Authenticate with `Authorization: Bearer antq_...` (a personal API token) "
                "or the web session.",
    urls_namespace="api-v1",
    auth=AUTH,
)
api.add_router("", units.router)
api.add_router("", grants.router)
api.add_router("", records.router)
api.add_router("", indicators.router)
api.add_router("", movement.router)
api.add_router("", awards.router)
api.add_router("", award_proposals.router)


UNREADABLE_BODY = "Không đọc được nội dung yêu cầu (JSON) / the request body is not valid JSON"
NUL_REFUSED = "Dữ liệu chứa ký tự NUL (0x00) / the request carries a NUL (0x00) character"


def not_found_body() -> dict[str, str]:
    return {"detail": _("Not found.")}


def _unprocessable(request: HttpRequest, detail: list[str], fields: dict[str, list[str]]) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "fields": fields}, status=422)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": _("Authentication required.")}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja answers a body it cannot parse with 400; it is invalid input like any other (422,
    the documented shape). Other ninja errors (403 on a failed CSRF check) keep their status."""
    if exc.status_code == 400:
        return _unprocessable(request, [UNREADABLE_BODY], {})
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    """Missing and out of scope (antq.core.errors.OutOfScope) answer the same."""
    return api.create_response(request, not_found_body(), status=404)


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            if field != NON_FIELD_ERRORS:
                fields[field] = [message for error in errors for message in error.messages]
    return _unprocessable(request, list(exc.messages), fields)


def _field_name(loc: Any) -> str:
    """The field of a pydantic error location such as ("query", "date") or ("body", "payload", "name")."""
    parts = [str(part) for part in (loc or ()) if part not in ("query", "path", "body", "payload", "filters",
                                                                 "params", "page")]
    return ".".join(parts) or NON_FIELD_ERRORS


@api.exception_handler(NinjaValidationError)
def on_schema_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    detail: list[str] = []
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        field = _field_name(error.get("loc"))
        message = str(error.get("msg", _("Invalid value.")))
        detail.append(message if field == NON_FIELD_ERRORS else f"{field}: {message}")
        if field != NON_FIELD_ERRORS:
            fields.setdefault(field, []).append(message)
    return _unprocessable(request, detail, fields)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The database cannot be reached: 503 with a plain reason, never a traceback."""
    response = api.create_response(request, {"detail": _("The database cannot be reached for the moment; "
                                                         "please try again later.")}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _carries_nul(value: Any) -> bool:
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_carries_nul(key) or _carries_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple | set):
        return any(_carries_nul(item) for item in value)
    return False


def refuse_nul(view: Callable[..., Any]) -> Callable[..., Any]:
    """A NUL (0x00) anywhere in the parameters (path, query or body) is invalid input, a 422
    before the view runs: PostgreSQL text cannot hold it (psycopg raises, a 500) and SQLite
    would store it."""

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if _carries_nul([*args, *kwargs.values()]):
            return _unprocessable(request, [NUL_REFUSED], {})
        return view(request, *args, **kwargs)

    return checked


api.add_decorator(refuse_nul)  # on every operation, after its parameters are validated

urlpatterns = [path("", api.urls)]
