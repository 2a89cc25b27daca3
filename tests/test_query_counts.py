"""Pages must not grow a query per row: bounded query counts on list-like pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from antq.core.audit import AuditContext
from antq.units.services import unit_create
from tests.fixtures import World


@pytest.fixture
def crowded(world: World) -> World:
    ctx = AuditContext.system()
    for number in range(30):
        unit_create(ctx=ctx, parent=world.units["commune_a"], kind="village", name=f"Thôn số {number}")
    return world


@pytest.mark.parametrize("page", ["unit_tree", "unit_detail", "unit_children", "unit_search", "audit_log", "home"])
def test_page_queries_do_not_grow_with_rows(crowded: World, page: str, django_assert_max_num_queries) -> None:
    client = Client()
    client.force_login(crowded.users["alice"])
    commune = crowded.units["commune_a"].pk
    url = {
        "unit_tree": reverse("unit_tree"),
        "unit_detail": reverse("unit_detail", args=[commune]),
        "unit_children": reverse("unit_children", args=[commune]),
        "unit_search": reverse("unit_search") + "?q=thon",
        "audit_log": reverse("audit_log"),
        "home": reverse("home"),
    }[page]
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200
