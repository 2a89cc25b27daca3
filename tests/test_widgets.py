"""The one-pass <select> gives the markup of Django's own, option for option."""

from __future__ import annotations

import pytest
from django import forms
from django.test.html import parse_html

from antq.core.audit import AuditContext
from antq.units.models import Unit
from antq.units.services import unit_create
from antq.web.widgets import LongSelect, UnitChoiceField
from tests.fixtures import World


class Django(forms.Form):
    optional = forms.ModelChoiceField(queryset=Unit.objects.order_by("path"), required=False)
    required = forms.ModelChoiceField(queryset=Unit.objects.order_by("path"))


class Ours(forms.Form):
    optional = UnitChoiceField(queryset=Unit.objects.order_by("path"), required=False)
    required = UnitChoiceField(queryset=Unit.objects.order_by("path"))


@pytest.mark.parametrize("chosen", [None, "commune_a", "village_b"])
def test_same_markup_as_djangos_select(world: World, chosen: str | None) -> None:
    unit_create(ctx=AuditContext.system(), parent=world.units["commune_a"], kind="village", subtype="Thôn",
                name='Thôn "Đồi" <Cao> & Suối')  # escaped the same way
    data = {"optional": world.units[chosen].pk if chosen else "", "required": world.units["province"].pk}
    for bound in (True, False):
        theirs, ours = (Django(data), Ours(data)) if bound else (Django(), Ours())
        for name in ("optional", "required"):
            html = str(ours[name])
            assert parse_html(html) == parse_html(str(theirs[name]))
            assert html.count("<option") == Unit.objects.count() + 1
            if bound and (name == "required" or chosen):
                assert html.count(" selected") == 1
    assert isinstance(Ours().fields["optional"].widget, LongSelect)
