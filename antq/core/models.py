from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from antq.core.scoping import ScopedQuerySet


class ChangeRecordQuerySet(ScopedQuerySet):
    scope_path_field: ClassVar[str] = "scope_path"

    def for_object(self, obj: models.Model) -> ChangeRecordQuerySet:
        content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        return self.filter(content_type=content_type, object_id=str(obj.pk))


class ChangeRecord(models.Model):
    """One create/update/delete, written by a service function in the write's transaction.

    Append-only: the ORM refuses updates and deletes, and database triggers refuse them
    too (migration 0002), so not even raw SQL through the app's connection rewrites history.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")

    class Source(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API")
        CLI = "cli", _("Command line")
        SYSTEM = "system", _("System")

    time = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text so the trail survives the deletion or renaming of the account.
    actor_name = models.CharField(max_length=150)
    source = models.CharField(max_length=10, choices=Source.choices)
    request_id = models.UUIDField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    # Path of the unit the object belonged to, so the trail obeys the same scoping.
    scope_path = models.CharField(max_length=255, db_index=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)

    objects = ChangeRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "time"])]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Change records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Change records are append-only")

    def changed_fields(self) -> list[tuple[str, Any, Any]]:
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [(key, before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)]
