from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from antq.accounts.models import ApiToken, User
from antq.accounts.services import token_authenticate
from antq.core.models import ChangeRecord
from tests.fixtures import PASSWORD, World


def test_cli_creates_user_with_grant_and_audits_it(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Mat-khau-rat-manh-2026\n"))
    out = io.StringIO()
    call_command("users", "create", "chau", "--unit", "04795", "--date", "2025-08-01", "--role", "officer",
                 "--password-stdin", stdout=out)
    user = User.objects.get(username="chau")
    assert user.check_password("Mat-khau-rat-manh-2026")
    assert user.grants.get().unit == world.units["commune_a"]
    records = ChangeRecord.objects.filter(source="cli", object_repr__contains="chau")
    assert records.exists()
    assert all("password" not in (r.after or {}) for r in records)


def test_cli_rejects_unknown_unit_and_weak_password(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CommandError, match="99999"):
        call_command("users", "create", "dan", "--unit", "99999", "--role", "viewer")
    assert not User.objects.filter(username="dan").exists()  # all-or-nothing
    monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))
    with pytest.raises(CommandError):
        call_command("users", "create", "dan", "--password-stdin")
    assert not User.objects.filter(username="dan").exists()


def test_token_is_printed_once_and_stored_hashed(world: World) -> None:
    out = io.StringIO()
    call_command("tokens", "create", "alice", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("antq_") and len(raw) > 40
    token = ApiToken.objects.get(user__username="alice")
    assert raw not in (token.token_hash, token.prefix) and token.token_hash != raw
    assert token_authenticate(raw) == world.users["alice"]
    assert token_authenticate(raw + "x") is None


def test_login_is_throttled_after_repeated_failures(world: World) -> None:
    client = Client()
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "alice", "password": "sai"})
        assert response.status_code == 200
    locked = client.post(reverse("login"), {"username": "alice", "password": "sai"})
    assert locked.status_code == 429
    assert "Sau 5 lần nhập sai mật khẩu, tài khoản bị khóa trên máy này trong 15 phút" in locked.content.decode()
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429  # locked even with the right password
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert other.post(reverse("login"), {"username": "bob", "password": PASSWORD}).status_code == 302


def test_password_change_is_audited(world: World) -> None:
    client = Client()
    client.force_login(world.users["alice"])
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Mot-mat-khau-moi-2026", "new_password2": "Mot-mat-khau-moi-2026"})
    assert response.status_code == 302
    world.users["alice"].refresh_from_db()
    assert world.users["alice"].check_password("Mot-mat-khau-moi-2026")
    assert ChangeRecord.objects.filter(reason="password changed", object_id=str(world.users["alice"].pk)).exists()


def test_grant_page_offers_only_units_in_scope(world: World) -> None:
    client = Client()
    client.force_login(world.users["dina"])
    body = client.get(reverse("grants")).content.decode()
    assert "Phường Thịnh Lang" in body and "Thị trấn Vụ Bản" not in body
    response = client.post(reverse("grants"), {"username": "bob", "unit": world.units["old_commune_b"].pk,
                                               "role": "viewer"})
    assert response.status_code == 200 and not world.users["bob"].grants.filter(role="viewer").exists()


def test_every_response_carries_request_id_and_csp(world: World) -> None:
    client = Client()
    client.force_login(world.users["alice"])
    response = client.get(reverse("unit_tree"))
    assert len(response["X-Request-ID"]) == 36
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_secretariat_creates_an_account_in_its_subtree(world: World) -> None:
    client = Client()
    client.force_login(world.users["dina"])
    data = {"account-new_username": "giang", "account-full_name": "Nguyễn Thị Giang",
            "account-password": "Tam-thoi-2026-xyz", "account-unit": world.units["old_commune_a"].pk,
            "account-role": "officer"}
    assert client.post(reverse("grants"), data).status_code == 302
    giang = User.objects.get(username="giang")
    assert giang.grants.get().unit == world.units["old_commune_a"]
    # Outside the subtree: the unit is not even a choice, and no account is created.
    data.update({"account-new_username": "hai", "account-unit": world.units["old_commune_b"].pk})
    assert client.post(reverse("grants"), data).status_code == 200
    assert not User.objects.filter(username="hai").exists()
    # A weak password is refused next to the field.
    data.update({"account-unit": world.units["old_commune_a"].pk, "account-password": "123"})
    body = client.post(reverse("grants"), data).content.decode()
    assert not User.objects.filter(username="hai").exists() and "errorlist" in body


def test_account_service_rolls_back_when_the_grant_is_refused(world: World) -> None:
    from antq.accounts.services import user_create_with_grant
    from antq.core.audit import AuditContext
    from antq.core.errors import OutOfScope

    ctx = AuditContext(actor=world.users["dina"], source="web")
    with pytest.raises(OutOfScope):
        user_create_with_grant(ctx=ctx, username="khoa", password="Tam-thoi-2026-xyz", full_name="",
                               unit=world.units["commune_b"], role="viewer")
    assert not User.objects.filter(username="khoa").exists()


def test_security_headers_on_every_page(world: World, settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    client = Client()
    for name in ("login", "tip_new"):
        response = client.get(reverse(name), secure=True)
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "<script>" not in response.content.decode() and " on" + "click=" not in response.content.decode()
    assert "Strict-Transport-Security" not in client.get(reverse("login"))  # never over plain HTTP


def test_passwords_shorter_than_twelve_characters_are_refused(world: World) -> None:
    from django.core.exceptions import ValidationError

    from antq.accounts.services import user_set_password
    from antq.core.audit import AuditContext

    with pytest.raises(ValidationError) as info:
        user_set_password(ctx=AuditContext.system(), user=world.users["alice"], password="Ngan-2026!")
    assert "12" in str(info.value)
    assert world.users["alice"].check_password(PASSWORD)
