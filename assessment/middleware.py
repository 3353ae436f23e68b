from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


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
