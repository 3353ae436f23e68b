"""Workflows across several records: start, answer, finish, report, claim."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from assessment import roadmap, scoring
from assessment.forms import AnswerChange
from assessment.models import (
    Action,
    Answer,
    Assessment,
    Company,
    Membership,
    QuestionnaireContent,
    Respondent,
    ResumeToken,
    User,
    done_steps,
)


class AssessmentClosed(Exception):
    """A completed assessment never changes."""


class AssessmentIncomplete(Exception):
    def __init__(self, missing: tuple[str, ...]) -> None:
        super().__init__(f"{len(missing)} questions unanswered")
        self.missing = missing


@transaction.atomic
def start_self_assessment(
    *, company: Company, questionnaire, user: User | None = None
) -> tuple[Assessment, str]:
    """A new company's first check: the assessment, its respondent and a resume link."""
    company.save()
    if user is not None:
        Membership.objects.create(company=company, user=user, role=Membership.Role.OWNER)
    assessment = Assessment.objects.create(
        company=company, questionnaire=questionnaire, mode=Assessment.Mode.SELF
    )
    Respondent.objects.create(assessment=assessment, user=user, is_primary=True)
    _, raw_token = ResumeToken.issue(assessment=assessment)
    return assessment, raw_token


def primary_respondent(assessment: Assessment) -> Respondent:
    respondent = assessment.respondents.filter(is_primary=True).first()
    if respondent is None:
        respondent = Respondent.objects.create(assessment=assessment, is_primary=True)
    return respondent


def stored_answers(assessment: Assessment) -> dict[str, Answer]:
    """The primary respondent's answers keyed by question key (one query)."""
    answers = Answer.objects.filter(
        assessment=assessment, respondent__is_primary=True
    ).select_related("question")
    return {answer.question.key: answer for answer in answers}


def answer_inputs(answers: dict[str, Answer]) -> dict[str, scoring.AnswerInput]:
    return {
        key: scoring.AnswerInput(
            options=tuple(answer.options), not_applicable=answer.not_applicable
        )
        for key, answer in answers.items()
    }


def save_answers(
    *, assessment: Assessment, respondent: Respondent, changes: Iterable[AnswerChange]
) -> int:
    """Insert or update one row per question in a single statement; last write wins."""
    if assessment.is_completed:
        raise AssessmentClosed
    now = timezone.now()
    with_note, without_note = [], []
    for change in changes:
        row = Answer(
            assessment=assessment,
            respondent=respondent,
            question=change.question,
            options=list(change.options),
            not_applicable=change.not_applicable,
            note=change.note or "",
            carried_over=False,
            updated_at=now,
        )
        (without_note if change.note is None else with_note).append(row)
    fields = ["options", "not_applicable", "carried_over", "updated_at"]
    for rows, update_fields in ((with_note, [*fields, "note"]), (without_note, fields)):
        if rows:
            Answer.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["assessment", "respondent", "question"],
                update_fields=update_fields,
            )
    return len(with_note) + len(without_note)


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
    locked.status = Assessment.Status.COMPLETED
    locked.completed_at = timezone.now()
    locked.result = result.to_dict()
    locked.save(update_fields=["status", "completed_at", "result"])
    assessment.status, assessment.completed_at = locked.status, locked.completed_at
    assessment.result = locked.result
    return result


@dataclass(frozen=True)
class Report:
    """Everything the results page and the PDF show about one assessment."""

    assessment: Assessment
    content: QuestionnaireContent
    answers: dict[str, Answer]
    result: scoring.Result
    roadmap: roadmap.Roadmap

    @property
    def provisional(self) -> bool:
        return not self.assessment.is_completed


def build_report(*, assessment: Assessment) -> Report:
    content = assessment.questionnaire.content()
    answers = stored_answers(assessment)
    result = scoring.score(content.spec, answer_inputs(answers))
    actions = list(Action.objects.filter(company_id=assessment.company_id))
    plan = roadmap.plan(
        result, content.catalogue, assessment.company.budget(), done=done_steps(actions)
    )
    return Report(
        assessment=assessment, content=content, answers=answers, result=result, roadmap=plan
    )


@transaction.atomic
def claim_assessments(*, user: User, public_ids: Iterable[str]) -> list[Company]:
    """Take anonymously started checks into the user's account.

    Only companies that nobody owns yet are claimed: a resume link shared with a colleague
    does not hand them somebody else's company.
    """
    claimed = []
    assessments = Assessment.objects.filter(public_id__in=list(public_ids)).select_related(
        "company"
    )
    for assessment in assessments:
        company = assessment.company
        if company.memberships.exists():
            continue
        Membership.objects.create(company=company, user=user, role=Membership.Role.OWNER)
        Respondent.objects.filter(assessment__company=company, user__isnull=True).update(user=user)
        claimed.append(company)
    return claimed
