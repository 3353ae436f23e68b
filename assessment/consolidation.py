"""Several people answered the same check: where they agree, where not, and a proposal.

Pure: plain data in, plain data out. An answer's "level" is its step on the question's own
ladder: the rank of its points among the options (single choice), its position (scale), or a
quarter step of its score (tick-all-that-apply lists). Two levels or more between the
answers of a question count as disagreement: that is where a workshop has something to talk
about.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assessment.scoring import AnswerInput, QuestionSpec, effective_options, question_score

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
    )


def proposal(
    question: QuestionSpec, answers: Sequence[AnswerInput | None], known: list[int]
) -> AnswerInput | None:
    """The rounded mean of the team's levels (a majority for lists); N/A if all said so."""
    given = [answer for answer in answers if answer is not None]
    if not given:
        return None
    if not known:
        if question.allow_na and all(answer.not_applicable for answer in given):
            return AnswerInput(not_applicable=True)
        return None
    if question.kind == "multiple":
        counted = [a for a in given if not a.not_applicable]
        chosen = tuple(
            option.key
            for option in question.options
            if not option.exclusive
            and 2 * sum(option.key in effective_options(question, a) for a in counted)
            >= len(counted)
        )
        if chosen:
            return AnswerInput(options=chosen)
        exclusive = next((o.key for o in question.options if o.exclusive), None)
        if exclusive:
            return AnswerInput(options=(exclusive,))
        return AnswerInput() if question.empty_zero else None
    target = round_half_up(sum(known) / len(known))
    if question.kind == "scale":
        return AnswerInput(options=(question.options[target].key,))
    ladder = sorted({option.points for option in question.options})
    points = ladder[min(target, len(ladder) - 1)]
    # Several options can share a step ("no website" and "nobody updates it"): take the one
    # the team chose most often.
    candidates = [option.key for option in question.options if option.points == points]
    first_choices = [effective_options(question, a)[:1] for a in given if not a.not_applicable]
    counts = {key: sum(1 for c in first_choices if c == (key,)) for key in candidates}
    best = max(candidates, key=lambda key: (counts[key], -candidates.index(key)))
    return AnswerInput(options=(best,))


def round_half_up(value: float) -> int:
    return int(value + 0.5)


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
