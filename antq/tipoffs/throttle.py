"""Throttling without keeping addresses: a request's source is an HMAC of its address with a
salt derived from the secret key and the day, so stored keys change every day and cannot be
reversed or linked across days. Counts live in the database (shared by every app process)."""

from __future__ import annotations

import datetime
import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from antq.tipoffs.models import ThrottleHit

LIMITS = {"submit": (10, 60), "lookup": (20, 15), "lookup_any": (2000, 15)}  # action → (requests, minutes)


def source_key(request: HttpRequest) -> str:
    day = timezone.now().date().isoformat()
    salt = hmac.new(settings.SECRET_KEY.encode(), f"throttle:{day}".encode(), hashlib.sha256).digest()
    address = str(request.META.get("REMOTE_ADDR", ""))
    return hmac.new(salt, address.encode(), hashlib.sha256).hexdigest()


def allow(key: str, action: str) -> bool:
    """Count one request; False once the source passed its limit in the current window."""
    limit, minutes = LIMITS[action]
    now = timezone.now()
    window = now.replace(second=0, microsecond=0) - datetime.timedelta(minutes=now.minute % minutes)
    with transaction.atomic():
        updated = ThrottleHit.objects.filter(key=key, action=action, window=window).update(count=F("count") + 1)
        if not updated:
            ThrottleHit.objects.filter(window__lt=now - datetime.timedelta(days=1)).delete()  # yesterday's keys
            try:
                with transaction.atomic():
                    ThrottleHit.objects.create(key=key, action=action, window=window, count=1)
            except IntegrityError:
                ThrottleHit.objects.filter(key=key, action=action, window=window).update(count=F("count") + 1)
        count = ThrottleHit.objects.filter(key=key, action=action, window=window).values_list("count", flat=True)[0]
    return count <= limit
