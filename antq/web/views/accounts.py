"""Account pages: home, password change, personal API tokens, grants and the audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from antq.accounts.models import ApiToken, Grant, User
from antq.accounts.services import (
    grant_create,
    grant_revoke,
    token_create,
    token_revoke,
    user_create_with_grant,
    user_set_password,
)
from antq.core.models import ChangeRecord
from antq.core.scoping import Action, user_scope_paths
from antq.units.models import Unit
from antq.units.selectors import scope_roots
from antq.web.forms import AccountForm, GrantForm, PasswordChangeForm, TokenForm
from antq.web.scoped import audit_context, form_errors_from, require_post, scoped_get


def _current_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    grants = user.grants.select_related("unit").order_by("unit__path")
    roots = scope_roots(Unit.objects.restrict(user), user_scope_paths(user, Action.VIEW))
    return render(request, "home.html", {"grants": grants, "roots": roots.order_by("-valid_from", "name")[:20]})


@sensitive_post_parameters()
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    form = PasswordChangeForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            user_set_password(ctx=audit_context(request), user=user, password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _token, new_token = token_create(ctx=audit_context(request), user=user, name=form.cleaned_data["name"])
        form = TokenForm()
    return render(request, "accounts/tokens.html", {
        "form": form,
        "tokens": ApiToken.objects.filter(user=user),
        "new_token": new_token,
    })


@login_required
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_post(request)
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked_at__isnull=True)
    token_revoke(ctx=audit_context(request), token=token)
    messages.success(request, _("Token revoked."))
    return redirect("tokens")


@sensitive_post_parameters("password")
@login_required
def grants(request: HttpRequest) -> HttpResponse:
    user = _current_user(request)
    manageable = Grant.objects.restrict(user, Action.MANAGE_GRANTS)
    if not user.is_superuser and user_scope_paths(user, Action.MANAGE_GRANTS) == ():
        raise Http404()
    is_account = "account-new_username" in request.POST
    form = GrantForm(None if is_account else (request.POST or None), user=user)
    account_form = AccountForm(request.POST if is_account else None, user=user)
    if is_account and account_form.is_valid():
        data = account_form.cleaned_data
        try:
            user_create_with_grant(ctx=audit_context(request), username=data["new_username"],
                                   password=data["password"], full_name=data["full_name"],
                                   unit=data["unit"], role=data["role"])
        except ValidationError as exc:
            form_errors_from(account_form, exc)
        else:
            messages.success(request, _("Account %(name)s created.") % {"name": data["new_username"]})
            return redirect("grants")
    if not is_account and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant_create(ctx=audit_context(request), user=data["username"], unit=data["unit"], role=data["role"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Role granted."))
            return redirect("grants")
    page = Paginator(manageable.select_related("user", "unit"), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/grants.html", {"form": form, "account_form": account_form, "page": page})


@login_required
def grant_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_post(request)
    grant = scoped_get(Grant.objects.select_related("unit", "user"), request, Action.MANAGE_GRANTS, pk=pk)
    try:
        grant_revoke(ctx=audit_context(request), grant=grant, reason=request.POST.get("reason", "")[:300])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Role revoked."))
    return redirect("grants")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    records = ChangeRecord.objects.restrict(request.user).select_related("content_type")
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"page": page})
