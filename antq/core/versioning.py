"""Optimistic version check: the one way an edit in place refuses a save based on an old page.

Every record users edit in place has `version = PositiveIntegerField(default=1, editable=False)`.
The page (or API client) sends back the version it showed; the edit service locks the row
with `lock_current` (or, for a row that may not exist yet, locks it itself and calls
`check_version`) inside its transaction, and `save_versioned` (antq.core.audit) bumps the
version with the audited save. A save based on another version raises StaleVersion before
anything is written: the first user's change stays, the second user gets a clear message.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from antq.core.errors import OutOfScope

M = TypeVar("M", bound=models.Model)


class Versioned(Protocol):
    version: int


class StaleVersion(ValidationError):
    """Someone saved the record since this edit began; nothing was written."""

    def __init__(self, current_version: int) -> None:
        super().__init__(_("This record was changed by someone else meanwhile; reload it and try again."),
                         code="stale")
        self.current_version = current_version


def check_version(current: Versioned | None, expected_version: int | None) -> None:
    """Refuse a save based on another version than the current one. None: the caller sent no
    version (no check); 0: the page showed no record yet, so one created meanwhile is a change."""
    if expected_version is None:
        return
    found = current.version if current is not None else 0
    if found != expected_version:
        raise StaleVersion(found)


def lock_current(rows: type[M] | models.QuerySet[M], pk: Any, expected_version: int | None) -> M:
    """The row as it is now, locked until the caller's transaction ends (call it inside one).

    `rows` may be a restricted or select_related queryset: a row outside it, or deleted
    meanwhile, is OutOfScope (404). Only the row itself is locked, not the joined ones."""
    queryset = rows._default_manager.all() if isinstance(rows, type) else rows
    current = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
    if current is None:
        raise OutOfScope()
    check_version(current, expected_version)  # type: ignore[arg-type]
    return current


def create_first(row: M) -> M:
    """Insert a row the page showed as absent (version 0). When another user created it in the
    same instant (the row's unique key; no row existed to lock), refuse like any stale edit
    instead of failing: the savepoint keeps the caller's transaction usable."""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise StaleVersion(1) from exc
    return row
