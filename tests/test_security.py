"""Secrets and informants' details never reach a log, an error report or the audit trail;
every form that changes something carries CSRF protection; nothing is exempted from it."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter

from antq.accounts.services import token_create
from antq.core.audit import AuditContext
from antq.core.models import ChangeRecord
from antq.web.views.tipoffs_public import tip_follow, tip_new
from tests.fixtures import PASSWORD, World

ROOT = Path(__file__).resolve().parent.parent
CONTACT, WRONG_PASSWORD, NEW_PASSWORD = "0987 654 321 chị Hoa", "Sai-mat-khau-2026", "Mat-khau-moi-rat-dai-2026"


@pytest.fixture(autouse=True)
def files_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def test_secrets_and_informants_details_are_never_logged(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    Client().post(reverse("login"), {"username": "alice", "password": WRONG_PASSWORD})
    citizen = Client(REMOTE_ADDR="203.0.113.50")
    sent = citizen.post(reverse("tip_new"), {
        "kind": "to_giac", "province": world.units["province"].pk, "commune": world.units["commune_b"].pk,
        "description": "Đối tượng lạ tàng trữ hàng cấm tại kho cũ.", "contact": CONTACT}).content.decode()
    code = re.search(r"([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})", sent)
    assert code is not None
    citizen.post(reverse("tip_follow"), {"code": code.group(1)})
    _token, raw = token_create(ctx=AuditContext.system(), user=world.users["alice"], name="máy trạm")
    assert Client().get("/api/v1/units", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    officer = Client()
    officer.force_login(world.users["alice"])
    officer.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                              "new_password2": NEW_PASSWORD})

    secrets = [WRONG_PASSWORD, PASSWORD, NEW_PASSWORD, CONTACT, code.group(1), raw, "203.0.113.50"]
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    audited = "".join(f"{c.before}{c.after}{c.reason}{c.object_repr}" for c in ChangeRecord.objects.all())
    for secret in secrets:
        assert secret not in logged, secret
        assert secret not in audited, secret


@pytest.mark.parametrize(("view", "fields"), [
    (tip_new, {"contact": CONTACT, "description": "Sự việc cần báo", "place_detail": "Nhà số 5"}),
    (tip_follow, {"code": "ABCD-EFGH-JKMN-PQRS-TVWX"}),
])
def test_error_reports_hide_what_citizens_typed(world: World, view: Any, fields: dict[str, str]) -> None:
    request = RequestFactory().post("/", fields)
    view(request)
    shown = SafeExceptionReporterFilter().get_post_parameters(request)
    for name, value in fields.items():
        assert shown[name] != value and set(shown[name]) == {"*"}


def test_error_reports_hide_passwords(world: World) -> None:
    request = RequestFactory().post("/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD})
    request.user = world.users["alice"]
    from antq.web.views.accounts import password_change

    password_change(request)
    shown = SafeExceptionReporterFilter().get_post_parameters(request)
    assert PASSWORD not in str(shown) and NEW_PASSWORD not in str(shown)


def test_every_form_that_posts_carries_a_csrf_token() -> None:
    missing = []
    for template in (ROOT / "antq" / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for form in re.findall(r"<form\b[^>]*>.*?</form>", text, flags=re.S | re.I):
            if re.search(r'method="post"', form, flags=re.I) and "{% csrf_token %}" not in form:
                missing.append(template.relative_to(ROOT).as_posix())
    assert not missing


def test_no_view_is_exempt_from_csrf() -> None:
    exempt = [path.relative_to(ROOT).as_posix() for path in (ROOT / "antq").rglob("*.py")
              if "csrf_exempt" in path.read_text(encoding="utf-8")]
    assert not exempt


def test_a_post_without_the_token_is_refused(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["alice"])
    assert client.post(reverse("password_change"), {"old_password": PASSWORD}).status_code == 403
    assert Client(enforce_csrf_checks=True).post(reverse("tip_new"), {}).status_code == 403


@pytest.mark.parametrize(("method", "name", "data"), [
    ("get", "unit_search", {"q": "Hòa\x00Bình"}),
    ("get", "record_list", {"q": "x\x00"}),
    ("post", "tip_follow", {"code": "ABCD\x00"}),
    ("post", "login", {"username": "alice\x00", "password": "x"}),
])
def test_a_nul_character_is_refused_plainly_never_a_500(world: World, method: str, name: str,
                                                       data: dict[str, str]) -> None:
    client = Client()
    client.force_login(world.users["alice"])
    url = reverse(name, kwargs={"kind": "cases"}) if name == "record_list" else reverse(name)
    response = getattr(client, method)(url, data)
    assert response.status_code == 400
    assert "ký tự không hợp lệ" in response.content.decode()
