"""Forms for criminal cases and traffic accidents. Validation that needs the database
(unit valid on the date, scope, uniqueness) lives in the services; errors come back here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from antq.core.periods import SCHEMES
from antq.records.choices import CrimeGroup, Severity, TrafficMode
from antq.units.models import Unit
from antq.web.forms import VersionedForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseForm(VersionedForm):
    case_no = forms.CharField(label=_("Case number"), max_length=50)
    unit_code = forms.CharField(label=_("Unit code"), max_length=32,
                              help_text=_("The unit valid on the day it occurred"))
    occurred_on = forms.DateField(label=_("Occurred on"), widget=DATE)
    reported_on = forms.DateField(label=_("Reported on"), widget=DATE, required=False)
    article = forms.CharField(label=_("Penal Code article"), max_length=20, required=False,
                              help_text=_("e.g. 173 or 173.2"))
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    group = forms.ChoiceField(label=_("Reporting group"), choices=[("", _("from the article")), *CrimeGroup.choices],
                              required=False)
    cleared_on = forms.DateField(label=_("Cleared on"), widget=DATE, required=False)
    suspects = forms.IntegerField(label=_("Suspects"), min_value=0, required=False)
    child_victim = forms.BooleanField(label=_("Child victim"), required=False)
    sexual_abuse = forms.BooleanField(label=_("Sexual abuse"), required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=300, required=False)

    def __init__(self, *args: Any, sensitive: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not sensitive:  # only the secretariat sees or sets the sensitive flags
            del self.fields["child_victim"]
            del self.fields["sexual_abuse"]


class AccidentForm(VersionedForm):
    accident_no = forms.CharField(label=_("Accident number"), max_length=50)
    unit_code = forms.CharField(label=_("Unit code"), max_length=32,
                              help_text=_("The unit valid on the day it occurred"))
    occurred_on = forms.DateField(label=_("Occurred on"), widget=DATE)
    mode = forms.ChoiceField(label=_("Mode"), choices=TrafficMode.choices, initial=TrafficMode.ROAD)
    deaths = forms.IntegerField(label=_("Deaths within 7 days"), min_value=0)
    injuries = forms.IntegerField(label=_("Injuries"), min_value=0)
    missing = forms.IntegerField(label=_("Missing"), min_value=0, required=False)
    damage_vnd = forms.IntegerField(label=_("Property damage (VND)"), min_value=0, required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=300, required=False)

    def __init__(self, *args: Any, sensitive: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class LaterDeathForm(forms.Form):
    died_on = forms.DateField(label=_("Died on"), widget=DATE)
    count = forms.IntegerField(label=_("Number of deaths"), min_value=1, initial=1)


class RecordFilterForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False,
                                  widget=forms.HiddenInput)
    period = forms.CharField(label=_("Period"), required=False, max_length=20,
                             help_text=_("2020, 2020-05, 2020-Q2, 2020-H1, 2020-05-CUM"))
    scheme = forms.ChoiceField(label=_("Scheme"), choices=[(s, s) for s in SCHEMES], required=False)
    map = forms.ChoiceField(label=_("Map"), choices=[("time", _("map of the time")), ("current", _("today's map"))],
                            required=False)
    indicator = forms.CharField(required=False, widget=forms.HiddenInput)
    cleared_by = forms.CharField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("Number contains"), required=False, max_length=50)
    # A movement fact's records: the unit's area between two dates, optionally some severities.
    occurred_from = forms.DateField(required=False, widget=forms.HiddenInput)
    occurred_to = forms.DateField(required=False, widget=forms.HiddenInput)
    severity = forms.CharField(required=False, max_length=120, widget=forms.HiddenInput)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units
