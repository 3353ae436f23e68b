"""Helpers shared by the views: short message pages and the lookup of secret links."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessment import throttle

Found = TypeVar("Found")


def message_page(
    request: HttpRequest, *, title: str, text: str, status: int = 200, start_link: bool = False
) -> HttpResponse:
    """A short page that tells a person what happened and what they can do."""
    context = {"title": title, "text": text, "start_link": start_link}
    return render(request, "assessment/message.html", context, status=status)


def too_many_attempts(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    """429 for an address that has guessed too often; says when to try again."""
    minutes = max(1, math.ceil(retry_after / 60))
    response = message_page(
        request,
        title=_("Zu viele Versuche"),
        text=ngettext(
            "Von Ihrem Anschluss aus kamen zu viele ungültige Versuche. Bitte versuchen Sie "
            "es in %(minutes)s Minute noch einmal.",
            "Von Ihrem Anschluss aus kamen zu viele ungültige Versuche. Bitte versuchen Sie "
            "es in %(minutes)s Minuten noch einmal.",
            minutes,
        )
        % {"minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def secret_link_lookup(
    request: HttpRequest,
    find: Callable[[], Found | None],
    *,
    not_found: Callable[[], HttpResponse],
) -> Found | HttpResponse:
    """What a secret link (resume token, invitation) leads to, or the page to answer with.

    An address that missed too often gets 429 without a lookup; a miss is counted and
    answered with `not_found()`, so that links cannot be guessed one after another.
    """
    wait = throttle.token_lookup_wait(request)
    if wait is not None:
        return too_many_attempts(request, retry_after=wait)
    found = find()
    if found is None:
        throttle.record_token_miss(request)
        return not_found()
    return found
