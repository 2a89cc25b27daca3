"""The registers' newest-first lists (antq.records.listing): every page holds exactly the rows,
in the order, of the plain ordered query — for every persona, with and without filters, on
the web page and in the API. On PostgreSQL the pages come from the per-unit merge (checked in
the SQL), so these tests compare the two plans; on SQLite they check the paging itself."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from antq.core.audit import AuditContext
from antq.core.periods import period_from_spec
from antq.indicators.engine import Computation, area_of, records_behind
from antq.records.listing import NewestFirst
from antq.records.models import CriminalCase, TrafficAccident
from antq.records.services import accident_create, case_create, later_death_add
from antq.units.models import Unit
from tests.fixtures import VISIBLE, World
from tests.test_api_records import Api

D = datetime.date
OLD_UNITS = ("old_commune_a", "old_commune_a2", "old_commune_b", "old_village_a", "old_commune_pt")
NEW_UNITS = ("commune_a", "commune_b", "village_a", "village_b", "school_a", "commune_pt", "other_commune",
             "other_village")
PERSONAS = (*VISIBLE, "root")
SLICES = ((0, 7), (7, 14), (21, 28), (56, 63), (0, 200), (119, 140))


@pytest.fixture
def crowded(world: World) -> World:
    """130 cases and 40 accidents over old and new units, on few dates (many ties, so the
    number and then the id decide), numbers shuffled across units."""
    ctx, rng = AuditContext.system(), random.Random(7)
    numbers = [f"C-{n:03d}" for n in range(130)]
    rng.shuffle(numbers)
    for index, number in enumerate(numbers):
        old = index % 3 == 0
        unit = rng.choice(OLD_UNITS if old else NEW_UNITS)
        day = rng.choice([D(2024, 5, 1), D(2024, 6, 3), D(2025, 2, 1)] if old else [D(2025, 8, 1), D(2025, 9, 9)])
        case_create(ctx=ctx, case_no=number, unit=world.units[unit], occurred_on=day, severity="nghiem_trong",
                    group=rng.choice(["ttxh", "ma_tuy"]), cleared_on=day if index % 4 else None)
    for index in range(40):
        unit = rng.choice(NEW_UNITS)
        accident = accident_create(ctx=ctx, accident_no=f"A-{rng.randrange(10**6):06d}-{index}",
                                   unit=world.units[unit], occurred_on=rng.choice([D(2025, 8, 1), D(2025, 8, 2)]),
                                   deaths=1, injuries=index % 3)
        if index % 5 == 0:
            later_death_add(ctx=ctx, accident=accident, died_on=D(2025, 8, 20), count=index % 3 + 1)
    return world


def plain(records: QuerySet[Any], number: str) -> QuerySet[Any]:
    return records.order_by("-occurred_on", number, "pk")


def assert_merged(queries: CaptureQueriesContext) -> None:
    """On PostgreSQL the page was read per unit (the merge), not by the plain query."""
    if connection.vendor == "postgresql":
        merged = any("CROSS JOIN LATERAL" in q["sql"] for q in queries.captured_queries)
        assert merged, "the per-unit merge was not used"


@pytest.mark.parametrize("username", PERSONAS)
def test_every_page_equals_the_plain_query(crowded: World, username: str) -> None:
    user = crowded.users[username]
    scope = Unit.objects.restrict(user)
    commune_a = crowded.units["commune_a"]
    lists = {
        "all cases": (CriminalCase.objects.restrict(user), scope, "case_no"),
        "one unit's cases": (CriminalCase.objects.restrict(user).filter(unit__path__startswith=commune_a.path),
                             scope.filter(path__startswith=commune_a.path), "case_no"),
        "filtered cases": (CriminalCase.objects.restrict(user).filter(group="ma_tuy", case_no__icontains="1"),
                           scope, "case_no"),
        "accidents": (TrafficAccident.objects.restrict(user), scope, "accident_no"),
    }
    for name, (records, units, number) in lists.items():
        listing = NewestFirst(records, units, number)
        assert listing.count() == records.count(), name
        for start, stop in SLICES:
            with CaptureQueriesContext(connection) as queries:
                page = listing[start:stop]
            assert page == list(plain(records, number)[start:stop]), (name, start, stop)
            if records.exists():
                assert_merged(queries)
        assert list(listing) == list(plain(records, number)), name


def test_visible_records_are_a_real_mix(crowded: World) -> None:
    """The fixture is meaningful: the province's list interleaves units on equal dates."""
    paula = crowded.users["paula"]
    first = list(plain(CriminalCase.objects.restrict(paula), "case_no")[:40])
    assert len({case.unit_id for case in first}) >= 4
    assert len({case.occurred_on for case in first}) < len(first)
    assert CriminalCase.objects.restrict(crowded.users["alice"]).count() < CriminalCase.objects.count()


@pytest.mark.parametrize("username", ["paula", "dina", "alice", "root"])
def test_record_list_page_lists_the_plain_order(crowded: World, username: str) -> None:
    user = crowded.users[username]
    client = Client()
    client.force_login(user)
    expected = [c.case_no for c in plain(CriminalCase.objects.restrict(user), "case_no")]
    shown: list[str] = []
    for number in range(1, 5):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("record_list", args=["cases"]), {"page": number}).content.decode()
        if expected:
            assert_merged(queries)
        page = [n for n in expected if f">{n}<" in html]
        shown += sorted(page, key=html.index)
        if len(shown) >= len(expected):
            break
    assert shown == expected


@pytest.mark.parametrize(("username", "params"), [
    ("paula", {}), ("paula", {"unit": "04795"}), ("paula", {"group": "ttxh", "cleared": "false"}),
    ("alice", {}), ("dina", {"occurred_to": "2025-01-01"}), ("root", {"q": "c-0"}),
])
def test_api_pages_follow_the_plain_order(crowded: World, username: str, params: dict[str, str]) -> None:
    api = Api(crowded, username)
    everything = api.get("/cases", limit="500", **params).json()
    assert everything["count"] == len(everything["items"])
    for offset, limit in ((0, 9), (9, 9), (30, 25)):
        with CaptureQueriesContext(connection) as queries:
            data = api.get("/cases", limit=str(limit), offset=str(offset), **params).json()
        if data["items"]:
            assert_merged(queries)
        assert data["count"] == everything["count"]
        assert data["items"] == everything["items"][offset:offset + limit]
    user = crowded.users[username]
    if not params:
        expected = [c.case_no for c in plain(CriminalCase.objects.restrict(user), "case_no")]
        assert [item["case_no"] for item in everything["items"]] == expected


def test_api_accident_pages_keep_the_later_deaths(crowded: World) -> None:
    api = Api(crowded, "paula")
    paula = crowded.users["paula"]
    expected = [(a.accident_no, sum(d.count for d in a.later_deaths.all()))
                for a in plain(TrafficAccident.objects.restrict(paula), "accident_no")]
    assert any(deaths for _number, deaths in expected)
    got: list[tuple[str, int]] = []
    for offset in range(0, len(expected), 6):
        items = api.get("/accidents", limit="6", offset=str(offset)).json()["items"]
        got += [(item["accident_no"], item["later_deaths"]) for item in items]
    assert got == expected


@pytest.mark.parametrize(("username", "unit", "period", "indicator", "map_"), [
    ("paula", "province", "2025", "criminal_cases", "time"),
    ("paula", "province", "2025", "criminal_cases_cleared", "current"),
    ("dina", "district_a", "2024", "criminal_cases", "time"),
    ("alice", "commune_a", "2025", "ttxh_cases", "current"),
])
def test_drill_down_pages_list_the_figures_records_in_order(crowded: World, username: str, unit: str, period: str,
                                                             indicator: str, map_: str) -> None:
    user, target = crowded.users[username], crowded.units[unit]
    spec = period_from_spec(period, "mps")
    _kind, behind = records_behind(indicator, area_of(target, spec, map_), spec, Computation.for_user(user))
    expected = [c.case_no for c in plain(behind, "case_no")]
    assert len(expected) > 50 or username != "paula"  # more than one page where it can be
    client = Client()
    client.force_login(user)
    shown: list[str] = []
    query: dict[str, str | int] = {"unit": target.pk, "period": period, "indicator": indicator, "map": map_}
    for number in range(1, 5):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("record_list", args=["cases"]), {**query, "page": number}).content.decode()
        if expected:
            assert_merged(queries)
        shown += sorted((n for n in expected if f">{n}<" in html), key=html.index)
        if len(shown) >= len(expected):
            break
    assert shown == expected
