import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from assessment import logs
from assessment.accounts import has_totp, second_factor_required

# When the session was last saved (a Unix time), so a request knows whether to renew it.
LAST_SEEN = "last_seen"
# How stale that time may get before a request saves the session just to renew it.
LAST_SEEN_PRECISION = 60


class GermanUnlessChosen:
    """German is the default; English only when the person picks it with the switch.

    The browser's Accept-Language header is ignored, so a shop owner with an English browser
    still starts in German and the language cookie alone decides.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class SessionIdleTimeout:
    """Keeps a session in use alive; an unused one ends through its own expiry.

    A session expires SESSION_COOKIE_AGE (the idle timeout) after it was last saved: its row,
    its cache entry and its cookie alike, all Django's own. A request that read a session
    holding something saves it again when the last save is a minute old, so most requests
    write nothing and the session ends at most a minute before the full timeout. A request
    that never reads the session (the health check, say) neither ends nor renews it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        if not session.accessed:
            return response
        now = int(timezone.now().timestamp())
        last_seen = session.get(LAST_SEEN)
        holds_data = any(key != LAST_SEEN for key in session.keys())
        stale = not isinstance(last_seen, int) or now - last_seen >= LAST_SEEN_PRECISION
        if holds_data and (session.modified or stale):
            # Changing the session makes SessionMiddleware save it, with a new expiry.
            session[LAST_SEEN] = now
        return response


class ConsultantSecondFactor:
    """Where the operator requires it (REQUIRE_2FA_FOR_CONSULTANTS), an approved consultant
    without an authenticator app is sent to set one up before any other page.

    Account pages (log out, two-factor setup, verification), static files and the language
    switch stay open so the setup itself can be done.
    """

    OPEN_PREFIXES = ("/konto/", "/static/", "/i18n/", "/health/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.REQUIRE_2FA_FOR_CONSULTANTS and request.user.is_authenticated:
            if (
                not request.path.startswith(self.OPEN_PREFIXES)
                and second_factor_required(request.user)
                and not has_totp(request.user)
            ):
                return redirect("mfa_activate_totp")
        return self.get_response(request)


def body_limit(path: str) -> int:
    """The largest request body (bytes) accepted for `path` (settings.REQUEST_BODY_LIMITS)."""
    for pattern, limit in settings.REQUEST_BODY_LIMITS:
        if re.match(pattern, path):
            return limit
    return settings.REQUEST_BODY_LIMIT


TOO_LARGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Anfrage zu groß</title></head>
<body><h1>Anfrage zu groß</h1>
<p>Die gesendeten Daten sind größer als erlaubt (höchstens %(limit)s KB).
Bitte gehen Sie zurück und senden Sie weniger, zum Beispiel eine kleinere Datei.</p>
<p lang="en">Request too large: at most %(limit)s KB are accepted here.</p>
</body></html>
"""

LENGTH_REQUIRED = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Länge fehlt</title></head>
<body><h1>Länge fehlt</h1>
<p>Anfragen mit Daten müssen ihre Länge angeben (Content-Length).</p>
<p lang="en">Requests with a body must state its length (Content-Length).</p>
</body></html>
"""


class RequestBodyLimit:
    """Refuses a request body over the limit for its path before anything reads it.

    Runs first: neither the CSRF check nor a view parses a body of a refused request, so a
    gigabyte sent to any form is never read into memory or written to a temporary file.
    A body without a stated length (chunked transfer) is refused too, since its size is
    only known after reading it. Put the same ceiling into the reverse proxy (README).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request.path_info)
        declared = request.META.get("CONTENT_LENGTH") or ""
        if not declared:
            if request.META.get("HTTP_TRANSFER_ENCODING"):
                return HttpResponse(
                    LENGTH_REQUIRED, status=411, content_type="text/html; charset=utf-8"
                )
            return self.get_response(request)
        try:
            length = int(declared)
        except ValueError:
            return HttpResponse(status=400)
        if length > limit:
            response = HttpResponse(
                TOO_LARGE % {"limit": limit // 1024},
                status=413,
                content_type="text/html; charset=utf-8",
            )
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)


class PrivateByDefault:
    """`Cache-Control: private, no-store` on every response that does not say otherwise.

    Nearly every page shows somebody's data (a check, its results, a company, a portfolio,
    an export, a resume link's page); the few public ones (start page, health check,
    static files) are listed in PUBLIC_PATHS or served before this runs. A response that
    set its own Cache-Control keeps it.
    """

    PUBLIC_PATHS = frozenset({"/", "/health/"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        if request.path_info in self.PUBLIC_PATHS or request.path_info.startswith(
            settings.STATIC_URL
        ):
            return response
        response["Cache-Control"] = "private, no-store"
        return response


REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
request_logger = logging.getLogger("reifegrad.request")


class RequestLog:
    """One log line per request: id, method, path (secrets masked), status and duration.

    The id comes from the proxy's X-Request-ID header when it looks like one, otherwise it
    is made here; it is on every line logged during the request and in the response.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        token = logs.request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response["X-Request-ID"] = request_id
            request_logger.info(
                "%s %s %s %.1f ms",
                request.method,
                logs.scrub_path(request.path),
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": logs.scrub_path(request.path),
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
            return response
        finally:
            logs.request_id_var.reset(token)
