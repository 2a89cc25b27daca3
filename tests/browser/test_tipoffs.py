"""A citizen reports anonymously → the commune's police sees it (another commune gets 404) →
decision → the citizen reads the result with the code (issue 7 acceptance)."""

from __future__ import annotations

import pytest

from antq.tipoffs.models import Tip
from tests.browser.support import Session
from tests.fixtures import World

pytestmark = pytest.mark.browser


def test_anonymous_report_to_decision_and_back_to_the_citizen(session: Session, world: World) -> None:
    page = session.page
    session.go("/to-giac/")
    page.check("input[name=kind][value=to_giac]")
    page.select_option("#id_province", str(world.units["province"].pk))
    page.wait_for_selector(f"#id_commune option[value='{world.units['commune_b'].pk}']", state="attached")
    page.select_option("#id_commune", str(world.units["commune_b"].pk))  # the list came from the province
    page.fill("#id_description", "Có đối tượng lạ thường xuyên dò xét nhà dân vào ban đêm ở cuối xóm.")
    with page.expect_navigation():
        page.get_by_test_id("tip-send").click()
    code = page.get_by_test_id("tip-code").inner_text().strip()
    assert len(code.replace("-", "")) == 20
    tip = Tip.objects.get()
    session.login("alice")  # another commune
    assert session.go(f"/tips/{tip.pk}/").status == 404
    page.context.clear_cookies()
    session.login("bob")
    session.go("/tips/")
    assert "Tố giác tội phạm" in page.get_by_test_id("tip-list").inner_text()
    session.go(f"/tips/{tip.pk}/")
    assert "dò xét nhà dân" in page.get_by_test_id("tip").inner_text()
    page.select_option("#id_decision", "khong_phai_toi_pham")
    page.fill("#id_notice", "Đã xác minh: người bán hàng rong, không có dấu hiệu tội phạm. Cảm ơn bạn.")
    with page.expect_navigation():
        page.get_by_test_id("tip-decide").click()
    page.context.clear_cookies()
    session.go("/to-giac/tra-cuu/")
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.get_by_test_id("tip-follow").click()
    result = page.get_by_test_id("tip-result").inner_text()
    assert "không có dấu hiệu tội phạm. Cảm ơn bạn." in result and "Đã có quyết định" in result
