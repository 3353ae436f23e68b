from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import get_script_prefix, reverse
from django.utils import timezone

LAST_SEEN = "last_seen"
# How stale the stored time may get before a request writes the session just to renew it.
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
    """Ends a session nobody has used for SESSION_IDLE_TIMEOUT: logged out, grants gone.

    The time of the last use is kept in the session and written at most once a minute
    (or when the session is saved anyway), so most requests cost no extra write.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == health_path(get_script_prefix()):
            # The health check must answer for the database itself, not fail on the session.
            return self.get_response(request)
        session = request.session
        now = int(timezone.now().timestamp())
        last_seen = session.get(LAST_SEEN)
        timeout = settings.SESSION_IDLE_TIMEOUT.total_seconds()
        if isinstance(last_seen, int) and now - last_seen > timeout:
            session.flush()
            last_seen = None
        response = self.get_response(request)
        holds_data = any(key != LAST_SEEN for key in session.keys())
        stale = not isinstance(last_seen, int) or now - last_seen >= LAST_SEEN_PRECISION
        if holds_data and (session.modified or stale):
            session[LAST_SEEN] = now
        return response


@cache
def health_path(script_prefix: str) -> str:
    return reverse("health")
