"""Comparing two assessments of one company: plain data in, plain data out.

Questions and dimensions are matched by their stable keys, so assessments on different
questionnaire versions compare too; what exists in only one of them is listed as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class AnswerState:
    options: tuple[str, ...] = ()
    not_applicable: bool = False


@dataclass(frozen=True)
class Snapshot:
    """One assessment as the comparison sees it."""

    overall: float | None
    dimensions: Mapping[str, float | None]
    question_scores: Mapping[str, float | None]
    answers: Mapping[str, AnswerState]
    question_keys: frozenset[str]

    @classmethod
    def from_result(
        cls,
        result: Mapping,
        answers: Mapping[str, AnswerState],
        question_keys: frozenset[str],
    ) -> Snapshot:
        """Build from a scoring result as stored (`Result.to_dict()`)."""
        return cls(
            overall=result["overall"],
            dimensions={d["key"]: d["score"] for d in result["dimensions"]},
            question_scores={q["key"]: q["score"] for q in result["questions"]},
            answers=answers,
            question_keys=question_keys,
        )


@dataclass(frozen=True)
class DimensionDelta:
    key: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class ChangedAnswer:
    key: str
    before: AnswerState | None
    after: AnswerState | None
    score_before: float | None
    score_after: float | None


@dataclass(frozen=True)
class Comparison:
    overall_before: float | None
    overall_after: float | None
    dimensions: tuple[DimensionDelta, ...]
    changed: tuple[ChangedAnswer, ...]
    only_before: tuple[str, ...]
    only_after: tuple[str, ...]

    @property
    def overall_delta(self) -> float | None:
        if self.overall_before is None or self.overall_after is None:
            return None
        return self.overall_after - self.overall_before

    def dimension(self, key: str) -> DimensionDelta | None:
        return next((d for d in self.dimensions if d.key == key), None)

    def dimension_delta(self, key: str) -> float | None:
        found = self.dimension(key)
        return None if found is None else found.delta

    def question_delta(self, key: str, before: Snapshot, after: Snapshot) -> float | None:
        a, b = before.question_scores.get(key), after.question_scores.get(key)
        return None if a is None or b is None else b - a


def compare(before: Snapshot, after: Snapshot, *, order: tuple[str, ...] = ()) -> Comparison:
    """Deltas are `after - before`; `order` lists question keys in display order."""
    dimension_keys = list(after.dimensions) + [
        k for k in before.dimensions if k not in after.dimensions
    ]
    shared = before.question_keys & after.question_keys
    ordered = list(dict.fromkeys(key for key in order if key in shared))
    ordered += sorted(shared.difference(ordered))
    changed = []
    for key in ordered:
        old, new = before.answers.get(key), after.answers.get(key)
        if normalised(old) != normalised(new):
            changed.append(
                ChangedAnswer(
                    key=key,
                    before=old,
                    after=new,
                    score_before=before.question_scores.get(key),
                    score_after=after.question_scores.get(key),
                )
            )
    return Comparison(
        overall_before=before.overall,
        overall_after=after.overall,
        dimensions=tuple(
            DimensionDelta(key, before.dimensions.get(key), after.dimensions.get(key))
            for key in dimension_keys
        ),
        changed=tuple(changed),
        only_before=tuple(sorted(before.question_keys - after.question_keys)),
        only_after=tuple(sorted(after.question_keys - before.question_keys)),
    )


def normalised(answer: AnswerState | None) -> tuple | None:
    if answer is None or (not answer.options and not answer.not_applicable):
        return None
    if answer.not_applicable:
        return ("n/a",)
    return tuple(sorted(answer.options))
