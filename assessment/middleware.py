from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

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
