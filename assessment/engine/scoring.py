"""The scoring engine: plain data in, plain data out. No ORM, no request.

A question's score q lies in [0, 1]. A dimension scores 100 * sum(w * q) / sum(w) over its
applicable answered questions; the overall index is the weighted mean of the dimensions
that have such answers. "Not applicable" and questions hidden by their condition leave
numerator and denominator alike. Levels come from the bands, applied to unrounded scores,
or, for bands written on whole points, to the score rounded half up (`whole_points`), the
same number the pages show.

A dimension may split its questions into groups with fixed shares: each group scores as a
dimension would, and the dimension is the weighted mean of the groups that have applicable
answered questions, so a group's share does not depend on how many questions it holds.

A grid question is a run of row questions that name their grid (`QuestionSpec.grid`) and
carry its weight. The grid scores as the mean of its answered rows: each answered row counts
with the grid's weight divided by the number of answered rows of that grid, so the grid
weighs as one question however many rows it has; rows that do not apply or are hidden drop
out. Completeness counts rows: each row is one answer to give.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Literal

QuestionKind = Literal["single", "multiple", "scale"]
QuestionStatus = Literal["answered", "not_applicable", "hidden", "unanswered", "unscored"]


@dataclass(frozen=True)
class OptionSpec:
    key: str
    points: float
    exclusive: bool = False


@dataclass(frozen=True)
class ConditionSpec:
    question: str
    any_of: tuple[str, ...]


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    dimension: str
    kind: QuestionKind
    options: tuple[OptionSpec, ...]
    weight: float = 1.0
    allow_na: bool = False
    scored: bool = True
    max_points: float | None = None
    condition: ConditionSpec | None = None
    # The key of the question's group inside its dimension; "" when the dimension has none.
    group: str = ""
    # A tick list saved with nothing ticked scores 0 instead of staying unanswered.
    empty_zero: bool = False
    # The key of the grid question this question is a row of; "" for other questions.
    grid: str = ""

    @property
    def top_points(self) -> float:
        """The points that make q = 1."""
        if self.kind == "multiple":
            if self.max_points is not None:
                return self.max_points
            return sum(option.points for option in self.options if not option.exclusive)
        return max((option.points for option in self.options), default=0.0)

    def option(self, key: str) -> OptionSpec | None:
        for option in self.options:
            if option.key == key:
                return option
        return None


@dataclass(frozen=True)
class GroupSpec:
    key: str
    weight: float = 1.0


@dataclass(frozen=True)
class DimensionSpec:
    key: str
    weight: float = 1.0
    # Question groups with fixed shares; empty when the dimension's questions are one pool.
    groups: tuple[GroupSpec, ...] = ()


@dataclass(frozen=True)
class BandSpec:
    key: str
    lower: float
    upper: float


@dataclass(frozen=True)
class QuestionnaireSpec:
    """Questions in display order; every condition points at an earlier question."""

    dimensions: tuple[DimensionSpec, ...]
    questions: tuple[QuestionSpec, ...]
    bands: tuple[BandSpec, ...]
    # Bands written on whole points ("from: 26"): band `lower..upper` holds the scores whose
    # whole points (`whole_points`) lie between them, both included.
    whole_point_bands: bool = False

    def band_for(self, score: float | None) -> str | None:
        if score is None:
            return None
        if self.whole_point_bands:
            points = whole_points(score)
            for band in self.bands:
                if band.lower <= points <= band.upper:
                    return band.key
            return self.bands[-1].key if self.bands else None
        for band in self.bands:
            if band.lower <= score < band.upper:
                return band.key
        # The last band includes its upper bound (100).
        if self.bands and score >= self.bands[-1].upper:
            return self.bands[-1].key
        return self.bands[0].key if self.bands else None


def whole_points(score: float) -> int:
    """A score as the whole number the pages show: rounded half up (25.5 -> 26).

    The same rule as Django's `floatformat:0`. The score is first cut to nine decimals so
    that a float a hair below a half (25.499999999999996 for an exact 25.5) still rounds up.
    """
    exact = Decimal(repr(round(score, 9)))
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class AnswerInput:
    """What one respondent said to one question: chosen option keys, or not applicable."""

    options: tuple[str, ...] = ()
    not_applicable: bool = False


@dataclass(frozen=True)
class QuestionResult:
    key: str
    dimension: str
    status: QuestionStatus
    score: float | None
    # The weight the question counts with: for an answered grid row, the grid's weight
    # divided by the number of answered rows of its grid.
    weight: float
    # Points this question adds to its dimension score and to the overall index as answered.
    dimension_contribution: float
    overall_contribution: float
    # Points the dimension and the overall index would gain if this question reached its top.
    dimension_lever: float
    overall_lever: float


@dataclass(frozen=True)
class DimensionResult:
    key: str
    score: float | None
    level: str | None
    weight: float
    applicable: int
    answered: int

    @property
    def completeness(self) -> float:
        return 1.0 if self.applicable == 0 else self.answered / self.applicable


@dataclass(frozen=True)
class Result:
    overall: float | None
    level: str | None
    dimensions: tuple[DimensionResult, ...]
    questions: tuple[QuestionResult, ...]
    applicable: int
    answered: int
    missing: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def completeness(self) -> float:
        return 1.0 if self.applicable == 0 else self.answered / self.applicable

    @cached_property
    def _dimension_index(self) -> dict[str, DimensionResult]:
        return {dimension.key: dimension for dimension in self.dimensions}

    @cached_property
    def _question_index(self) -> dict[str, QuestionResult]:
        return {question.key: question for question in self.questions}

    def dimension(self, key: str) -> DimensionResult | None:
        return self._dimension_index.get(key)

    def question(self, key: str) -> QuestionResult | None:
        return self._question_index.get(key)

    def dimension_score(self, key: str) -> float | None:
        """The dimension's score; None when nothing in it applies (or no such dimension)."""
        found = self.dimension(key)
        return None if found is None else found.score

    def levers(self, limit: int | None = None) -> list[QuestionResult]:
        """Questions ordered by the overall points they would add at their top."""
        candidates = [q for q in self.questions if q.overall_lever > 0]
        candidates.sort(key=lambda q: (-q.overall_lever, q.key))
        return candidates if limit is None else candidates[:limit]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["complete"] = self.complete
        data["completeness"] = self.completeness
        return data


def effective_options(question: QuestionSpec, answer: AnswerInput) -> tuple[str, ...]:
    """The known chosen options, in the question's order; an exclusive option clears the rest."""
    chosen = set(answer.options)
    known = [option for option in question.options if option.key in chosen]
    if question.kind != "multiple":
        return tuple(option.key for option in known[:1])
    exclusive = [option for option in known if option.exclusive]
    if exclusive:
        return (exclusive[0].key,)
    return tuple(option.key for option in known)


def question_score(question: QuestionSpec, answer: AnswerInput) -> float | None:
    """q in [0, 1], or None when the answer holds no usable choice."""
    chosen = effective_options(question, answer)
    if not chosen:
        if question.empty_zero and not answer.options and not answer.not_applicable:
            return 0.0  # shown, saved, nothing ticked: an answer worth nothing
        return None
    top = question.top_points
    if top <= 0:
        return None
    if question.kind == "scale":
        positions = [index for index, option in enumerate(question.options) if option.key in chosen]
        steps = len(question.options) - 1
        return positions[0] / steps if steps > 0 else None
    points = sum(option.points for option in question.options if option.key in chosen)
    return min(points, top) / top


def is_visible(
    question: QuestionSpec,
    answers: Mapping[str, AnswerInput],
    visible: Mapping[str, bool],
    by_key: Mapping[str, QuestionSpec],
) -> bool:
    condition = question.condition
    if condition is None:
        return True
    if not visible.get(condition.question, False):
        return False
    parent_answer = answers.get(condition.question)
    if parent_answer is None or parent_answer.not_applicable:
        return False
    parent = by_key.get(condition.question)
    if parent is None:
        return False
    chosen = set(effective_options(parent, parent_answer))
    return bool(chosen.intersection(condition.any_of))


def visibility(spec: QuestionnaireSpec, answers: Mapping[str, AnswerInput]) -> dict[str, bool]:
    """Which questions are shown, given the answers so far (conditions look backwards)."""
    by_key = {question.key: question for question in spec.questions}
    visible: dict[str, bool] = {}
    for question in spec.questions:
        visible[question.key] = is_visible(question, answers, visible, by_key)
    return visible


# Statuses that count towards completeness: applicable questions, and those of them answered.
APPLICABLE = frozenset({"answered", "unanswered", "not_applicable"})
ANSWERED = frozenset({"answered", "not_applicable"})


def question_statuses(
    spec: QuestionnaireSpec, answers: Mapping[str, AnswerInput], visible: Mapping[str, bool]
) -> tuple[dict[str, QuestionStatus], dict[str, float | None]]:
    """Each question's status and score q (None unless answered)."""
    statuses: dict[str, QuestionStatus] = {}
    scores: dict[str, float | None] = {}
    for question in spec.questions:
        answer = answers.get(question.key)
        status: QuestionStatus
        value: float | None
        if not question.scored:
            status, value = "unscored", None
        elif not visible[question.key]:
            status, value = "hidden", None
        elif answer is not None and answer.not_applicable and question.allow_na:
            status, value = "not_applicable", None
        else:
            value = question_score(question, answer) if answer is not None else None
            status = "answered" if value is not None else "unanswered"
        statuses[question.key] = status
        scores[question.key] = value
    return statuses, scores


@dataclass(frozen=True)
class Progress:
    """How far a set of answers goes, without the scores: what a questionnaire page needs."""

    visible: dict[str, bool]
    applicable: int
    answered: int
    missing: tuple[str, ...]

    @property
    def completeness(self) -> float:
        return 1.0 if self.applicable == 0 else self.answered / self.applicable


def progress(spec: QuestionnaireSpec, answers: Mapping[str, AnswerInput]) -> Progress:
    """Visibility and the answered/applicable counts; the same as `score` gives."""
    visible = visibility(spec, answers)
    statuses, _ = question_statuses(spec, answers, visible)
    return Progress(
        visible=visible,
        applicable=sum(1 for status in statuses.values() if status in APPLICABLE),
        answered=sum(1 for status in statuses.values() if status in ANSWERED),
        missing=tuple(key for key, status in statuses.items() if status == "unanswered"),
    )


def group_shares(
    dimension: DimensionSpec, group_weights: Mapping[tuple[str, str], float]
) -> dict[str, float] | None:
    """Each group's share of its dimension, among the groups with answered questions.

    None for a dimension without groups. A group with nothing answered (all "does not
    apply", hidden or open) drops out, and the others share its weight.
    """
    if not dimension.groups:
        return None
    active = [g for g in dimension.groups if group_weights.get((dimension.key, g.key), 0.0) > 0]
    total = sum(group.weight for group in active)
    return {group.key: group.weight / total for group in active} if total > 0 else {}


def effective_weights(
    spec: QuestionnaireSpec, statuses: Mapping[str, QuestionStatus]
) -> dict[str, float]:
    """Each question's weight in its dimension: a grid's answered rows share the grid's."""
    answered_rows: dict[str, int] = {}
    for question in spec.questions:
        if question.grid and statuses[question.key] == "answered":
            answered_rows[question.grid] = answered_rows.get(question.grid, 0) + 1
    return {
        question.key: (
            question.weight / answered_rows[question.grid]
            if question.grid and answered_rows.get(question.grid)
            else question.weight
        )
        for question in spec.questions
    }


def score(spec: QuestionnaireSpec, answers: Mapping[str, AnswerInput]) -> Result:
    """Score one set of answers against one questionnaire. Deterministic."""
    visible = visibility(spec, answers)
    statuses, scores = question_statuses(spec, answers, visible)
    weight_of = effective_weights(spec, statuses)

    dimension_totals: dict[str, tuple[float, float]] = {}
    # The same sums per (dimension, group), for dimensions split into groups.
    group_totals: dict[tuple[str, str], tuple[float, float]] = {}
    counts: dict[str, tuple[int, int]] = {}
    for question in spec.questions:
        status = statuses[question.key]
        weighted, weights = dimension_totals.get(question.dimension, (0.0, 0.0))
        group_key = (question.dimension, question.group)
        group_weighted, group_weight_sum = group_totals.get(group_key, (0.0, 0.0))
        applicable, answered = counts.get(question.dimension, (0, 0))
        if status in APPLICABLE:
            applicable += 1
        if status in ANSWERED:
            answered += 1
        score = scores[question.key]
        if status == "answered" and score is not None:
            weight = weight_of[question.key]
            weighted += weight * score
            weights += weight
            group_weighted += weight * score
            group_weight_sum += weight
        dimension_totals[question.dimension] = (weighted, weights)
        group_totals[group_key] = (group_weighted, group_weight_sum)
        counts[question.dimension] = (applicable, answered)

    group_weights = {key: weights for key, (_, weights) in group_totals.items()}
    shares: dict[str, dict[str, float] | None] = {
        dimension.key: group_shares(dimension, group_weights) for dimension in spec.dimensions
    }
    dimension_scores: dict[str, float | None] = {}
    for dimension in spec.dimensions:
        weighted, weights = dimension_totals.get(dimension.key, (0.0, 0.0))
        dimension_shares = shares[dimension.key]
        if dimension_shares is None:
            dimension_scores[dimension.key] = 100.0 * weighted / weights if weights > 0 else None
        elif dimension_shares:
            dimension_scores[dimension.key] = 100.0 * sum(
                share
                * group_totals[(dimension.key, group)][0]
                / group_totals[(dimension.key, group)][1]
                for group, share in dimension_shares.items()
            )
        else:
            dimension_scores[dimension.key] = None

    scored_dimensions = [d for d in spec.dimensions if dimension_scores[d.key] is not None]
    overall_weights = sum(d.weight for d in scored_dimensions)
    overall = (
        sum(d.weight * (dimension_scores[d.key] or 0.0) for d in scored_dimensions)
        / overall_weights
        if overall_weights > 0
        else None
    )
    dimension_weight = {d.key: d.weight for d in spec.dimensions}

    question_results = []
    for question in spec.questions:
        status = statuses[question.key]
        value = scores[question.key]
        dimension_contribution = overall_contribution = 0.0
        dimension_lever = overall_lever = 0.0
        if status == "answered" and value is not None:
            dimension_shares = shares[question.dimension]
            if dimension_shares is None:
                _, weights = dimension_totals[question.dimension]
                factor = 1.0
            else:
                _, weights = group_totals[(question.dimension, question.group)]
                factor = dimension_shares[question.group]
            share = dimension_weight[question.dimension] / overall_weights
            weight = weight_of[question.key]
            dimension_contribution = factor * 100.0 * weight * value / weights
            overall_contribution = dimension_contribution * share
            dimension_lever = factor * 100.0 * weight * (1.0 - value) / weights
            overall_lever = dimension_lever * share
        question_results.append(
            QuestionResult(
                key=question.key,
                dimension=question.dimension,
                status=status,
                score=value,
                weight=weight_of[question.key],
                dimension_contribution=dimension_contribution,
                overall_contribution=overall_contribution,
                dimension_lever=dimension_lever,
                overall_lever=overall_lever,
            )
        )

    dimension_results = tuple(
        DimensionResult(
            key=dimension.key,
            score=dimension_scores[dimension.key],
            level=spec.band_for(dimension_scores[dimension.key]),
            weight=dimension.weight,
            applicable=counts.get(dimension.key, (0, 0))[0],
            answered=counts.get(dimension.key, (0, 0))[1],
        )
        for dimension in spec.dimensions
    )
    missing = tuple(q.key for q in spec.questions if statuses[q.key] == "unanswered")
    return Result(
        overall=overall,
        level=spec.band_for(overall),
        dimensions=dimension_results,
        questions=tuple(question_results),
        applicable=sum(d.applicable for d in dimension_results),
        answered=sum(d.answered for d in dimension_results),
        missing=missing,
    )
