"""The movement in the browser: the commune self-scores, the province appraises (a change
needs a reason) and approves, and the dashboard's classification counts follow."""

from __future__ import annotations

import pytest

from antq.movement.models import Classification
from tests.browser.support import Session
from tests.fixtures import World

pytestmark = pytest.mark.browser


def test_self_score_appraise_approve_then_the_dashboard_counts_change(session: Session, world: World) -> None:
    page = session.page
    province = world.units["province"]
    session.login("paula")
    session.go(f"/dashboard/?unit={province.pk}&period=2026")
    assert page.get_by_test_id("dashboard-classification").inner_text().strip() == "chưa có kết quả được duyệt"

    page.context.clear_cookies()
    session.login("alice")
    session.go("/movement/?year=2026")
    with page.expect_navigation():
        page.get_by_test_id("start-classification").click()
    for field in page.locator("input[name^='self-']").all():  # 8 points, or the item's maximum
        field.fill(str(min(8.0, float(field.get_attribute("max") or 0))))
    for field in page.locator("input[name^='evidence-']").all():
        field.fill("Biên bản họp")
    with page.expect_navigation():
        page.get_by_test_id("submit-self-score").click()
    assert page.get_by_test_id("classification-status").inner_text().strip() == "Đã tự chấm"
    sheet = page.url
    assert not page.get_by_test_id("appraise").count()  # the commune cannot appraise itself

    page.context.clear_cookies()
    session.login("paula")
    page.goto(sheet)
    page.fill("input[name='appraised-1']", "2")
    with page.expect_navigation():
        page.get_by_test_id("appraise").click()
    assert "lý do" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("classification-status").inner_text().strip() == "Đã tự chấm"
    page.fill("input[name='appraised-1']", "2")
    page.fill("input[name='reason-1']", "Thiếu nghị quyết Quý I")
    with page.expect_navigation():
        page.get_by_test_id("appraise").click()
    assert page.get_by_test_id("classification-status").inner_text().strip() == "Đã thẩm định"
    with page.expect_navigation():
        page.get_by_test_id("approve").click()
    assert page.get_by_test_id("classification-status").inner_text().strip() == "Đã phê duyệt, khóa"
    level = page.get_by_test_id("classification-level").inner_text().strip()
    classification = Classification.objects.get(unit=world.units["commune_a"], year=2026)
    assert classification.locked and "Thiếu nghị quyết Quý I" in page.get_by_test_id("history").inner_text()

    session.go(f"/dashboard/?unit={province.pk}&period=2026")
    assert page.get_by_test_id("dashboard-classification").inner_text().strip() == f"1 {level.lower()}"
