"""Throttling without keeping addresses: a request's source is an HMAC of its address with a
salt derived from the secret key and the day, so stored keys change every day and cannot be
reversed or linked across days. Counts live in the database (shared by every app process)."""

from __future__ import annotations

import datetime
import hashlib
import hmac

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from antq.core.network import client_address
from antq.tipoffs.models import ThrottleHit

LOOKUPS_ALL_SOURCES_PER_15_MIN = 2000  # a bound on guessing spread over many addresses


def _limit(action: str) -> tuple[int, int]:
    """(requests, minutes) allowed per source and window."""
    if action == "submit":
        return settings.TIP_SUBMITS_PER_HOUR, 60
    if action == "lookup":
        return settings.TIP_LOOKUPS_PER_15_MIN, 15
    return LOOKUPS_ALL_SOURCES_PER_15_MIN, 15


def source_key(request: HttpRequest) -> str:
    day = timezone.now().date().isoformat()
    salt = hmac.new(settings.SECRET_KEY.encode(), f"throttle:{day}".encode(), hashlib.sha256).digest()
    address = client_address(request)
    return hmac.new(salt, address.encode(), hashlib.sha256).hexdigest()


def allow(key: str, action: str) -> bool:
    """Count one request; False once the source passed its limit in the current window. One
    upsert statement (SQLite ≥ 3.35 and PostgreSQL), so the write lock is held for an instant."""
    limit, minutes = _limit(action)
    now = timezone.now()
    window = now.replace(second=0, microsecond=0) - datetime.timedelta(minutes=now.minute % minutes)
    table = ThrottleHit._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO {table} ("key", "action", "window", "count") VALUES (%s, %s, %s, 1) '
                       f'ON CONFLICT ("key", "action", "window") DO UPDATE SET "count" = {table}."count" + 1 '
                       'RETURNING "count"', [key, action, window])
        count = int(cursor.fetchone()[0])
    if count == 1:  # a new window for this source: forget what is older than a day
        ThrottleHit.objects.filter(window__lt=now - datetime.timedelta(days=1)).delete()
    return count <= limit
