"""Ranking → proposals → decision → the certificate PDF downloads (issue 5 acceptance)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from antq.awards.certificates import pdf_available
from antq.awards.models import Cluster, ClusterCriterion, ClusterMember, ManualScore
from tests.browser.support import Session
from tests.fixtures import World

pytestmark = pytest.mark.browser


def test_ranking_proposals_decision_certificate(session: Session, world: World) -> None:
    if pdf_available():
        pytest.skip(f"PDF needs Debian's pango here: {pdf_available()}")
    cluster = Cluster.objects.create(province=world.units["province"], year=2026, name="Cụm thi đua số 1")
    criterion = ClusterCriterion.objects.create(cluster=cluster, position=1, name="Kết quả", weight=100)
    for key, value in (("commune_a", 95), ("commune_b", 80), ("commune_pt", 70)):
        member = ClusterMember.objects.create(cluster=cluster, unit=world.units[key])
        ManualScore.objects.create(criterion=criterion, member=member, value=value)
    page = session.page
    session.login("paula")
    session.go(f"/awards/clusters/{cluster.pk}/")
    assert "Cờ thi đua của UBND tỉnh" in page.get_by_test_id("proposals").inner_text()
    assert page.get_by_test_id("decide").count() == 0  # the council approves before the decision
    with page.expect_navigation():
        page.get_by_test_id("approve").click()
    assert "Hội đồng đã thông qua" in page.get_by_test_id("status-04795").inner_text()
    page.fill("#id_decided_on", datetime.date(2026, 12, 20).isoformat())
    page.fill("#id_signer", "Chủ tịch UBND tỉnh")
    with page.expect_navigation():
        page.get_by_test_id("decide").click()
    assert page.get_by_test_id("decision-number").inner_text().strip().endswith("01/QĐ-UBND")
    link = page.locator("[data-testid^='certificate-']").first
    with page.expect_download() as download_info:
        link.click()
    path = download_info.value.path()
    assert path is not None and Path(path).read_bytes()[:5] == b"%PDF-"
