"""Dashboard → drill down to the records → edit one → the card changes on reload."""

from __future__ import annotations

import datetime

import pytest

from antq.core.audit import AuditContext
from antq.records.services import case_create
from tests.browser.support import Session
from tests.fixtures import World

pytestmark = pytest.mark.browser


def test_drill_down_edit_and_the_card_follows(session: Session, world: World) -> None:
    ctx = AuditContext.system()
    for number, day in enumerate([datetime.date(2025, 8, 1), datetime.date(2025, 9, 1), datetime.date(2025, 3, 3)]):
        unit = world.units["commune_a"] if day >= datetime.date(2025, 7, 1) else world.units["old_commune_a"]
        case_create(ctx=ctx, case_no=f"D-{number}", unit=unit, occurred_on=day, severity="nghiem_trong",
                    group="ttxh")
    session.login("alice")
    page = session.page
    session.go("/dashboard/?period=2025&map=current")
    card = page.get_by_test_id("card-ttxh_cases")
    assert card.locator(".kpi-value").inner_text().strip() == "3"

    with page.expect_navigation():
        card.click()
    assert page.get_by_test_id("record-count").inner_text().strip() == "3"
    with page.expect_navigation():
        page.get_by_test_id("record-list").get_by_role("link", name="D-1").click()
    assert page.get_by_test_id("record-title").inner_text().strip() == "D-1"
    with page.expect_navigation():
        page.get_by_role("link", name="Sửa").click()
    page.select_option("#id_group", "ma_tuy")
    page.fill("#id_reason", "phân loại lại")
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    history = page.get_by_test_id("history")
    assert "phân loại lại" in history.inner_text() and "alice" in history.inner_text()

    session.go("/dashboard/?period=2025&map=current")
    assert page.get_by_test_id("card-ttxh_cases").locator(".kpi-value").inner_text().strip() == "2"
    assert page.get_by_test_id("card-criminal_cases").locator(".kpi-value").inner_text().strip() == "3"
