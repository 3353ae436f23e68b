"""Data protection by the app itself: deleting an account, a company or a check without an
account, everything stored about a person or a company as one JSON, and retention.

The deletion paths leave no personal data behind (tests/test_privacy.py searches every table
for the deleted address and names), also in the background task table: queued mails to a
deleted address or about a deleted company are removed unsent, finished ones removed too.
A task a worker is running at that moment is left to finish (its row is deleted by `purge`
after RETENTION_TASK_RESULT_DAYS); mails are sent within seconds of being queued.

Nothing is kept by law here: the app holds no accounting records; a company that needs its
checks keeps its own exports.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core import serializers
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from assessment.mail import about_company
from assessment.mail_limits import recipient_hash
from assessment.models import (
    Action,
    Answer,
    Assessment,
    Company,
    ConsultantProfile,
    Invitation,
    MailLog,
    Measurement,
    Membership,
    ReminderLog,
    RenderedReport,
    ReportRender,
    Respondent,
    ResumeToken,
    ResumeTokenQuerySet,
    TokenMiss,
    User,
)
from assessment.reports.data import forget_results
from assessment.workflows import holds_owner_rights

# --- Checks without an account


def anonymous_companies() -> QuerySet[Company]:
    """Companies nobody has an account for: checks started without logging in, unclaimed."""
    return Company.objects.filter(~Exists(Membership.objects.filter(company=OuterRef("pk"))))


def is_anonymous(company: Company | int) -> bool:
    company_id = company if isinstance(company, int) else company.pk
    return not Membership.objects.filter(company_id=company_id).exists()


def last_activity() -> Greatest:
    """A check's start, its latest answer or the last use of a link to it, whichever is
    latest (for annotating checks)."""
    last_answer = Subquery(
        Answer.objects.filter(assessment=OuterRef("pk"))
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )
    last_link = Subquery(
        ResumeToken.objects.filter(assessment=OuterRef("pk"), last_used_at__isnull=False)
        .order_by("-last_used_at")
        .values("last_used_at")[:1]
    )
    return Greatest(
        F("started_at"),
        Coalesce(last_answer, F("started_at")),
        Coalesce(last_link, F("started_at")),
    )


def anonymous_assessments() -> QuerySet[Assessment]:
    return Assessment.objects.filter(
        ~Exists(Membership.objects.filter(company=OuterRef("company")))
    )


def expired_anonymous_assessments(now: datetime.datetime | None = None) -> QuerySet[Assessment]:
    """Drafts without an account untouched for RETENTION_ANONYMOUS_DRAFT_DAYS, and completed
    checks nobody took into an account within RETENTION_ANONYMOUS_COMPLETED_DAYS."""
    now = now or timezone.now()
    draft_cutoff = now - datetime.timedelta(days=settings.RETENTION_ANONYMOUS_DRAFT_DAYS)
    completed_cutoff = now - datetime.timedelta(days=settings.RETENTION_ANONYMOUS_COMPLETED_DAYS)
    return (
        anonymous_assessments()
        .annotate(last_activity=last_activity())
        .filter(
            Q(status=Assessment.Status.DRAFT, last_activity__lt=draft_cutoff)
            | Q(status=Assessment.Status.COMPLETED, completed_at__lt=completed_cutoff)
        )
    )


def deletion_date(assessment: Assessment, *, anonymous: bool | None = None) -> datetime.date | None:
    """When retention deletes this check, if nobody has an account for it; else None.

    `anonymous` is whether the check's company has no members, if the caller knows it."""
    if anonymous is None:
        anonymous = is_anonymous(assessment.company_id)
    if not anonymous:
        return None
    if assessment.is_completed and assessment.completed_at is not None:
        deleted_at = assessment.completed_at + datetime.timedelta(
            days=settings.RETENTION_ANONYMOUS_COMPLETED_DAYS
        )
    else:
        last = (
            Assessment.objects.filter(pk=assessment.pk)
            .annotate(last_activity=last_activity())
            .values_list("last_activity", flat=True)
            .first()
        ) or assessment.started_at
        deleted_at = last + datetime.timedelta(days=settings.RETENTION_ANONYMOUS_DRAFT_DAYS)
    return timezone.localtime(deleted_at).date()


def deletion_notice_due(
    assessment: Assessment, *, anonymous: bool | None = None
) -> datetime.date | None:
    """The deletion date, if it lies within RETENTION_NOTICE_DAYS (or the check is a draft,
    whose date moves with every visit and is always shown)."""
    date = deletion_date(assessment, anonymous=anonymous)
    if date is None:
        return None
    if assessment.status == Assessment.Status.DRAFT:
        return date
    notice_from = date - datetime.timedelta(days=settings.RETENTION_NOTICE_DAYS)
    return date if timezone.localdate() >= notice_from else None


def idle_links(now: datetime.datetime | None = None) -> ResumeTokenQuerySet:
    """Active resume links of checks without an account, unused for RESUME_LINK_IDLE_DAYS.

    Team members' links (a workshop's) are not counted: the company's people block them.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.RESUME_LINK_IDLE_DAYS)
    return (
        ResumeToken.objects.active()
        .filter(respondent__isnull=True)
        .filter(~Exists(Membership.objects.filter(company=OuterRef("assessment__company"))))
        .annotate(last_use=Coalesce("last_used_at", "created_at"))
        .filter(last_use__lt=cutoff)
    )


class NotAnonymous(Exception):
    """The check belongs to a company with an account; its owners decide about it."""


@transaction.atomic
def delete_anonymous_check(*, assessment: Assessment) -> None:
    """Delete a check without an account, and its company (which holds nothing else)."""
    company = Company.objects.select_for_update().get(pk=assessment.company_id)
    if company.memberships.exists():
        raise NotAnonymous(str(company.pk))
    delete_company(company=company)


# --- Companies and accounts


@transaction.atomic
def delete_company(*, company: Company) -> None:
    """The company with everything it holds: checks, answers, notes, links, steps, members'
    memberships, invitations, stored PDFs, mail counters and reminder records."""
    company_id = company.pk
    assessments = list(company.assessments.select_related("company", "questionnaire"))
    assessment_ids = [assessment.pk for assessment in assessments]
    # The results page's cache holds the answers and notes.
    for assessment in assessments:
        forget_results(assessment)
    # Mails about the company and to the people it invited, PDF renders of its checks: the
    # task rows hold addresses and names, or point at rows deleted here.
    invited = list(Invitation.objects.filter(company_id=company_id).values_list("email", flat=True))
    forget_tasks(mentioning=[f'"{about_company(company_id)}"', *invited])
    forget_renders(
        list(
            ReportRender.objects.filter(assessment_id__in=assessment_ids).values_list(
                "pk", flat=True
            )
        )
    )
    # Rows that point at the company without a cascade, and the admin's history of it.
    MailLog.objects.filter(Q(company_id=company_id) | Q(assessment_id__in=assessment_ids)).delete()
    admin_history_of(Company, [company_id]).delete()
    admin_history_of(Assessment, assessment_ids).delete()
    # Answers protect their questions, not their checks: the checks go first, then the rest.
    Answer.objects.filter(assessment_id__in=assessment_ids).delete()
    Assessment.objects.filter(previous_id__in=assessment_ids).update(previous=None)
    Assessment.objects.filter(pk__in=assessment_ids).delete()
    Company.objects.filter(pk=company_id).delete()


def tasks_mentioning(texts: list[str]) -> QuerySet[DBTaskResult]:
    """Task rows not running now whose arguments, result or error hold one of the texts."""
    text_filter = Q()
    for text in texts:
        if text:
            text_filter |= (
                Q(arguments_text__icontains=text)
                | Q(result_text__icontains=text)
                | Q(traceback__icontains=text)
            )
    if not text_filter:
        return DBTaskResult.objects.none()
    return (
        DBTaskResult.objects.exclude(status=TaskResultStatus.RUNNING)
        .annotate(
            arguments_text=Cast("args_kwargs", models.TextField()),
            result_text=Cast("return_value", models.TextField()),
        )
        .filter(text_filter)
    )


def forget_tasks(*, mentioning: list[str]) -> int:
    """Delete queued (so never run) and finished task rows that mention these texts."""
    ids = list(tasks_mentioning(mentioning).values_list("pk", flat=True))
    return DBTaskResult.objects.filter(pk__in=ids).delete()[0]


def forget_renders(render_ids: list[int]) -> int:
    """Delete the task rows of these PDF renders (queued ones would find nothing to do)."""
    if not render_ids:
        return 0
    return (
        DBTaskResult.objects.exclude(status=TaskResultStatus.RUNNING)
        .filter(task_path__endswith=".render_report", args_kwargs__kwargs__render_id__in=render_ids)
        .delete()[0]
    )


def admin_history_of(model: type[models.Model], ids: list) -> QuerySet[LogEntry]:
    """The admin's change history of these rows: it repeats their names (`object_repr`)."""
    content_type = ContentType.objects.get_for_model(model)
    return LogEntry.objects.filter(content_type=content_type, object_id__in=[str(pk) for pk in ids])


@dataclass
class AccountDeletion:
    """What deleting an account does to the companies of the person."""

    # The person is the only member: the company goes with the account.
    deleted_with_it: list[Company] = field(default_factory=list)
    # The person alone holds the owner's rights while others remain: hand over first.
    handover_first: list[Company] = field(default_factory=list)
    # Others remain with the owner's rights: the person just leaves.
    left: list[Company] = field(default_factory=list)

    @property
    def possible(self) -> bool:
        return not self.handover_first


def account_deletion(user: User) -> AccountDeletion:
    plan = AccountDeletion()
    companies = Company.objects.filter(memberships__user=user).order_by("name", "pk")
    memberships: dict[int, list[Membership]] = {}
    for membership in Membership.objects.filter(company__in=companies).order_by("pk"):
        memberships.setdefault(membership.company_id, []).append(membership)
    for company in companies:
        people = memberships.get(company.pk, [])
        mine = next(m for m in people if m.user_id == user.pk)
        rights = holds_owner_rights(people)
        if len(people) == 1:
            plan.deleted_with_it.append(company)
        elif mine in rights and len(rights) == 1:
            plan.handover_first.append(company)
        else:
            plan.left.append(company)
    return plan


class HandoverNeeded(Exception):
    """Other people remain in a company only this account holds the owner's rights for."""


class CompaniesChanged(Exception):
    """The companies deleted with the account are not those the person confirmed."""


def addresses_of(user: User) -> set[str]:
    """Every e-mail address of the account (its login and allauth's extra addresses)."""
    from allauth.account.models import EmailAddress

    found = {user.email.lower()}
    found.update(
        address.lower()
        for address in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    )
    return found


@transaction.atomic
def delete_account(*, user: User, confirmed_company_ids: set[int]) -> AccountDeletion:
    """Delete the account, the companies it alone belongs to, and every trace of its
    addresses: invitations to them, mail counters, login attempts, the admin's history.

    Refused while a company would be left without an owner (HandoverNeeded), or when the
    companies deleted with it are not exactly those confirmed (CompaniesChanged).
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    plan = account_deletion(user)
    if not plan.possible:
        raise HandoverNeeded(", ".join(str(c.pk) for c in plan.handover_first))
    if {c.pk for c in plan.deleted_with_it} != set(confirmed_company_ids):
        raise CompaniesChanged(str(user.pk))
    for company in plan.deleted_with_it:
        delete_company(company=company)
    now = timezone.now()
    left_ids = [c.pk for c in plan.left]
    # As when an owner removes a person: the links they made are blocked.
    ResumeToken.objects.active().filter(
        created_by=user, assessment__company_id__in=left_ids
    ).update(revoked_at=now)
    Invitation.objects.filter(invited_by=user, accepted_at=None, revoked_at=None).update(
        revoked_at=now
    )
    # A consultant's name and contact are on the cover of their clients' stored PDFs.
    RenderedReport.objects.filter(assessment__company_id__in=left_ids).delete()
    addresses = addresses_of(user)
    address_filter = Q()
    for address in addresses:
        address_filter |= Q(email__iexact=address)
    Invitation.objects.filter(address_filter).delete()
    MailLog.objects.filter(recipient_hash__in=[recipient_hash(a) for a in addresses]).delete()
    # Mails to the addresses, or naming the person (a consultant's name in team members'
    # mails), are not sent; sent ones are forgotten. Full names only: a single word would
    # match strangers' mails.
    names = [
        user.get_full_name(),
        *ConsultantProfile.objects.filter(user=user).values_list("name", flat=True),
    ]
    forget_tasks(mentioning=[*addresses, *(name for name in names if " " in name.strip())])
    delete_login_records(addresses)
    admin_history_of(User, [user.pk]).delete()
    consultant_profiles = list(
        ConsultantProfile.objects.filter(user=user).values_list("pk", flat=True)
    )
    admin_history_of(ConsultantProfile, consultant_profiles).delete()
    LogEntry.objects.filter(user=user).delete()
    delete_sessions_of(user)
    user.delete()
    return plan


def delete_login_records(addresses: set[str]) -> None:
    """django-axes' records of logins with these addresses (attempts, lockouts, log)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    address_filter = Q()
    for address in addresses:
        address_filter |= Q(username__iexact=address)
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(address_filter).delete()


def delete_sessions_of(user: User) -> None:
    """Every session logged in as the user (other browsers too), from the table and cache."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    user_id = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == user_id:
            store(session_key=session.session_key).delete()


# --- Everything about a person or a company, as one JSON document


EXPORT_VERSION = 1


def rows(queryset: QuerySet, *, exclude: tuple[str, ...] = ()) -> list[dict]:
    """The rows as Django's serializer writes them, without secrets (hashes of links)."""
    found = []
    for item in serializers.serialize("python", queryset):
        fields = {k: v for k, v in item["fields"].items() if k not in exclude}
        found.append({"model": item["model"], "id": item["pk"], **fields})
    return found


SECRETS = ("token_hash", "password", "submission_hash", "pdf")


def company_data(company: Company) -> dict:
    """Everything stored for a company: settings, people, checks, answers, steps, links."""
    assessments = Assessment.objects.filter(company=company).order_by("started_at")
    return {
        "company": rows(Company.objects.filter(pk=company.pk)),
        "members": [
            {"email": email, "role": role, "since": since}
            for email, role, since in Membership.objects.filter(company=company)
            .order_by("pk")
            .values_list("user__email", "role", "created_at")
        ],
        "invitations": rows(
            Invitation.objects.filter(company=company).order_by("pk"), exclude=SECRETS
        ),
        "assessments": rows(assessments, exclude=SECRETS),
        "respondents": rows(Respondent.objects.filter(assessment__company=company).order_by("pk")),
        "answers": [
            {**row, "question_key": key}
            for row, key in zip(
                rows(Answer.objects.filter(assessment__company=company).order_by("pk")),
                Answer.objects.filter(assessment__company=company)
                .order_by("pk")
                .values_list("question__key", flat=True),
                strict=True,
            )
        ],
        "links": rows(
            ResumeToken.objects.filter(assessment__company=company).order_by("pk"),
            exclude=SECRETS,
        ),
        "actions": rows(Action.objects.filter(company=company).order_by("pk")),
        "measurements": rows(Measurement.objects.filter(action__company=company).order_by("pk")),
        "reminders": rows(ReminderLog.objects.filter(company=company).order_by("pk")),
        "mails": rows(MailLog.objects.filter(company=company).order_by("pk")),
    }


def account_data(user: User) -> dict:
    """Everything stored about a person: the account, its addresses and second factors (not
    their secrets), consultant profile, memberships, own team answers, invitations to them."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    addresses = addresses_of(user)
    address_filter = Q()
    for address in addresses:
        address_filter |= Q(email__iexact=address)
    return {
        "account": rows(
            User.objects.filter(pk=user.pk),
            exclude=(*SECRETS, "groups", "user_permissions"),
        ),
        "email_addresses": rows(EmailAddress.objects.filter(user=user).order_by("pk")),
        "second_factors": [
            {"type": kind, "created_at": created, "last_used_at": used}
            for kind, created, used in Authenticator.objects.filter(user=user)
            .order_by("pk")
            .values_list("type", "created_at", "last_used_at")
        ],
        "consultant_profile": rows(
            ConsultantProfile.objects.filter(user=user), exclude=("logo_png",)
        ),
        "memberships": [
            {"company_id": company_id, "company": name, "role": role, "since": since}
            for company_id, name, role, since in Membership.objects.filter(user=user)
            .order_by("pk")
            .values_list("company_id", "company__name", "role", "created_at")
        ],
        "respondents": rows(Respondent.objects.filter(user=user).order_by("pk")),
        "answers": rows(Answer.objects.filter(respondent__user=user).order_by("pk")),
        "invitations_to_me": rows(
            Invitation.objects.filter(address_filter).order_by("pk"), exclude=SECRETS
        ),
        "links_i_made": rows(ResumeToken.objects.filter(created_by=user), exclude=SECRETS),
    }


def export_document(kind: str, data: dict) -> dict:
    return {
        "format": f"reifegrad-{kind}-data",
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "operator": settings.OPERATOR_NAME,
        **data,
    }


# --- Retention


@dataclass
class PurgeCounts:
    anonymous_drafts: int = 0
    anonymous_completed: int = 0
    idle_links: int = 0
    token_misses: int = 0
    login_records: int = 0
    old_pdfs: int = 0
    mail_counters: int = 0
    ended_sessions: int = 0
    finished_tasks: int = 0

    def lines(self) -> list[tuple[str, int]]:
        return list(vars(self).items())


def purge(*, dry_run: bool = False, now: datetime.datetime | None = None) -> PurgeCounts:
    """Delete what retention says is due; with `dry_run` only count it. Idempotent."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    now = now or timezone.now()
    counts = PurgeCounts()
    expired = list(expired_anonymous_assessments(now).values_list("pk", "company_id", "status"))
    counts.anonymous_drafts = sum(1 for _, _, status in expired if status == "draft")
    counts.anonymous_completed = len(expired) - counts.anonymous_drafts
    links = idle_links(now)
    counts.idle_links = links.count()
    misses = TokenMiss.objects.filter(
        missed_at__lt=now - datetime.timedelta(days=settings.RETENTION_TOKEN_MISS_DAYS)
    )
    counts.token_misses = misses.count()
    login_cutoff = now - datetime.timedelta(days=settings.RETENTION_LOGIN_ATTEMPT_DAYS)
    login_records = [
        AccessAttempt.objects.filter(attempt_time__lt=login_cutoff),
        AccessFailureLog.objects.filter(attempt_time__lt=login_cutoff),
        AccessLog.objects.filter(attempt_time__lt=login_cutoff),
    ]
    counts.login_records = sum(query.count() for query in login_records)
    # A stored PDF's revision holds the day it was planned on (report.revision_of): one made
    # before today is never served again.
    start_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    old_pdfs = RenderedReport.objects.filter(created_at__lt=start_of_today)
    counts.old_pdfs = old_pdfs.count()
    mail_counters = MailLog.objects.filter(sent_at__lt=now - settings.MAIL_LIMIT_WINDOW)
    counts.mail_counters = mail_counters.count()
    sessions = Session.objects.filter(expire_date__lt=now)
    counts.ended_sessions = sessions.count()
    # Finished mails keep their addresses and texts; queued ones wait however old they are.
    finished_tasks = DBTaskResult.objects.finished().filter(
        finished_at__lt=now - datetime.timedelta(days=settings.RETENTION_TASK_RESULT_DAYS)
    )
    counts.finished_tasks = finished_tasks.count()
    if dry_run:
        return counts
    for _pk, company_id, _status in expired:
        with transaction.atomic():
            company = Company.objects.select_for_update().filter(pk=company_id).first()
            if company is not None and not company.memberships.exists():
                delete_company(company=company)
    links.update(revoked_at=now)
    misses.delete()
    for query in login_records:
        query.delete()
    old_pdfs.delete()
    mail_counters.delete()
    sessions.delete()
    finished_tasks.delete()
    return counts
