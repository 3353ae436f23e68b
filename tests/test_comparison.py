"""Comparing assessments: deltas are exactly the difference of the two results."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.engine.comparison import AnswerState, Snapshot, compare
from assessment.engine.scoring import score
from tests.test_scoring import answer_sets, questionnaires


def snapshot(spec, answers) -> Snapshot:
    result = score(spec, answers).to_dict()
    states = {k: AnswerState(tuple(a.options), a.not_applicable) for k, a in answers.items()}
    return Snapshot.from_result(result, states, frozenset(q.key for q in spec.questions))


@st.composite
def spec_and_two_answer_sets(draw):
    spec = draw(questionnaires())
    return spec, draw(answer_sets(spec)), draw(answer_sets(spec))


@settings(max_examples=200, deadline=None)
@given(spec_and_two_answer_sets())
def test_deltas_equal_the_difference_of_the_two_results(case):
    spec, first, second = case
    before, after = snapshot(spec, first), snapshot(spec, second)
    comparison = compare(before, after)
    result_before, result_after = score(spec, first), score(spec, second)
    for dimension in spec.dimensions:
        delta = comparison.dimension(dimension.key).delta
        a, b = (
            result_before.dimension(dimension.key).score,
            result_after.dimension(dimension.key).score,
        )
        if a is None or b is None:
            assert delta is None
        else:
            assert delta == pytest.approx(b - a)
    if result_before.overall is None or result_after.overall is None:
        assert comparison.overall_delta is None
    else:
        assert comparison.overall_delta == pytest.approx(
            result_after.overall - result_before.overall
        )


@settings(max_examples=200, deadline=None)
@given(spec_and_two_answer_sets())
def test_changed_answers_are_exactly_those_that_differ(case):
    spec, first, second = case
    comparison = compare(snapshot(spec, first), snapshot(spec, second))
    changed = {item.key for item in comparison.changed}

    def norm(answer):
        if answer is None or (not answer.options and not answer.not_applicable):
            return None
        return ("n/a",) if answer.not_applicable else tuple(sorted(answer.options))

    expected = {q.key for q in spec.questions if norm(first.get(q.key)) != norm(second.get(q.key))}
    assert changed == expected


@settings(max_examples=100, deadline=None)
@given(spec_and_two_answer_sets())
def test_an_assessment_compared_with_itself_has_no_changes(case):
    spec, first, _second = case
    comparison = compare(snapshot(spec, first), snapshot(spec, first))
    assert comparison.changed == ()
    assert all(d.delta in (None, 0.0) for d in comparison.dimensions)


def test_questions_in_only_one_version_are_listed():
    before = Snapshot(None, {}, {}, {}, frozenset({"a", "old"}))
    after = Snapshot(None, {}, {}, {}, frozenset({"a", "new"}))
    comparison = compare(before, after)
    assert comparison.only_before == ("old",)
    assert comparison.only_after == ("new",)
