"""The PDF report and the JSON export of one assessment, with the results page's access rules."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from assessment import access, throttle
from assessment.models import Assessment, ReportRender
from assessment.reports.data import build_report
from assessment.reports.export import answers_table, export_data
from assessment.reports.pdf import request_pdf, safe_filename
from assessment.views.common import attachment_header, table_response
from assessment.views.errors import service_unavailable

logger = logging.getLogger(__name__)


def refresh_seconds(assessment: Assessment) -> int:
    """How long the waiting page waits before it asks again: PDF_REFRESH_SECONDS, or a second
    for every render queued before this one, at most four times PDF_REFRESH_SECONDS. Every
    ask is a request, and one made before the render can be done takes time from the pages."""
    shortest = settings.PDF_REFRESH_SECONDS
    render = (
        ReportRender.objects.filter(
            assessment=assessment,
            status__in=[ReportRender.Status.QUEUED, ReportRender.Status.RUNNING],
        )
        .order_by("requested_at")
        .first()
    )
    if render is None:
        return shortest
    return min(max(shortest, render.renders_ahead()), 4 * shortest)


@require_GET
def report_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    assessment = access.assessment_for(request, public_id, "view_results")
    try:
        outcome = request_pdf(
            assessment=assessment, may_start=lambda: throttle.pdf_render_allowed(request)
        )
    except OSError:
        # A full disk or a failing font file: nothing was stored, so the next try renders anew.
        logger.exception("Rendering the PDF of assessment %s failed", assessment.pk)
        return service_unavailable()
    if outcome.pdf is None:
        # The page asks again by itself (Refresh header and meta refresh: no script needed,
        # and nothing the content security policy forbids).
        refresh = refresh_seconds(assessment)
        context = {"assessment": assessment, "outcome": outcome, "refresh": refresh}
        status = 202 if outcome.pending else 429 if outcome.limited else 503
        response = render(request, "assessment/pdf_pending.html", context, status=status)
        if outcome.pending:
            response["Refresh"] = str(refresh)
        else:
            response["Retry-After"] = "3600" if outcome.limited else "30"
        response["Cache-Control"] = "private, no-store"
        return response
    response = HttpResponse(outcome.pdf.content, content_type="application/pdf")
    response["Content-Disposition"] = attachment_header(
        outcome.pdf.filename, inline=bool(request.GET.get("inline"))
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def report_json(request: HttpRequest, public_id: uuid.UUID) -> JsonResponse:
    assessment = access.assessment_for(request, public_id, "view_results")
    data = export_data(build_report(assessment=assessment))
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    filename = safe_filename(assessment).removesuffix(".pdf") + ".json"
    response["Content-Disposition"] = attachment_header(filename)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def report_answers(request: HttpRequest, public_id: uuid.UUID, file_format: str) -> HttpResponse:
    """Every answer of the assessment as a spreadsheet, with the results page's access rules."""
    if file_format not in ("csv", "xlsx"):
        raise Http404
    assessment = access.assessment_for(request, public_id, "view_results")
    title = pgettext("export file", "Antworten")
    # Named like the PDF, whose name already holds the check's date.
    name = f"{safe_filename(assessment).removesuffix('.pdf')}_{title}"
    return table_response(
        answers_table(build_report(assessment=assessment)),
        title=title,
        name=name,
        file_format=file_format,
        dated=False,
    )
