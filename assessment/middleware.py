from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from assessment.sessions import LAST_SEEN

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
    """Keeps the time a session was last used, for the idle timeout in `assessment.sessions`.

    It is written at most once a minute (or when the session is saved anyway), so most
    requests cost no extra write, and only for a session the request read and that holds
    something.
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
            session[LAST_SEEN] = now
        return response
