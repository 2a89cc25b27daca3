from django.db import models
from django.utils.translation import gettext_lazy as _

from antq.core.scoping import Action


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SECRETARIAT = "secretariat", _("Steering Committee secretariat")
    OFFICER = "officer", _("Officer (data entry)")
    VIEWER = "viewer", _("Viewer (read-only)")
    ORG_REP = "org_rep", _("Organisation representative")


ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Action.ALL),
    Role.SECRETARIAT: frozenset(Action.ALL),
    Role.OFFICER: frozenset({Action.VIEW, Action.CHANGE}),
    Role.VIEWER: frozenset({Action.VIEW}),
    # An org_rep's grant sits on its own agency/enterprise/school, so its subtree is its own data.
    Role.ORG_REP: frozenset({Action.VIEW, Action.CHANGE}),
}


def roles_allowing(action: str) -> list[str]:
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]


def grantable_roles(granter_roles: set[str]) -> list[str]:
    """Roles a holder of `granter_roles` may hand out below it: admins anything,
    the secretariat everything but admin."""
    if Role.ADMIN in granter_roles:
        return list(Role.values)
    if Role.SECRETARIAT in granter_roles:
        return [r for r in Role.values if r != Role.ADMIN]
    return []
