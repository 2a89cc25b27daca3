"""Register pages and the dashboard: figures shown equal the engine's, drill-downs list
exactly the records behind a figure, edits go through the services."""

from __future__ import annotations

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from antq.core.audit import AuditContext
from antq.records.models import CriminalCase
from antq.records.services import case_create
from antq.units.models import Unit
from tests.fixtures import World

D = datetime.date


@pytest.fixture
def cases(world: World) -> World:
    ctx = AuditContext.system()
    for number, (unit, day, group, cleared) in enumerate([
        ("commune_a", D(2025, 8, 1), "ttxh", D(2025, 8, 3)),
        ("commune_a", D(2025, 9, 1), "ma_tuy", None),
        ("old_commune_a", D(2025, 1, 5), "ttxh", D(2025, 2, 1)),
        ("commune_b", D(2025, 8, 2), "ttxh", None),
        ("old_commune_b", D(2024, 5, 1), "ttxh", D(2024, 5, 2)),
    ]):
        case_create(ctx=ctx, case_no=f"T-{number}", unit=world.units[unit], occurred_on=day, group=group,
                    severity="rat_nghiem_trong", cleared_on=cleared, child_victim=number == 0)
    return world


def client_for(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def card_value(html: str, indicator: str) -> str:
    match = re.search(rf'data-testid="card-{indicator}".*?<span class="kpi-value">([^<]*)</span>', html, re.S)
    assert match, indicator
    return match.group(1).strip()


def test_dashboard_cards_and_drill_down(cases: World) -> None:
    client = client_for(cases, "victor")
    province = str(cases.units["province"].pk)
    html = client.get(reverse("dashboard"), {"unit": province, "period": "2025", "map": "time"}).content.decode()
    assert card_value(html, "criminal_cases") == "4"  # 2025 MPS year, new province + merged old units
    assert card_value(html, "criminal_cases_cleared") == "2"
    assert card_value(html, "clearance_rate") == "50,00%"
    drill = re.search(r'data-testid="card-ttxh_cases" href="([^"]+)"|href="([^"]+)"[^>]*data-testid="card-ttxh_cases"',
                      html)
    assert drill
    url = (drill.group(1) or drill.group(2)).replace("&amp;", "&")
    listing = client.get(url).content.decode()
    assert re.search(r'data-testid="record-count">3<', listing)
    assert "T-0" in listing and "T-2" in listing and "T-3" in listing and "T-1" not in listing


def test_commune_officer_dashboard_counts_only_its_area(cases: World) -> None:
    client = client_for(cases, "bob")
    html = client.get(reverse("dashboard"), {"period": "2025", "map": "current"}).content.decode()
    assert card_value(html, "criminal_cases") == "1"
    assert "T-0" not in client.get(reverse("record_list", args=["cases"])).content.decode()


def test_edit_from_the_page_changes_the_card(cases: World) -> None:
    client = client_for(cases, "alice")
    case = CriminalCase.objects.get(case_no="T-1")
    form = client.get(reverse("record_edit", args=["cases", case.pk])).content.decode()
    assert 'name="version" value="1"' in form
    response = client.post(reverse("record_edit", args=["cases", case.pk]), {
        "case_no": "T-1", "unit_code": "04795", "occurred_on": "2025-09-01", "severity": "rat_nghiem_trong",
        "group": "ma_tuy", "cleared_on": "2025-09-10", "version": "1", "reason": "đã khám phá"})
    assert response.status_code == 302
    html = client.get(reverse("dashboard"), {"period": "2025", "map": "current"}).content.decode()
    assert card_value(html, "criminal_cases_cleared") == "3"
    # A second edit from the stale form is refused, nothing is lost.
    stale = client.post(reverse("record_edit", args=["cases", case.pk]), {
        "case_no": "T-1", "unit_code": "04795", "occurred_on": "2025-09-01", "severity": "nghiem_trong",
        "group": "ma_tuy", "version": "1"})
    assert stale.status_code == 200 and "tải lại" in stale.content.decode()
    case.refresh_from_db()
    assert case.severity == "rat_nghiem_trong" and case.version == 2


def test_create_resolves_the_unit_of_the_date(cases: World) -> None:
    client = client_for(cases, "alice")
    data = {"case_no": "T-9", "unit_code": "04795", "occurred_on": "2024-05-05", "severity": "nghiem_trong",
            "group": "ttxh"}
    assert client.post(reverse("record_create", args=["cases"]), data).status_code == 302
    assert CriminalCase.objects.get(case_no="T-9").unit == cases.units["old_commune_a"]
    data.update({"case_no": "T-10", "unit_code": "05266"})  # bob's commune: not in alice's scope
    body = client.post(reverse("record_create", args=["cases"]), data).content.decode()
    assert "05266" in body and not CriminalCase.objects.filter(case_no="T-10").exists()


def test_sensitive_flags_hidden_below_the_secretariat(cases: World) -> None:
    case = CriminalCase.objects.get(case_no="T-0")
    url = reverse("record_detail", args=["cases", case.pk])
    assert "Nạn nhân là trẻ em" not in client_for(cases, "alice").get(url).content.decode()
    assert "child_victim" not in client_for(cases, "alice").get(url).content.decode()
    assert "Nạn nhân là trẻ em" in client_for(cases, "paula").get(url).content.decode()
    export = client_for(cases, "paula").get(reverse("record_export", args=["cases", "csv"])).content.decode()
    assert "child" not in export and "T-0" in export


def test_children_export_matches_the_ranking(cases: World) -> None:
    client = client_for(cases, "victor")
    body = client.get(reverse("dashboard_export", args=["csv"]), {
        "unit": str(cases.units["province"].pk), "period": "2025", "map": "current"}).content.decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("code,name,criminal_cases")
    totals = {line.split(",")[0]: int(line.split(",")[2]) for line in lines[1:]}
    assert totals == {"04795": 3, "05266": 1, "07900": 0}


def test_each_ranking_row_opens_its_units_dashboard_with_the_same_figures(cases: World) -> None:
    client = client_for(cases, "victor")
    province = cases.units["province"]
    params = {"unit": str(province.pk), "period": "2025", "map": "time"}
    html = client.get(reverse("dashboard"), params).content.decode()
    table = html[html.index('data-testid="ranking"'):]
    table = table[:table.index("</table>")]
    columns = ["criminal_cases", "criminal_cases_cleared", "clearance_rate", "serious_clearance_rate", "ttxh_cases",
               "accidents", "accident_deaths", "accident_injuries"]
    rows = re.findall(r'<tr><td>\d+</td><td><a href="([^"]+)">([^<]+)</a></td>(.*?)</tr>', table, re.S)
    children = {u.name for u in province.children.all() if u.is_valid_on(D(2025, 12, 14))}
    assert {name for _link, name, _cells in rows} == children
    assert any(re.findall(r'<td class="num">([^<]*)</td>', cells)[0] not in ("", "0") for _l, _n, cells in rows)
    for link, name, cells in rows:
        shown = [value.strip() for value in re.findall(r'<td class="num">([^<]*)</td>', cells)]
        query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
        assert (query["period"], query["map"]) == (["2025"], ["time"])
        assert Unit.objects.get(pk=query["unit"][0]).name == name
        page = client.get(link.replace("&amp;", "&")).content.decode()
        assert [card_value(page, key).rstrip("%") for key in columns] == shown, name


def test_the_dashboard_counts_the_standard_under_the_unit(cases: World) -> None:
    from antq.movement.models import StandardEvaluation
    from antq.movement.standard import standard_evaluation_start

    for key, result in (("commune_a", "not_met"), ("commune_b", "recognised")):
        evaluation = standard_evaluation_start(ctx=AuditContext.cli(), unit=cases.units[key], year=2025)
        StandardEvaluation.objects.filter(pk=evaluation.pk).update(result=result)
    client = client_for(cases, "victor")
    for key, expected in (("province", "1/2"), ("commune_a", "0/1"), ("commune_b", "1/1")):
        html = client.get(reverse("dashboard"), {"unit": str(cases.units[key].pk), "period": "2025"}).content.decode()
        summary = html[html.index('data-testid="movement-summary"'):]
        shown = re.search(r"(\d+/\d+) ", summary[:summary.index("</section>")])
        assert shown is not None and shown.group(1) == expected, key


def test_a_period_without_a_unit_lists_the_scopes_records_of_that_period(cases: World) -> None:
    """The list page's own period field, reached from the menu (no unit): the user's records
    that occurred in the period, not the whole register with the period silently ignored."""
    client = client_for(cases, "alice")
    alice = cases.users["alice"]
    html = client.get(reverse("record_list", args=["cases"]), {"period": "2025-Q3", "scheme": "calendar"}).content
    expected = CriminalCase.objects.restrict(alice).filter(occurred_on__gte=D(2025, 7, 1),
                                                           occurred_on__lte=D(2025, 9, 30))
    assert 0 < expected.count() < CriminalCase.objects.restrict(alice).count()
    page = html.decode()
    assert f'data-testid="record-count">{expected.count()}<' in page
    assert {n for n in CriminalCase.objects.values_list("case_no", flat=True) if f">{n}<" in page} == \
        set(expected.values_list("case_no", flat=True))
    wrong = client.get(reverse("record_list", args=["cases"]), {"period": "2025-13"})
    assert wrong.status_code == 200
    assert 'data-testid="record-count">0<' in wrong.content.decode()
    assert 'class="errorlist' in wrong.content.decode()
