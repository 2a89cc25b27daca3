from __future__ import annotations

import os
import shutil

import pytest

from tests.fixtures import World, build_world

CHROMIUM = os.environ.get("ANTQ_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Tests serve assets through the finders; the hashed manifest needs collectstatic.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    has_browser = shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM)
    if has_browser:
        return
    if os.environ.get("ANTQ_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"ANTQ_REQUIRE_BROWSER=1 but Chromium is not at {CHROMIUM}")
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (install Debian 'chromium'; .ci/run does)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
