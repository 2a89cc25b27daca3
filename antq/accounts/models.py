from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from antq.accounts.roles import Role, roles_allowing
from antq.core.scoping import ScopedQuerySet
from antq.units.models import Unit
from antq.units.selectors import inheriting_predecessor_paths


class User(AbstractUser):
    """An account. What it may see and change comes only from its grants."""

    def scope_paths(self, action: str) -> tuple[str, ...] | None:
        """Unit-path prefixes this user may perform `action` on (None: everything).

        A grant covers the granted unit's subtree and, through lineage, the subtrees of the
        units whose records it inherited (a new Phú Thọ grant sees old Hòa Bình records).
        Cached per user object, i.e. per request: the grants are read once, and actions
        granted on the same units share one lineage walk.
        """
        if not self.is_active:
            return ()
        if self.is_superuser:
            return None
        cache: dict[Any, Any] = self.__dict__.setdefault("_scope_cache", {})
        if "grants" not in cache:
            cache["grants"] = list(Grant.objects.filter(user=self).values_list("role", "unit__path"))
        allowed = roles_allowing(action)
        paths = frozenset(path for role, path in cache["grants"] if role in allowed)
        if paths not in cache:
            cache[paths] = tuple(sorted(inheriting_predecessor_paths(set(paths)))) if paths else ()
        return cache[paths]

    def forget_scope(self) -> None:
        self.__dict__.pop("_scope_cache", None)

    def roles(self) -> set[str]:
        return set(self.grants.values_list("role", flat=True))


class GrantQuerySet(ScopedQuerySet):
    scope_path_field: ClassVar[str] = "unit__path"


class Grant(models.Model):
    """A role held on a unit (and so on its whole subtree)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants", verbose_name=_("user"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="grants", verbose_name=_("unit"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["unit__path", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="grant_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit}"


def hash_token(raw: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough (no dictionary to guess from).
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if len(self.token_hash) != 64:
            raise ValueError("Only the hash of a token is ever stored")
        super().save(*args, **kwargs)
