"""The PDF report and the JSON export of one assessment, with the results page's access rules."""

from __future__ import annotations

import logging
import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from assessment import access
from assessment.reports.data import build_report
from assessment.reports.export import export_data
from assessment.reports.pdf import assessment_pdf, safe_filename
from assessment.views.common import attachment_header
from assessment.views.errors import service_unavailable

logger = logging.getLogger(__name__)


@require_GET
def report_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    assessment = access.assessment_for(request, public_id, "view_results")
    try:
        rendered = assessment_pdf(assessment=assessment)
    except OSError:
        # A full disk or a failing font file: nothing was stored, so the next try renders anew.
        logger.exception("Rendering the PDF of assessment %s failed", assessment.pk)
        return service_unavailable()
    response = HttpResponse(rendered.content, content_type="application/pdf")
    response["Content-Disposition"] = attachment_header(
        rendered.filename, inline=bool(request.GET.get("inline"))
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
