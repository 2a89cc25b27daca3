"""`make run` serves collected, hashed assets through WhiteNoise (DEBUG off, no CDN)."""

from __future__ import annotations

import io
import re

from django.core.management import call_command
from django.test import Client, override_settings

MANIFEST = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


def test_pages_reference_hashed_assets_that_are_served(db: None, tmp_path, settings) -> None:
    settings.STATIC_ROOT = tmp_path
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": MANIFEST}, WHITENOISE_USE_FINDERS=False):
        call_command("collectstatic", interactive=False, verbosity=0, stdout=io.StringIO())
        client = Client()
        page = client.get("/login/").content.decode()
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
        assert any(a.endswith(".css") for a in assets) and any("htmx" in a for a in assets)
        for asset in assets:
            assert re.search(r"\.[0-9a-f]{12}\.", asset), asset  # cache-busting names
            response = client.get(asset)
            assert response.status_code == 200, asset
            assert b"".join(response.streaming_content)  # type: ignore[attr-defined]
        assert not re.search(r'(?:href|src)="https?://', page)
