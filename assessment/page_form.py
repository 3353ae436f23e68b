"""One questionnaire page as a form: what it shows, what a submission changes, where to go.

Used by the page view (views/check.py), one dimension per page, and by the facilitator view
(views/session.py), every dimension on one page.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from functools import lru_cache
from typing import cast

from django.http import HttpRequest
from django.urls import reverse

from assessment.answers import (
    MAX_NOTE_LENGTH,
    NOT_APPLICABLE,
    AnswerChange,
    note_problem,
    parse_answer,
)
from assessment.engine import scoring
from assessment.models import Assessment, Question, Questionnaire, StoredAnswer
from assessment.workflows import answer_inputs, stored_answers


def next_page_url(assessment: Assessment, respondent=None) -> str:
    """The first page with an open question, or the finish page."""
    content = assessment.questionnaire.content()
    done = scoring.progress(content.spec, answer_inputs(stored_answers(assessment, respondent)))
    missing = set(done.missing)
    for number, dimension in enumerate(content.dimensions, start=1):
        if any(question.key in missing for question in dimension.question_list):
            return reverse("check_page", args=[assessment.public_id, number])
    return reverse("finish", args=[assessment.public_id])


def carried_from(assessment: Assessment) -> Questionnaire | None:
    """The other instrument (the quick check, say) whose answers this check took over, if the
    carried-over answers come from a check of another questionnaire."""
    if not assessment.previous_id:
        return None
    previous = previous_questionnaire(assessment.public_id, assessment.previous_id)
    if previous is None or previous.key == assessment.questionnaire.key:
        return None
    return previous


@lru_cache(maxsize=4096)
def previous_questionnaire(public_id: uuid.UUID, previous_id: int) -> Questionnaire | None:
    """The questionnaire of the check a reassessment took its answers from, remembered per
    process: every page of a reassessment with answers still to confirm asked for it again.

    It cannot change. A check keeps its questionnaire, and a questionnaire in use is never
    changed or replaced (questionnaire_file.load_content); if the earlier check is deleted,
    the reassessment's `previous_id` becomes NULL, so the key (the reassessment's public id
    with the id of its earlier check) never points at another check.
    """
    return Questionnaire.objects.filter(assessments__pk=previous_id).first()


def page_context(
    assessment: Assessment,
    number: int,
    answers: dict,
    errors: dict[str, str] | None = None,
    *,
    advisor: bool = False,
    left_page: int | None = None,
) -> dict:
    """One page's questions with their answers; with `left_page`, how many questions the page
    the person has just left with "next" still has open."""
    content = assessment.questionnaire.content()
    dimensions = content.dimensions
    dimension = dimensions[number - 1]
    done = scoring.progress(content.spec, answer_inputs(answers))
    left_open = 0
    if left_page is not None and 1 <= left_page <= len(dimensions):
        missing = set(done.missing)
        left_open = sum(
            1 for question in dimensions[left_page - 1].question_list if question.key in missing
        )
    visible = done.visible
    page_keys = {question.key for question in dimension.question_list}
    items = []
    for question in dimension.question_list:
        condition_key = question.condition_question_key
        parent_on_page = condition_key in page_keys
        if condition_key and not parent_on_page and not visible[question.key]:
            continue  # its condition lies on an earlier page and is not met
        answer = answers.get(question.key)
        parent = content.questions.get(condition_key) if condition_key else None
        items.append(
            {
                "question": question,
                "answer": answer,
                "chosen": set(answer.options) if answer else set(),
                "not_applicable": bool(answer and answer.not_applicable),
                "unconfirmed": bool(answer and answer.unconfirmed),
                "note": answer.note if answer else "",
                "note_private": bool(answer and answer.note_private),
                "seen": seen_state(answer, advisor=advisor),
                "input_type": "checkbox" if question.kind == Question.Kind.MULTIPLE else "radio",
                "condition_parent": parent if parent_on_page else None,
                "condition_labels": [
                    option.label
                    for option in (parent.option_list if parent else [])
                    if option.key in question.condition_any_of
                ],
                "hidden": parent_on_page and not visible[question.key],
                "error": (errors or {}).get(question.key),
            }
        )
    # Without JavaScript every question shows; a condition's hint then stands once, on the
    # first of the consecutive questions it covers, and says how many follow (a grid, whose
    # rows share its condition, is one of them).
    run: list[dict] = []
    run_key: tuple | None = None
    for item in [*items, None]:
        key = None
        if item is not None and item["condition_parent"] is not None:
            follower = cast(Question, item["question"])
            key = (follower.condition_question_key, tuple(follower.condition_any_of))
        if run and key != run_key:
            run[0]["condition_hint"] = len(
                {member["question"].grid_id or f"question {n}" for n, member in enumerate(run)}
            )
            run = []
        if item is None:
            break
        item["condition_hint"] = 0
        if key is not None:
            run.append(item)
            run_key = key
    unconfirmed_count = sum(1 for item in items if item["unconfirmed"])
    return {
        "assessment": assessment,
        "dimension": dimension,
        "items": items,
        "number": number,
        "page_count": len(dimensions),
        "answered": done.answered,
        "applicable": done.applicable,
        "percent": round(100 * done.completeness),
        "unconfirmed_count": unconfirmed_count,
        "carried_from": carried_from(assessment) if unconfirmed_count else None,
        "left_page": left_page if left_open else None,
        "left_open": left_open,
        "not_applicable_value": NOT_APPLICABLE,
        "max_note_length": MAX_NOTE_LENGTH,
    }


def form_state(values: Iterable[str], note: str | None, note_private: bool | None) -> str:
    """A short digest of one question's form fields, to tell which ones a person changed."""
    if note is not None:
        note = note.replace("\r\n", "\n").strip()
    state = json.dumps([sorted(values), note, note_private])
    return hashlib.sha256(state.encode("utf-8")).hexdigest()[:16]


def seen_state(answer: StoredAnswer | None, *, advisor: bool) -> str:
    """`form_state` of the fields as the page shows them, before anybody touches them."""
    if answer is None:
        values: list[str] = []
    else:
        values = [NOT_APPLICABLE] if answer.not_applicable else list(answer.options)
    note_shown = advisor or not (answer and answer.note_private)
    return form_state(
        values,
        (answer.note if answer else "") if note_shown else None,
        bool(answer and answer.note_private) if advisor else None,
    )


def is_advisor(request: HttpRequest, assessment: Assessment) -> bool:
    """A consultant of the company in a consultant-led check: may keep notes private."""
    if assessment.mode != Assessment.Mode.CONSULTANT or not request.user.is_authenticated:
        return False
    return assessment.company.memberships.filter(user=request.user, role="consultant").exists()


def page_changes(
    request: HttpRequest, questions: list[Question], answers: dict, *, advisor: bool
) -> tuple[list[AnswerChange], dict[str, str]]:
    """The answers a page form sent, checked; questions the form did not show are left alone.

    So are questions the person left as the page showed them: an answer given meanwhile in
    another tab, or by someone else, is not overwritten with what this page showed before.
    Carried-over answers are the exception, because saving the page confirms them.
    Only the consultant decides which notes are private, and only they change a private note.
    """
    shown = set(request.POST.getlist("shown"))
    changes, errors = [], {}
    for question in questions:
        if question.key not in shown:
            continue
        values = request.POST.getlist(f"q-{question.key}")
        note = request.POST.get(f"note-{question.key}")
        note_private = (
            request.POST.get(f"note-private-{question.key}") == "1"
            if f"note-private-field-{question.key}" in request.POST
            else None
        )
        stored = answers.get(question.key)
        if not advisor:
            note_private = None
            if stored is not None and stored.note_private:
                note = None
        seen = request.POST.get(f"seen-{question.key}")
        # A tick list with `empty: zero` that was shown and saved with nothing ticked is an
        # answer worth 0, although its fields are just as the page showed them.
        empty_answer = question.empty_zero and stored is None and not values
        if (
            seen == form_state(values, note, note_private)
            and not (stored and stored.unconfirmed)
            and not empty_answer
        ):
            continue
        clears_list = question.kind == Question.Kind.MULTIPLE and (
            (stored and not stored.not_applicable) or empty_answer
        )
        if not values and not clears_list:
            # An untouched radio group keeps its answer and only takes a changed note.
            note_changed = stored is not None and (
                (note is not None and note.strip() != stored.note)
                or (note_private is not None and note_private != stored.note_private)
            )
            if stored is None or not note_changed:
                if problem := note_problem(note):
                    errors[question.key] = problem
                continue
            values = [NOT_APPLICABLE] if stored.not_applicable else list(stored.options)
        parsed = parse_answer(question, values, note, note_private)
        if isinstance(parsed, str):
            errors[question.key] = parsed
        else:
            changes.append(parsed)
    return without_hidden_empty_answers(changes, answers), errors


def without_hidden_empty_answers(
    changes: list[AnswerChange], answers: dict[str, StoredAnswer]
) -> list[AnswerChange]:
    """Drop new empty answers to `empty: zero` lists that their condition hides.

    Such a list is on the page but switched off; saving the page must not record a zero
    that would count once the condition is met and the person has never seen the list.
    """
    candidates = [
        change
        for change in changes
        if change.question.empty_zero
        and not change.options
        and not change.not_applicable
        and answers.get(change.question.key) is None
    ]
    if not candidates:
        return changes
    questionnaire = Questionnaire.objects.get(pk=candidates[0].question.questionnaire_id)
    inputs = answer_inputs(answers)
    for change in changes:
        inputs[change.question.key] = scoring.AnswerInput(
            options=change.options, not_applicable=change.not_applicable
        )
    visible = scoring.visibility(questionnaire.content().spec, inputs)
    hidden = {change.question.key for change in candidates if not visible[change.question.key]}
    return [change for change in changes if change.question.key not in hidden]
