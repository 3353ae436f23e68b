"""Workshop workflows: team links that can be re-issued, and consolidation by choice.

The team's own answers stay as they are; the consultant chooses, question by question, what
becomes the final answer (one person's answer, the majority proposal, or an edit). "Apply
all proposals" is one `ProposalBatch` that can be undone as long as nobody changed its rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from assessment.answers import AnswerChange
from assessment.engine.scoring import AnswerInput
from assessment.models import (
    Answer,
    Assessment,
    ProposalBatch,
    Question,
    Respondent,
    ResumeToken,
    StoredAnswer,
    User,
)
from assessment.team import TeamView
from assessment.workflows import primary_respondent, save_answers, stored_answers


@transaction.atomic
def invite_respondent(
    *, assessment: Assessment, name: str, role: str, created_by: User
) -> tuple[Respondent, str]:
    """A new team member and their own link; the secret is returned once, stored hashed."""
    respondent = Respondent.objects.create(
        assessment=assessment, name=name, role=role, is_primary=False
    )
    _token, raw_token = ResumeToken.issue(
        assessment=assessment, respondent=respondent, created_by=created_by
    )
    return respondent, raw_token


@transaction.atomic
def reissue_link(*, respondent: Respondent, created_by: User) -> str:
    """Block every link of the team member and make a new one; returns its secret."""
    ResumeToken.objects.active().filter(respondent=respondent).update(revoked_at=timezone.now())
    _token, raw_token = ResumeToken.issue(
        assessment=respondent.assessment, respondent=respondent, created_by=created_by
    )
    return raw_token


def remove_respondent(*, respondent: Respondent) -> None:
    """The team member, their links and their own answers go; the final answers stay."""
    respondent.delete()


def same_answer(
    stored: StoredAnswer | dict | None, options: tuple[str, ...], not_applicable: bool
) -> bool:
    if stored is None:
        return False
    if isinstance(stored, dict):
        return bool(stored["not_applicable"]) == not_applicable and sorted(
            stored["options"]
        ) == sorted(options)
    return stored.not_applicable == not_applicable and sorted(stored.options) == sorted(options)


def choose_answer(
    *, assessment: Assessment, question: Question, options: tuple[str, ...], not_applicable: bool
) -> None:
    """The consultant's choice for one question becomes the final answer, marked decided."""
    with transaction.atomic():
        save_answers(
            assessment=assessment,
            respondent=primary_respondent(assessment),
            changes=[AnswerChange(question, options, not_applicable, None, decided=True)],
        )


@dataclass(frozen=True)
class PendingProposal:
    question: Question
    proposal: AnswerInput


def pending_proposals(
    assessment: Assessment, view: TeamView, final: dict[str, StoredAnswer]
) -> list[PendingProposal]:
    """The proposals that would change a final answer: those that differ from it."""
    questions = assessment.questionnaire.content().questions
    return [
        PendingProposal(questions[key], item.proposal)
        for key, item in view.agreement.items()
        if item.proposal is not None
        and not same_answer(final.get(key), item.proposal.options, item.proposal.not_applicable)
    ]


def as_data(answer: StoredAnswer | None) -> dict | None:
    if answer is None:
        return None
    return {
        "options": list(answer.options),
        "not_applicable": answer.not_applicable,
        "decided": answer.decided,
    }


def apply_all_proposals(
    *, assessment: Assessment, pending: list[PendingProposal]
) -> ProposalBatch | None:
    """Set every pending proposal as a final answer, remembering what was there before."""
    if not pending:
        return None
    with transaction.atomic():
        final = stored_answers(assessment)
        save_answers(
            assessment=assessment,
            respondent=primary_respondent(assessment),
            changes=[
                AnswerChange(
                    item.question,
                    item.proposal.options,
                    item.proposal.not_applicable,
                    None,
                    decided=True,
                )
                for item in pending
            ],
        )
        return ProposalBatch.objects.create(
            assessment=assessment,
            changes=[
                {
                    "question": item.question.key,
                    "before": as_data(final.get(item.question.key)),
                    "after": {
                        "options": list(item.proposal.options),
                        "not_applicable": item.proposal.not_applicable,
                    },
                }
                for item in pending
            ],
        )


def undoable_batch(assessment: Assessment) -> ProposalBatch | None:
    return assessment.proposal_batches.filter(undone_at=None).first()


@dataclass(frozen=True)
class UndoResult:
    restored: int
    changed_since: list[str]  # question keys left as they are


def undo_proposals(*, assessment: Assessment, batch: ProposalBatch) -> UndoResult:
    """Put back the final answers as they were before the batch; rows changed since the
    batch (their answer is no longer what the batch set) are named and left alone."""
    questions = assessment.questionnaire.content().questions
    with transaction.atomic():
        locked = ProposalBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.undone_at is not None:
            return UndoResult(0, [])
        final = stored_answers(assessment)
        restore: list[AnswerChange] = []
        remove: list[str] = []
        changed_since: list[str] = []
        for change in locked.changes:
            key = change["question"]
            after = change["after"]
            if key not in questions:
                continue
            if not same_answer(final.get(key), tuple(after["options"]), after["not_applicable"]):
                changed_since.append(key)
                continue
            before = change["before"]
            if before is None:
                remove.append(key)
            else:
                restore.append(
                    AnswerChange(
                        questions[key],
                        tuple(before["options"]),
                        bool(before["not_applicable"]),
                        None,
                        decided=bool(before.get("decided")),
                    )
                )
        if restore:
            save_answers(
                assessment=assessment, respondent=primary_respondent(assessment), changes=restore
            )
        if remove:
            Answer.objects.filter(
                assessment=assessment, respondent__is_primary=True, question__key__in=remove
            ).delete()
        locked.undone_at = timezone.now()
        locked.save(update_fields=["undone_at"])
    return UndoResult(len(restore) + len(remove), changed_since)
