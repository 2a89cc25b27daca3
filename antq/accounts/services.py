"""Writes on accounts, grants and API tokens; each audited in its own transaction."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from antq.accounts.models import ApiToken, Grant, User, hash_token
from antq.accounts.roles import Role, grantable_roles, roles_allowing
from antq.core.audit import AuditContext, record_change, snapshot
from antq.core.errors import OutOfScope
from antq.core.models import ChangeRecord
from antq.core.scoping import Action, path_in_scope
from antq.units.models import Unit
from antq.units.selectors import inheriting_predecessor_paths

TOKEN_PREFIX = "antq_"
USER_SNAPSHOT_EXCLUDE = ("password",)


def _roles_over(actor: User, unit: Unit) -> set[str]:
    """Roles `actor` holds on `unit` or any of its ancestors (through lineage too)."""
    if actor.is_superuser:
        return {Role.ADMIN}
    roles = set()
    for grant in actor.grants.select_related("unit").filter(role__in=roles_allowing(Action.MANAGE_GRANTS)):
        if path_in_scope(unit.path, tuple(inheriting_predecessor_paths({grant.unit.path}))):
            roles.add(grant.role)
    return roles


@transaction.atomic
def user_create(
    *, ctx: AuditContext, username: str, password: str | None = None, full_name: str = "", email: str = ""
) -> User:
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("User name %(name)s is already taken.") % {"name": username}})
    user = User(username=username, first_name=full_name.strip(), email=email.strip())
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=user, scope_path="", before=None,
                  after=snapshot(user, exclude=USER_SNAPSHOT_EXCLUDE))
    return user


@transaction.atomic
def user_set_password(*, ctx: AuditContext, user: User, password: str) -> None:
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record_change(ctx, action=ChangeRecord.Action.UPDATE, obj=user, scope_path="", before=None,
                  after=None, reason="password changed")


@transaction.atomic
def grant_create(*, ctx: AuditContext, user: User, unit: Unit, role: str) -> Grant:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    if not ctx.is_operator:
        allowed = grantable_roles(_roles_over(ctx.actor, unit))
        if not allowed:
            raise OutOfScope()
        if role not in allowed:
            raise ValidationError({"role": _("You may not grant the role %(role)s.") % {"role": Role(role).label}})
    if Grant.objects.filter(user=user, unit=unit, role=role).exists():
        raise ValidationError(_("This user already holds this role on this unit."))
    grant = Grant.objects.create(user=user, unit=unit, role=role)
    user.forget_scope()
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=grant, scope_path=unit.path, before=None,
                  after=snapshot(grant))
    return grant


@transaction.atomic
def grant_revoke(*, ctx: AuditContext, grant: Grant, reason: str = "") -> None:
    if not ctx.is_operator and not grantable_roles(_roles_over(ctx.actor, grant.unit)):
        raise OutOfScope()
    record_change(ctx, action=ChangeRecord.Action.DELETE, obj=grant, scope_path=grant.unit.path,
                  before=snapshot(grant), after=None, reason=reason)
    grant.user.forget_scope()
    grant.delete()


@transaction.atomic
def user_create_with_grant(
    *, ctx: AuditContext, username: str, password: str, full_name: str, unit: Unit, role: str
) -> User:
    """An account for someone in the actor's subtree: created only if the grant is allowed."""
    if not ctx.is_operator and not grantable_roles(_roles_over(ctx.actor, unit)):
        raise OutOfScope()
    user = user_create(ctx=ctx, username=username, password=password, full_name=full_name)
    grant_create(ctx=ctx, user=user, unit=unit, role=role)
    return user


@transaction.atomic
def token_create(*, ctx: AuditContext, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip() or "token", prefix=raw[:12],
                                    token_hash=hash_token(raw))
    record_change(ctx, action=ChangeRecord.Action.CREATE, obj=token, scope_path="", before=None,
                  after=snapshot(token, exclude=("token_hash",)))
    return token, raw


@transaction.atomic
def token_revoke(*, ctx: AuditContext, token: ApiToken) -> None:
    before = snapshot(token, exclude=("token_hash",))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_change(ctx, action=ChangeRecord.Action.UPDATE, obj=token, scope_path="", before=before,
                  after=snapshot(token, exclude=("token_hash",)), reason="revoked")


def token_authenticate(raw: str) -> User | None:
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    # Last use is a convenience, not an audited change; update without touching the trail.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
