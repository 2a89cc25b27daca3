from typing import Any

from django.http import HttpRequest

from antq.core.scoping import Action, user_scope_paths


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The user's scope, shown in the header of every page, and which menus apply."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_grants": list(user.grants.select_related("unit").order_by("unit__path")[:5]),
        "nav_scope_all": user.is_superuser,
        "nav_can_manage_grants": user_scope_paths(user, Action.MANAGE_GRANTS) != (),
    }
