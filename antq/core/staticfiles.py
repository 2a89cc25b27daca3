"""Static files: Django's app-directory finder, without django-ninja's Redoc bundle.

antq documents its API with Swagger UI; the Redoc bundle shipped beside it is never served and
names outside hosts, so `collectstatic` (which lists files through the finders) leaves it out
everywhere — the deployment, `make run`, the benchmarks — with no option to remember.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.staticfiles import finders

UNUSED = ["redoc*"]


class AppDirectoriesFinder(finders.AppDirectoriesFinder):
    def list(self, ignore_patterns: Iterable[str] | None) -> Iterable[Any]:
        return super().list([*(ignore_patterns or []), *UNUSED])
