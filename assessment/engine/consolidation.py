"""Several people answered the same check: where they agree, where not, and a proposal.

Pure: plain data in, plain data out. An answer's "level" is its step on the question's own
ladder: the rank of its points among the options (single choice), its position (scale), or a
quarter step of its score (tick-all-that-apply lists). Two levels or more between the
answers of a question count as disagreement: that is where a workshop has something to talk
about.

A proposal is what more than half of them said; answers are never averaged (see `proposal`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assessment.engine.scoring import AnswerInput, QuestionSpec, effective_options, question_score

DISAGREEMENT_LEVELS = 2
LIST_STEPS = 4


def level(question: QuestionSpec, answer: AnswerInput | None) -> int | None:
    """The answer's step on the question's ladder, or None for no answer or not applicable."""
    if answer is None or answer.not_applicable:
        return None
    chosen = effective_options(question, answer)
    if not chosen:
        # A list saved with nothing ticked is the bottom step where it counts as 0.
        return 0 if question_score(question, answer) == 0.0 else None
    if question.kind == "scale":
        return next(i for i, option in enumerate(question.options) if option.key == chosen[0])
    if question.kind == "single":
        ladder = sorted({option.points for option in question.options})
        points = next(option.points for option in question.options if option.key == chosen[0])
        return ladder.index(points)
    score = question_score(question, answer)
    return None if score is None else round(score * LIST_STEPS)


@dataclass(frozen=True)
class QuestionAgreement:
    key: str
    levels: tuple[int | None, ...]  # one per respondent, in the order given
    spread: int
    disagreement: bool
    proposal: AnswerInput | None
    unanimous: bool


def agreement(question: QuestionSpec, answers: Sequence[AnswerInput | None]) -> QuestionAgreement:
    levels = tuple(level(question, answer) for answer in answers)
    known = [value for value in levels if value is not None]
    spread = max(known) - min(known) if known else 0
    return QuestionAgreement(
        key=question.key,
        levels=levels,
        spread=spread,
        disagreement=spread >= DISAGREEMENT_LEVELS,
        proposal=proposal(question, answers, known),
        unanimous=is_unanimous(question, answers),
    )


def proposal(
    question: QuestionSpec, answers: Sequence[AnswerInput | None], known: list[int]
) -> AnswerInput | None:
    """What a strict majority of those who answered said, or None (the row is flagged).

    Categorical answers are never averaged: "no website of our own" and "we change it
    ourselves" do not make "with some effort". A single-choice answer (or "does not apply")
    needs more than half of the answers; a tick list takes each option ticked by more than
    half; a scale without a majority proposes its median position (the lower one of two).
    """
    given = [answer for answer in answers if answer is not None]
    if not given:
        return None
    majority = len(given) // 2 + 1
    not_applicable = sum(1 for answer in given if answer.not_applicable)
    if not_applicable >= majority:
        return AnswerInput(not_applicable=True) if question.allow_na else None
    if question.kind == "multiple":
        chosen = tuple(
            option.key
            for option in question.options
            if sum(
                option.key in effective_options(question, a) for a in given if not a.not_applicable
            )
            >= majority
        )
        if chosen:
            return AnswerInput(options=chosen)
        # A tick list where "nothing ticked" is an answer: proposed when most left it empty.
        empty = sum(1 for a in given if not a.not_applicable and not effective_options(question, a))
        return AnswerInput() if question.empty_zero and empty >= majority else None
    firsts = [effective_options(question, a)[:1] for a in given if not a.not_applicable]
    for option in question.options:
        if sum(1 for chosen in firsts if chosen == (option.key,)) >= majority:
            return AnswerInput(options=(option.key,))
    if question.kind == "scale" and known:
        median = sorted(known)[(len(known) - 1) // 2]
        return AnswerInput(options=(question.options[median].key,))
    return None


def is_unanimous(question: QuestionSpec, answers: Sequence[AnswerInput | None]) -> bool:
    """Everyone who answered gave the same answer (at least two people answered)."""
    given = [
        (answer.not_applicable, tuple(sorted(effective_options(question, answer))))
        for answer in answers
        if answer is not None
    ]
    return len(given) >= 2 and len(set(given)) == 1


def team_agreement(
    questions: Sequence[QuestionSpec],
    answers_by_respondent: Mapping[str, Mapping[str, AnswerInput]],
) -> dict[str, QuestionAgreement]:
    """Agreement for every question, respondents in the mapping's order."""
    names = list(answers_by_respondent)
    return {
        question.key: agreement(
            question, [answers_by_respondent[name].get(question.key) for name in names]
        )
        for question in questions
        if question.scored
    }
