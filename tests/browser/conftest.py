"""Fixtures of the browser tests: one Chromium per module, a fresh context per test, the
live server in a thread of this process (Playwright's sync API runs an event loop in the main
thread, so Django's async-safety check is relaxed for these tests only)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from tests.browser.support import CHROMIUM_ARGS, TIMEOUT_MS, Session
from tests.conftest import CHROMIUM
from tests.fixtures import World, build_world


@pytest.fixture(scope="module", autouse=True)
def _allow_async_unsafe() -> Iterator[None]:
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(_allow_async_unsafe: None) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def session(browser: Any, live_server: Any, transactional_db: None) -> Iterator[Session]:
    # An English browser on purpose: the product is Vietnamese unless the user switches.
    context = browser.new_context(locale="en-US", service_workers="block")
    context.set_default_timeout(TIMEOUT_MS)
    result = Session(page=context.new_page(), base_url=live_server.url)
    context.on("request", lambda request: result.requests.append(request.url))
    yield result
    context.close()
    assert result.external_requests() == [], "the page contacted a host other than the local server"


# On SQLite the audit trail's append-only triggers also refuse the DELETE FROM that
# `transactional_db` uses to empty the tables after each test (PostgreSQL flushes with
# TRUNCATE, which row triggers do not see). Lift them for the flush only, and put them back.
_APPEND_ONLY = importlib.import_module("antq.core.migrations.0002_change_record_append_only")


def _sqlite_triggers(create: bool) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        if create:
            for statement in _APPEND_ONLY.SQLITE:
                cursor.execute(statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1))
        else:
            for statement in _APPEND_ONLY.SQLITE_DROP:
                cursor.execute(statement.replace("DROP TRIGGER", "DROP TRIGGER IF EXISTS", 1))


@pytest.fixture(scope="module", autouse=True)
def _restore_append_only(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        _sqlite_triggers(create=True)


@pytest.fixture
def _flushable_audit_trail(transactional_db: None) -> Iterator[None]:
    _sqlite_triggers(create=True)
    yield
    _sqlite_triggers(create=False)


@pytest.fixture
def world(_flushable_audit_trail: None) -> World:
    # The shared `world` fixture uses `db` (a transaction the live server thread cannot see).
    # `transactional_db` empties every table after each test, the rows seeded by data
    # migrations included: put the movement's rules and the award catalogue back (idempotent).
    from django.apps import apps

    from antq.awards.seed import seed_awards
    from antq.movement.seed import seed_rules

    seed_rules(apps)
    seed_awards(apps)
    return build_world()


