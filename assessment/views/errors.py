"""Error pages that must work without the database: no session, no user, no messages."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

# Seconds a client should wait before trying again while the database is unavailable.
RETRY_AFTER_SECONDS = 30


def service_unavailable() -> HttpResponse:
    """The German and English 503 page with Retry-After; the request is safe to repeat."""
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database that is down or locked is a 503 to retry, anything else a 500.

    Django calls this while it handles the exception (from a view or from a middleware such
    as the session's), and has already logged it with its traceback.
    """
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return service_unavailable()
    return HttpResponseServerError(loader.get_template("500.html").render())
