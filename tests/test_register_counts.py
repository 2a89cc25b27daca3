"""A whole register under some units is counted from the year tallies (records.tallies
`recorded_under`), not by counting its rows: the count must stay the records' count for
every unit, every persona and after every kind of change, and the lists that use it (the web
page and the API, unfiltered or by unit) must show it; any other filter counts the rows."""

from __future__ import annotations

import datetime
import re
from dataclasses import replace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from antq.core.audit import AuditContext
from antq.core.scoping import Action, user_scope_paths
from antq.records.models import CriminalCase, TrafficAccident
from antq.records.services import record_delete, record_update
from antq.records.tallies import recorded_under, tallies_rebuild
from antq.units.loader import load_official_maps
from antq.units.models import Unit
from antq.units.official_maps import OLD_MAP, OfficialMaps
from antq.units.services import unit_update
from tests.fixtures import World, fixture_maps
from tests.test_api_records import Api
from tests.test_indicators import tally_snapshot
from tests.test_record_listing import PERSONAS, crowded  # noqa: F401  (fixture)

D = datetime.date
REGISTERS = (CriminalCase, TrafficAccident)


def counted_rows(queries: CaptureQueriesContext, table: str) -> bool:
    return any("COUNT(" in q["sql"] and f'FROM "{table}"' in q["sql"] for q in queries.captured_queries)


def assert_every_unit_counts_its_records(world: World) -> None:
    for model in REGISTERS:
        for unit in Unit.objects.all():
            expected = model.objects.filter(unit__path__startswith=unit.path).count()
            assert recorded_under(model, (unit.path,)) == expected, (model.__name__, unit.code)


def test_each_unit_counts_its_subtrees_records(crowded: World) -> None:  # noqa: F811
    assert CriminalCase.objects.count() == 130 and TrafficAccident.objects.count() == 40
    assert_every_unit_counts_its_records(crowded)


def test_counts_follow_moves_edits_and_deletions(crowded: World) -> None:  # noqa: F811
    ctx = AuditContext.system()
    moved = CriminalCase.objects.filter(unit=crowded.units["commune_a"]).first()
    assert moved is not None
    record_update(ctx=ctx, record=moved, unit=crowded.units["other_commune"], occurred_on=D(2026, 1, 5),
                  cleared_on=None)
    for record in list(CriminalCase.objects.filter(unit=crowded.units["commune_b"]))[:3]:
        record_delete(ctx=ctx, record=record)
    accident = TrafficAccident.objects.filter(unit=crowded.units["village_a"]).first()
    assert accident is not None
    record_delete(ctx=ctx, record=accident)
    assert_every_unit_counts_its_records(crowded)


def assert_tallies_equal_a_recount() -> None:
    maintained = tally_snapshot()
    tallies_rebuild()
    assert tally_snapshot() == maintained


def test_moving_a_village_moves_its_records_in_every_count(crowded: World) -> None:  # noqa: F811
    village, commune_a, commune_b = (crowded.units[k] for k in ("village_a", "commune_a", "commune_b"))
    held = CriminalCase.objects.filter(unit=village).count()
    crashes = TrafficAccident.objects.filter(unit=village).count()
    assert held > 0 and crashes > 0
    before = recorded_under(CriminalCase, (commune_a.path,)), recorded_under(CriminalCase, (commune_b.path,))
    unit_update(ctx=AuditContext.system(), unit=village, parent=commune_b, reason="sáp nhập tổ dân phố")
    assert recorded_under(CriminalCase, (commune_a.path,)) == before[0] - held
    assert recorded_under(CriminalCase, (commune_b.path,)) == before[1] + held
    assert_every_unit_counts_its_records(crowded)
    assert_tallies_equal_a_recount()


def test_a_corrected_official_map_moves_the_records_of_the_units_it_moves(crowded: World) -> None:  # noqa: F811
    """An old commune put under another old district by a corrected map: its records (and those
    of its village, a user-made unit below it) leave the first district's counts for the second's."""
    maps = fixture_maps()
    moved = [replace(u, parent=("district", "157")) if (u.kind, u.code) == ("commune", "04795") else u
             for u in maps.old]
    commune = crowded.units["old_commune_a"]
    assert CriminalCase.objects.filter(unit__path__startswith=commune.path).count() > 0
    load_official_maps(OfficialMaps(old=moved, new=maps.new, links=maps.links))
    commune.refresh_from_db()
    assert commune.parent is not None and (commune.parent.code, commune.parent.source) == ("157", OLD_MAP)
    assert Unit.objects.get(pk=crowded.units["old_village_a"].pk).path.startswith(commune.path)
    assert_every_unit_counts_its_records(crowded)
    assert_tallies_equal_a_recount()


def test_nested_and_repeated_paths_count_each_record_once(crowded: World) -> None:  # noqa: F811
    province, commune = crowded.units["province"], crowded.units["commune_a"]
    whole = CriminalCase.objects.filter(unit__path__startswith=province.path).count()
    assert recorded_under(CriminalCase, (province.path, commune.path, province.path)) == whole
    old, new = crowded.units["old_commune_a"], crowded.units["commune_b"]
    both = CriminalCase.objects.filter(unit__path__startswith=old.path).count() + \
        CriminalCase.objects.filter(unit__path__startswith=new.path).count()
    assert recorded_under(CriminalCase, (old.path, new.path)) == both > 0
    assert recorded_under(CriminalCase, ()) == 0


@pytest.mark.parametrize("username", PERSONAS)
def test_every_personas_scope_counts_its_records(crowded: World, username: str) -> None:  # noqa: F811
    user = crowded.users[username]
    paths = user_scope_paths(user, Action.VIEW)
    for model in REGISTERS:
        visible = model.objects.restrict(user).count()
        assert paths is None or recorded_under(model, paths) == visible


@pytest.mark.parametrize(("username", "unit"), [("paula", None), ("paula", "commune_a"), ("dina", None),
                                                ("alice", None), ("alice", "village_a"), ("root", None)])
def test_the_list_page_shows_the_registers_count(crowded: World, username: str, unit: str | None) -> None:  # noqa: F811
    user = crowded.users[username]
    client = Client()
    client.force_login(user)
    for kind, model, table in (("cases", CriminalCase, "records_criminalcase"),
                               ("accidents", TrafficAccident, "records_trafficaccident")):
        records = model.objects.restrict(user)
        params: dict[str, str | int] = {}
        if unit is not None:
            params["unit"] = crowded.units[unit].pk
            records = records.filter(unit__path__startswith=crowded.units[unit].path)
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("record_list", args=[kind]), params).content.decode()
        shown = re.search(r'data-testid="record-count">([\d.]+)<', html)
        assert shown is not None and int(shown.group(1).replace(".", "")) == records.count()
        # Staff count from the tallies; the administrator (no scope paths) counts the rows.
        assert counted_rows(queries, table) == (username == "root")


def test_a_searched_list_counts_its_rows(crowded: World) -> None:  # noqa: F811
    client = Client()
    client.force_login(crowded.users["paula"])
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("record_list", args=["cases"]), {"q": "C-01"}).content.decode()
    expected = CriminalCase.objects.restrict(crowded.users["paula"]).filter(case_no__icontains="C-01").count()
    assert 0 < expected < CriminalCase.objects.count()
    assert f'data-testid="record-count">{expected}<' in html
    assert counted_rows(queries, "records_criminalcase")


@pytest.mark.parametrize(("params", "tallied"), [
    ({}, True), ({"unit": "04795"}, True), ({"group": "ttxh"}, False), ({"q": "c-0"}, False),
    ({"cleared": "false"}, False), ({"occurred_from": "2025-01-01"}, False),
])
def test_api_counts(crowded: World, params: dict[str, str], tallied: bool) -> None:  # noqa: F811
    api = Api(crowded, "paula")
    with CaptureQueriesContext(connection) as queries:
        data = api.get("/cases", limit="500", **params).json()
    assert data["count"] == len(data["items"]) > 0
    assert counted_rows(queries, "records_criminalcase") != tallied


@pytest.mark.parametrize("params", [{}, {"unit": "04795"}])
def test_api_counts_accidents_from_the_tallies(crowded: World, params: dict[str, str]) -> None:  # noqa: F811
    api = Api(crowded, "paula")
    with CaptureQueriesContext(connection) as queries:
        data = api.get("/accidents", limit="500", **params).json()
    assert data["count"] == len(data["items"]) > 0
    assert not counted_rows(queries, "records_trafficaccident")


@pytest.mark.parametrize(("username", "params"), [
    ("paula", {"unit": "00004"}),  # Hà Nội's commune: outside Phú Thọ's secretariat
    ("bob", {"unit": "04795"}),  # another commune of the same province
    ("paula", {"unit": "04795", "q": "   "}),  # a blank search filters nothing
])
def test_api_counts_what_it_lists_for_other_units_and_blank_searches(crowded: World, username: str,  # noqa: F811
                                                                      params: dict[str, str]) -> None:
    api = Api(crowded, username)
    data = api.get("/cases", limit="500", **params).json()
    assert data["count"] == len(data["items"])
    user = crowded.users[username]
    visible = CriminalCase.objects.restrict(user).filter(unit__code=params["unit"]).count()
    assert (data["count"] > 0) == (visible > 0)


def test_an_invalid_filter_lists_and_counts_the_whole_scope(crowded: World) -> None:  # noqa: F811
    client = Client()
    client.force_login(crowded.users["alice"])
    html = client.get(reverse("record_list", args=["cases"]), {"unit": "not-a-unit"}).content.decode()
    expected = CriminalCase.objects.restrict(crowded.users["alice"]).count()
    assert 0 < expected < CriminalCase.objects.count()
    assert f'data-testid="record-count">{expected}<' in html
