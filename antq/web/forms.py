from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from antq.accounts.models import User
from antq.accounts.roles import Role
from antq.core.scoping import Action
from antq.core.spreadsheets import MAX_UPLOAD_BYTES
from antq.units.models import USER_CREATED_KINDS, Unit, UnitKind
from antq.web.widgets import UnitChoiceField


class VersionedForm(forms.Form):
    """A form that edits a record in place. It carries the version of the record it was filled
    from and, shown again after an error, the version it was posted with: a save based on an
    older page stays refused (StaleVersion) until the user reloads and sees the other change."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    @property
    def expected_version(self) -> int | None:
        version: int | None = self.cleaned_data.get("version")
        return version

    def values(self) -> dict[str, Any]:
        """The edited fields: everything but the version."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class UnitSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    date = forms.DateField(label=_("On date"), required=False)


class UnitForm(VersionedForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k, UnitKind(k).label) for k in USER_CREATED_KINDS])
    subtype = forms.CharField(label=_("Type"), max_length=40, required=False,
                              help_text=_("e.g. Thôn, Tổ dân phố, Trường THPT"))
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(label=_("Code"), max_length=32, required=False,
                           help_text=_("Leave blank to number it after the parent's code"))
    valid_from = forms.DateField(label=_("Valid from"), required=False)
    valid_to = forms.DateField(label=_("Valid to"), required=False)
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=300)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The end date is before the start date."))
        return data


class UnitImportForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx or UTF-8 .csv)"))
    dry_run = forms.BooleanField(label=_("Only check, do not save"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Only .xlsx and .csv files are accepted."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)d MB.") % {"size": MAX_UPLOAD_BYTES // 2**20})
        return upload


class GrantForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Form choices go through the same scoping as everything else.
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Unit.objects.restrict(user, Action.MANAGE_GRANTS).order_by("valid_to", "path")

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active user with this name."))
        return user


class AccountForm(forms.Form):
    new_username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    password = forms.CharField(label=_("Temporary password"), widget=forms.PasswordInput,
                               help_text=_("Give it to the person privately; they change it after logging in."))
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    prefix = "account"

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Unit.objects.restrict(user, Action.MANAGE_GRANTS).order_by("valid_to", "path")


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), widget=forms.PasswordInput)
    new_password1 = forms.CharField(label=_("New password"), widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("New password again"), widget=forms.PasswordInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_old_password(self) -> str:
        value: str = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("The current password is wrong."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords differ."))
        return data
