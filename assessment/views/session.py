"""Workshops: a check answered by several people of the client, consolidated by the consultant."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment import access, mail, mail_limits
from assessment.answers import MAX_NOTE_LENGTH, NOT_APPLICABLE, parse_answer
from assessment.auth import AuthenticatedRequest
from assessment.consultants import consultant_for_report
from assessment.engine.scoring import AnswerInput
from assessment.forms import NameField
from assessment.mail_limits import one_line
from assessment.models import Assessment, MailLog, Respondent
from assessment.page_form import is_advisor, next_page_url, page_changes, page_context
from assessment.team import team_view
from assessment.workflows import (
    AssessmentClosed,
    primary_respondent,
    save_answers,
    stored_answers,
)
from assessment.workshop import (
    apply_all_proposals,
    choose_answer,
    invite_respondent,
    pending_proposals,
    reissue_link,
    remove_respondent,
    same_answer,
    undoable_batch,
)
from assessment.workshop import undo_proposals as undo_workshop_proposals


class TeamMemberForm(forms.Form):
    name = NameField(label=gettext_lazy("Name"), max_length=200)
    role = NameField(
        label=gettext_lazy("Rolle im Unternehmen (freiwillig)"), max_length=100, required=False
    )
    email = forms.EmailField(label=gettext_lazy("E-Mail (freiwillig)"), required=False)


class SendLinkForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-Mail"))


NEW_LINK = "team_new_link"


def remember_new_link(
    request: HttpRequest, assessment: Assessment, respondent: Respondent, raw_token: str
) -> None:
    """The full link is shown once, on the page the redirect leads to, then forgotten."""
    request.session[NEW_LINK] = {
        "check": str(assessment.public_id),
        "respondent": respondent.pk,
        "name": respondent.name,
        "link": request.build_absolute_uri(reverse("resume", args=[raw_token])),
    }


def take_new_link(request: HttpRequest, assessment: Assessment) -> dict | None:
    shown = request.session.pop(NEW_LINK, None)
    if not isinstance(shown, dict) or shown.get("check") != str(assessment.public_id):
        return None
    return shown


def send_link(
    request: HttpRequest, assessment: Assessment, respondent: Respondent, email: str, link: str
) -> bool:
    """Mail a team member their link; False (with a message) when the daily limit is hit."""
    try:
        mail_limits.reserve(
            kind=MailLog.Kind.RESPONDENT,
            recipient=email,
            company=assessment.company,
            assessment=assessment,
        )
    except mail_limits.MailLimitReached as limit:
        messages.error(request, limit.message)
        return False
    consultant = consultant_for_report(assessment.company)
    mail.send(
        subject=_("Ihre Einschätzung ist gefragt: %(company)s")
        % {"company": one_line(str(assessment.company))},
        body=_(
            "Guten Tag %(name)s,\n\nfür den Reifegrad-Check von „%(company)s“ ist Ihre eigene "
            "Einschätzung gefragt%(by)s. Beantworten Sie die Fragen so, wie Sie es sehen – "
            "unabhängig von den anderen; Ihre Antworten sieht nur die Beratung, bis sie "
            "gemeinsam besprochen werden:\n\n%(link)s\n"
        )
        % {
            "name": one_line(respondent.name),
            "company": str(assessment.company),
            "by": (_(" (eingeladen von %(consultant)s)") % {"consultant": consultant.name})
            if consultant
            else "",
            "link": link,
        },
        recipients=[email],
        about=[mail.about_company(assessment.company_id)],
    )
    return True


def closed_check(request: HttpRequest, page: str, public_id: uuid.UUID) -> HttpResponse:
    """A change to a check that was completed meanwhile: say so and go back to `page`."""
    messages.error(request, _("Dieser Check ist bereits abgeschlossen."))
    return redirect(page, public_id=public_id)


def respondent_status(respondent: Respondent) -> str:
    if respondent.submitted_at is not None:
        return "submitted"
    return "in_progress" if getattr(respondent, "answered", 0) else "not_started"


@login_required
@require_http_methods(["GET", "POST"])
def team(request: AuthenticatedRequest, public_id: uuid.UUID) -> HttpResponse:
    assessment = access.assessment_for(request, public_id, "run_workshop")
    form = TeamMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if assessment.is_completed:
            return closed_check(request, "team", assessment.public_id)
        respondent, raw_token = invite_respondent(
            assessment=assessment,
            name=form.cleaned_data["name"],
            role=form.cleaned_data["role"],
            created_by=request.user,
        )
        remember_new_link(request, assessment, respondent, raw_token)
        email = form.cleaned_data["email"]
        if email and send_link(
            request, assessment, respondent, email, request.session[NEW_LINK]["link"]
        ):
            messages.success(
                request,
                _("Der Link für %(name)s ist an %(email)s gesendet.")
                % {"name": respondent.name, "email": email},
            )
        return redirect("team", public_id=assessment.public_id)
    respondents = list(
        assessment.respondents.filter(is_primary=False)
        .annotate(answered=Count("answers"))
        .order_by("pk")
    )
    rows = [{"respondent": r, "status": respondent_status(r)} for r in respondents]
    return render(
        request,
        "session/team.html",
        {
            "assessment": assessment,
            "form": form,
            "send_form": SendLinkForm(),
            "rows": rows,
            "new_link": take_new_link(request, assessment) if request.method == "GET" else None,
        },
        status=400 if form.errors else 200,
    )


def team_member(request: HttpRequest, public_id: uuid.UUID, respondent_id: int) -> Respondent:
    """A team member of a check the visitor may run a workshop for; else 404/403."""
    assessment = access.assessment_for(request, public_id, "run_workshop")
    respondent = access.respondent_of(assessment, respondent_id)
    if assessment.is_completed:
        raise ClosedCheck
    return respondent


class ClosedCheck(Exception):
    pass


@login_required
@require_POST
def team_reissue(
    request: AuthenticatedRequest, public_id: uuid.UUID, respondent_id: int
) -> HttpResponse:
    try:
        respondent = team_member(request, public_id, respondent_id)
    except ClosedCheck:
        return closed_check(request, "team", public_id)
    raw_token = reissue_link(respondent=respondent, created_by=request.user)
    remember_new_link(request, respondent.assessment, respondent, raw_token)
    messages.success(
        request,
        _("Der alte Link von %(name)s ist gesperrt; hier ist der neue.")
        % {"name": respondent.name},
    )
    return redirect("team", public_id=public_id)


@login_required
@require_POST
def team_send(
    request: AuthenticatedRequest, public_id: uuid.UUID, respondent_id: int
) -> HttpResponse:
    """Mail a team member a new link: the old one is stored only as a hash and cannot be sent."""
    try:
        respondent = team_member(request, public_id, respondent_id)
    except ClosedCheck:
        return closed_check(request, "team", public_id)
    form = SendLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Bitte geben Sie eine gültige E-Mail-Adresse an."))
        return redirect("team", public_id=public_id)
    raw_token = reissue_link(respondent=respondent, created_by=request.user)
    link = request.build_absolute_uri(reverse("resume", args=[raw_token]))
    if send_link(request, respondent.assessment, respondent, form.cleaned_data["email"], link):
        messages.success(
            request,
            _("Ein neuer Link für %(name)s ist an %(email)s gesendet; der alte ist gesperrt.")
            % {"name": respondent.name, "email": form.cleaned_data["email"]},
        )
    else:
        remember_new_link(request, respondent.assessment, respondent, raw_token)
    return redirect("team", public_id=public_id)


@login_required
@require_POST
def team_remove(
    request: AuthenticatedRequest, public_id: uuid.UUID, respondent_id: int
) -> HttpResponse:
    try:
        respondent = team_member(request, public_id, respondent_id)
    except ClosedCheck:
        return closed_check(request, "team", public_id)
    name = respondent.name
    remove_respondent(respondent=respondent)
    messages.success(
        request,
        _("%(name)s ist entfernt; der Link ist gesperrt, die eigenen Antworten sind gelöscht.")
        % {"name": name},
    )
    return redirect("team", public_id=public_id)


@require_GET
def welcome(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """What a team member sees first: who asks, what for, how long, who sees the answers."""
    found = access.require_check(request, public_id, "submit_own_answers")
    respondent = found.respondent
    if respondent is None:
        raise PermissionDenied("submit_own_answers")
    assessment = found.assessment
    if assessment.is_completed or respondent.submitted_at is not None:
        return redirect("submit_answers", public_id=assessment.public_id)
    content = assessment.questionnaire.content()
    question_count = sum(len(d.question_list) for d in content.dimensions)
    answered = len(stored_answers(assessment, respondent))
    return render(
        request,
        "session/welcome.html",
        {
            "assessment": assessment,
            "respondent": respondent,
            "consultant": consultant_for_report(assessment.company),
            "question_count": question_count,
            # About twenty seconds a question, rounded up to five minutes.
            "minutes": max(5, -(-question_count * 20 // 60 // 5) * 5),
            "answered": answered,
            "start_url": next_page_url(assessment, respondent),
        },
    )


@login_required
@require_http_methods(["GET"])
def consolidation(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    assessment = access.assessment_for(request, public_id, "run_workshop")
    return render(request, "session/consolidation.html", consolidation_context(assessment))


def consolidation_context(assessment: Assessment) -> dict:
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
            given = final.get(question.key)
            proposal_matches = item.proposal is not None and same_answer(
                given, item.proposal.options, item.proposal.not_applicable
            )
            if given is not None and given.decided:
                state = "decided"
            elif item.unanimous and proposal_matches:
                state = "agreed"
            else:
                state = "open"
            chosen = set() if given is None or given.not_applicable else set(given.options)
            rows.append(
                {
                    "number": number,
                    "dimension": dimension,
                    "question": question,
                    "answers": [
                        {
                            "respondent": r,
                            "label": question.answer_labels(
                                view.answers[r.pk].get(question.key), "–"
                            ),
                            "given": question.key in view.answers[r.pk],
                        }
                        for r in view.respondents
                    ],
                    "spread": item.spread,
                    "disagreement": item.disagreement,
                    "unanimous": item.unanimous,
                    "has_proposal": item.proposal is not None,
                    "proposal": question.answer_labels(item.proposal, "–"),
                    "final": question.answer_labels(given, "–"),
                    "state": state,
                    "edit_options": [
                        {"key": o.key, "label": o.label, "checked": o.key in chosen}
                        for o in question.option_list
                    ],
                    "edit_na": bool(question.allow_na),
                    "edit_na_checked": given is not None and given.not_applicable,
                    "edit_type": "checkbox" if question.kind == "multiple" else "radio",
                }
            )
    batch = undoable_batch(assessment)
    return {
        "assessment": assessment,
        "respondents": view.respondents,
        "rows": rows,
        "disagreement_count": sum(1 for row in rows if row["disagreement"]),
        "no_proposal_count": sum(1 for row in rows if not row["has_proposal"]),
        "open_count": sum(1 for row in rows if row["state"] == "open"),
        "pending_count": len(pending_proposals(assessment, view, final)),
        "undo_batch": batch,
        "not_applicable_value": NOT_APPLICABLE,
    }


@login_required
@require_POST
def consolidation_choose(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One row's choice: a person's answer, the proposal, or an edit, as the final answer."""
    assessment = access.assessment_for(request, public_id, "run_workshop")
    content = assessment.questionnaire.content()
    question = content.questions.get(request.POST.get("question", ""))
    if question is None:
        return HttpResponseBadRequest(_("Diese Frage gibt es in diesem Check nicht."))
    view = team_view(assessment)
    item = view.agreement.get(question.key)
    take = request.POST.get("take", "")
    target = reverse("consolidation", args=[assessment.public_id]) + f"#row-{question.key}"
    if take == "proposal":
        if item is None or item.proposal is None:
            messages.error(request, _("Für diese Frage gibt es keinen Mehrheitsvorschlag."))
            return redirect(target)
        options, not_applicable = item.proposal.options, item.proposal.not_applicable
    elif take == "edit":
        change = parse_answer(question, request.POST.getlist("answer"), None)
        if isinstance(change, str):
            messages.error(request, f"{question.display_text}: {change}")
            return redirect(target)
        options, not_applicable = change.options, change.not_applicable
    elif take.startswith("r") and take[1:].isdigit():
        answer = view.answers.get(int(take[1:]), {}).get(question.key)
        if answer is None:
            return HttpResponseBadRequest(_("Diese Person hat die Frage nicht beantwortet."))
        options, not_applicable = tuple(answer.options), answer.not_applicable
    else:
        return HttpResponseBadRequest(_("Unbekannte Auswahl."))
    try:
        choose_answer(
            assessment=assessment,
            question=question,
            options=tuple(options),
            not_applicable=not_applicable,
        )
    except AssessmentClosed:
        return closed_check(request, "consolidation", assessment.public_id)
    messages.success(
        request,
        _("Gemeinsame Antwort festgelegt: %(question)s – %(answer)s")
        % {
            "question": question.display_text,
            "answer": question.answer_labels(AnswerInput(tuple(options), not_applicable), "–"),
        },
    )
    return redirect(target)


@login_required
@require_http_methods(["GET", "POST"])
def apply_proposals(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Every proposal as the final answer, after a confirmation page that says how many
    answers change (the confirmation is a page, so it works without JavaScript)."""
    assessment = access.assessment_for(request, public_id, "run_workshop")
    view = team_view(assessment)
    pending = pending_proposals(assessment, view, stored_answers(assessment))
    if request.method == "GET":
        return render(
            request,
            "session/apply_proposals.html",
            {
                "assessment": assessment,
                "pending": [
                    {"question": p.question, "label": p.question.answer_labels(p.proposal, "–")}
                    for p in pending
                ],
            },
        )
    if not pending:
        messages.info(request, _("Alle Vorschläge stehen schon in den gemeinsamen Antworten."))
        return redirect("consolidation", public_id=assessment.public_id)
    try:
        apply_all_proposals(assessment=assessment, pending=pending)
    except AssessmentClosed:
        return closed_check(request, "consolidation", assessment.public_id)
    messages.success(
        request,
        ngettext(
            "Eine gemeinsame Antwort aus den Vorschlägen geändert. Sie können das rückgängig "
            "machen.",
            "%(count)s gemeinsame Antworten aus den Vorschlägen geändert. Sie können das "
            "rückgängig machen.",
            len(pending),
        )
        % {"count": len(pending)},
    )
    return redirect("consolidation", public_id=assessment.public_id)


@login_required
@require_POST
def undo_proposals(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    assessment = access.assessment_for(request, public_id, "run_workshop")
    batch = undoable_batch(assessment)
    if batch is None:
        messages.info(request, _("Es gibt nichts rückgängig zu machen."))
        return redirect("consolidation", public_id=assessment.public_id)
    try:
        result = undo_workshop_proposals(assessment=assessment, batch=batch)
    except AssessmentClosed:
        return closed_check(request, "consolidation", assessment.public_id)
    messages.success(
        request,
        ngettext(
            "Eine gemeinsame Antwort ist wieder wie vorher.",
            "%(count)s gemeinsame Antworten sind wieder wie vorher.",
            result.restored,
        )
        % {"count": result.restored},
    )
    if result.changed_since:
        questions = assessment.questionnaire.content().questions
        messages.warning(
            request,
            _("Seitdem geändert und deshalb so gelassen: %(questions)s")
            % {"questions": "; ".join(questions[key].display_text for key in result.changed_since)},
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
                return closed_check(request, "results", assessment.public_id)
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
            "answered": context["answered"],
            "applicable": context["applicable"],
            "percent": context["percent"],
            "advisor": advisor,
            "not_applicable_value": NOT_APPLICABLE,
            "max_note_length": MAX_NOTE_LENGTH,
            "error_count": len(errors),
        },
        status=400 if errors else 200,
    )
