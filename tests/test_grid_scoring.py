"""Property tests for grid questions in the scoring engine: a grid scores as the mean of its
answered rows, its share does not depend on how many rows it has, and rows that do not apply
(or are hidden) drop out."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.engine.scoring import (
    AnswerInput,
    BandSpec,
    ConditionSpec,
    DimensionSpec,
    OptionSpec,
    QuestionnaireSpec,
    QuestionSpec,
    score,
)

STEPS = 4
SCALE = tuple(OptionSpec(key=f"s{i}", points=i) for i in range(STEPS + 1))
YES_NO = (OptionSpec(key="no", points=0), OptionSpec(key="yes", points=1))
BANDS = (BandSpec("low", 0, 50), BandSpec("high", 50, 100))

# One row as drawn: its step (0..4), None for "does not apply", or "open" (unanswered).
row_draw = st.one_of(st.none(), st.just("open"), st.integers(0, STEPS))
rows_draw = st.lists(row_draw, min_size=1, max_size=8)
# A plain question beside the grid: its step and weight.
plain_draw = st.tuples(st.integers(0, STEPS), st.sampled_from([0.5, 1.0, 3.0]))


def scale_question(key: str, weight: float, grid: str = "", **extra) -> QuestionSpec:
    return QuestionSpec(
        key=key,
        dimension="dim",
        kind="scale",
        options=SCALE,
        weight=weight,
        allow_na=True,
        grid=grid,
        **extra,
    )


def answer(step) -> AnswerInput | None:
    if step == "open":
        return None
    if step is None:
        return AnswerInput(not_applicable=True)
    return AnswerInput(options=(f"s{step}",))


def instrument(rows: list, grid_weight: float, plain: list) -> tuple[QuestionnaireSpec, dict]:
    """One dimension: plain questions, then a grid of `rows` with `grid_weight`."""
    questions, answers = [], {}
    for index, (step, weight) in enumerate(plain):
        questions.append(scale_question(f"plain_{index}", weight))
        answers[f"plain_{index}"] = answer(step)
    for index, step in enumerate(rows):
        questions.append(scale_question(f"row_{index}", grid_weight, grid="grid"))
        if (given_answer := answer(step)) is not None:
            answers[f"row_{index}"] = given_answer
    spec = QuestionnaireSpec((DimensionSpec(key="dim"),), tuple(questions), BANDS)
    return spec, answers


def row_mean(rows: list) -> float | None:
    answered = [step for step in rows if isinstance(step, int)]
    return sum(step / STEPS for step in answered) / len(answered) if answered else None


@settings(max_examples=200, deadline=None)
@given(
    rows=rows_draw,
    grid_weight=st.sampled_from([0.5, 1.0, 2.0, 5.0]),
    plain=st.lists(plain_draw, max_size=4),
)
def test_a_grid_scores_as_the_mean_of_its_answered_rows(rows, grid_weight, plain):
    spec, answers = instrument(rows, grid_weight, plain)
    result = score(spec, answers)
    mean = row_mean(rows)
    weighted = sum(weight * step / STEPS for step, weight in plain)
    weights = sum(weight for _, weight in plain)
    if mean is not None:
        # The grid counts as one question of the grid's weight whose score is the row mean.
        weighted += grid_weight * mean
        weights += grid_weight
    expected = 100 * weighted / weights if weights else None
    assert result.dimension("dim").score == pytest.approx(expected)
    grid_rows = [q for q in result.questions if q.key.startswith("row_")]
    if mean is not None:
        assert sum(q.dimension_contribution for q in grid_rows) == pytest.approx(
            100 * grid_weight * mean / weights
        )
        answered = sum(1 for step in rows if isinstance(step, int))
        for question in grid_rows:
            if question.status == "answered":
                assert question.weight == pytest.approx(grid_weight / answered)
    else:
        assert all(q.dimension_contribution == 0 for q in grid_rows)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.integers(0, STEPS), min_size=1, max_size=6),
    more=st.lists(st.integers(0, STEPS), min_size=1, max_size=6),
    plain=st.lists(plain_draw, min_size=1, max_size=4),
)
def test_a_grids_share_does_not_change_with_the_number_of_its_rows(rows, more, plain):
    """The plain questions keep their contribution, whatever number of rows the grid has;
    with every row at the same step, the dimension score does not move at all."""
    before = score(*instrument(rows, 2.0, plain))
    after = score(*instrument(rows + more, 2.0, plain))

    def plain_part(result) -> float:
        return sum(q.dimension_contribution for q in result.questions if q.key.startswith("plain"))

    total_weight = 2.0 + sum(weight for _, weight in plain)
    assert plain_part(before) == pytest.approx(
        100 * sum(weight * step / STEPS for step, weight in plain) / total_weight
    )
    assert plain_part(after) == pytest.approx(plain_part(before))
    same = [rows[0]] * len(rows)
    assert score(*instrument(same, 2.0, plain)).dimension("dim").score == pytest.approx(
        score(*instrument(same + [rows[0]] * len(more), 2.0, plain)).dimension("dim").score
    )


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.integers(0, STEPS), min_size=1, max_size=6), dropped=st.integers(1, 4))
def test_rows_that_do_not_apply_drop_out_of_the_mean(rows, dropped):
    with_na = score(*instrument(rows + [None] * dropped, 1.0, []))
    without = score(*instrument(rows, 1.0, []))
    assert with_na.dimension("dim").score == pytest.approx(without.dimension("dim").score)
    assert with_na.dimension("dim").score == pytest.approx(100 * row_mean(rows))
    # Every row is an answer to give: "does not apply" rows count as answered.
    assert (with_na.applicable, with_na.answered) == (len(rows) + dropped,) * 2


def test_a_grid_with_no_answered_row_contributes_nothing():
    spec, answers = instrument([None, "open", None], 3.0, [(2, 1.0)])
    result = score(spec, answers)
    assert result.dimension("dim").score == pytest.approx(50.0)
    assert result.applicable == 4 and result.answered == 3
    assert result.missing == ("row_1",)


def test_open_rows_count_for_completeness_one_by_one():
    result = score(*instrument([1, "open", "open", 4], 1.0, []))
    assert (result.applicable, result.answered) == (4, 2)
    assert result.missing == ("row_1", "row_2")


def test_hidden_rows_drop_out_with_the_grid_condition():
    gate = QuestionSpec(key="gate", dimension="dim", kind="single", options=YES_NO, scored=False)
    condition = ConditionSpec(question="gate", any_of=("yes",))
    rows = tuple(
        scale_question(f"row_{index}", 2.0, grid="grid", condition=condition) for index in range(3)
    )
    plain = scale_question("plain", 1.0)
    spec = QuestionnaireSpec((DimensionSpec(key="dim"),), (gate, plain, *rows), BANDS)
    answers = {
        "plain": AnswerInput(options=("s2",)),
        "row_0": AnswerInput(options=("s4",)),
        "row_1": AnswerInput(options=("s0",)),
    }
    hidden = score(spec, {**answers, "gate": AnswerInput(options=("no",))})
    assert hidden.dimension("dim").score == pytest.approx(50.0)
    assert {q.status for q in hidden.questions if q.key.startswith("row")} == {"hidden"}
    shown = score(spec, {**answers, "gate": AnswerInput(options=("yes",))})
    # plain 0.5 (weight 1) and the grid's mean 0.5 of two answered rows (weight 2).
    assert shown.dimension("dim").score == pytest.approx(50.0)
    assert shown.missing == ("row_2",)
    shown = score(
        spec, {**answers, "row_1": AnswerInput(options=("s4",)), "gate": AnswerInput(("yes",))}
    )
    assert shown.dimension("dim").score == pytest.approx(100 * (0.5 + 2 * 1.0) / 3)


def test_a_rows_lever_is_its_share_of_the_grid():
    result = score(*instrument([0, 4], 2.0, [(4, 2.0)]))
    row = result.question("row_0")
    # The grid weighs 2 of 4; row_0 is half of the grid: raising it to the top adds 25 points.
    assert row.dimension_lever == pytest.approx(25.0)
    assert result.question("row_1").dimension_lever == 0
    assert result.dimension("dim").score == pytest.approx(75.0)


def test_two_grids_are_scored_apart():
    first = [scale_question(f"a_{i}", 1.0, grid="a") for i in range(2)]
    second = [scale_question(f"b_{i}", 1.0, grid="b") for i in range(3)]
    spec = QuestionnaireSpec((DimensionSpec(key="dim"),), (*first, *second), BANDS)
    answers = {
        "a_0": AnswerInput(options=("s4",)),
        "a_1": AnswerInput(options=("s4",)),
        "b_0": AnswerInput(options=("s0",)),
        "b_1": AnswerInput(options=("s0",)),
        "b_2": AnswerInput(options=("s0",)),
    }
    assert score(spec, answers).dimension("dim").score == pytest.approx(50.0)
