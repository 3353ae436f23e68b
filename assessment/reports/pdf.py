"""The one entry point that turns an assessment into PDF bytes (WeasyPrint).

WeasyPrint's own fetcher would read any file or URL a document names. The report is built
from text people typed (company names, notes), so it gets a fetcher that serves only the
app's own static files and data: URIs and refuses everything else.
"""

from __future__ import annotations

import base64
import mimetypes
import re
import time
import traceback
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from assessment.consultants import consultant_for_report
from assessment.models import Assessment, RenderedReport
from assessment.reports.context import report_context
from assessment.reports.data import (
    Report,
    build_report,
    disagreements,
    history_context,
    radar_svg,
    trend_svg,
)
from assessment.reports.data import revision_of as report_revision

# A host that can never resolve: relative links in the report template point here, and the
# fetcher answers them from the static folders without any network.
BASE_URL = "https://reifegrad.invalid/"
STATIC_PREFIX = BASE_URL + "static/"
PDF_VARIANT = "pdf/a-3u"
# Bump when the report template or stylesheet changes, so stored PDFs are rendered anew.
LAYOUT_VERSION = "7"


class StaticOnlyFetcher(URLFetcher):
    """Serves the app's own static files and data: URIs; refuses everything else."""

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols={"data"}, allow_redirects=False)
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            self.served.append(url[:40])
            return super().fetch(url, headers)
        path = static_file_for(url)
        if path is None:
            self.refused.append(url)
            raise ValueError(f"Not served to the PDF renderer: {url[:200]}")
        self.served.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )


def static_file_for(url: str) -> Path | None:
    """The file behind one of our static URLs, or None for anything else."""
    if not url.startswith(STATIC_PREFIX):
        return None
    relative = unquote(urlsplit(url).path)[len("/static/") :]
    if not relative or ".." in relative.split("/") or relative.startswith("/"):
        return None
    try:
        found = finders.find(relative)
    except Exception:  # a suspicious path makes the finders raise
        return None
    if not found:
        return None
    path = Path(found).resolve()
    roots = [Path(root).resolve() for root in finder_roots()]
    if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
        return None
    return path


def finder_roots() -> list[str]:
    from django.conf import settings

    roots = [str(directory) for directory in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(str(settings.STATIC_ROOT))
    return roots


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    filename: str
    revision: str
    from_cache: bool


@dataclass(frozen=True)
class Timing:
    """Where the time of one render went: our own work and WeasyPrint's."""

    gather_seconds: float
    template_seconds: float
    layout_seconds: float
    write_seconds: float


def report_html(report: Report) -> str:
    context = report_context(report)
    # The chart module escapes every label; the SVGs are ours, not user input.
    context["radar"] = mark_safe(radar_svg(report, pixel_width=330))  # noqa: S308
    history = history_context(report)
    if history is not None:
        history["trend"] = mark_safe(trend_svg(history["points"], pixel_width=620))  # noqa: S308
    context["history"] = history
    context["appendix"] = appendix(report)
    context["disagreements"] = disagreements(report)
    consultant = consultant_for_report(report.assessment.company)
    context["consultant"] = consultant
    if consultant is not None and consultant.logo_png:
        # A data: URI: the fetcher serves it without touching any file or network.
        context["consultant_logo"] = "data:image/png;base64," + base64.b64encode(
            bytes(consultant.logo_png)
        ).decode("ascii")
    context["language"] = translation.get_language() or "de"
    context["generated"] = timezone.localtime()
    return render_to_string("report/report.html", context)


def appendix(report: Report) -> list[dict]:
    sections = []
    statuses = {q.key: q.status for q in report.result.questions}
    for dimension in report.content.dimensions:
        rows = []
        for question in dimension.question_list:
            answer = report.answers.get(question.key)
            rows.append(
                {
                    "question": question,
                    "status": statuses.get(question.key),
                    "answer": question.answer_labels(answer),
                    "note": answer.note if answer and not answer.note_private else "",
                }
            )
        sections.append({"dimension": dimension, "rows": rows})
    return sections


def render_pdf_bytes(html: str) -> tuple[bytes, float, float]:
    try:
        return layout_and_write(html)
    except Exception as error:
        # WeasyPrint copies the report's web fonts into a temporary folder that it removes
        # when its font configuration is freed. The traceback's frames would keep that
        # alive as long as the error is (logged, reported); without their variables it is
        # freed now, and the folder with it. File names and lines stay in the traceback.
        traceback.clear_frames(error.__traceback__)
        raise


def layout_and_write(html: str) -> tuple[bytes, float, float]:
    fetcher = StaticOnlyFetcher()
    started = time.perf_counter()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
        font_config=FontConfiguration(), pdf_variant=PDF_VARIANT
    )
    laid_out = time.perf_counter()
    content = document.write_pdf(pdf_variant=PDF_VARIANT)
    written = time.perf_counter()
    return content, laid_out - started, written - laid_out


def render(report: Report) -> tuple[bytes, Timing]:
    """Render without storing; used by the benchmark and by `assessment_pdf`."""
    started = time.perf_counter()
    html = report_html(report)
    templated = time.perf_counter()
    content, layout, write = render_pdf_bytes(html)
    return content, Timing(0.0, templated - started, layout, write)


def revision_of(assessment: Assessment, language: str) -> str:
    """The stored PDF's revision: everything the report shows (`report.revision_of`), the
    consultant on its cover and the layout of the template and stylesheet."""
    return report_revision(assessment, language, branding=True, layout=LAYOUT_VERSION)


def safe_filename(assessment: Assessment) -> str:
    name = assessment.company.name or str(assessment.company.get_industry_display())
    for umlaut, spelled in (
        ("ä", "ae"),
        ("ö", "oe"),
        ("ü", "ue"),
        ("Ä", "Ae"),
        ("Ö", "Oe"),
        ("Ü", "Ue"),
        ("ß", "ss"),
    ):
        name = name.replace(umlaut, spelled)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9]+", "_", ascii_name).strip("_")[:60] or "Unternehmen"
    day = (assessment.completed_at or timezone.now()).astimezone(timezone.get_current_timezone())
    return f"Reifegrad_{ascii_name}_{day:%Y-%m-%d}.pdf"


def assessment_pdf(*, assessment: Assessment) -> RenderedPdf:
    """PDF bytes for the assessment in the active language, rendered once per revision."""
    language = (translation.get_language() or "de")[:2]
    revision = revision_of(assessment, language)
    filename = safe_filename(assessment)
    stored = RenderedReport.objects.filter(
        assessment=assessment, language=language, revision=revision
    ).first()
    if stored is not None:
        return RenderedPdf(bytes(stored.pdf), filename, revision, from_cache=True)
    content, _timing = render(build_report(assessment=assessment))
    # Only a complete document is ever stored: the row is written in one transaction.
    with transaction.atomic():
        RenderedReport.objects.update_or_create(
            assessment=assessment,
            language=language,
            defaults={"revision": revision, "pdf": content, "created_at": timezone.now()},
        )
    return RenderedPdf(content, filename, revision, from_cache=False)
