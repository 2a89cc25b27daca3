"""Form widgets of our own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


class LongSelect(forms.Select):
    """A single-choice <select> written in one pass. Django renders every <option> through
    its own template: a province's unit list (650 units, 14.000 for the whole country) took
    most of its dashboard's time. Same markup, no option groups."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None,
               renderer: Any = None) -> SafeString:
        chosen = set(self.format_value(value))
        options = "".join(f'<option value="{escape(key)}"{" selected" if str(key) in chosen else ""}>'
                          f"{escape(label)}</option>" for key, label in self.choices)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)),
                           mark_safe(options))  # every key and label is escaped above


class UnitChoiceIterator(ModelChoiceIterator):
    """The units' labels read from the columns the label uses (Unit.__str__: name and code)."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for unit in self.queryset.only("pk", "name", "code"):
            yield (self.field.prepare_value(unit), self.field.label_from_instance(unit))


class UnitChoiceField(forms.ModelChoiceField):
    """A unit chosen from a list that can hold a whole province's tree."""

    widget = LongSelect
    iterator = UnitChoiceIterator
