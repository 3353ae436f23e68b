"""The one entry point that turns an assessment into PDF bytes (WeasyPrint).

WeasyPrint's own fetcher would read any file or URL a document names. The report is built
from text people typed (company names, notes), so it gets a fetcher that serves only the
app's own static files and data: URIs and refuses everything else.
"""

from __future__ import annotations

import base64
import functools
import gc
import io
import logging
import mimetypes
import re
import threading
import time
import traceback
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, task
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.exceptions import TaskResultDoesNotExist
from fontTools.ttLib import TTFont
from PIL import Image
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from assessment.benchmark import peer_position
from assessment.consultants import consultant_for_report
from assessment.engine import charts, scoring
from assessment.models import Action, Assessment, RenderedReport, ReportRender
from assessment.reports.context import report_context, step_item
from assessment.reports.data import (
    CheckState,
    Report,
    build_report,
    check_state,
    disagreements,
    history_context,
    radar_comparison,
    trend_svg,
)

logger = logging.getLogger(__name__)

# A host that can never resolve: relative links in the report template point here, and the
# fetcher answers them from the static folders without any network.
BASE_URL = "https://reifegrad.invalid/"
STATIC_PREFIX = BASE_URL + "static/"
# PDF/A-3a: archival and tagged (structure tree, reading order, alternative texts), and
# unlike PDF/UA-1 alone it keeps the PDF/A identification.
PDF_VARIANT = "pdf/a-3a"
# Bump when the report template or stylesheet changes, so stored PDFs are rendered anew.
LAYOUT_VERSION = "13"

# Every glyph comes from these folders (static/vendor, each with its licence); the
# stylesheet names their faces in this order. No system font is ever used: a character none
# of them covers is replaced by PLACEHOLDER before rendering.
BUNDLED_FONT_FOLDERS = ("vendor/source-sans-3-5.3.1", "vendor/noto-sans-5.3.0")
FONT_STACK = (
    '"Source Sans 3", "Source Sans 3 Ext", "Reifegrad Noto Ext", "Reifegrad Noto Greek", '
    '"Reifegrad Noto Cyrillic"'
)
PLACEHOLDER = "[?]"
# The radar's scale (outer ring radius about a third of it) against its fixed label size: in
# the 96 mm figure the labels come out at 7 pt or more (tests/test_pdf_structure.py).
RADAR_SIZE = 170
# The footer has one line; longer company names are cut there (the cover prints them whole).
FOOTER_NAME_CHARACTERS = 60


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
    context.update(dimension_states(report, context["dimension_rows"]))
    # The chart module escapes every label; the SVGs are ours, not user input.
    # An image rather than inline SVG: the tagged PDF then carries it as a Figure with the
    # alternative text below, which lists every score.
    history = history_context(report)
    context["radar_data_uri"] = "data:image/svg+xml;base64," + base64.b64encode(
        printable(pdf_radar_svg(report, context["dimension_rows"], history)).encode("utf-8")
    ).decode("ascii")
    context["radar_alt"] = radar_alt_text(context["dimension_rows"], history)
    if history is not None:
        printed = {row["dimension"].key: row["delta"] for row in history["rows"]}
        for row in history["action_rows"]:
            dimension = row["dimension"]
            row["printed_dimension_delta"] = printed.get(dimension.key) if dimension else None
        history["trend"] = mark_safe(  # noqa: S308
            trend_svg(history["points"], pixel_width=560, font_family=FONT_STACK)
        )
    context["history"] = history
    # Now and Next print each step in full; Later and the waiting list print what a step
    # costs and how it is measured, and point to the web roadmap for what to do. That keeps
    # the report to the pages an owner reads and its render under a second.
    for phase in context["phases"]:
        phase["compact"] = phase["plan"].key == "later"
    context["roadmap_url"] = absolute_url("roadmap", report.assessment.public_id)
    context["appendix"] = appendix(report)
    context["disagreements"] = disagreements(report)
    consultant = consultant_for_report(report.assessment.company)
    context["consultant"] = consultant
    if consultant is not None and consultant.logo_png:
        # A data: URI: the fetcher serves it without touching any file or network.
        context["consultant_logo"] = "data:image/png;base64," + base64.b64encode(
            archival_png(bytes(consultant.logo_png))
        ).decode("ascii")
    context["language"] = translation.get_language() or "de"
    # XMP and the document information take whole seconds (ISO 19005 readers reject more).
    context["generated"] = timezone.localtime().replace(microsecond=0)
    context["legal"] = legal_links()
    context["executive"] = executive_summary(report, context)
    company = report.assessment.company
    name = company.name or str(company.get_industry_display())
    context["footer_name"] = (
        name
        if len(name) <= FOOTER_NAME_CHARACTERS
        else name[: FOOTER_NAME_CHARACTERS - 1].rstrip() + "…"
    )
    html = render_to_string("report/report.html", context)
    # The head (title, metadata) is never drawn: it keeps the text as typed.
    head, body_start, body = html.partition("<body")
    return head + body_start + printable(body)


def dimension_states(report: Report, dimension_rows: list[dict]) -> dict:
    """Each area's state in words: scored, still open (nothing answered yet) or not
    applicable; a draft's open areas must not read as "does not apply" nor as 0."""
    for row in dimension_rows:
        result = row["result"]
        if result.score is not None:
            row["state"] = "partial" if result.answered < result.applicable else "scored"
        elif result.applicable > result.answered:
            row["state"] = "open"
        else:
            row["state"] = "not_applicable"
        row["printed_score"] = None if result.score is None else scoring.whole_points(result.score)
    return {"open_areas": sum(1 for row in dimension_rows if row["state"] == "open")}


def state_text(row: dict) -> str:
    if row["state"] == "open":
        return _("noch offen")
    if row["state"] == "not_applicable":
        return _("trifft nicht zu")
    return str(row["printed_score"])


def pdf_radar_svg(report: Report, dimension_rows: list[dict], history: dict | None) -> str:
    """The radar in the document's fonts; an axis without a score names its state. After a
    reassessment the previous check is drawn over it, dashed, with a legend, as on the
    results page."""
    axes = []
    for row in dimension_rows:
        title = row["dimension"].title
        if row["state"] in ("open", "not_applicable"):
            title = f"{title} ({state_text(row)})"
        axes.append((title, row["result"].score))
    comparison, current_label, comparison_label = radar_comparison(report, history)
    return charts.radar_chart(
        axes=axes,
        chart_id="radar",
        title=_("Reifegrad je Bereich"),
        no_value_text=_("keine Punkte"),
        size=RADAR_SIZE,
        pixel_width=300,
        font_family=FONT_STACK,
        comparison=comparison,
        current_label=current_label,
        comparison_label=comparison_label,
    )


def radar_alt_text(dimension_rows: list[dict], history: dict | None = None) -> str:
    """The figure's alternative text: every area with its score, as printed, and the previous
    check's scores where the chart draws them."""
    parts = [f"{row['dimension'].title}: {state_text(row)}" for row in dimension_rows]
    text = _("Netzdiagramm, Punkte je Bereich (von 100): %(scores)s") % {"scores": "; ".join(parts)}
    if history is None:
        return text
    before = [
        f"{row['dimension'].title}: "
        + ("–" if row["before"] is None else str(scoring.whole_points(row["before"])))
        for row in history["rows"]
    ]
    date = formats.date_format(
        timezone.localtime(history["previous"]["completed_at"]), "SHORT_DATE_FORMAT"
    )
    return (
        text
        + ". "
        + _("Gestrichelt der Check vom %(date)s: %(scores)s")
        % {
            "date": date,
            "scores": "; ".join(before),
        }
    )


def executive_summary(report: Report, context: dict) -> dict[str, Any]:
    """The first page: what a busy owner needs to act on Monday."""
    company = report.assessment.company
    steps = report.roadmap.next_steps()
    owners = dict(
        Action.objects.filter(
            company_id=company.pk,
            recommendation_key__in=[step.key for step in steps],
            status__in=[Action.Status.PLANNED, Action.Status.DOING],
        )
        .exclude(owner="")
        .values_list("recommendation_key", "owner")
    )
    next_steps = []
    for step in steps:
        item = step_item(report, step)
        item["owner"] = owners.get(step.key, "")
        item["deadline"] = step.legal_deadline
        next_steps.append(item)
    phases = report.roadmap.phases
    duty = next(
        (step for step in report.roadmap.steps if step.legal_status == "applies"),
        None,
    )
    history = context.get("history")
    return {
        "next_steps": next_steps,
        "hours_used": sum(phase.hours_used for phase in phases),
        "hours_available": sum(phase.hours_available for phase in phases),
        "money_used": sum(phase.money_used for phase in phases),
        "money_available": sum(phase.money_available for phase in phases),
        "duty": step_item(report, duty) if duty is not None else None,
        "peers": peer_position(company, report.result.overall, report.assessment.questionnaire.key)
        if report.assessment.is_completed
        else None,
        "overall_delta": None if history is None else history["overall_delta"],
    }


def archival_png(data: bytes) -> bytes:
    """An uploaded logo re-encoded as a plain 8-bit PNG: no interlacing, gamma or colour
    profile chunks that PDF/A readers choke on. A file Pillow cannot read is left out."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            converted = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        return b""
    output = io.BytesIO()
    converted.save(output, format="PNG")
    return output.getvalue()


@functools.cache
def covered_characters() -> frozenset[int]:
    """Every code point one of the bundled fonts has a glyph for."""
    covered: set[int] = set()
    for path in bundled_font_files():
        covered.update(TTFont(path).getBestCmap())
    return frozenset(covered)


def bundled_font_files() -> list[Path]:
    files = []
    for folder in BUNDLED_FONT_FOLDERS:
        found = finders.find(folder)
        if not found:
            raise RuntimeError(f"bundled fonts missing: static/{folder}")
        files.extend(sorted(Path(str(found)).glob("*.woff")))
    return files


@functools.cache
def uncovered_pattern() -> re.Pattern[str]:
    ranges = []
    start = previous = None
    for code in sorted(covered_characters()):
        if previous is not None and code == previous + 1:
            previous = code
            continue
        if start is not None and previous is not None:
            ranges.append((start, previous))
        start = previous = code
    if start is not None and previous is not None:
        ranges.append((start, previous))
    allowed = "".join(
        re.escape(chr(low)) if low == high else f"{re.escape(chr(low))}-{re.escape(chr(high))}"
        for low, high in ranges
    )
    return re.compile(f"[^{allowed}\\t\\n\\r]")


def printable(html: str) -> str:
    """The document with every character no bundled font has replaced: white space by a
    space, invisible format characters dropped, anything else by a visible PLACEHOLDER.
    The markup itself is ASCII, so only text changes."""

    def replace(match: re.Match[str]) -> str:
        character = match.group()
        if character.isspace():
            return " "
        if unicodedata.category(character) in ("Cf", "Mn", "Cc"):
            return ""
        return PLACEHOLDER

    return uncovered_pattern().sub(replace, html)


def absolute_url(name: str, *args: object) -> str:
    """A page's address in full: a PDF leaves the site, so its links name the host."""
    return (settings.SITE_URL or "").rstrip("/") + reverse(name, args=args)


def legal_links() -> dict[str, str]:
    """The operator and the addresses of the Impressum and the privacy notice, for the
    report's last line."""
    return {
        "operator": settings.OPERATOR_NAME or "",
        "imprint": absolute_url("imprint"),
        "privacy": absolute_url("privacy"),
    }


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


# One font configuration per thread, kept for the life of the process. Creating one loads
# the system's fontconfig setup, and each new one copies and registers the stylesheet's
# fourteen bundled faces again; together that was most of the one-page floor. WeasyPrint
# adds a face once per configuration (the same @font-face rule finds its copied file and
# returns), so every render after the first reuses them. Pango's font maps are not meant to
# be shared between threads, hence one per thread.
thread_fonts = threading.local()


def font_configuration() -> FontConfiguration:
    """This thread's WeasyPrint font configuration, made on first use."""
    config = getattr(thread_fonts, "config", None)
    if config is None:
        config = thread_fonts.config = FontConfiguration()
    return config


def report_stylesheet() -> CSS:
    """This thread's report stylesheet, parsed once with the thread's font configuration.

    Parsing it (and resolving its fourteen @font-face rules) took about a twentieth of every
    render; a parsed `CSS` can be passed to any number of renders. The stylesheet is part of
    LAYOUT_VERSION, so a new one comes with a new process anyway.
    """
    sheet = getattr(thread_fonts, "stylesheet", None)
    if sheet is None:
        path = finders.find("css/report.css")
        if not isinstance(path, str):
            raise ImproperlyConfigured("static/css/report.css is missing")
        sheet = thread_fonts.stylesheet = CSS(
            string=Path(path).read_text(encoding="utf-8"),
            base_url=STATIC_PREFIX + "css/",
            url_fetcher=StaticOnlyFetcher(),
            font_config=font_configuration(),
        )
    return sheet


def layout_and_write(html: str) -> tuple[bytes, float, float]:
    # A render allocates hundreds of thousands of boxes, styles and PDF objects, most of them
    # in reference cycles. With the cyclic garbage collector running, that many allocations
    # set off a full collection during the render, which walks every object of the process
    # (Django, the fonts, the render so far) and cost 0.1-0.2 s per report. Paused for the
    # render, one collection of the young generation afterwards frees the render's garbage
    # at once, and the report costs about a tenth less CPU in all (bench/README.md).
    collector_was_running = gc.isenabled()
    gc.disable()
    try:
        fetcher = StaticOnlyFetcher()
        started = time.perf_counter()
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
            font_config=font_configuration(),
            stylesheets=[report_stylesheet()],
            pdf_variant=PDF_VARIANT,
        )
        laid_out = time.perf_counter()
        content = document.write_pdf(pdf_variant=PDF_VARIANT)
        del document, fetcher
    finally:
        if collector_was_running:
            gc.enable()
    # Objects made while the collector was paused are all in the young generation; the
    # collection is counted with the writing.
    gc.collect(0)
    written = time.perf_counter()
    return content, laid_out - started, written - laid_out


def render(report: Report) -> tuple[bytes, Timing]:
    """Render without storing; used by the benchmark and by `assessment_pdf`."""
    started = time.perf_counter()
    html = report_html(report)
    templated = time.perf_counter()
    content, layout, write = render_pdf_bytes(html)
    return content, Timing(0.0, templated - started, layout, write)


def pdf_state(assessment: Assessment, language: str) -> CheckState:
    """The check's state for its PDF: the revision covers everything the report shows
    (`data.check_state`), the consultant on its cover and the layout of the template and
    stylesheet."""
    return check_state(assessment, language, branding=True, layout=LAYOUT_VERSION)


def revision_of(assessment: Assessment, language: str) -> str:
    """The stored PDF's revision (`pdf_state`)."""
    return pdf_state(assessment, language).revision


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
    state = pdf_state(assessment, language)
    revision = state.revision
    filename = safe_filename(assessment)
    stored = RenderedReport.objects.filter(
        assessment=assessment, language=language, revision=revision
    ).first()
    if stored is not None:
        return RenderedPdf(bytes(stored.pdf), filename, revision, from_cache=True)
    # Planned with the catalogue the revision names, not one looked up again.
    content, _timing = render(build_report(assessment=assessment, advice=state.advice))
    # Only a complete document is ever stored: the row is written in one transaction.
    with transaction.atomic():
        RenderedReport.objects.update_or_create(
            assessment=assessment,
            language=language,
            defaults={"revision": revision, "pdf": content, "created_at": timezone.now()},
        )
    return RenderedPdf(content, filename, revision, from_cache=False)


# --- Rendering as a background task
#
# A render takes a second of CPU or more; inside a request it made every other page wait
# behind it. The PDF link now asks for the PDF (`request_pdf`): a stored PDF of the current
# revision is served at once; otherwise one render is queued per revision and language (a
# unique row, so two first requests at once queue one), and the link answers "wird erstellt"
# and reloads itself until the file is there.


@dataclass(frozen=True)
class PdfRequest:
    """What the PDF link answers: the file, "still rendering", "failed" or "too many"."""

    pdf: RenderedPdf | None = None
    pending: bool = False
    failed: bool = False
    limited: bool = False


def stored_pdf(assessment: Assessment, language: str, revision: str) -> RenderedPdf | None:
    stored = RenderedReport.objects.filter(
        assessment=assessment, language=language, revision=revision
    ).first()
    if stored is None:
        return None
    return RenderedPdf(bytes(stored.pdf), safe_filename(assessment), revision, from_cache=True)


def render_given_up(render: ReportRender) -> bool:
    """The render's task ended failed, or has been lost for longer than any retry takes."""
    if render.status == ReportRender.Status.FAILED:
        return True
    backend = render_report.get_backend()
    if render.task_id and backend.supports_get_result:
        try:
            result = backend.get_result(render.task_id)
        except TaskResultDoesNotExist:
            return True
        if result.status == TaskResultStatus.FAILED:
            return True
    longest = timedelta(seconds=settings.TASK_STALE_SECONDS * (settings.TASK_MAX_ATTEMPTS + 1))
    return render.requested_at < timezone.now() - longest


def request_pdf(*, assessment: Assessment, may_start: Callable[[], bool]) -> PdfRequest:
    """The stored PDF in the active language, or a render queued (once) for it.

    `may_start` is asked only before a new render is queued (the per-visitor limit).
    """
    language = (translation.get_language() or "de")[:2]
    revision = revision_of(assessment, language)
    for _attempt in range(2):
        pdf = stored_pdf(assessment, language, revision)
        if pdf is not None:
            return PdfRequest(pdf=pdf)
        render = ReportRender.objects.filter(
            assessment=assessment, language=language, revision=revision
        ).first()
        if render is not None:
            if render.status == ReportRender.Status.DONE:
                # Stored, then replaced by a newer revision's render: ask again.
                render.delete()
                continue
            if render_given_up(render):
                # Said once; the next visit of the link queues a fresh render.
                render.delete()
                return PdfRequest(failed=True)
            return PdfRequest(pending=True)
        if not may_start():
            return PdfRequest(limited=True)
        try:
            with transaction.atomic():
                render = ReportRender.objects.create(
                    assessment=assessment, language=language, revision=revision
                )
        except IntegrityError:
            # Another request queued the same render a moment ago.
            return PdfRequest(pending=True)
        ReportRender.objects.filter(assessment=assessment, language=language).exclude(
            revision=revision
        ).exclude(status__in=[ReportRender.Status.QUEUED, ReportRender.Status.RUNNING]).delete()
        try:
            queued = render_report.enqueue(render_id=render.pk)
        except Exception:
            render.delete()
            raise
        ReportRender.objects.filter(pk=render.pk).update(task_id=str(queued.id))
        # With tasks run at once (TASK_BACKEND=immediate) the file is there already.
        pdf = stored_pdf(assessment, language, revision)
        if pdf is not None:
            return PdfRequest(pdf=pdf)
        render.refresh_from_db()
        if render.status == ReportRender.Status.FAILED:
            render.delete()
            return PdfRequest(failed=True)
        return PdfRequest(pending=True)
    return PdfRequest(pending=True)


def prepare_pdf(*, assessment: Assessment, may_start: Callable[[], bool]) -> None:
    """Queue the PDF of a check just finished, so that it is usually ready at the first click.

    Only with PDF_RENDER_ON_FINISH and a queue that workers take off in the background: with
    tasks run at once (TASK_BACKEND=immediate) the render would hold up the finishing request.
    Counts against the visitor's render limit like a click; a failure to queue is logged and
    never fails the finishing (the PDF link queues the render again).
    """
    if not settings.PDF_RENDER_ON_FINISH:
        return
    if isinstance(render_report.get_backend(), ImmediateBackend):
        return
    try:
        request_pdf(assessment=assessment, may_start=may_start)
    except Exception:
        logger.exception("Queuing the PDF of assessment %s failed", assessment.pk)


@task(queue_name="pdf")
def render_report(*, render_id: int) -> str:
    """Render and store one PDF; its arguments are a row id, never personal data."""
    render = ReportRender.objects.select_related("assessment").filter(pk=render_id).first()
    if render is None:
        return "gone"  # the check was deleted meanwhile
    ReportRender.objects.filter(pk=render.pk).update(status=ReportRender.Status.RUNNING)
    try:
        with translation.override(render.language):
            rendered = assessment_pdf(assessment=render.assessment)
    except Exception as error:
        ReportRender.objects.filter(pk=render.pk).update(
            status=ReportRender.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:500],
            finished_at=timezone.now(),
        )
        logger.error("Rendering the PDF of assessment %s failed", render.assessment_id)
        raise
    ReportRender.objects.filter(pk=render.pk).update(
        status=ReportRender.Status.DONE, finished_at=timezone.now()
    )
    return "stored" if not rendered.from_cache else "already stored"
