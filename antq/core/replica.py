"""Reads of dashboards, indicators and record lists from a PostgreSQL read replica, when one is set.

With ANTQ_DATABASE_REPLICA_URL the settings add a "replica" database and this router. Only
GET/HEAD requests to the read-heavy pages and API routes (READ_PATHS) read from it, and only
their business tables: accounts, grants, sessions, throttling and audit always come from the
primary (a just-created session or grant must be seen at once, and scope is decided there).
Writes always go to the primary.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
READ_PATHS = re.compile(r"^/(dashboard/|records/[^/]+/$|api/v1/(indicators|cases|accidents)(/|$))")
PRIMARY_ONLY_APPS = frozenset({"accounts", "auth", "sessions", "contenttypes", "axes", "core", "tipoffs"})

reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


def replica_serves(method: str, path: str) -> bool:
    """Whether a request may read its figures from the replica."""
    return REPLICA in settings.DATABASES and method in ("GET", "HEAD") and bool(READ_PATHS.match(path))


class ReplicaRouter:
    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if reading_from_replica.get() and model._meta.app_label not in PRIMARY_ONLY_APPS:
            return REPLICA
        return None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica is a copy of the primary: rows relate across both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA  # the replica follows the primary by streaming replication


class ReplicaReadsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = reading_from_replica.set(replica_serves(request.method or "", request.path_info))
        try:
            return self.get_response(request)
        finally:
            reading_from_replica.reset(token)
