"""Workflows across several records: start, answer, finish, report, claim."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessment.answers import AnswerChange
from assessment.benchmark import forget_peer_group
from assessment.engine import scoring
from assessment.models import (
    DEFAULT_QUESTIONNAIRE_KEY,
    QUICK_CHECK_KEY,
    STORED_ANSWER_COLUMNS,
    Action,
    Answer,
    Assessment,
    Company,
    Invitation,
    Membership,
    Questionnaire,
    Respondent,
    ResumeToken,
    StoredAnswer,
    User,
)


class AssessmentClosed(Exception):
    """A completed assessment never changes."""


class AssessmentIncomplete(Exception):
    def __init__(self, missing: tuple[str, ...]) -> None:
        super().__init__(f"{len(missing)} questions unanswered")
        self.missing = missing


class DuplicateSubmission(Exception):
    """This profile form has already started a check: `assessment`."""

    def __init__(self, assessment: Assessment | None) -> None:
        super().__init__("profile form sent twice")
        self.assessment = assessment


def submission_hash(submission: str) -> str:
    return hashlib.sha256(submission.encode("utf-8")).hexdigest() if submission else ""


def start_self_assessment(
    *, company: Company, questionnaire, user: User | None = None, submission: str = ""
) -> tuple[Assessment, str]:
    """A new company's first check: the assessment, its respondent and a resume link.

    `submission` is the profile form's one-time value; its hash is a unique column, so the
    same form sent twice, even at the same moment, starts one check and the other request
    gets DuplicateSubmission with the check that won.
    """
    digest = submission_hash(submission)
    try:
        return _start_self_assessment(
            company=company, questionnaire=questionnaire, user=user, digest=digest
        )
    except IntegrityError:
        if not digest:
            raise
        company.pk = None
        raise DuplicateSubmission(
            Assessment.objects.filter(submission_hash=digest).select_related("company").first()
        ) from None


@transaction.atomic
def _start_self_assessment(
    *, company: Company, questionnaire, user: User | None, digest: str
) -> tuple[Assessment, str]:
    company.save()
    if user is not None:
        Membership.objects.create(company=company, user=user, role=Membership.Role.OWNER)
    assessment = Assessment.objects.create(
        company=company,
        questionnaire=questionnaire,
        mode=Assessment.Mode.SELF,
        submission_hash=digest,
    )
    Respondent.objects.create(assessment=assessment, user=user, is_primary=True)
    _token, raw_token = ResumeToken.issue(assessment=assessment, created_by=user)
    return assessment, raw_token


def primary_respondent(assessment: Assessment) -> Respondent:
    respondent = assessment.respondents.filter(is_primary=True).first()
    if respondent is None:
        respondent = Respondent.objects.create(assessment=assessment, is_primary=True)
    return respondent


def stored_answers(
    assessment: Assessment, respondent: Respondent | None = None
) -> dict[str, StoredAnswer]:
    """One respondent's answers (the final ones by default) keyed by question key; one query.

    Read as plain values rather than model instances: building sixty Answer and Question
    objects was a quarter of the time of a questionnaire page.
    """
    answers = Answer.objects.filter(assessment_id=assessment.pk)
    if respondent is None or respondent.is_primary:
        answers = answers.filter(respondent__is_primary=True)
    else:
        answers = answers.filter(respondent_id=respondent.pk)
    rows = answers.values_list(*STORED_ANSWER_COLUMNS)
    return {row[0]: StoredAnswer(*row) for row in rows}


def answer_inputs(answers: dict[str, StoredAnswer]) -> dict[str, scoring.AnswerInput]:
    return {
        key: scoring.AnswerInput(
            options=tuple(answer.options), not_applicable=answer.not_applicable
        )
        for key, answer in answers.items()
    }


@transaction.atomic(savepoint=False)
def save_answers(
    *, assessment: Assessment, respondent: Respondent, changes: Iterable[AnswerChange]
) -> int:
    """Insert or update one row per question; last write wins per question.

    All or nothing: a page whose answers need several statements is never half saved. No
    savepoint (as in `bulk_create`): nobody retries a failed save inside an outer transaction.

    The assessment's row is locked and its status read again in the transaction that
    writes, and `finish_assessment` takes the same lock: an answer is either saved before
    the result is frozen (and counted in it) or refused. (SQLite has no row locks; its
    IMMEDIATE transactions let one writer at a time in, which serialises the same way.)
    """
    status = (
        Assessment.objects.select_for_update()
        .filter(pk=assessment.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status != Assessment.Status.DRAFT:
        assessment.status = status or assessment.status
        raise AssessmentClosed
    now = timezone.now()
    # Rows are grouped by the fields they change: a note or its visibility that was not
    # sent stays as it is.
    groups: dict[tuple[str, ...], list[Answer]] = {}
    base = ("options", "not_applicable", "unconfirmed", "decided", "updated_at")
    for change in changes:
        row = Answer(
            assessment=assessment,
            respondent=respondent,
            question=change.question,
            options=list(change.options),
            not_applicable=change.not_applicable,
            note=change.note or "",
            note_private=bool(change.note_private),
            unconfirmed=False,
            decided=change.decided,
            updated_at=now,
        )
        fields: tuple[str, ...] = base
        if change.note is not None:
            fields = (*fields, "note")
        if change.note_private is not None:
            fields = (*fields, "note_private")
        groups.setdefault(fields, []).append(row)
    for update_fields, rows in groups.items():
        Answer.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["assessment", "respondent", "question"],
            update_fields=list(update_fields),
        )
    return sum(len(rows) for rows in groups.values())


@transaction.atomic
def finish_assessment(*, assessment: Assessment) -> scoring.Result:
    """Freeze the result of a complete assessment."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.is_completed:
        raise AssessmentClosed
    result = scoring.score(
        assessment.questionnaire.scoring_spec(), answer_inputs(stored_answers(assessment))
    )
    if not result.complete:
        raise AssessmentIncomplete(result.missing)
    unconfirmed = unconfirmed_visible(assessment, stored_answers(assessment))
    if unconfirmed:
        raise AssessmentUnconfirmed(unconfirmed)
    locked.status = Assessment.Status.COMPLETED
    locked.completed_at = timezone.now()
    # Stored as JSON types (lists, not tuples), so the frozen result reads back identically.
    locked.result = json.loads(json.dumps(result.to_dict()))
    locked.save(update_fields=["status", "completed_at", "result"])
    update_due_date(company=assessment.company, last_completed_at=locked.completed_at)
    # After the commit: a results page built in between would cache the group without it.
    company, questionnaire_key = assessment.company, assessment.questionnaire.key
    transaction.on_commit(
        lambda: forget_peer_group(company=company, questionnaire_key=questionnaire_key)
    )
    assessment.status, assessment.completed_at = locked.status, locked.completed_at
    assessment.result = locked.result
    return result


class NotClaimable(Exception):
    """The check already belongs to a company account."""


@transaction.atomic
def claim_assessment(*, assessment: Assessment, user: User) -> str:
    """Take a check nobody owns into the user's account; returns a fresh resume link.

    Every earlier link of the company's checks is blocked: whoever planted the check, or
    shared its link, has no way back in.
    """
    company = Company.objects.select_for_update().get(pk=assessment.company_id)
    if company.memberships.exists():
        raise NotClaimable(str(company.pk))
    Membership.objects.create(company=company, user=user, role=Membership.Role.OWNER)
    # The company may now count as a peer of others, on every instrument it has used.
    keys = set(
        Questionnaire.objects.filter(assessments__company=company).values_list("key", flat=True)
    )

    def forget_groups() -> None:
        for key in keys:
            forget_peer_group(company=company, questionnaire_key=key)

    transaction.on_commit(forget_groups)
    Respondent.objects.filter(
        assessment__company=company, is_primary=True, user__isnull=True
    ).update(user=user)
    ResumeToken.objects.active().filter(assessment__company=company).update(
        revoked_at=timezone.now()
    )
    _token, raw_token = ResumeToken.issue(assessment=assessment, created_by=user)
    return raw_token


class AssessmentUnconfirmed(Exception):
    """Answers carried over from the last check have not been looked at again."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(f"{len(keys)} carried-over answers unconfirmed")
        self.keys = keys


def latest_questionnaire(key: str) -> Questionnaire | None:
    return Questionnaire.objects.filter(key=key).order_by("-version").first()


def unconfirmed_visible(assessment: Assessment, answers: dict[str, StoredAnswer]) -> list[str]:
    """Carried-over answers still waiting for a look, among the questions now shown."""
    spec = assessment.questionnaire.scoring_spec()
    visible = scoring.visibility(spec, answer_inputs(answers))
    return [
        question.key
        for question in spec.questions
        if visible[question.key] and question.key in answers and answers[question.key].unconfirmed
    ]


@transaction.atomic
def start_reassessment(
    *,
    company: Company,
    user: User | None,
    carry_over: bool,
    mode: str = Assessment.Mode.SELF,
    questionnaire: Questionnaire | None = None,
) -> Assessment:
    """A new assessment on `questionnaire`, by default the newest version of the instrument of
    the company's last check (the full check after a quick check); optionally with the last
    answers.

    Carried-over answers are marked unconfirmed until someone looks at them again. They come
    from the last check of the same instrument, else from the last check of any instrument
    (matched by question key). Answers to questions or options that the new version no longer
    has are left behind.
    """
    completed = company.assessments.filter(status=Assessment.Status.COMPLETED).select_related(
        "questionnaire"
    )
    last = completed.order_by("-completed_at").first()
    if questionnaire is None:
        key = DEFAULT_QUESTIONNAIRE_KEY
        if last is not None and last.questionnaire.key != QUICK_CHECK_KEY:
            key = last.questionnaire.key
        questionnaire = latest_questionnaire(key) or Questionnaire.objects.current()
    if questionnaire is None:
        raise Questionnaire.DoesNotExist("no questionnaire is loaded")
    previous = (
        completed.filter(questionnaire__key=questionnaire.key).order_by("-completed_at").first()
        or last
    )
    try:
        # A savepoint, so the conflict below leaves the outer transaction usable.
        with transaction.atomic():
            assessment = Assessment.objects.create(
                company=company, questionnaire=questionnaire, mode=mode, previous=previous
            )
    except IntegrityError:
        # At most one draft per company and mode (a unique constraint): a concurrent
        # click opened it a moment ago, and this click continues it.
        draft = company.assessments.filter(status=Assessment.Status.DRAFT, mode=mode).first()
        if draft is None:
            raise
        return draft
    respondent = Respondent.objects.create(assessment=assessment, user=user, is_primary=True)
    if carry_over and previous is not None:
        carry_answers(previous=previous, assessment=assessment, respondent=respondent)
    return assessment


def carry_answers(*, previous: Assessment, assessment: Assessment, respondent: Respondent) -> int:
    """Copy `previous`'s answers into `assessment` as carried over and unconfirmed, matched by
    question key; returns how many. Answers to questions or options that `assessment`'s
    questionnaire does not have are left behind."""
    content = assessment.questionnaire.content()
    rows = []
    for key, old in stored_answers(previous).items():
        question = content.questions.get(key)
        if question is None:
            continue
        option_keys = {option.key for option in question.option_list}
        if old.not_applicable and not question.allow_na:
            continue
        if not set(old.options) <= option_keys:
            continue
        rows.append(
            Answer(
                assessment=assessment,
                respondent=respondent,
                question=question,
                options=list(old.options),
                not_applicable=old.not_applicable,
                note=old.note,
                carried_over=True,
                unconfirmed=True,
            )
        )
    Answer.objects.bulk_create(rows)
    return len(rows)


class NoFullCheck(Exception):
    """The full check is not loaded."""


@transaction.atomic
def start_full_check_from_quick_check(
    *, quick_check: Assessment, user: User | None
) -> tuple[Assessment, str]:
    """The full check for the company of a completed quick check, with the quick check's
    answers carried over (unconfirmed, like answers from a last check) and a resume link.

    A company has at most one draft per mode: if one is open, it is continued instead.
    """
    questionnaire = latest_questionnaire(DEFAULT_QUESTIONNAIRE_KEY)
    if questionnaire is None:
        raise NoFullCheck
    company = quick_check.company
    draft = company.assessments.filter(
        status=Assessment.Status.DRAFT, mode=Assessment.Mode.SELF
    ).first()
    if draft is not None:
        _token, raw_token = ResumeToken.issue(assessment=draft, created_by=user)
        return draft, raw_token
    assessment = Assessment.objects.create(
        company=company,
        questionnaire=questionnaire,
        mode=Assessment.Mode.SELF,
        previous=quick_check,
    )
    respondent = Respondent.objects.create(assessment=assessment, user=user, is_primary=True)
    carry_answers(previous=quick_check, assessment=assessment, respondent=respondent)
    _token, raw_token = ResumeToken.issue(assessment=assessment, created_by=user)
    return assessment, raw_token


def snapshot_of(assessment: Assessment):
    """The assessment for the comparison: its frozen result once completed."""
    from assessment.engine.comparison import AnswerState, Snapshot

    answers = stored_answers(assessment)
    states = {
        key: AnswerState(tuple(answer.options), answer.not_applicable)
        for key, answer in answers.items()
    }
    content = assessment.questionnaire.content()
    if assessment.is_completed and assessment.result:
        result = assessment.result
    else:
        result = scoring.score(content.spec, answer_inputs(answers)).to_dict()
    scored_keys = frozenset(q.key for q in content.spec.questions if q.scored)
    return Snapshot.from_result(result, states, scored_keys)


def trigger_value_now(company: Company, recommendation_key: str) -> float | None:
    """The trigger's value (percent) in the company's latest completed assessment."""
    latest = (
        company.assessments.filter(status=Assessment.Status.COMPLETED)
        .select_related("questionnaire")
        .order_by("-completed_at")
        .first()
    )
    if latest is None or not latest.result:
        return None
    content = latest.questionnaire.advice_content()
    recommendation = content.recommendation(recommendation_key)
    if recommendation is None:
        return None
    if recommendation.trigger_question is not None:
        question = next(
            (
                q
                for q in latest.result["questions"]
                if q["key"] == recommendation.trigger_question.key
            ),
            None,
        )
        return None if question is None or question["score"] is None else 100 * question["score"]
    trigger_dimension = recommendation.trigger_dimension
    if trigger_dimension is None:
        return None
    dimension = next(
        (d for d in latest.result["dimensions"] if d["key"] == trigger_dimension.key),
        None,
    )
    return None if dimension is None else dimension["score"]


def adopt_step(*, company: Company, recommendation_key: str, title: str, owner: str = "") -> Action:
    """Turn a roadmap step into an action; adopting it twice gives the same open action.

    A unique constraint allows one open action per step and company; the insert that loses
    a race returns the one that won.
    """
    open_actions = company.actions.filter(
        recommendation_key=recommendation_key,
        status__in=[Action.Status.PLANNED, Action.Status.DOING],
    )
    open_action = open_actions.first()
    if open_action is not None:
        return open_action
    try:
        with transaction.atomic():
            return Action.objects.create(
                company=company,
                recommendation_key=recommendation_key,
                title=title[:200],
                owner=owner,
            )
    except IntegrityError:
        winner = open_actions.first()
        if winner is None:
            raise
        return winner


class StepAlreadyOpen(Exception):
    """Another action of the same step is planned or in progress."""


def set_action_status(*, action: Action, status: str) -> Action:
    """Record when a step was done and where its trigger stood, so it returns only on a fall.

    Reopening a step that has another open action raises StepAlreadyOpen (the constraint
    of one open action per step).
    """
    action.status = status
    if status == Action.Status.DONE:
        if action.done_at is None:
            action.done_at = timezone.now()
            action.trigger_value_when_done = trigger_value_now(
                action.company, action.recommendation_key
            )
    else:
        action.done_at = None
        action.trigger_value_when_done = None
    try:
        with transaction.atomic():
            action.save()
    except IntegrityError:
        raise StepAlreadyOpen from None
    return action


class InvitationUsed(Exception):
    """The invitation was accepted, withdrawn or has expired meanwhile."""


class LastOwner(Exception):
    """The change would leave the company without anyone holding the owner's rights."""


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user: User) -> Membership:
    """Single use: only the request that marks the invitation used creates the membership."""
    used = Invitation.objects.filter(
        pk=invitation.pk,
        accepted_at=None,
        revoked_at=None,
        created_at__gt=timezone.now() - timedelta(days=settings.INVITATION_DAYS),
    ).update(accepted_at=timezone.now())
    if not used:
        raise InvitationUsed(str(invitation.pk))
    role = invitation.role if invitation.role in Membership.Role.values else Membership.Role.MEMBER
    membership, created = Membership.objects.get_or_create(
        company=invitation.company, user=user, defaults={"role": role}
    )
    if not created and role == Membership.Role.OWNER and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def holds_owner_rights(memberships: list[Membership]) -> list[Membership]:
    """Owners; or, while there is none, the consultants who created the client."""
    owners = [m for m in memberships if m.role == Membership.Role.OWNER]
    return owners or [m for m in memberships if m.role == Membership.Role.CONSULTANT]


def locked_memberships(company: Company) -> list[Membership]:
    return list(Membership.objects.select_for_update().filter(company=company).order_by("pk"))


@transaction.atomic
def remove_member(*, company: Company, membership_id: int) -> Membership | None:
    """Remove a person: their links and open invitations for the company are blocked too.

    Refused (LastOwner) when nobody would be left with the owner's rights.
    """
    memberships = locked_memberships(company)
    target = next((m for m in memberships if m.pk == membership_id), None)
    if target is None:
        return None
    if target in holds_owner_rights(memberships) and len(holds_owner_rights(memberships)) <= 1:
        raise LastOwner(str(company.pk))
    target.delete()
    now = timezone.now()
    ResumeToken.objects.active().filter(
        created_by_id=target.user_id, assessment__company=company
    ).update(revoked_at=now)
    Invitation.objects.filter(
        company=company, invited_by_id=target.user_id, accepted_at=None, revoked_at=None
    ).update(revoked_at=now)
    return target


@transaction.atomic
def change_member_role(*, company: Company, membership_id: int, role: str) -> Membership | None:
    """Make a person an owner or a member; the last owner is never demoted."""
    memberships = locked_memberships(company)
    target = next((m for m in memberships if m.pk == membership_id), None)
    if target is None or target.role == Membership.Role.CONSULTANT:
        return None
    if role == Membership.Role.MEMBER and target.role == Membership.Role.OWNER:
        owners = [m for m in memberships if m.role == Membership.Role.OWNER]
        if len(owners) <= 1:
            raise LastOwner(str(company.pk))
    target.role = role
    target.save(update_fields=["role"])
    return target


def submit_own_answers(*, respondent: Respondent) -> None:
    """A team member hands in their answers; the first hand-in time is kept."""
    Respondent.objects.filter(pk=respondent.pk, submitted_at=None).update(
        submitted_at=timezone.now()
    )


def update_due_date(*, company: Company, last_completed_at=None) -> None:
    """Store when the next check is due: last completion plus the company's interval."""
    from assessment.engine.roadmap import add_months

    if last_completed_at is None:
        last = (
            company.assessments.filter(status=Assessment.Status.COMPLETED)
            .order_by("-completed_at")
            .values_list("completed_at", flat=True)
            .first()
        )
        last_completed_at = last
    due = (
        None
        if last_completed_at is None
        else add_months(
            timezone.localtime(last_completed_at).date(), company.reassessment_interval_months
        )
    )
    Company.objects.filter(pk=company.pk).update(reassessment_due_on=due)
    company.reassessment_due_on = due
