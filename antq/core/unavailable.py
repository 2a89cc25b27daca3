"""The database is unreachable: what every page and API call answers until it returns.

Django opens a connection per request (or checks a kept one, CONN_HEALTH_CHECKS), so once
PostgreSQL answers again the next request simply works; nothing needs restarting.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader

logger = logging.getLogger("antq.unavailable")
RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable(exc: BaseException | None) -> bool:
    """True for errors that mean "cannot reach or use the database", not a bug in antq."""
    while exc is not None:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def unavailable_response(status: int = 503) -> HttpResponse:
    """A plain bilingual page without anything that needs the database (no session, no menu)."""
    body = loader.get_template("503.html").render()
    response = HttpResponse(body, status=status)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the database outage page (503) when that is the cause, else the plain 500 page."""
    if database_unavailable(sys.exc_info()[1]):
        logger.error("database unavailable while serving %s", request.path)
        return unavailable_response()
    return HttpResponseServerError(loader.get_template("500.html").render())
