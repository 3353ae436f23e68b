"""Who is asking, and whether they have guessed too often: the client's address, the login
name for lockouts, and the throttle on secret-link lookups.

Counters live in the database, so every app server behind the same database sees them.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from assessment.models import TokenMiss


def client_address(request: HttpRequest) -> str:
    """The address the request came from.

    REMOTE_ADDR unless TRUSTED_PROXY_COUNT says how many reverse proxies stand in front of
    the app: then the entry that the outermost trusted proxy appended to X-Forwarded-For.
    Entries further left come from the client and can say anything.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies == 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def login_name(request: HttpRequest, credentials: dict | None = None) -> str:
    """The e-mail address a login attempt names, written the way accounts store it."""
    source = credentials if credentials else getattr(request, "POST", {})
    # django-allauth passes the address as `email`; the form field is `login`.
    name = source.get("email") or source.get(settings.AXES_USERNAME_FORM_FIELD) or ""
    return str(name).strip().lower()[:254]


def token_lookup_wait(request: HttpRequest) -> int | None:
    """Seconds until this address may look up secret links again, or None if it may now."""
    now = timezone.now()
    window = settings.TOKEN_MISS_WINDOW
    recent = TokenMiss.objects.filter(
        address=client_address(request)[:64], missed_at__gt=now - window
    ).order_by("-missed_at")
    cutoff = list(recent.values_list("missed_at", flat=True)[: settings.TOKEN_MISS_LIMIT])
    if len(cutoff) < settings.TOKEN_MISS_LIMIT:
        return None
    # The oldest of the last LIMIT misses has to leave the window before the next lookup.
    free_at = cutoff[-1] + window
    return max(1, math.ceil((free_at - now).total_seconds()))


def record_token_miss(request: HttpRequest) -> None:
    """Count a lookup that found nothing; rows older than the window go at the same time."""
    now = timezone.now()
    TokenMiss.objects.filter(missed_at__lte=now - settings.TOKEN_MISS_WINDOW).delete()
    TokenMiss.objects.create(address=client_address(request)[:64], missed_at=now)


def pdf_render_allowed(request: HttpRequest) -> bool:
    """Counts one new PDF render for this address; False past PDF_RENDERS_PER_HOUR in the
    current hour. Counted in the shared cache, so every app server sees the same count."""
    hour = timezone.now().strftime("%Y%m%d%H")
    client = client_address(request)
    key = "pdf-renders:" + hashlib.sha256(f"{client}|{hour}".encode()).hexdigest()[:32]
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=3600)
        count = 1
    return count <= settings.PDF_RENDERS_PER_HOUR
