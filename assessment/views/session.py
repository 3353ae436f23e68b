"""Workshops: a check answered by several people of the client, consolidated by the consultant."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from assessment import access, mail, mail_limits
from assessment.answers import MAX_NOTE_LENGTH, NOT_APPLICABLE, AnswerChange
from assessment.auth import AuthenticatedRequest
from assessment.forms import NameField
from assessment.mail_limits import one_line
from assessment.models import MailLog, Respondent, ResumeToken
from assessment.page_form import is_advisor, page_changes, page_context
from assessment.team import team_view
from assessment.workflows import (
    AssessmentClosed,
    primary_respondent,
    save_answers,
    stored_answers,
)


class TeamMemberForm(forms.Form):
    name = NameField(label=gettext_lazy("Name oder Rolle"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("E-Mail (freiwillig)"), required=False)


@login_required
@require_http_methods(["GET", "POST"])
def team(request: AuthenticatedRequest, public_id: uuid.UUID) -> HttpResponse:
    assessment = access.assessment_for(request, public_id, "run_workshop")
    form = TeamMemberForm(request.POST or None)
    new_link = None
    if request.method == "POST" and form.is_valid():
        if assessment.is_completed:
            messages.error(request, _("Dieser Check ist bereits abgeschlossen."))
            return redirect("team", public_id=assessment.public_id)
        respondent = Respondent.objects.create(
            assessment=assessment, name=form.cleaned_data["name"], is_primary=False
        )
        _token, raw_token = ResumeToken.issue(
            assessment=assessment, respondent=respondent, created_by=request.user
        )
        new_link = request.build_absolute_uri(reverse("resume", args=[raw_token]))
        email = form.cleaned_data["email"]
        try:
            if email:
                mail_limits.reserve(
                    kind=MailLog.Kind.RESPONDENT,
                    recipient=email,
                    company=assessment.company,
                    assessment=assessment,
                )
        except mail_limits.MailLimitReached as limit:
            # The link is made and shown; only the mail is not sent.
            messages.error(request, limit.message)
            email = ""
        if email:
            mail.send(
                subject=_("Ihre Einschätzung ist gefragt: %(company)s")
                % {"company": one_line(str(assessment.company))},
                body=_(
                    "Guten Tag,\n\nfür den Reifegrad-Check von „%(company)s“ ist Ihre eigene "
                    "Einschätzung gefragt. Beantworten Sie die Fragen so, wie Sie es sehen – "
                    "unabhängig von den anderen:\n\n%(link)s\n"
                )
                % {"company": str(assessment.company), "link": new_link},
                recipients=[email],
            )
        form = TeamMemberForm()
    respondents = list(
        assessment.respondents.filter(is_primary=False)
        .annotate(answered=Count("answers"))
        .order_by("pk")
    )
    return render(
        request,
        "session/team.html",
        {
            "assessment": assessment,
            "form": form,
            "respondents": respondents,
            "new_link": new_link,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET"])
def consolidation(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    assessment = access.assessment_for(request, public_id, "run_workshop")
    return render(request, "session/consolidation.html", consolidation_context(assessment))


def consolidation_context(assessment) -> dict:
    content = assessment.questionnaire.content()
    view = team_view(assessment)
    final = stored_answers(assessment)
    rows = []
    for number, dimension in enumerate(content.dimensions, start=1):
        for question in dimension.question_list:
            item = view.agreement.get(question.key)
            if item is None or not any(
                question.key in view.answers[r.pk] for r in view.respondents
            ):
                continue
            rows.append(
                {
                    "number": number,
                    "dimension": dimension,
                    "question": question,
                    "answers": [
                        question.answer_labels(view.answers[r.pk].get(question.key), "–")
                        for r in view.respondents
                    ],
                    "levels": item.levels,
                    "spread": item.spread,
                    "disagreement": item.disagreement,
                    "proposal": question.answer_labels(item.proposal, "–"),
                    "final": question.answer_labels(final.get(question.key), "–"),
                }
            )
    return {
        "assessment": assessment,
        "respondents": view.respondents,
        "rows": rows,
        "disagreement_count": sum(1 for row in rows if row["disagreement"]),
    }


@login_required
@require_POST
def apply_proposals(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Fill the final answers from the team's proposals; `overwrite` replaces given ones too."""
    assessment = access.assessment_for(request, public_id, "run_workshop")
    content = assessment.questionnaire.content()
    view = team_view(assessment)
    final = stored_answers(assessment)
    overwrite = request.POST.get("overwrite") == "1"
    changes = [
        AnswerChange(
            content.questions[key], item.proposal.options, item.proposal.not_applicable, None
        )
        for key, item in view.agreement.items()
        if item.proposal is not None and (overwrite or key not in final)
    ]
    try:
        save_answers(
            assessment=assessment, respondent=primary_respondent(assessment), changes=changes
        )
    except AssessmentClosed:
        messages.error(request, _("Dieser Check ist bereits abgeschlossen."))
        return redirect("consolidation", public_id=assessment.public_id)
    messages.success(
        request,
        ngettext(
            "Eine Antwort aus den Vorschlägen des Teams übernommen.",
            "%(count)s Antworten aus den Vorschlägen des Teams übernommen.",
            len(changes),
        )
        % {"count": len(changes)},
    )
    return redirect("consolidation", public_id=assessment.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def facilitate(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Every question on one page, compact, for a consultant filling in with the client."""
    assessment = access.assessment_for(request, public_id, "run_workshop")
    if assessment.is_completed:
        return redirect("results", public_id=assessment.public_id)
    content = assessment.questionnaire.content()
    answers = stored_answers(assessment)
    errors: dict[str, str] = {}
    advisor = is_advisor(request, assessment)
    if request.method == "POST":
        questions = [q for d in content.dimensions for q in d.question_list]
        changes, errors = page_changes(request, questions, answers, advisor=advisor)
        if changes:
            try:
                save_answers(
                    assessment=assessment,
                    respondent=primary_respondent(assessment),
                    changes=changes,
                )
            except AssessmentClosed:
                messages.error(request, _("Dieser Check ist bereits abgeschlossen."))
                return redirect("results", public_id=assessment.public_id)
        if not errors:
            return redirect("finish", public_id=assessment.public_id)
        answers = stored_answers(assessment)
    sections = []
    for number in range(1, len(content.dimensions) + 1):
        context = page_context(assessment, number, answers, errors, advisor=advisor)
        sections.append({"dimension": context["dimension"], "items": context["items"]})
    return render(
        request,
        "session/facilitate.html",
        {
            "assessment": assessment,
            "sections": sections,
            "advisor": advisor,
            "not_applicable_value": NOT_APPLICABLE,
            "max_note_length": MAX_NOTE_LENGTH,
            "error_count": len(errors),
        },
        status=400 if errors else 200,
    )
