"""Impressum and privacy notice, and the self-service of the GDPR: delete an account, a company
or a check without an account, and download everything stored about a person or a company."""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from assessment import access, privacy
from assessment.auth import AuthenticatedRequest
from assessment.models import Membership
from assessment.reports.data import RESULTS_CACHE_SECONDS
from assessment.views.common import message_page


def operator_context() -> dict:
    return {
        "operator": {
            "name": settings.OPERATOR_NAME,
            "address": settings.OPERATOR_ADDRESS,
            "representative": settings.OPERATOR_REPRESENTATIVE,
            "email": settings.OPERATOR_EMAIL,
            "phone": settings.OPERATOR_PHONE,
            "register": settings.OPERATOR_REGISTER,
            "vat_id": settings.OPERATOR_VAT_ID,
        },
        "privacy_contact": settings.PRIVACY_CONTACT,
        "privacy_contact_email": settings.PRIVACY_CONTACT_EMAIL or settings.OPERATOR_EMAIL,
        "hosting_provider": settings.HOSTING_PROVIDER,
        "hosting_location": settings.HOSTING_LOCATION,
        "authority": settings.PRIVACY_AUTHORITY,
    }


@require_GET
def imprint(request: HttpRequest) -> HttpResponse:
    return render(request, "legal/imprint.html", operator_context())


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """What the app stores, why, how long and where: from the settings, so it stays true."""
    context = operator_context()
    context.update(
        {
            "session_minutes": settings.SESSION_COOKIE_AGE // 60,
            "results_cache_hours": RESULTS_CACHE_SECONDS // 3600,
            "draft_days": settings.RETENTION_ANONYMOUS_DRAFT_DAYS,
            "completed_days": settings.RETENTION_ANONYMOUS_COMPLETED_DAYS,
            "link_idle_days": settings.RESUME_LINK_IDLE_DAYS,
            "token_miss_days": settings.RETENTION_TOKEN_MISS_DAYS,
            "login_days": settings.RETENTION_LOGIN_ATTEMPT_DAYS,
            "task_days": settings.RETENTION_TASK_RESULT_DAYS,
            "mail_window_minutes": int(settings.MAIL_LIMIT_WINDOW.total_seconds() // 60),
            "invitation_days": settings.INVITATION_DAYS,
            "database": "PostgreSQL"
            if settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
            else "SQLite",
            "redis_cache": "redis" in settings.CACHES["default"]["BACKEND"].lower(),
            "mail_host": settings.EMAIL_HOST,
        }
    )
    return render(request, "legal/privacy.html", context)


def json_download(data: dict, *, name: str) -> HttpResponse:
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}_{day}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def account_data(request: AuthenticatedRequest) -> HttpResponse:
    """Everything stored about the logged-in person (Art. 15 and 20 GDPR)."""
    document = privacy.export_document("account", privacy.account_data(request.user))
    return json_download(document, name="Reifegrad_Konto")


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: AuthenticatedRequest) -> HttpResponse:
    """Delete the account; companies it alone belongs to go with it, once named and confirmed.

    Where others remain in a company only this person owns, ownership is handed over first.
    """
    plan = privacy.account_deletion(request.user)
    context = {"plan": plan, "error": ""}
    if request.method == "POST":
        confirmed = {value for value in request.POST.getlist("company") if value.isdigit()}
        if not plan.possible:
            context["error"] = _("Bitte übergeben Sie zuerst die Inhaberschaft (siehe unten).")
        elif request.POST.get("confirm") != "delete":
            context["error"] = _("Bitte bestätigen Sie, dass Ihr Konto gelöscht werden soll.")
        elif {str(c.pk) for c in plan.deleted_with_it} != confirmed:
            context["error"] = _(
                "Bitte bestätigen Sie jedes Unternehmen, das mit Ihrem Konto gelöscht wird."
            )
        else:
            try:
                privacy.delete_account(
                    user=request.user, confirmed_company_ids={int(v) for v in confirmed}
                )
            except (privacy.HandoverNeeded, privacy.CompaniesChanged):
                context["plan"] = privacy.account_deletion(request.user)
                context["error"] = _(
                    "Ihre Unternehmen haben sich inzwischen geändert. Bitte prüfen Sie die "
                    "Liste und bestätigen Sie erneut."
                )
            else:
                logout(request)
                return message_page(
                    request,
                    title=_("Ihr Konto ist gelöscht"),
                    text=_(
                        "Ihr Konto und alle Daten dazu sind gelöscht, ebenso die Unternehmen, "
                        "in denen Sie allein waren."
                    ),
                )
        return render(request, "account/delete.html", context, status=400)
    return render(request, "account/delete.html", context)


@login_required
@require_GET
def company_data(request: HttpRequest, company_id: int) -> HttpResponse:
    """Everything stored for a company, for the people holding the owner's rights."""
    company = access.company_for(request, company_id, "own_company_data")
    document = privacy.export_document("company", privacy.company_data(company))
    return json_download(document, name=f"Reifegrad_Unternehmen_{company.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def company_delete(request: HttpRequest, company_id: int) -> HttpResponse:
    """Delete a company with all its checks; the owner types its name to confirm."""
    company = access.company_for(request, company_id, "own_company_data")
    expected = str(company)
    context = {
        "company": company,
        "expected": expected,
        "members": Membership.objects.filter(company=company).count(),
        "checks": company.assessments.count(),
        "error": "",
    }
    if request.method == "POST":
        if request.POST.get("confirm_name", "").strip() != expected:
            context["error"] = _("Bitte geben Sie zur Bestätigung den Namen genau so ein.")
            return render(request, "company/delete.html", context, status=400)
        privacy.delete_company(company=company)
        messages.success(request, _("Das Unternehmen und alle seine Daten sind gelöscht."))
        return redirect("companies")
    return render(request, "company/delete.html", context)


@require_http_methods(["GET", "POST"])
def check_delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Delete a check without an account through its resume link (not a team member's)."""
    assessment = access.assessment_for(request, public_id, "delete_check")
    if not privacy.is_anonymous(assessment.company_id):
        return message_page(
            request,
            title=_("Dieser Check gehört zu einem Unternehmen"),
            text=_(
                "Er liegt in einem Konto. Löschen können ihn nur die Inhaber/innen des "
                "Unternehmens, mit dem ganzen Unternehmen."
            ),
            status=409,
        )
    if request.method == "POST":
        if request.POST.get("confirm") != "delete":
            return render(
                request,
                "assessment/delete.html",
                {"assessment": assessment, "error": _("Bitte bestätigen Sie das Löschen.")},
                status=400,
            )
        try:
            privacy.delete_anonymous_check(assessment=assessment)
        except privacy.NotAnonymous:
            return redirect("results", public_id=assessment.public_id)
        request.session.get(access.SESSION_LINKS, {}).pop(str(assessment.public_id), None)
        request.session.modified = True
        return message_page(
            request,
            title=_("Ihr Check ist gelöscht"),
            text=_("Der Check, alle Antworten und alle Links dazu sind gelöscht."),
            start_link=True,
        )
    return render(request, "assessment/delete.html", {"assessment": assessment, "error": ""})
