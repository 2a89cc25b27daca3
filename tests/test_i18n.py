"""The UI is Vietnamese by default, English on request, and every UI string is translated."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Message
from babel.messages.pofile import read_po
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation

ROOT = Path(__file__).resolve().parent.parent / "antq"
TEMPLATE_STRING = re.compile(r"""\{%\s*(?:translate|trans)\s+(?:"([^"]+)"|'([^']+)')""")
PYTHON_STRING = re.compile(r"""\b_\(\s*["']([^"'\n]+)["']\s*[),]""")


def catalogue() -> dict[str, Message]:
    with (ROOT / "locale/vi/LC_MESSAGES/django.po").open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(handle, locale="vi") if m.id}


def test_every_ui_string_has_a_vietnamese_translation() -> None:
    messages = catalogue()
    untranslated = [mid for mid, m in messages.items() if not m.string or m.fuzzy or m.string in ("", ("",))]
    assert not untranslated, untranslated
    wanted: set[str] = set()
    for path in ROOT.rglob("*.html"):
        wanted |= {a or b for a, b in TEMPLATE_STRING.findall(path.read_text(encoding="utf-8"))}
    for path in ROOT.rglob("*.py"):
        if "migrations" not in path.parts:
            wanted |= set(PYTHON_STRING.findall(path.read_text(encoding="utf-8")))
    missing = sorted(s for s in wanted if s not in messages)
    assert not missing, f"run makemessages and translate: {missing}"


def test_vietnamese_by_default_and_english_on_request(db: None) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "<h1>Đăng nhập</h1>" in client.get(reverse("login")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert "<h1>Log in</h1>" in client.get(reverse("login")).content.decode()


def test_number_filter_writes_whole_numbers_as_django_does() -> None:
    from antq.web.templatetags.antq_format import number

    for language, thousand in (("vi", "1.234.567"), ("en", "1,234,567")):
        with translation.override(language):
            assert number(1234567) == thousand
            for value in (0, 7, 999, 1000, -1000, -1234567, 10**15):
                assert number(value) == formats.number_format(value, 0, use_l10n=True, force_grouping=True)
            assert number(True) == "✓" and number(12, 2) == formats.number_format(12, 2, use_l10n=True,
                                                                                  force_grouping=True)


def test_vietnamese_number_and_date_forms() -> None:
    import datetime
    from decimal import Decimal

    with translation.override("vi"):
        assert formats.date_format(datetime.date(2026, 11, 28), "SHORT_DATE_FORMAT") == "28/11/2026"
        assert formats.number_format(Decimal("5.21"), 2) == "5,21"
        assert formats.number_format(1234, use_l10n=True, force_grouping=True) == "1.234"
