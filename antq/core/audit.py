"""Audit context and the one function that writes change records.

Every write goes through a named service function that takes an AuditContext explicitly
(no hidden request state), snapshots the object before and after, and calls
`record_change` inside its own transaction.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.http import HttpRequest

from antq.core.models import ChangeRecord
from antq.core.scoping import ScopedQuerySet

QS = TypeVar("QS", bound=ScopedQuerySet)


@dataclass(frozen=True)
class AuditContext:
    actor: Any  # accounts.User; typed loosely because core must not import accounts
    source: str
    request_id: uuid.UUID | None = None

    @classmethod
    def from_request(cls, request: HttpRequest, source: str = ChangeRecord.Source.WEB) -> AuditContext:
        return cls(actor=request.user, source=source, request_id=getattr(request, "request_id", None))

    @classmethod
    def cli(cls, actor: Any = None) -> AuditContext:
        return cls(actor=actor, source=ChangeRecord.Source.CLI, request_id=uuid.uuid4())

    @classmethod
    def system(cls) -> AuditContext:
        return cls(actor=None, source=ChangeRecord.Source.SYSTEM, request_id=uuid.uuid4())

    @property
    def is_operator(self) -> bool:
        """A command run on the server without --as-user: the operator is trusted with everything."""
        return self.actor is None and self.source in (ChangeRecord.Source.CLI, ChangeRecord.Source.SYSTEM)

    def restrict(self, queryset: QS, action: str) -> QS:
        """The one way services apply scoping to the acting user."""
        return queryset.all() if self.is_operator else queryset.restrict(self.actor, action)

    @property
    def user(self) -> Any:
        """The authenticated acting user, or None (operators, the system)."""
        return self.actor if self.actor is not None and getattr(self.actor, "is_authenticated", False) else None

    @property
    def actor_name(self) -> str:
        if self.actor is not None and getattr(self.actor, "is_authenticated", False):
            return str(self.actor.get_username())
        return f"<{self.source}>"


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def snapshot(obj: models.Model, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The concrete fields of obj as JSON-safe values (foreign keys as their ids)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        data[field.attname] = _json_value(getattr(obj, field.attname))
    return data


def record_change(
    ctx: AuditContext,
    *,
    action: str,
    obj: models.Model,
    scope_path: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str = "",
) -> ChangeRecord:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_change must run inside the write's transaction")
    record = ChangeRecord(
        actor=ctx.user,
        actor_name=ctx.actor_name,
        source=ctx.source,
        request_id=ctx.request_id,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        scope_path=scope_path,
        before=before,
        after=after,
        reason=reason,
    )
    record.save()
    return record


def save_versioned(ctx: AuditContext, obj: Any, *, scope_path: str, before: dict[str, Any] | None,
                   after: Callable[[Any], dict[str, Any]] = snapshot, reason: str = "") -> None:
    """Bump an editable row's version, save it and audit the change (in the caller's transaction)."""
    obj.version += 1
    obj.save()
    record_change(ctx, action=ChangeRecord.Action.UPDATE, obj=obj, scope_path=scope_path, before=before,
                  after=after(obj), reason=reason)
