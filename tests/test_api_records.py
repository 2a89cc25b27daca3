"""The record and indicator routes of the JSON API: /cases, /accidents, their CSV exports, /indicators.

Scoping (404 identical to missing), optimistic versions (409), validation (422 naming the
field), the sensitive flags (keys absent below the secretariat), the indicator JSON (the
same as `indicator_report` and `antq indicators --format json`), and CSV round trips.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import random
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from antq.accounts.services import token_create
from antq.core.audit import AuditContext
from antq.core.models import ChangeRecord
from antq.core.periods import period_from_spec
from antq.indicators.engine import Computation, indicator_report, resolve_unit
from antq.records.imports import import_records
from antq.records.models import CriminalCase, LaterDeath, TrafficAccident
from antq.records.services import accident_create, case_create
from antq.units.models import Unit
from tests.fixtures import World

API = "/api/v1"
D = datetime.date
NEW, OLD = D(2025, 8, 1), D(2024, 6, 1)
SENSITIVE = {"child_victim", "sexual_abuse"}
CASE_KEYS = {"id", "case_no", "unit", "occurred_on", "reported_on", "article", "severity", "group", "cleared_on",
             "suspects", "version"}
ACCIDENT_KEYS = {"id", "accident_no", "unit", "occurred_on", "mode", "deaths", "injuries", "missing", "damage_vnd",
                 "later_deaths", "version"}


class Api:
    """A test client speaking as one user through a bearer token."""

    def __init__(self, world: World, username: str) -> None:
        _, raw = token_create(ctx=AuditContext.system(), user=world.users[username], name="test")
        self.client = Client(headers={"Authorization": f"Bearer {raw}"})

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, /, **params: Any) -> Any:
        query = urlencode(params, doseq=True)
        url = f"{API}{path}" + (f"?{query}" if query else "")
        send = getattr(self.client, method.lower())
        if body is None:
            return send(url)
        return send(url, data=body, content_type="application/json")

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, **params)


def make_case(world: World, key: str, number: str, on: D, **values: Any) -> CriminalCase:
    values = {"severity": "nghiem_trong", "group": "ttxh", **values}
    return case_create(ctx=AuditContext.system(), case_no=number, unit=world.units[key], occurred_on=on, **values)


def make_accident(world: World, key: str, number: str, on: D, **values: Any) -> TrafficAccident:
    values = {"deaths": 1, "injuries": 2, **values}
    return accident_create(ctx=AuditContext.system(), accident_no=number, unit=world.units[key], occurred_on=on,
                           **values)


def api_records(obj: Any) -> list[tuple[str, str]]:
    """(action, actor) of the API change records of an object, oldest first."""
    return list(ChangeRecord.objects.filter(content_type__model=type(obj)._meta.model_name, object_id=str(obj.pk),
                                            source="api").order_by("time", "pk").values_list("action", "actor_name"))


def csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# -- create, read, change, delete ---------------------------------------------------------------


def test_alice_case_crud_audited_as_api(world: World) -> None:
    alice = Api(world, "alice")
    body = {"case_no": "HS-2025-0001", "unit_code": "04795", "occurred_on": "2025-08-01",
            "reported_on": "2025-08-02", "article": "173.2", "severity": "nghiem_trong", "group": "ttxh",
            "suspects": 2}
    created = alice.call("POST", "/cases", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert set(data) == CASE_KEYS
    assert data["unit"] == {"code": "04795", "name": "Phường Hòa Bình"}
    assert (data["occurred_on"], data["reported_on"], data["cleared_on"]) == ("2025-08-01", "2025-08-02", None)
    assert (data["severity"], data["group"], data["suspects"], data["version"]) == ("nghiem_trong", "ttxh", 2, 1)
    case = CriminalCase.objects.get(pk=data["id"])
    assert case.unit_id == world.units["commune_a"].pk and case.province_id == world.units["province"].pk
    record = ChangeRecord.objects.for_object(case).get()
    assert (record.source, record.action, record.actor_name) == ("api", "create", "alice")
    assert str(record.request_id) == created["X-Request-ID"]

    assert alice.get(f"/cases/{case.pk}").json() == data
    changed = alice.call("PATCH", f"/cases/{case.pk}", {"version": 1, "cleared_on": "2025-08-20", "suspects": None,
                                                         "reason": "khám phá"})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["cleared_on"], changed.json()["suspects"], changed.json()["version"]) == (
        "2025-08-20", None, 2)
    assert changed.json()["reported_on"] == "2025-08-02"  # not sent: unchanged
    # An old date moves the case to the unit carrying its code then (old Thịnh Lang).
    moved = alice.call("PATCH", f"/cases/{case.pk}", {"version": 2, "occurred_on": "2024-06-01",
                                                       "reported_on": None, "cleared_on": None})
    assert moved.status_code == 200, moved.content
    assert moved.json()["unit"] == {"code": "04795", "name": "Phường Thịnh Lang"}
    assert CriminalCase.objects.get(pk=case.pk).unit_id == world.units["old_commune_a"].pk

    assert alice.call("DELETE", f"/cases/{case.pk}", reason="trùng").status_code == 204
    assert not CriminalCase.objects.filter(pk=case.pk).exists()
    assert alice.get(f"/cases/{case.pk}").status_code == 404
    assert api_records(case) == [("create", "alice"), ("update", "alice"), ("update", "alice"), ("delete", "alice")]
    assert ChangeRecord.objects.filter(object_id=str(case.pk), action="delete").get().reason == "trùng"


def test_alice_accident_crud_and_later_deaths(world: World) -> None:
    alice = Api(world, "alice")
    body = {"accident_no": "TN-2025-0001", "unit_code": world.units["village_a"].code, "occurred_on": "2025-08-03",
            "deaths": 1, "injuries": 3, "damage_vnd": 15000000}
    created = alice.call("POST", "/accidents", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert set(data) == ACCIDENT_KEYS
    assert (data["mode"], data["missing"], data["later_deaths"], data["version"]) == ("duong_bo", 0, 0, 1)
    assert data["unit"]["name"] == "Tổ dân phố Đồng Tiến"
    accident = TrafficAccident.objects.get(pk=data["id"])

    later = alice.call("POST", f"/accidents/{accident.pk}/later-deaths", {"died_on": "2025-08-20", "count": 2})
    assert later.status_code == 201, later.content
    assert later.json()["later_deaths"] == 2 and later.json()["deaths"] == 1
    assert LaterDeath.objects.get(accident=accident).count == 2
    assert alice.get(f"/accidents/{accident.pk}").json()["later_deaths"] == 2
    assert alice.get("/accidents").json()["items"][0]["later_deaths"] == 2

    changed = alice.call("PATCH", f"/accidents/{accident.pk}", {"version": 1, "injuries": 4, "mode": "duong_thuy"})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["injuries"], changed.json()["mode"], changed.json()["version"]) == (4, "duong_thuy", 2)
    assert changed.json()["later_deaths"] == 2
    assert alice.call("DELETE", f"/accidents/{accident.pk}").status_code == 204
    assert not TrafficAccident.objects.filter(pk=accident.pk).exists()
    assert api_records(accident) == [("create", "alice"), ("update", "alice"), ("delete", "alice")]
    assert ChangeRecord.objects.filter(content_type__model="laterdeath", source="api", actor_name="alice").count() == 1


# -- scoping ------------------------------------------------------------------------------------


def test_bob_gets_404_on_alice_records(world: World) -> None:
    case = make_case(world, "commune_a", "HS-A-1", NEW, suspects=1)
    accident = make_accident(world, "commune_a", "TN-A-1", NEW)
    bob, alice = Api(world, "bob"), Api(world, "alice")
    missing = bob.get("/cases/999999999")
    assert missing.status_code == 404
    for path, patch in ((f"/cases/{case.pk}", {"version": 1, "suspects": 9}),
                        (f"/accidents/{accident.pk}", {"version": 1, "injuries": 9})):
        for response in (bob.get(path), bob.call("PATCH", path, patch), bob.call("DELETE", path)):
            assert response.status_code == 404 and response.json() == missing.json()
    later = bob.call("POST", f"/accidents/{accident.pk}/later-deaths", {"died_on": "2025-08-20"})
    assert later.status_code == 404 and later.json() == missing.json()
    assert CriminalCase.objects.get(pk=case.pk).suspects == 1
    assert TrafficAccident.objects.get(pk=accident.pk).injuries == 2 and not LaterDeath.objects.exists()

    make_case(world, "commune_b", "HS-B-1", NEW)
    assert [c["case_no"] for c in bob.get("/cases").json()["items"]] == ["HS-B-1"]
    assert bob.get("/cases").json()["count"] == 1
    assert bob.get("/cases", q="HS-A").json() == {"count": 0, "items": []}
    assert bob.get("/accidents").json() == {"count": 0, "items": []}
    assert alice.get("/cases").json()["count"] == 1 and alice.get("/accidents").json()["count"] == 1
    assert len(csv_rows(bob.get("/cases/export.csv"))) == 2  # header + his one case


def test_viewer_reads_but_cannot_write(world: World) -> None:
    case = make_case(world, "commune_b", "HS-B-1", NEW)
    victor = Api(world, "victor")
    assert victor.get(f"/cases/{case.pk}").status_code == 200
    assert victor.call("PATCH", f"/cases/{case.pk}", {"version": 1, "suspects": 3}).status_code == 404
    assert victor.call("DELETE", f"/cases/{case.pk}").status_code == 404
    body = {"case_no": "HS-V-1", "unit_code": "05266", "occurred_on": "2025-08-01", "severity": "nghiem_trong",
            "group": "ttxh"}
    assert victor.call("POST", "/cases", body).status_code == 404
    assert CriminalCase.objects.count() == 1


def test_create_in_a_unit_out_of_scope_is_404_like_an_unknown_code(world: World) -> None:
    alice = Api(world, "alice")
    body = {"case_no": "HS-X-1", "occurred_on": "2025-08-01", "severity": "nghiem_trong", "group": "ttxh"}
    foreign = alice.call("POST", "/cases", {**body, "unit_code": "05266"})
    unknown = alice.call("POST", "/cases", {**body, "unit_code": "99999"})
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    accident = {"accident_no": "TN-X-1", "occurred_on": "2025-08-01", "unit_code": "05266"}
    assert alice.call("POST", "/accidents", accident).json() == unknown.json()
    assert not CriminalCase.objects.exists() and not TrafficAccident.objects.exists()


# -- versions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "field"), [("cases", "suspects"), ("accidents", "injuries")])
def test_stale_version_is_409_and_nothing_is_written(world: World, kind: str, field: str) -> None:
    record = (make_case(world, "commune_a", "HS-A-1", NEW, suspects=1) if kind == "cases"
              else make_accident(world, "commune_a", "TN-A-1", NEW))
    alice, paula = Api(world, "alice"), Api(world, "paula")
    first = paula.call("PATCH", f"/{kind}/{record.pk}", {"version": 1, field: 5})
    assert first.status_code == 200 and first.json()["version"] == 2
    before = ChangeRecord.objects.count()
    stale = alice.call("PATCH", f"/{kind}/{record.pk}", {"version": 1, field: 7})
    assert stale.status_code == 409, stale.content
    data = stale.json()
    assert data["current_version"] == 2
    assert "Hồ sơ đã được người khác sửa" in data["detail"] and "changed by someone else" in data["detail"]
    fresh = type(record).objects.get(pk=record.pk)
    assert (getattr(fresh, field), fresh.version) == (5, 2)
    assert ChangeRecord.objects.count() == before
    again = alice.call("PATCH", f"/{kind}/{record.pk}", {"version": 2, field: 7})
    assert again.status_code == 200 and again.json()[field] == 7 and again.json()["version"] == 3


def test_version_is_required_to_change(world: World) -> None:
    case = make_case(world, "commune_a", "HS-A-1", NEW)
    response = Api(world, "alice").call("PATCH", f"/cases/{case.pk}", {"suspects": 3})
    assert response.status_code == 422 and "version" in response.json()["fields"]


# -- validation ---------------------------------------------------------------------------------

CASE = {"case_no": "HS-N-1", "unit_code": "04795", "occurred_on": "2025-08-01", "severity": "nghiem_trong",
        "group": "ttxh"}
ACCIDENT = {"accident_no": "TN-N-1", "unit_code": "04795", "occurred_on": "2025-08-01", "deaths": 0, "injuries": 1}


def _future() -> str:
    return (timezone.localdate() + datetime.timedelta(days=3)).isoformat()


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/cases", {**CASE, "cleared_on": "2025-07-30"}, "cleared_on"),
    ("/cases", {**CASE, "reported_on": "2025-07-30"}, "reported_on"),
    ("/cases", {**CASE, "occurred_on": "future"}, "occurred_on"),
    ("/cases", {**CASE, "occurred_on": "2025-02-30"}, "occurred_on"),
    ("/cases", {**CASE, "occurred_on": None}, "occurred_on"),
    ("/cases", {**CASE, "unit_code": "04798"}, "unit_code"),  # hers, but merged away on 1/7/2025
    ("/cases", {**CASE, "unit_code": ""}, "unit_code"),
    ("/cases", {**CASE, "case_no": " "}, "case_no"),
    ("/cases", {**CASE, "severity": "terrible"}, "severity"),
    ("/cases", {**CASE, "group": None, "article": ""}, "group"),
    ("/cases", {**CASE, "suspects": -1}, "suspects"),
    ("/accidents", {**ACCIDENT, "occurred_on": "future"}, "occurred_on"),
    ("/accidents", {**ACCIDENT, "unit_code": "04798"}, "unit_code"),
    ("/accidents", {**ACCIDENT, "deaths": -1}, "deaths"),
    ("/accidents", {**ACCIDENT, "mode": "air"}, "mode"),
])
def test_invalid_input_is_422_naming_the_field(world: World, path: str, body: dict[str, Any], field: str) -> None:
    if body.get("occurred_on") == "future":
        body = {**body, "occurred_on": _future()}
    response = Api(world, "alice").call("POST", path, body)
    assert response.status_code == 422, response.content
    data = response.json()
    assert field in data["fields"], data
    assert data["detail"] and all(isinstance(message, str) for message in data["detail"])
    assert not CriminalCase.objects.exists() and not TrafficAccident.objects.exists()


def test_duplicate_number_is_422(world: World) -> None:
    make_case(world, "commune_b", "HS-N-1", NEW)  # same province (new 25), other commune
    response = Api(world, "alice").call("POST", "/cases", CASE)
    assert response.status_code == 422 and "case_no" in response.json()["fields"]


@pytest.mark.parametrize(("body", "field"), [
    ({"version": 1, "cleared_on": "2025-07-01"}, "cleared_on"),
    ({"version": 1, "occurred_on": "future"}, "occurred_on"),
    ({"version": 1, "unit_code": "04798"}, "unit_code"),
    ({"version": 1, "suspects": -2}, "suspects"),
])
def test_invalid_change_is_422_and_unchanged(world: World, body: dict[str, Any], field: str) -> None:
    case = make_case(world, "commune_a", "HS-A-1", NEW, suspects=1)
    if body.get("occurred_on") == "future":
        body = {**body, "occurred_on": _future()}
    response = Api(world, "alice").call("PATCH", f"/cases/{case.pk}", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"], response.json()
    fresh = CriminalCase.objects.get(pk=case.pk)
    assert (fresh.version, fresh.suspects, fresh.cleared_on, fresh.unit_id) == (1, 1, None, case.unit_id)


def test_later_death_before_the_accident_is_422(world: World) -> None:
    accident = make_accident(world, "commune_a", "TN-A-1", NEW)
    alice = Api(world, "alice")
    early = alice.call("POST", f"/accidents/{accident.pk}/later-deaths", {"died_on": "2025-07-01"})
    assert early.status_code == 422 and "died_on" in early.json()["fields"]
    none = alice.call("POST", f"/accidents/{accident.pk}/later-deaths", {"died_on": "2025-08-09", "count": 0})
    assert none.status_code == 422 and "count" in none.json()["fields"]
    assert not LaterDeath.objects.exists()


# -- sensitive flags ----------------------------------------------------------------------------


def test_sensitive_flags_only_for_the_secretariat(world: World) -> None:
    paula, alice, victor = Api(world, "paula"), Api(world, "alice"), Api(world, "victor")
    created = paula.call("POST", "/cases", {**CASE, "child_victim": True})
    assert created.status_code == 201, created.content
    assert created.json()["child_victim"] is True and created.json()["sexual_abuse"] is False
    pk = created.json()["id"]
    for api in (paula, Api(world, "root")):
        assert api.get(f"/cases/{pk}").json()["child_victim"] is True
        assert set(api.get("/cases").json()["items"][0]) >= SENSITIVE
    for api in (alice, victor):
        detail = api.get(f"/cases/{pk}").json()
        assert set(detail) == CASE_KEYS, detail
        assert not SENSITIVE & set(api.get("/cases").json()["items"][0])

    # An officer sending the flags has them ignored, and still does not see them.
    changed = alice.call("PATCH", f"/cases/{pk}", {"version": 1, "child_victim": False, "sexual_abuse": True,
                                                    "suspects": 2})
    assert changed.status_code == 200 and set(changed.json()) == CASE_KEYS
    fresh = CriminalCase.objects.get(pk=pk)
    assert (fresh.child_victim, fresh.sexual_abuse, fresh.suspects) == (True, False, 2)
    own = alice.call("POST", "/cases", {**CASE, "case_no": "HS-N-2", "sexual_abuse": True})
    assert own.status_code == 201 and set(own.json()) == CASE_KEYS
    assert CriminalCase.objects.get(pk=own.json()["id"]).sexual_abuse is False
    assert "child_victim" not in csv_rows(paula.get("/cases/export.csv"))[0]


def test_old_district_secretariat_sees_flags_in_her_district_only(world: World) -> None:
    mine = make_case(world, "old_commune_a", "HS-O-1", OLD, child_victim=True)
    dina = Api(world, "dina")
    assert dina.get(f"/cases/{mine.pk}").json()["child_victim"] is True
    other = make_case(world, "commune_a", "HS-O-2", NEW, child_victim=True)
    assert dina.get(f"/cases/{other.pk}").status_code == 404


# -- lists and filters --------------------------------------------------------------------------


@pytest.fixture
def listed(world: World) -> dict[str, CriminalCase]:
    return {
        "a1": make_case(world, "commune_a", "HS-A-1", NEW, cleared_on=D(2025, 8, 10)),
        "a2": make_case(world, "old_commune_a", "HS-A-2", OLD, group="ma_tuy", severity="rat_nghiem_trong"),
        "v3": make_case(world, "village_a", "HS-V-3", D(2025, 9, 1), severity="it_nghiem_trong"),
        "b4": make_case(world, "commune_b", "HS-B-4", D(2025, 8, 2)),
    }


@pytest.mark.parametrize(("params", "expected"), [
    ({}, ["v3", "b4", "a1", "a2"]),
    ({"unit": "04795", "date": "2025-08-01"}, ["v3", "a1"]),
    ({"unit": "04795"}, ["v3", "a1", "a2"]),
    ({"unit": "04795", "date": "2024-06-01"}, ["a2"]),
    ({"unit": "25"}, ["v3", "b4", "a1"]),  # new and old Phú Thọ; old Hòa Bình (17) is another subtree
    ({"unit": "17"}, ["a2"]),
    ({"unit": "99999"}, []),
    ({"occurred_from": "2025-08-02"}, ["v3", "b4"]),
    ({"occurred_to": "2025-08-01"}, ["a1", "a2"]),
    ({"group": "ma_tuy"}, ["a2"]),
    ({"severity": "it_nghiem_trong"}, ["v3"]),
    ({"cleared": "true"}, ["a1"]),
    ({"cleared": "false"}, ["v3", "b4", "a2"]),
    ({"cleared": "", "group": ""}, ["v3", "b4", "a1", "a2"]),
    ({"q": "hs-a"}, ["a1", "a2"]),
])
def test_case_filters(world: World, listed: dict[str, CriminalCase], params: dict[str, str],
                      expected: list[str]) -> None:
    data = Api(world, "root").get("/cases", **params).json()
    names = {c.case_no: key for key, c in listed.items()}
    assert [names[item["case_no"]] for item in data["items"]] == expected
    assert data["count"] == len(expected)
    rows = csv_rows(Api(world, "root").get("/cases/export.csv", **params))
    assert [names[row[0]] for row in rows[1:]] == expected


def test_paging_counts_the_whole_filtered_list(world: World, listed: dict[str, CriminalCase]) -> None:
    data = Api(world, "root").get("/cases", limit="1", offset="1").json()
    assert data["count"] == 4 and [item["case_no"] for item in data["items"]] == ["HS-B-4"]
    alice = Api(world, "alice")
    assert alice.get("/cases").json()["count"] == 3
    assert alice.get("/cases", unit="05266").json() == {"count": 0, "items": []}
    assert alice.get("/cases", unit="25").json()["count"] == 0  # the province is not hers to name


@pytest.mark.parametrize(("params", "field"), [({"group": "xyz"}, "group"), ({"severity": "x"}, "severity"),
                                                ({"cleared": "maybe"}, "cleared"), ({"date": "2025-13-01"}, "date"),
                                                ({"occurred_from": "x"}, "occurred_from"), ({"limit": "0"}, "limit")])
def test_bad_filters_are_422(world: World, params: dict[str, str], field: str) -> None:
    for path in ("/cases", "/cases/export.csv") if field != "limit" else ("/cases",):
        response = Api(world, "root").get(path, **params)
        assert response.status_code == 422 and field in response.json()["fields"], response.content


def test_accident_filters(world: World) -> None:
    make_accident(world, "commune_a", "TN-A-1", NEW)
    make_accident(world, "commune_b", "TN-B-2", D(2025, 8, 5), mode="duong_sat")
    root = Api(world, "root")
    assert [a["accident_no"] for a in root.get("/accidents").json()["items"]] == ["TN-B-2", "TN-A-1"]
    assert [a["accident_no"] for a in root.get("/accidents", mode="duong_sat").json()["items"]] == ["TN-B-2"]
    assert [a["accident_no"] for a in root.get("/accidents", unit="04795").json()["items"]] == ["TN-A-1"]
    assert [a["accident_no"] for a in root.get("/accidents", q="b-2").json()["items"]] == ["TN-B-2"]
    assert root.get("/accidents", occurred_from="2025-08-06").json()["count"] == 0
    assert root.get("/accidents", mode="air").status_code == 422


# -- CSV export ---------------------------------------------------------------------------------


def _generate(world: World, seed: int = 11) -> None:
    rng = random.Random(seed)
    old = ["old_commune_a", "old_commune_a2", "old_commune_b", "old_commune_pt", "old_village_a"]
    new = ["commune_a", "commune_b", "commune_pt", "village_a", "village_b", "school_a"]
    start, span = D(2023, 12, 15), (D(2026, 6, 30) - D(2023, 12, 15)).days
    for number in range(80):
        day = start + datetime.timedelta(days=rng.randrange(span))
        cleared = day + datetime.timedelta(days=rng.randrange(0, 90)) if rng.random() < 0.8 else None
        make_case(world, rng.choice(old if day < D(2025, 7, 1) else new), f"C{number:03d}", day,
                  severity=rng.choice(["it_nghiem_trong", "nghiem_trong", "rat_nghiem_trong"]),
                  group=rng.choice(["ttxh", "ttxh", "ma_tuy", "kinh_te"]), cleared_on=cleared,
                  suspects=rng.choice([None, 1, 2]), article=rng.choice(["", "173", "249.1"]))
    for number in range(30):
        day = start + datetime.timedelta(days=rng.randrange(span))
        make_accident(world, rng.choice(old if day < D(2025, 7, 1) else new), f"A{number:03d}", day,
                      deaths=rng.randrange(3), injuries=rng.randrange(4), damage_vnd=rng.choice([None, 5000000]))


@pytest.mark.parametrize("kind", ["cases", "accidents"])
def test_export_round_trips_through_the_importer(world: World, kind: str) -> None:
    _generate(world)
    model = CriminalCase if kind == "cases" else TrafficAccident
    before = {r.pk: (r.unit_id, r.occurred_on) for r in model.objects.all()}
    exported = Api(world, "paula").get(f"/{kind}/export.csv")
    rows = csv_rows(exported)
    assert len(rows) - 1 == len(before) == model.objects.count()
    assert 'filename="' in exported["Content-Disposition"]
    result = import_records(ctx=AuditContext(actor=world.users["paula"], source="api"), kind=kind,
                            handle=io.BytesIO(exported.content))
    assert result.ok, result.errors[:5]
    # Re-importing an unchanged export changes nothing: no new version, no audit row.
    assert (result.created, result.updated, result.unchanged) == (0, 0, len(before))
    assert {r.pk: r.version for r in model.objects.all()} == {pk: 1 for pk in before}
    assert {r.pk: (r.unit_id, r.occurred_on) for r in model.objects.all()} == before
    again = Api(world, "paula").get(f"/{kind}/export.csv")
    assert csv_rows(again) == rows


def test_export_is_scoped(world: World) -> None:
    _generate(world)
    rows = csv_rows(Api(world, "bob").get("/cases/export.csv"))
    bob_units = {world.units[k].pk for k in ("commune_b", "old_commune_b", "village_b")}
    expected = set(CriminalCase.objects.filter(unit__in=bob_units).values_list("case_no", flat=True))
    assert expected and {row[0] for row in rows[1:]} == expected
    assert csv_rows(Api(world, "oscar").get("/accidents/export.csv"))[1:] == []


# -- indicators ---------------------------------------------------------------------------------


def _report(user: Any, code: str, spec: str, scheme: str = "mps", map_: str = "time", cleared_by: str = "period",
            ids: list[str] | None = None) -> dict[str, Any]:
    period = period_from_spec(spec, scheme)
    units = Unit.objects.restrict(user) if user is not None else None
    cases = CriminalCase.objects.restrict(user) if user is not None else CriminalCase.objects.all()
    accidents = TrafficAccident.objects.restrict(user) if user is not None else TrafficAccident.objects.all()
    return indicator_report(unit=resolve_unit(code, period, map_, units=units), period=period, map_=map_, ids=ids,
                            computation=Computation(cases, accidents, cleared_by=cleared_by))


@pytest.mark.parametrize(("params", "args"), [
    ({"unit": "25", "period": "2025", "map": "current"}, ("25", "2025", "mps", "current", "period", None)),
    ({"unit": "04795", "period": "2025-Q3", "scheme": "calendar", "cleared_by": "today"},
     ("04795", "2025-Q3", "calendar", "time", "today", None)),
    ({"unit": "17", "period": "2024-h2"}, ("17", "2024-H2", "mps", "time", "period", None)),
    ({"unit": "25", "period": "2026-05-CUM", "indicator": ["clearance_rate", "accidents"]},
     ("25", "2026-05-CUM", "mps", "time", "period", ["clearance_rate", "accidents"])),
])
def test_indicators_equal_the_engine_report_for_root(world: World, params: dict[str, Any], args: tuple) -> None:
    _generate(world)
    response = Api(world, "root").get("/indicators", **params)
    assert response.status_code == 200, response.content
    data = response.json()
    code, spec, scheme, map_, cleared_by, ids = args
    assert data == _report(None, code, spec, scheme, map_, cleared_by, ids)
    assert data == _report(world.users["root"], code, spec, scheme, map_, cleared_by, ids)
    if ids:
        assert set(data["indicators"]) == set(ids)
    assert data["indicators"]["clearance_rate"]["value"] is not None or ids


def test_indicators_equal_the_cli_json(world: World) -> None:
    _generate(world)
    out = io.StringIO()
    call_command("indicators", "--unit", "04795", "--period", "2025", "--map", "current", "--format", "json",
                 stdout=out)
    api = Api(world, "root").get("/indicators", unit="04795", period="2025", map="current").json()
    assert api == json.loads(out.getvalue())


def test_indicators_count_only_the_callers_records(world: World) -> None:
    _generate(world)
    bob = Api(world, "bob")
    data = bob.get("/indicators", unit="05266", period="2025", map="current").json()
    assert data == _report(world.users["bob"], "05266", "2025", map_="current")
    period = period_from_spec("2025", "mps")
    bob_units = {world.units[k].pk for k in ("commune_b", "old_commune_b", "village_b")}
    mine = CriminalCase.objects.filter(unit__in=bob_units, occurred_on__range=(period.start, period.end)).count()
    assert mine and data["indicators"]["criminal_cases"]["value"] == mine
    everyone = Api(world, "root").get("/indicators", unit="25", period="2025", map="current").json()
    assert everyone["indicators"]["criminal_cases"]["value"] > mine
    # Records reach the engine through restrict(): a grant on the province sees more than bob.
    province = Api(world, "victor").get("/indicators", unit="25", period="2025", map="current").json()
    assert province == everyone


@pytest.mark.parametrize("username", ["bob", "alice", "rita", "oscar"])
def test_indicators_on_a_unit_out_of_scope_is_404(world: World, username: str) -> None:
    api = Api(world, username)
    foreign = api.get("/indicators", unit="25", period="2025", map="current")
    missing = api.get("/indicators", unit="99999", period="2025", map="current")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


@pytest.mark.parametrize(("params", "field", "text"), [
    ({"period": "2025-13"}, "period", "Tháng không hợp lệ / invalid month 13"),
    ({"period": "last year"}, "period", "Kỳ không hợp lệ / invalid period"),
    ({"scheme": "lunar"}, "scheme", "Cách tính kỳ không hợp lệ / unknown scheme"),
    ({"map": "future"}, "map", "Bản đồ không hợp lệ / unknown map"),
    ({"cleared_by": "never"}, "cleared_by", "cleared_by must be period or today"),
    ({"indicator": ["criminal_cases", "happiness"]}, "indicator", "unknown indicator(s): happiness"),
    ({"period": "2026", "unit": "17"}, "unit", "no unit 17 for that period"),  # old province, gone by 2026
    ({"unit": ""}, "unit", ""),
])
def test_bad_indicator_parameters_are_422(world: World, params: dict[str, Any], field: str, text: str) -> None:
    response = Api(world, "root").get("/indicators", **{"unit": "25", "period": "2025", **params})
    assert response.status_code == 422, response.content
    messages = response.json()["fields"][field]
    assert any(text in message for message in messages), messages
