"""The web UI in a real headless Chromium (Debian's /usr/bin/chromium), driven by Playwright.

One browser per module, a fresh context (cookies, language) per test. The live server runs
in a thread of this process; Playwright's sync API runs an event loop in the main thread, so
Django's async-safety check is relaxed for this module only.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.support import Session, searched
from tests.fixtures import World

pytestmark = pytest.mark.browser


def test_login_lands_on_home_with_scope(session: Session, world: World) -> None:
    session.login("alice")
    page = session.page
    assert urlsplit(page.url).path == "/"
    scope = page.get_by_test_id("scope")
    assert "Phường Hòa Bình" in scope.inner_text()
    assert "Phạm vi của bạn" in scope.inner_text()
    assert "Trang chủ" in page.locator("nav.mainnav").inner_text()


def test_tree_expands_lazily(session: Session, world: World) -> None:
    session.login("alice")
    page = session.page
    page.click("nav.mainnav >> text=Đơn vị")
    page.wait_for_url(re.compile(r"/units/$"))
    tree = page.get_by_test_id("tree")
    assert "Tổ dân phố Đồng Tiến" not in tree.inner_text()  # children are not loaded yet
    commune = tree.locator("details", has=page.locator("summary", has_text="Phường Hòa Bình")).first
    with page.expect_response(re.compile(rf"/units/{world.units['commune_a'].pk}/children/$")) as loaded:
        commune.locator("summary").click(position={"x": 2, "y": 2})  # the marker, not the link
    assert loaded.value.status == 200
    village = commune.locator(".children", has_text="Tổ dân phố Đồng Tiến")
    village.wait_for()
    assert "Trường THPT Công nghiệp" in commune.locator(".children").inner_text()
    assert "Xóm Chiềng" not in tree.inner_text()


def test_search_without_diacritics_stays_in_scope(session: Session, world: World) -> None:
    session.login("alice")
    page = session.page
    session.go("/units/")
    with page.expect_response(searched("dong tien")):
        page.fill("#id_q", "dong tien")
    results = page.get_by_test_id("results")
    results.wait_for()
    assert "Tìm thấy 1 đơn vị" in results.inner_text()
    assert "Tổ dân phố Đồng Tiến" in results.inner_text()
    assert "Xóm Chiềng" not in results.inner_text()

    with page.expect_response(searched("xom chieng")):
        page.fill("#id_q", "xom chieng")
    page.get_by_test_id("results").filter(has_text="Tìm thấy 0 đơn vị").wait_for()
    results = page.get_by_test_id("results")
    assert "Xóm Chiềng" not in results.inner_text()
    assert results.locator("tbody tr").count() == 0


def test_language_switch(session: Session, world: World) -> None:
    session.login("alice")
    page = session.page
    session.go("/units/")
    assert page.locator("html").get_attribute("lang") == "vi"
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert urlsplit(page.url).path == "/units/"  # set_language returns to the same page
    assert page.locator("h1").inner_text() == "Units"
    assert "Log out" in page.locator("header").inner_text()
    session.go("/")  # the choice sticks for later pages
    assert "Units" in page.locator("nav.mainnav").inner_text()

    with page.expect_navigation():
        page.select_option("#lang-select", "vi")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "Đơn vị" in page.locator("nav.mainnav").inner_text()
    assert "Đăng xuất" in page.locator("header").inner_text()


def test_out_of_scope_unit_is_not_found(session: Session, world: World) -> None:
    session.login("alice")
    page = session.page
    response = session.go(f"/units/{world.units['village_b'].pk}/")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Không tìm thấy"
    assert "Xóm Chiềng" not in page.content()
    # Same answer as for a unit that does not exist at all.
    missing = session.go("/units/999999999/")
    assert missing is not None and missing.status == 404


def test_create_village_is_recorded_in_history(session: Session, world: World) -> None:
    session.login("alice")
    page = session.page
    commune = world.units["commune_a"]
    session.go(f"/units/{commune.pk}/")
    with page.expect_navigation():
        page.click(f"a[href='/units/{commune.pk}/new/']")
    page.select_option("#id_kind", "village")
    page.fill("#id_subtype", "Tổ dân phố")
    page.fill("#id_name", "Tổ dân phố Hòa Lạc")
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    assert re.search(r"/units/\d+/$", page.url), page.url
    assert "Tổ dân phố Hòa Lạc" in page.get_by_test_id("unit-name").inner_text()
    history = page.get_by_test_id("history")
    assert "Lịch sử thay đổi" in history.locator("h2").inner_text()
    rows = history.locator("tbody tr")
    assert rows.count() == 1
    assert "alice" in rows.first.inner_text()

    session.go(f"/units/{commune.pk}/")
    assert "Tổ dân phố Hòa Lạc" in page.locator("main").inner_text()
    session.go("/audit/")
    audit = page.get_by_test_id("history")
    row = audit.locator("tbody tr", has_text="Tổ dân phố Hòa Lạc").first
    assert "alice" in row.inner_text()


def test_no_request_leaves_the_machine(session: Session, world: World) -> None:
    session.login("alice")
    page = session.page
    for path in ("/", "/units/", f"/units/{world.units['commune_a'].pk}/", "/audit/", "/account/tokens/"):
        response = session.go(path)
        assert response is not None and response.ok, path
    session.go("/units/")
    with page.expect_response(searched("hoa binh")):
        page.fill("#id_q", "hoa binh")
    page.get_by_test_id("results").wait_for()
    assert any("/static/" in url for url in session.requests)  # assets were fetched, locally
    assert session.requests, "no request was recorded"
    assert session.external_requests() == []
