"""The one scoping mechanism: every scoped queryset offers restrict(user, action).

Scope is a set of materialized-path prefixes of the unit tree. Which prefixes a user holds
is decided by the accounts app (grants, lineage); this module only applies them, so core
stays a leaf. A user object answers `scope_paths(action)`: None means unrestricted
(superuser), an empty tuple means nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Protocol, Self, TypeVar, runtime_checkable

from django.db import models
from django.db.models import Q, QuerySet

from antq.core.errors import OutOfScope

M = TypeVar("M", bound=models.Model)


class Action:
    VIEW = "view"
    VIEW_SENSITIVE = "view_sensitive"
    CHANGE = "change"
    MANAGE_GRANTS = "manage_grants"
    APPROVE = "approve"  # approve and lock what the units below submitted (classification, standard)
    ALL = (VIEW, VIEW_SENSITIVE, CHANGE, MANAGE_GRANTS, APPROVE)


@runtime_checkable
class ScopedUser(Protocol):
    def scope_paths(self, action: str) -> tuple[str, ...] | None: ...


def user_scope_paths(user: Any, action: str) -> tuple[str, ...] | None:
    """Path prefixes the user may act on: None for everything, () for nothing."""
    if not getattr(user, "is_authenticated", False) or not isinstance(user, ScopedUser):
        return ()
    return user.scope_paths(action)


def path_q(field: str, paths: tuple[str, ...]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


def path_in_scope(path: str, paths: tuple[str, ...] | None) -> bool:
    return paths is None or any(path.startswith(prefix) for prefix in paths)


class ScopedQuerySet(models.QuerySet):
    """Queryset whose rows belong to a unit reached through `scope_path_field`."""

    scope_path_field: ClassVar[str] = "unit__path"

    def restrict(self, user: Any, action: str = Action.VIEW) -> Self:
        paths = user_scope_paths(user, action)
        if paths is None:
            return self.all()
        if not paths:
            return self.none()
        return self.filter(path_q(self.scope_path_field, paths))


def all_in_scope(restricted: QuerySet[M], ids: Iterable[int]) -> list[M]:
    """The rows with these ids from an already restricted queryset; if any is missing (out of
    scope or unknown) the whole request is a 404, as if none existed."""
    wanted = set(ids)
    found = list(restricted.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise OutOfScope()
    return found
