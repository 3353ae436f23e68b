"""The self-assessment: profile, one page per dimension, finish, results, resume link."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment import access, mail, mail_limits, privacy, throttle
from assessment.answers import parse_answer
from assessment.benchmark import peer_position
from assessment.engine import scoring
from assessment.forms import ProfileForm, ResumeEmailForm
from assessment.models import (
    QUICK_CHECK_KEY,
    Answer,
    Assessment,
    MailLog,
    Question,
    Questionnaire,
    Respondent,
    ResumeToken,
)
from assessment.page_form import is_advisor, next_page_url, page_changes, page_context
from assessment.reports.context import report_context, roadmap_context, step_item
from assessment.reports.data import results_data
from assessment.reports.pdf import prepare_pdf
from assessment.views.common import message_page, secret_link_lookup
from assessment.workflows import (
    AssessmentClosed,
    AssessmentIncomplete,
    AssessmentUnconfirmed,
    DuplicateSubmission,
    NoFullCheck,
    NotClaimable,
    answer_inputs,
    claim_assessment,
    finish_assessment,
    primary_respondent,
    save_answers,
    start_full_check_from_quick_check,
    start_self_assessment,
    stored_answers,
    submit_own_answers,
    unconfirmed_visible,
)


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """The company profile that starts the full check."""
    return start_with_profile(request, Questionnaire.objects.current())


@require_http_methods(["GET", "POST"])
def quick_profile(request: HttpRequest) -> HttpResponse:
    """The company profile that starts the quick check."""
    return start_with_profile(request, Questionnaire.objects.quick_check())


def start_with_profile(request: HttpRequest, questionnaire: Questionnaire | None) -> HttpResponse:
    if questionnaire is None:
        raise Http404("No questionnaire loaded")
    form = ProfileForm(request.POST or None)
    if request.method == "GET":
        remember_form(request, form["submission"].value())
    if request.method == "POST" and form.is_valid():
        user = request.user if request.user.is_authenticated else None
        try:
            assessment, raw_token = start_self_assessment(
                company=form.save(commit=False),
                questionnaire=questionnaire,
                user=user,
                submission=issued_submission(request, form.cleaned_data["submission"]),
            )
        except DuplicateSubmission as duplicate:
            # The same form again (a double click, a retry after a lost answer): the check
            # it started, with a new link, since only the link's hash is kept. The value
            # was issued to this browser's session, so nobody else can send it.
            if duplicate.assessment is None or duplicate.assessment.is_completed:
                return message_page(
                    request,
                    title=_("Dieses Formular wurde schon abgeschickt"),
                    text=_("Bitte beginnen Sie einen neuen Check."),
                    start_link=True,
                    status=409,
                )
            assessment = duplicate.assessment
            _token, raw_token = ResumeToken.issue(assessment=assessment, created_by=user)
        if user is None:
            access.grant(request, ResumeToken.objects.get(token_hash=ResumeToken.hash(raw_token)))
        return render(
            request,
            "assessment/resume_link.html",
            resume_link_context(request, assessment, raw_token, first_time=True),
        )
    return render(
        request,
        "assessment/profile.html",
        {"form": form, "questionnaire": questionnaire},
        status=400 if form.errors else 200,
    )


SESSION_FORMS = "profile_forms"


def remember_form(request: HttpRequest, submission: str) -> None:
    """Note the one-time value of a profile form shown to this browser (the last ten)."""
    issued = [value for value in request.session.get(SESSION_FORMS, []) if value != submission]
    request.session[SESSION_FORMS] = [*issued, submission][-10:]


def issued_submission(request: HttpRequest, submission: str) -> str:
    """The form's one-time value if this browser was shown that form, else none: a value
    copied into another browser starts a check of its own and opens nobody else's."""
    return submission if submission and submission in request.session.get(SESSION_FORMS, []) else ""


def resume_link_context(
    request: HttpRequest, assessment: Assessment, raw_token: str, *, first_time: bool
) -> dict:
    link = request.build_absolute_uri(reverse("resume", args=[raw_token]))
    anonymous = privacy.is_anonymous(assessment.company_id)
    return {
        "assessment": assessment,
        "link": link,
        "first_time": first_time,
        "email_form": ResumeEmailForm(initial={"token": raw_token}),
        "retention": {
            "draft_days": settings.RETENTION_ANONYMOUS_DRAFT_DAYS,
            "completed_days": settings.RETENTION_ANONYMOUS_COMPLETED_DAYS,
            "link_idle_days": settings.RESUME_LINK_IDLE_DAYS,
        }
        if anonymous
        else None,
    }


@require_POST
def resume_link_new(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Revoke every earlier resume link of this assessment and show a new one.

    Team members' own links stay: they belong to the workshop, not to this browser.
    """
    found = access.require_check(request, public_id, "manage_links")
    assessment = found.assessment
    assessment.resume_tokens.active().filter(respondent=None).update(revoked_at=timezone.now())
    user = request.user if request.user.is_authenticated else None
    token, raw_token = ResumeToken.issue(assessment=assessment, created_by=user)
    if found.role == access.LINK_HOLDER:
        access.grant(request, token)  # the old link of this browser is blocked as well
    messages.info(request, _("Alle früheren Links zu diesem Check sind jetzt gesperrt."))
    return render(
        request,
        "assessment/resume_link.html",
        resume_link_context(request, assessment, raw_token, first_time=False),
    )


@require_POST
def resume_link_email(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    assessment = access.assessment_for(request, public_id, "manage_links")

    def token_of_this_assessment() -> ResumeToken | None:
        token = ResumeToken.objects.find(request.POST.get("token", ""))
        if token is None or token.assessment_id != assessment.pk or token.respondent_id:
            return None
        return token

    token = secret_link_lookup(
        request,
        token_of_this_assessment,
        not_found=lambda: message_page(
            request,
            title=_("Link nicht mehr gültig"),
            text=_("Bitte erstellen Sie einen neuen Link."),
            status=400,
        ),
    )
    if isinstance(token, HttpResponse):
        return token
    form = ResumeEmailForm(request.POST)
    raw_token = form.data.get("token", "")
    if not form.is_valid():
        context = resume_link_context(request, assessment, raw_token, first_time=False)
        context["email_form"] = form
        return render(request, "assessment/resume_link.html", context, status=400)
    try:
        mail_limits.reserve(
            kind=MailLog.Kind.RESUME_LINK,
            recipient=form.cleaned_data["email"],
            company=assessment.company,
            assessment=assessment,
        )
    except mail_limits.MailLimitReached as limit:
        context = resume_link_context(request, assessment, raw_token, first_time=False)
        context["email_form"] = form
        messages.error(request, limit.message)
        return render(request, "assessment/resume_link.html", context, status=429)
    link = request.build_absolute_uri(reverse("resume", args=[raw_token]))
    mail.send(
        subject=_("Ihr Link zum Reifegrad-Check"),
        body=_(
            "Guten Tag,\n\nmit diesem Link setzen Sie Ihren Reifegrad-Check fort – auf jedem "
            "Gerät, an der Stelle, an der Sie aufgehört haben:\n\n%(link)s\n\nBitte geben Sie "
            "den Link nicht weiter: Wer ihn hat, sieht Ihre Antworten.\n"
        )
        % {"link": link},
        recipients=[form.cleaned_data["email"]],
        about=[mail.about_company(assessment.company_id)],
    )
    messages.success(request, _("Wir haben Ihnen den Link geschickt."))
    return redirect("check_page", public_id=assessment.public_id, number=1)


@require_GET
def resume(request: HttpRequest, token: str) -> HttpResponse:
    found = secret_link_lookup(
        request,
        lambda: ResumeToken.objects.find(token),
        not_found=lambda: message_page(
            request,
            title=_("Dieser Link ist nicht (mehr) gültig"),
            text=_(
                "Vielleicht wurde er gesperrt oder nicht vollständig kopiert. "
                "Sie können einen neuen Check beginnen."
            ),
            start_link=True,
            status=404,
        ),
    )
    if isinstance(found, HttpResponse):
        return found
    found.last_used_at = timezone.now()
    found.save(update_fields=["last_used_at"])
    assessment = found.assessment
    if found.respondent_id is not None or access.company_role(request, assessment.company) is None:
        # People of the company open it through their membership; a link kept in their
        # session would outlast their removal.
        access.grant(request, found)
    respondent = found.respondent
    if respondent is None:
        deletion = privacy.deletion_notice_due(assessment)
        if deletion is not None:
            messages.info(
                request,
                _(
                    "Ohne Konto wird dieser Check am %(date)s gelöscht, wenn er bis dahin "
                    "nicht weiter bearbeitet oder in ein Konto übernommen wird."
                )
                % {"date": date_format(deletion, "SHORT_DATE_FORMAT")},
            )
    if respondent is not None:
        if assessment.is_completed or respondent.submitted_at is not None:
            return redirect("submit_answers", public_id=assessment.public_id)
        return redirect("respondent_welcome", public_id=assessment.public_id)
    if assessment.is_completed:
        return redirect("results", public_id=assessment.public_id)
    return redirect(next_page_url(assessment, None))


def closed_message() -> str:
    return _("Dieser Check ist bereits abgeschlossen; Antworten lassen sich nicht mehr ändern.")


def page_links(assessment: Assessment, number: int, dimensions: list) -> list[dict]:
    """The page navigation: every dimension's page, the current one marked."""
    return [
        {
            "number": index,
            "title": d.title,
            "current": index == number,
            "url": reverse("check_page", args=[assessment.public_id, index]),
        }
        for index, d in enumerate(dimensions, start=1)
    ]


@require_http_methods(["GET", "POST"])
def check_page(request: HttpRequest, public_id: uuid.UUID, number: int) -> HttpResponse:
    found = access.require_check(request, public_id, "answer", answers=True)
    assessment, respondent = found.assessment, found.respondent
    content = assessment.questionnaire.content()
    if not 1 <= number <= len(content.dimensions):
        raise Http404("No such page")
    if respondent is not None and (assessment.is_completed or respondent.submitted_at):
        return redirect("submit_answers", public_id=assessment.public_id)
    if assessment.is_completed:
        if request.method == "POST":
            messages.warning(request, closed_message())
        return redirect("results", public_id=assessment.public_id)
    answers = found.answers if found.answers is not None else stored_answers(assessment, respondent)
    advisor = respondent is None and is_advisor(request, assessment)
    if request.method == "GET":
        context = page_context(
            assessment, number, answers, advisor=advisor, left_page=left_page(request, number)
        )
        context["pages"] = page_links(assessment, number, content.dimensions)
        context["respondent"] = respondent
        context["advisor"] = advisor
        return render(request, "assessment/page.html", context)

    dimension = content.dimensions[number - 1]
    changes, errors = page_changes(request, dimension.question_list, answers, advisor=advisor)
    if changes:
        try:
            save_answers(
                assessment=assessment,
                respondent=respondent or primary_respondent(assessment),
                changes=changes,
            )
        except AssessmentClosed:
            # Finished while this page was being sent: the frozen result stays as it is.
            messages.warning(request, closed_message())
            return redirect("results", public_id=assessment.public_id)
    if errors:
        answers = stored_answers(assessment, respondent)
        context = page_context(assessment, number, answers, errors, advisor=advisor)
        context["pages"] = page_links(assessment, number, content.dimensions)
        context["respondent"] = respondent
        context["advisor"] = advisor
        context["error_count"] = len(errors)
        return render(request, "assessment/page.html", context, status=400)
    if request.POST.get("nav") == "back" and number > 1:
        return redirect("check_page", public_id=assessment.public_id, number=number - 1)
    if request.POST.get("nav") == "finish" or number == len(content.dimensions):
        done = "submit_answers" if respondent is not None else "finish"
        return redirect(done, public_id=assessment.public_id)
    # The next page says whether this one still has open questions (works without JavaScript).
    next_page = reverse("check_page", args=[assessment.public_id, number + 1])
    return redirect(f"{next_page}?{LEFT_PAGE}={number}")


LEFT_PAGE = "offen"


def left_page(request: HttpRequest, number: int) -> int | None:
    """The page the person just left with "next", from the query string; anything odd is None."""
    value = request.GET.get(LEFT_PAGE, "")
    if not value.isdigit() or len(value) > 3 or int(value) == number:
        return None
    return int(value)


@require_POST
def save_answer(request: HttpRequest, public_id: uuid.UUID) -> JsonResponse:
    """Save one question as it is answered (the page script); JSON in, JSON out."""
    found = access.require_check(request, public_id, "answer")
    assessment, respondent = found.assessment, found.respondent
    if assessment.is_completed or (respondent is not None and respondent.submitted_at):
        return closed_json(assessment)
    content = assessment.questionnaire.content()
    question = content.questions.get(request.POST.get("question", "")[:64])
    if question is None:
        return JsonResponse(
            {"saved": False, "error": _("Diese Frage gehört nicht zu diesem Check.")}, status=400
        )
    values = request.POST.getlist("option")
    note = request.POST.get("note")
    note_private = (
        request.POST.get("note_private") == "1" if "note_private_field" in request.POST else None
    )
    if respondent is not None or not is_advisor(request, assessment):
        # Only the consultant decides which notes are private, and only they change one.
        note_private = None
        if note is not None and has_private_note(assessment, respondent, question):
            note = None
    parsed = parse_answer(question, values, note, note_private)
    if isinstance(parsed, str):
        return JsonResponse({"saved": False, "error": parsed}, status=400)
    try:
        save_answers(
            assessment=assessment,
            respondent=respondent or primary_respondent(assessment),
            changes=[parsed],
        )
    except AssessmentClosed:
        return closed_json(assessment)
    done = scoring.progress(content.spec, answer_inputs(stored_answers(assessment, respondent)))
    return JsonResponse(
        {
            "saved": True,
            "question": question.key,
            "visible": done.visible,
            "answered": done.answered,
            "applicable": done.applicable,
            "percent": round(100 * done.completeness),
        }
    )


def closed_json(assessment: Assessment) -> JsonResponse:
    return JsonResponse(
        {
            "saved": False,
            "error": _("Dieser Check ist bereits abgeschlossen."),
            "results": reverse("results", args=[assessment.public_id]),
        },
        status=409,
    )


def has_private_note(
    assessment: Assessment, respondent: Respondent | None, question: Question
) -> bool:
    if assessment.mode != Assessment.Mode.CONSULTANT:
        return False  # only consultant-led checks have private notes
    return Answer.objects.filter(
        assessment=assessment,
        respondent=respondent or primary_respondent(assessment),
        question=question,
        note_private=True,
    ).exists()


@require_http_methods(["GET", "POST"])
def finish(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    found = access.require_check(request, public_id, "complete")
    assessment = found.assessment
    if found.respondent is not None:
        # A person of the company who opened a team link answers as that team member here.
        return redirect("submit_answers", public_id=assessment.public_id)
    if assessment.is_completed:
        return redirect("results", public_id=assessment.public_id)
    content = assessment.questionnaire.content()
    if request.method == "POST":
        try:
            finish_assessment(assessment=assessment)
        except AssessmentClosed:
            return redirect("results", public_id=assessment.public_id)
        except AssessmentIncomplete:
            messages.error(request, _("Es fehlen noch Antworten."))
        except AssessmentUnconfirmed:
            messages.error(request, _("Einige übernommene Antworten sind noch nicht bestätigt."))
        else:
            # finish_assessment has set this object's status and completion time.
            prepare_pdf(
                assessment=assessment, may_start=lambda: throttle.pdf_render_allowed(request)
            )
            return redirect("results", public_id=assessment.public_id)
    answers = stored_answers(assessment)
    done = scoring.progress(content.spec, answer_inputs(answers))
    missing = set(done.missing)
    open_questions = [
        {"number": number, "dimension": dimension, "question": question}
        for number, dimension in enumerate(content.dimensions, start=1)
        for question in dimension.question_list
        if question.key in missing
    ]
    unconfirmed = set(unconfirmed_visible(assessment, answers))
    unconfirmed_pages = [
        {
            "number": number,
            "dimension": dimension,
            "count": sum(1 for q in dimension.question_list if q.key in unconfirmed),
        }
        for number, dimension in enumerate(content.dimensions, start=1)
        if any(q.key in unconfirmed for q in dimension.question_list)
    ]
    return render(
        request,
        "assessment/finish.html",
        {
            "assessment": assessment,
            "open_questions": open_questions,
            "unconfirmed_pages": unconfirmed_pages,
            "answered": done.answered,
            "applicable": done.applicable,
            "page_count": len(content.dimensions),
        },
        status=400 if request.method == "POST" else 200,
    )


QUICK_STEPS = 3  # the quick check's result names this many next steps


@require_GET
def results(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    found = access.require_check(request, public_id, "view_results", results=True)
    assessment = found.assessment
    quick = assessment.questionnaire.key == QUICK_CHECK_KEY
    data = results_data(assessment=assessment, with_peers=not quick, stored=found.state)
    report = data.report
    # The full step list is the roadmap page's (linked from the fold, loaded into it by
    # script): rendering 80-odd steps took most of this page's time.
    context = report_context(report, steps=quick)
    if quick:
        # A short result: index, level, the most important next steps, the full check.
        steps = [item for phase in context["phases"] for item in phase["steps"]]
        context["next_steps"] = steps[:QUICK_STEPS]
        context["can_start_full_check"] = assessment.is_completed and access.allows(
            found.role, "complete"
        )
        return render(request, "assessment/quick_results.html", context)
    # The chart module escapes every label; the SVG is ours, not user input.
    context["radar"] = mark_safe(data.radar)  # noqa: S308
    context["is_member"] = found.role in access.PEOPLE_OF_THE_COMPANY
    context["can_claim"] = found.role == access.LINK_HOLDER and not (
        data.has_members
        if data.has_members is not None
        else assessment.company.memberships.exists()
    )
    context["deletion_date"] = (
        privacy.deletion_notice_due(assessment, anonymous=True) if context["can_claim"] else None
    )
    # Only answers the score uses: a carried-over answer to a question this version dropped,
    # or one hidden by its condition, was not checked again.
    shown = {
        question.key for question in report.result.questions if question.status in scoring.ANSWERED
    }
    context["rechecked"] = sum(
        1 for key, answer in report.answers.items() if answer.carried_over and key in shown
    )
    context["answered_count"] = len(shown)
    context["next_steps"] = [step_item(report, step) for step in report.roadmap.next_steps()]
    context["on_list"] = report.adopted if context["is_member"] else frozenset()
    context["history"] = data.history
    context["disagreements"] = data.disagreements
    # Not kept with the check's data: it compares with other companies, whose checks change
    # without this one (their group's indexes are cached for a minute, read with the data).
    context["peers"] = (
        peer_position(
            assessment.company,
            report.result.overall,
            assessment.questionnaire.key,
            cached=data.peer_indexes,
        )
        if assessment.is_completed
        else None
    )
    return render(request, "assessment/results.html", context)


@require_GET
def roadmap(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Every step of the check's roadmap with effort, cost, KPI and legal notes; a page of
    its own so that the results page need not render them all."""
    found = access.require_check(request, public_id, "view_results", results=True)
    report = results_data(assessment=found.assessment, stored=found.state).report
    is_member = found.role in access.PEOPLE_OF_THE_COMPANY
    return render(
        request,
        "assessment/roadmap.html",
        {
            "assessment": found.assessment,
            "report": report,
            "percent": round(100 * report.result.completeness),
            "reassess_on": report.roadmap.reassess_on,
            "is_member": is_member,
            "on_list": report.adopted if is_member else frozenset(),
            **roadmap_context(report),
        },
    )


@require_POST
def start_full_check(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The full check for the company of a completed quick check, its answers carried over."""
    found = access.require_check(request, public_id, "complete")
    quick_check = found.assessment
    if quick_check.questionnaire.key != QUICK_CHECK_KEY or not quick_check.is_completed:
        return message_page(
            request,
            title=_("Der ausführliche Check kann hier nicht beginnen"),
            text=_("Er beginnt nach einem abgeschlossenen Schnellcheck."),
            status=400,
        )
    user = request.user if request.user.is_authenticated else None
    try:
        assessment, raw_token = start_full_check_from_quick_check(
            quick_check=quick_check, user=user
        )
    except NoFullCheck:
        raise Http404("The full check is not loaded") from None
    if found.role == access.LINK_HOLDER:
        access.grant(request, ResumeToken.objects.get(token_hash=ResumeToken.hash(raw_token)))
    return render(
        request,
        "assessment/resume_link.html",
        resume_link_context(request, assessment, raw_token, first_time=True),
    )


THANKS = _lazy(
    "Ihre Antworten sind gespeichert. Die Beraterin oder der Berater führt "
    "die Antworten des Teams zusammen; das Ergebnis bespricht Ihr Team gemeinsam."
)


@require_http_methods(["GET", "POST"])
def submit_answers(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A team member hands in their own answers; afterwards their link shows a thank-you."""
    found = access.require_check(request, public_id, "submit_own_answers")
    respondent = found.respondent
    if respondent is None:
        raise PermissionDenied("submit_own_answers")
    if request.method == "POST" and respondent.submitted_at is None:
        submit_own_answers(respondent=respondent)
        respondent.refresh_from_db(fields=["submitted_at"])
    if respondent.submitted_at is not None or found.assessment.is_completed:
        # The thank-you page shows a team member nothing they cannot use (no login offer).
        return render(
            request,
            "assessment/message.html",
            {"title": _("Vielen Dank!"), "text": str(THANKS), "respondent": respondent},
        )
    return render(
        request,
        "assessment/submit_answers.html",
        {"assessment": found.assessment, "respondent": respondent},
    )


@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Take a check started without an account into one's own account, after confirming."""
    assessment = access.assessment_for(request, public_id, "claim_check")
    context = {"assessment": assessment, "verified": False, "owned": False}
    if assessment.company.memberships.exists():
        context["owned"] = True
        return render(request, "assessment/claim.html", context, status=409)
    if not request.user.is_authenticated:
        return render(request, "assessment/claim.html", context)
    context["verified"] = access.has_verified_address(request.user, request.user.email)
    if request.method == "POST" and context["verified"]:
        try:
            raw_token = claim_assessment(assessment=assessment, user=request.user)
        except NotClaimable:
            context["owned"] = True
            return render(request, "assessment/claim.html", context, status=409)
        messages.success(request, _("Der Check ist jetzt in Ihrem Konto gespeichert."))
        return render(
            request,
            "assessment/resume_link.html",
            resume_link_context(request, assessment, raw_token, first_time=False),
        )
    return render(
        request,
        "assessment/claim.html",
        context,
        status=403 if request.method == "POST" else 200,
    )
