"""The citizens' door, without an account: send a report (anonymous unless a contact is
left), receive the follow-up code once, and read what became of it with the code. No
address or browser string is kept; requests are throttled by a daily-salted hash."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from antq.tipoffs.models import Kind
from antq.tipoffs.services import MAX_FILES, Upload, tip_by_code, tip_submit
from antq.tipoffs.throttle import allow, source_key
from antq.units.models import Unit, UnitKind
from antq.web.scoped import form_errors_from


def _provinces() -> list[tuple[int, str]]:
    """(id, name) of today's provinces: the form needs no more (a public page, kept light)."""
    return list(Unit.objects.valid_on(timezone.localdate()).filter(kind=UnitKind.PROVINCE).order_by("name")
                .values_list("pk", "name"))


def _communes(province_id: str) -> list[tuple[int, str]]:
    if not province_id.isdigit():
        return []
    return list(Unit.objects.valid_on(timezone.localdate()).filter(kind=UnitKind.COMMUNE, parent_id=int(province_id))
                .order_by("name").values_list("pk", "name"))


class TipForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What are you reporting?"), choices=Kind.choices,
                             widget=forms.RadioSelect)
    province = forms.TypedChoiceField(label=gettext_lazy("Province"), coerce=int)
    commune = forms.TypedChoiceField(label=gettext_lazy("Commune, ward or special zone"), coerce=int, required=False)
    place_unknown = forms.BooleanField(label=gettext_lazy("I do not remember the place"), required=False)
    place_detail = forms.CharField(label=gettext_lazy("Address or landmark (optional)"), max_length=300,
                                   required=False)
    occurred = forms.CharField(label=gettext_lazy("When did it happen? (optional)"), max_length=100, required=False)
    description = forms.CharField(label=gettext_lazy("What happened"), widget=forms.Textarea(attrs={"rows": 8}))
    contact = forms.CharField(label=gettext_lazy("Your contact (optional; leave empty to stay anonymous)"),
                              max_length=200, required=False)

    def __init__(self, *args: object, province_id: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["province"].choices = [("", "—"), *_provinces()]  # type: ignore[attr-defined]
        self.fields["commune"].choices = [("", "—"), *_communes(province_id)]  # type: ignore[attr-defined]
        self.fields["province"].widget.attrs.update({"hx-get": reverse("tip_communes"), "hx-target": "#id_commune",
                                                     "hx-swap": "innerHTML"})


@never_cache
@sensitive_post_parameters("contact", "description", "place_detail")
def tip_new(request: HttpRequest) -> HttpResponse:
    province_id = request.POST.get("province") or request.GET.get("province") or ""
    form = TipForm(request.POST or None, province_id=province_id)
    if request.method == "POST":
        if not allow(source_key(request), "submit"):
            return render(request, "tipoffs/throttled.html", status=429)
        files = request.FILES.getlist("files")
        if form.is_valid():
            data = form.cleaned_data
            province = Unit.objects.filter(pk=data["province"]).first()
            commune = None if data["place_unknown"] else Unit.objects.filter(pk=data["commune"] or 0).first()
            try:
                if province is None or (commune is None and not data["place_unknown"]):
                    raise ValidationError({"commune": gettext_lazy("Choose the commune, or tick "
                                                                   "\"I do not remember the place\".")})
                tip, code = tip_submit(kind=data["kind"], province=province, commune=commune,
                                       place_detail=data["place_detail"], occurred=data["occurred"],
                                       description=data["description"], contact=data["contact"],
                                       files=[Upload(f.name or "", f) for f in files])
                return render(request, "tipoffs/sent.html", {"code": code, "tip": tip, "unit": tip.unit})
            except ValidationError as exc:
                form_errors_from(form, exc)
    return render(request, "tipoffs/new.html", {"form": form, "max_files": MAX_FILES})


@never_cache
def tip_communes(request: HttpRequest) -> HttpResponse:
    """The commune options of a province (refreshed when the province changes)."""
    return render(request, "tipoffs/communes.html", {"communes": _communes(request.GET.get("province", ""))})


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Follow-up code"), max_length=40)


@never_cache
@sensitive_post_parameters("code")
def tip_follow(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST":
        key = source_key(request)
        if not allow(key, "lookup") or not allow("everyone", "lookup_any"):
            return render(request, "tipoffs/throttled.html", status=429)
        if form.is_valid():
            tip = tip_by_code(form.cleaned_data["code"])
            context["tip"] = tip
            context["not_found"] = tip is None
    return render(request, "tipoffs/follow.html", context)
