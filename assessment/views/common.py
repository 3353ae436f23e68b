"""Helpers shared by the views: short message pages and the lookup of secret links."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from assessment import throttle
from assessment.consultants import Table, as_csv, as_xlsx

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


SPELLED_OUT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def download_name(name: str) -> str:
    """A company name as part of a file name: "Bäckerei Müller & Söhne" -> "Bäckerei-Müller-Söhne".

    A slug that keeps the case: letters (umlauts included) and digits stay, every other run
    of characters becomes one hyphen.
    """
    normalised = unicodedata.normalize("NFKC", name)
    slug = re.sub(r"[\W_]+", "-", normalised).strip("-")[:60].strip("-")
    return slug or _("Unternehmen")


def ascii_filename(filename: str) -> str:
    """The fallback name for programs that do not read RFC 5987: umlauts spelled out."""
    spelled = unicodedata.normalize("NFKD", filename.translate(SPELLED_OUT))
    ascii_only = spelled.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_only)


def attachment_header(filename: str, *, inline: bool = False) -> str:
    """Content-Disposition with an ASCII name and the exact UTF-8 name (RFC 6266, RFC 5987).

    Browsers that read `filename*` save "Reifegrad_Verlauf_Bäckerei-Müller.csv"; older ones
    get "Reifegrad_Verlauf_Baeckerei-Mueller.csv". Quotes, backslashes and line breaks can
    never reach the header: the ASCII name keeps only letters, digits, dots, hyphens and
    underscores, and the UTF-8 name is percent-encoded.
    """
    disposition = "inline" if inline else "attachment"
    fallback = ascii_filename(filename)
    if fallback == filename:
        return f'{disposition}; filename="{filename}"'
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_response(
    table: Table, *, title: str, name: str, file_format: str, dated: bool = True
) -> HttpResponse:
    """The table as a CSV or XLSX download in the active language (see `download`)."""
    language = get_language()
    if file_format == "xlsx":
        response = HttpResponse(as_xlsx(table, title=title, language=language), content_type=XLSX)
    else:
        response = HttpResponse(
            as_csv(table, language=language), content_type="text/csv; charset=utf-8"
        )
    return download(response, name=name, file_format=file_format, dated=dated)


def download(
    response: HttpResponse, *, name: str, file_format: str, dated: bool = True
) -> HttpResponse:
    """A private attachment named `name`, with today's date unless the name holds a date."""
    if dated:
        name = f"{name}_{timezone.localdate().isoformat()}"
    response["Content-Disposition"] = attachment_header(f"{name}.{file_format}")
    response["Content-Language"] = get_language()
    response["Cache-Control"] = "private, no-store"
    return response
