"""Dashboards, indicators and record lists may read from a replica; nothing else does."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from antq.accounts.models import User
from antq.core import replica
from antq.records.models import CriminalCase
from antq.units.models import Unit
from tests.fixtures import World

# The tests point "replica" at the test database itself; Django warns about changing DATABASES.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


@pytest.mark.parametrize(("method", "path", "expected"), [
    ("GET", "/dashboard/", True),
    ("GET", "/records/cases/", True),
    ("GET", "/api/v1/indicators", True),
    ("GET", "/api/v1/cases/12", True),
    ("POST", "/records/cases/", False),
    ("GET", "/records/cases/12/edit/", False),
    ("GET", "/api/v1/units", False),
    ("GET", "/to-giac/", False),
])
def test_which_requests_read_from_the_replica(settings, method: str, path: str, expected: bool) -> None:
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    assert replica.replica_serves(method, path) is expected


def test_without_a_replica_everything_reads_the_primary() -> None:
    assert replica.replica_serves("GET", "/dashboard/") is False


def test_the_router_keeps_accounts_sessions_and_audit_on_the_primary() -> None:
    router = replica.ReplicaRouter()
    token = replica.reading_from_replica.set(True)
    try:
        assert router.db_for_read(CriminalCase) == "replica" and router.db_for_read(Unit) == "replica"
        assert router.db_for_read(User) is None
        assert router.db_for_write(CriminalCase) is None
    finally:
        replica.reading_from_replica.reset(token)
    assert router.db_for_read(CriminalCase) is None
    assert router.allow_migrate("replica", "records") is False


def test_a_dashboard_request_reads_through_the_replica(world: World, settings, monkeypatch) -> None:
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    seen: list[bool] = []
    original = replica.ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        seen.append(replica.reading_from_replica.get())
        # None: read the primary (the test database has no second connection)

    monkeypatch.setattr(replica.ReplicaRouter, "db_for_read", spy)
    client = Client()
    client.force_login(world.users["alice"])
    seen.clear()
    assert client.get(reverse("dashboard")).status_code == 200
    assert seen and all(seen)
    seen.clear()
    assert client.get(reverse("tip_new")).status_code == 200
    assert seen and not any(seen)
    monkeypatch.setattr(replica.ReplicaRouter, "db_for_read", original)
