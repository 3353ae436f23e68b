"""The company space: history, trend, roadmap, actions, members, reassessment, comparison."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessment import access, mail, mail_limits
from assessment.auth import AuthenticatedRequest
from assessment.consultants import approved_profile
from assessment.engine.comparison import compare
from assessment.forms import (
    ActionForm,
    CompanySettingsForm,
    InviteForm,
    MeasurementForm,
    MemberRoleForm,
    ReassessmentForm,
)
from assessment.history import (
    history_rows,
    main_instrument,
    of_instrument,
    overdue_actions,
    reassessment_due,
    trend_data,
)
from assessment.mail_limits import one_line
from assessment.models import (
    Action,
    Assessment,
    Company,
    Invitation,
    MailLog,
    Measurement,
    Questionnaire,
)
from assessment.reports.context import report_context
from assessment.reports.data import actions_between, measurement_svg, results_data, trend_svg
from assessment.views.common import message_page, secret_link_lookup
from assessment.workflows import (
    InvitationUsed,
    LastOwner,
    StepAlreadyOpen,
    accept_invitation,
    adopt_step,
    change_member_role,
    set_action_status,
    snapshot_of,
    start_reassessment,
    update_due_date,
)
from assessment.workflows import remove_member as remove_company_member


def form_errors(form) -> str:
    """A form's errors as one line for a message."""
    return "; ".join(str(error) for errors in form.errors.values() for error in errors)


def action_anchor(company: Company, action: Action) -> str:
    return f"{reverse('actions', args=[company.pk])}#action-{action.pk}"


@login_required
@require_GET
def companies(request: AuthenticatedRequest) -> HttpResponse:
    """Every company of the logged-in person, with its last index and when to look again."""
    rows = []
    member_of = (
        Company.objects.filter(memberships__user=request.user)
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=Assessment.objects.filter(status=Assessment.Status.COMPLETED)
                .select_related("questionnaire")
                .order_by("completed_at"),
                to_attr="completed",
            )
        )
        .order_by("name", "pk")
    )
    for company in member_of:
        last = company.completed[-1] if company.completed else None
        rows.append(
            {
                "company": company,
                "last": last,
                "overall": (last.result or {}).get("overall") if last else None,
                "due": reassessment_due(company, last),
            }
        )
    return render(request, "company/companies.html", {"rows": rows, "today": timezone.localdate()})


def trend_chart_svg(completed: list[Assessment], content) -> str:
    points, series = trend_data(completed, content)
    return trend_svg(points, series=series if len(points) > 1 else None)


def instruments_of(assessments: list[Assessment]) -> list[Questionnaire]:
    """The newest version of each questionnaire key among `assessments`, in first-seen order."""
    newest: dict[str, Questionnaire] = {}
    for assessment in assessments:
        known = newest.get(assessment.questionnaire.key)
        if known is None or known.version < assessment.questionnaire.version:
            newest[assessment.questionnaire.key] = assessment.questionnaire
    return list(newest.values())


@login_required
@require_GET
def company_detail(request: HttpRequest, company_id: int) -> HttpResponse:
    found = access.require_company(request, company_id, "view_company")
    company = found.company
    assessments = list(company.assessments.select_related("questionnaire").order_by("started_at"))
    all_completed = [a for a in assessments if a.is_completed and a.result]
    # Trend, index and roadmap come from one instrument; other instruments' checks (a quick
    # check, say) are listed as their own rows.
    main_key = main_instrument(all_completed)
    completed = of_instrument(all_completed, main_key)
    others = [a for a in all_completed if a.questionnaire.key != main_key]
    drafts = [a for a in assessments if not a.is_completed]
    last = completed[-1] if completed else None
    questionnaire = last.questionnaire if last else Questionnaire.objects.current()
    content = questionnaire.content() if questionnaire else None
    roadmap_context = None
    if last is not None:
        last.company = company  # the same row, already loaded
        # The same cached data as the check's results page, per revision.
        roadmap_context = report_context(results_data(assessment=last).report)
    actions = list(company.actions.all())
    today = timezone.localdate()
    due = reassessment_due(company, last)
    return render(
        request,
        "company/company.html",
        {
            "company": company,
            "history": history_rows(list(reversed(completed))),
            "other_history": history_rows(list(reversed(others))),
            # Each instrument's history is a CSV file of its own (one table per file).
            "other_instruments": instruments_of(others),
            "drafts": drafts,
            "last": last,
            "trend": mark_safe(trend_chart_svg(completed, content)) if content else "",  # noqa: S308
            "roadmap": roadmap_context,
            "open_actions": [a for a in actions if a.status in ("planned", "doing")],
            "on_list": {a.recommendation_key for a in actions if a.status in ("planned", "doing")},
            "overdue": overdue_actions(actions, today),
            "done_count": sum(1 for a in actions if a.status == Action.Status.DONE),
            "due": due,
            "is_due": due is not None and due <= today,
            "today": today,
            "reassessment_form": ReassessmentForm(
                choose_questionnaire=found.role in (access.CONSULTANT, access.CLIENT_CONSULTANT)
            ),
            # Nothing to carry over before the first completed check: no choice to make.
            "first_check": last is None,
            "as_consultant": found.role in (access.CONSULTANT, access.CLIENT_CONSULTANT),
            "settings_form": CompanySettingsForm(instance=company),
            "members": list(company.memberships.select_related("user").order_by("created_at")),
            "invitations": [i for i in company.invitations.all() if i.is_open],
            "invite_form": InviteForm(),
            "can_manage": access.allows(found.role, "manage_company"),
        },
    )


@login_required
@require_POST
def company_settings(request: HttpRequest, company_id: int) -> HttpResponse:
    company = access.company_for(request, company_id, "manage_company")
    form = CompanySettingsForm(request.POST, instance=company)
    if form.is_valid():
        form.save()
        update_due_date(company=company)
        messages.success(request, _("Gespeichert."))
    else:
        messages.error(
            request,
            _("Bitte prüfen Sie die Angaben: %(errors)s") % {"errors": form_errors(form)},
        )
    return redirect("company", company_id=company.pk)


@login_required
@require_POST
def new_assessment(request: AuthenticatedRequest, company_id: int) -> HttpResponse:
    company = access.company_for(request, company_id, "work_on_company")
    as_consultant = company.memberships.filter(user=request.user, role="consultant").exists()
    form = ReassessmentForm(request.POST, choose_questionnaire=as_consultant)
    if not form.is_valid():
        messages.error(
            request,
            _("Bitte wählen Sie, wie Sie beginnen möchten: %(errors)s")
            % {"errors": form_errors(form)},
        )
        return redirect("company", company_id=company.pk)
    open_draft = company.assessments.filter(status=Assessment.Status.DRAFT).first()
    if open_draft is not None:
        messages.info(request, _("Es gibt schon einen offenen Check; hier geht es weiter."))
        return redirect("check_page", public_id=open_draft.public_id, number=1)
    # Concurrent clicks that all passed the check above get the same draft: a unique
    # constraint allows one draft per company and mode.
    assessment = start_reassessment(
        company=company,
        user=request.user,
        carry_over=form.cleaned_data["start"] == "carry",
        mode=Assessment.Mode.CONSULTANT if as_consultant else Assessment.Mode.SELF,
        questionnaire=form.cleaned_data.get("questionnaire"),
    )
    if as_consultant:
        return redirect("facilitate", public_id=assessment.public_id)
    return redirect("check_page", public_id=assessment.public_id, number=1)


@login_required
@require_GET
def comparison(request: HttpRequest, company_id: int) -> HttpResponse:
    company = access.company_for(request, company_id, "view_company")
    older = access.assessment_of_company(company, request.GET.get("vorher"))
    newer = access.assessment_of_company(company, request.GET.get("nachher"))
    if older.questionnaire.key != newer.questionnaire.key:
        return message_page(
            request,
            title=_("Diese Checks lassen sich nicht vergleichen"),
            text=_(
                "Die beiden Checks wurden mit verschiedenen Fragebögen gemacht. "
                "Verglichen werden nur Checks mit demselben Fragebogen."
            ),
            status=400,
        )
    if older.started_at > newer.started_at:
        older, newer = newer, older
    return render(request, "company/compare.html", comparison_context(company, older, newer))


def comparison_context(company: Company, older: Assessment, newer: Assessment) -> dict:
    before, after = snapshot_of(older), snapshot_of(newer)
    newer_content = newer.questionnaire.content()
    older_content = older.questionnaire.content()
    order = tuple(q.key for d in newer_content.dimensions for q in d.question_list) + tuple(
        q.key for d in older_content.dimensions for q in d.question_list
    )
    result = compare(before, after, order=order)

    def question(key: str):
        return newer_content.questions.get(key) or older_content.questions.get(key)

    until = newer.completed_at or timezone.now()
    since = older.completed_at or older.started_at
    action_rows = [
        {
            **row,
            "question": question(row["question_key"]) if row["question_key"] else None,
            "dimension": newer_content.dimension(row["dimension_key"])
            if row["dimension_key"]
            else None,
        }
        for row in actions_between(
            company_id=company.pk,
            since=since,
            until=until,
            comparison=result,
            snapshots=(before, after),
            recommendation_of=lambda key: (
                newer_content.recommendation(key) or older_content.recommendation(key)
            ),
        )
    ]
    dimension_titles = {d.key: d.title for d in older_content.dimensions}
    dimension_titles.update({d.key: d.title for d in newer_content.dimensions})
    return {
        "company": company,
        "older": older,
        "newer": newer,
        "comparison": result,
        "dimension_rows": [
            {"title": dimension_titles.get(d.key, d.key), "delta": d} for d in result.dimensions
        ],
        "changed": [
            {
                "question": question(item.key),
                "before": (
                    older_content.questions.get(item.key) or question(item.key)
                ).answer_labels(item.before),
                "after": question(item.key).answer_labels(item.after),
                # Share of the question's possible points, before and after, in percent.
                "score_before": None if item.score_before is None else 100 * item.score_before,
                "score_after": None if item.score_after is None else 100 * item.score_after,
            }
            for item in result.changed
        ],
        "only_before": [older_content.questions[k] for k in result.only_before],
        "only_after": [newer_content.questions[k] for k in result.only_after],
        "action_rows": action_rows,
    }


@login_required
@require_GET
def action_board(request: HttpRequest, company_id: int) -> HttpResponse:
    company = access.company_for(request, company_id, "view_company")
    status = request.GET.get("status", "")
    actions = company.actions.prefetch_related("measurements").order_by("status", "due_date", "pk")
    if status in Action.Status.values:
        actions = actions.filter(status=status)
    elif status == "overdue":
        actions = actions.filter(
            status__in=[Action.Status.PLANNED, Action.Status.DOING],
            due_date__lt=timezone.localdate(),
        )
    latest = company.assessments.select_related("questionnaire").order_by("-started_at").first()
    advice = latest.questionnaire.advice_content() if latest else None
    items = []
    for action in actions:
        recommendation = advice.recommendation(action.recommendation_key) if advice else None
        measurements = list(action.measurements.all())
        items.append(
            {
                "action": action,
                "recommendation": recommendation,
                "form": ActionForm(
                    instance=action, prefix=f"a{action.pk}", recommendation=recommendation
                ),
                "measurement_form": MeasurementForm(
                    prefix=f"m{action.pk}", recommendation=recommendation
                ),
                "measurements": measurements,
                # The chart module escapes every text; the SVG is ours, not user input.
                "chart": mark_safe(  # noqa: S308
                    measurement_svg(action, measurements, recommendation)
                ),
            }
        )
    return render(
        request,
        "company/actions.html",
        {
            "company": company,
            "actions": items,
            "status": status,
            "statuses": Action.Status.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def adopt(request: HttpRequest, company_id: int) -> HttpResponse:
    """Adopt a step of the company's current roadmap as an action."""
    company = access.company_for(request, company_id, "work_on_company")
    assessment = access.assessment_of_company(company, request.POST.get("assessment"))
    recommendation = assessment.questionnaire.advice_content().recommendation(
        request.POST.get("step", "")[:64]
    )
    if recommendation is None:
        raise Http404("No such step")
    action = adopt_step(
        company=company, recommendation_key=recommendation.key, title=recommendation.title
    )
    messages.success(
        request, _("„%(title)s“ steht jetzt auf Ihrer Liste.") % {"title": action.title}
    )
    return redirect(action_anchor(company, action))


@login_required
@require_POST
def update_action(request: HttpRequest, company_id: int, action_id: int) -> HttpResponse:
    company = access.company_for(request, company_id, "work_on_company")
    action = access.action_for(company, action_id)
    previous_status = action.status
    form = ActionForm(request.POST, instance=action, prefix=f"a{action.pk}")
    if form.is_valid():
        action = form.save(commit=False)
        new_status = action.status
        action.status = previous_status
        try:
            set_action_status(action=action, status=new_status)
        except StepAlreadyOpen:
            messages.error(
                request,
                _(
                    "Dieser Schritt steht schon offen auf Ihrer Liste; bitte arbeiten Sie "
                    "dort weiter."
                ),
            )
        else:
            messages.success(request, _("Gespeichert."))
    else:
        messages.error(
            request,
            _("Bitte prüfen Sie die Angaben: %(errors)s") % {"errors": form_errors(form)},
        )
    return redirect(action_anchor(company, action))


@login_required
@require_POST
def add_measurement(request: HttpRequest, company_id: int, action_id: int) -> HttpResponse:
    company = access.company_for(request, company_id, "work_on_company")
    action = access.action_for(company, action_id)
    form = MeasurementForm(request.POST, prefix=f"m{action.pk}")
    if form.is_valid():
        measurement: Measurement = form.save(commit=False)
        measurement.action = action
        measurement.save()
        # The newest measurement: the one just saved, unless an older date was entered.
        newest = action.measurements.order_by("-measured_on", "-created_at").first()
        action.kpi_latest = newest.value if newest is not None else measurement.value
        action.save(update_fields=["kpi_latest", "updated_at"])
        messages.success(request, _("Messwert gespeichert."))
    else:
        messages.error(
            request,
            _("Bitte prüfen Sie den Messwert: %(errors)s") % {"errors": form_errors(form)},
        )
    return redirect(action_anchor(company, action))


@login_required
@require_POST
def invite(request: AuthenticatedRequest, company_id: int) -> HttpResponse:
    company = access.company_for(request, company_id, "manage_company")
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Bitte geben Sie eine gültige E-Mail-Adresse ein."))
        return redirect("company", company_id=company.pk)
    email = form.cleaned_data["email"].lower()
    try:
        mail_limits.reserve(kind=MailLog.Kind.INVITATION, recipient=email, company=company)
    except mail_limits.MailLimitReached as limit:
        messages.error(request, limit.message)
        return redirect("company", company_id=company.pk)
    _invitation, raw_token = Invitation.issue(
        company=company, email=email, invited_by=request.user, role=form.cleaned_data["role"]
    )
    link = request.build_absolute_uri(reverse("invitation", args=[raw_token]))
    mail.send(
        subject=_("Einladung zu Reifegrad"),
        body=_(
            "Guten Tag,\n\n%(inviter)s lädt Sie ein, den Reifegrad-Check von "
            "„%(company)s“ mitzuverfolgen. Mit diesem Link nehmen Sie die Einladung an:\n\n"
            "%(link)s\n"
        )
        % {"inviter": request.user.email, "company": one_line(str(company)), "link": link},
        recipients=[email],
        about=[mail.about_company(company.pk)],
    )
    messages.success(request, _("Einladung an %(email)s verschickt.") % {"email": email})
    return redirect("company", company_id=company.pk)


@login_required
@require_POST
def remove_member(request: HttpRequest, company_id: int, membership_id: int) -> HttpResponse:
    company = access.company_for(request, company_id, "manage_company")
    try:
        removed = remove_company_member(company=company, membership_id=membership_id)
    except LastOwner:
        messages.error(
            request,
            _("Die letzte Person mit Inhaberrechten kann nicht entfernt werden."),
        )
        return redirect("company", company_id=company.pk)
    if removed is None:
        raise Http404("No such member")
    messages.success(
        request, _("%(email)s hat keinen Zugriff mehr.") % {"email": removed.user.email}
    )
    if removed.user_id == request.user.pk:
        return redirect("companies")
    return redirect("company", company_id=company.pk)


@login_required
@require_POST
def member_role(request: HttpRequest, company_id: int, membership_id: int) -> HttpResponse:
    """Make a person of the company an owner, or an owner a member again."""
    company = access.company_for(request, company_id, "manage_company")
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Bitte wählen Sie eine Rolle."))
        return redirect("company", company_id=company.pk)
    try:
        changed = change_member_role(
            company=company, membership_id=membership_id, role=form.cleaned_data["role"]
        )
    except LastOwner:
        messages.error(
            request, _("Die letzte Inhaberin oder der letzte Inhaber bleibt Inhaber/in.")
        )
        return redirect("company", company_id=company.pk)
    if changed is None:
        raise Http404("No such member")
    messages.success(request, _("Gespeichert."))
    return redirect("company", company_id=company.pk)


@login_required
@require_POST
def revoke_invitation(request: HttpRequest, company_id: int, invitation_id: int) -> HttpResponse:
    company = access.company_for(request, company_id, "manage_company")
    invitation = company.invitations.filter(pk=invitation_id, accepted_at=None).first()
    if invitation is None:
        raise Http404("No such invitation")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return redirect("company", company_id=company.pk)


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = secret_link_lookup(
        request,
        lambda: Invitation.find_open(token),
        not_found=lambda: message_page(
            request,
            title=_("Diese Einladung ist nicht (mehr) gültig"),
            text=_("Vielleicht wurde sie schon angenommen oder zurückgezogen."),
            status=404,
        ),
    )
    if isinstance(found, HttpResponse):
        return found
    if not request.user.is_authenticated:
        return render(request, "company/invitation.html", {"invitation": found}, status=200)
    if not access.has_verified_address(request.user, found.email):
        return message_page(
            request,
            title=_("Diese Einladung gilt für eine andere Adresse"),
            text=_(
                "Bitte melden Sie sich mit dem Konto an, dessen bestätigte E-Mail-Adresse "
                "eingeladen wurde."
            ),
            status=403,
        )
    if request.method == "POST":
        if found.role == "consultant" and approved_profile(request.user) is None:
            return message_page(
                request,
                title=_("Nur für freigegebene Berater/innen"),
                text=_(
                    "Diese Einladung richtet sich an eine Beraterin oder einen Berater. "
                    "Bitte registrieren Sie sich als Berater/in und warten Sie auf die "
                    "Freigabe."
                ),
                status=403,
            )
        try:
            accept_invitation(invitation=found, user=request.user)
        except InvitationUsed:
            return message_page(
                request,
                title=_("Diese Einladung ist nicht (mehr) gültig"),
                text=_("Vielleicht wurde sie schon angenommen oder zurückgezogen."),
                status=404,
            )
        messages.success(
            request, _("Willkommen bei %(company)s.") % {"company": str(found.company)}
        )
        return redirect("company", company_id=found.company_id)
    return render(request, "company/invitation.html", {"invitation": found})
