"""The JSON API (django-ninja) under /api/v1/: bearer tokens or the browser session, always scoped."""
