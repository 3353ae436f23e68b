"""Property tests for the format features of the scoring engine: question groups with fixed
shares, tick lists where an empty answer is worth zero, and bands on whole points."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.engine.scoring import (
    AnswerInput,
    BandSpec,
    DimensionSpec,
    GroupSpec,
    OptionSpec,
    QuestionnaireSpec,
    QuestionSpec,
    score,
    whole_points,
)

STEPS = 5
SCALE = tuple(OptionSpec(key=f"s{i}", points=i) for i in range(STEPS + 1))
BANDS = (BandSpec("low", 0, 50), BandSpec("high", 50, 100))

# One question as drawn: its step (0..5) or None for "does not apply", and its weight.
question_draw = st.tuples(
    st.one_of(st.none(), st.integers(0, STEPS)), st.sampled_from([0.5, 1.0, 2.0, 3.0])
)
group_draw = st.lists(question_draw, min_size=1, max_size=6)


def scale_question(key: str, group: str, weight: float) -> QuestionSpec:
    return QuestionSpec(
        key=key,
        dimension="dim",
        kind="scale",
        options=SCALE,
        weight=weight,
        allow_na=True,
        group=group,
    )


def grouped(groups: dict[str, tuple[float, list]]) -> tuple[QuestionnaireSpec, dict]:
    """A one-dimension spec with the given groups: key -> (weight, drawn questions)."""
    questions, answers = [], {}
    for group, (_, drawn) in groups.items():
        for index, (step, weight) in enumerate(drawn):
            key = f"{group}_{index}"
            questions.append(scale_question(key, group, weight))
            answers[key] = (
                AnswerInput(not_applicable=True)
                if step is None
                else AnswerInput(options=(f"s{step}",))
            )
    dimension = DimensionSpec(
        key="dim",
        groups=tuple(GroupSpec(key=g, weight=weight) for g, (weight, _) in groups.items()),
    )
    return QuestionnaireSpec((dimension,), tuple(questions), BANDS), answers


def group_mean(drawn: list) -> float | None:
    applicable = [(step, weight) for step, weight in drawn if step is not None]
    if not applicable:
        return None
    return sum(weight * step / STEPS for step, weight in applicable) / sum(
        weight for _, weight in applicable
    )


def contribution(result, prefix: str) -> float:
    return sum(q.dimension_contribution for q in result.questions if q.key.startswith(prefix))


@settings(max_examples=200, deadline=None)
@given(
    first=group_draw,
    second=group_draw,
    added=group_draw,
    weights=st.tuples(st.sampled_from([1, 10, 50]), st.sampled_from([1, 10, 50])),
)
def test_a_groups_share_stays_fixed_when_questions_are_added_to_another(
    first, second, added, weights
):
    before_spec, before_answers = grouped({"a": (weights[0], first), "b": (weights[1], second)})
    after_spec, after_answers = grouped(
        {"a": (weights[0], first + added), "b": (weights[1], second)}
    )
    before, after = score(before_spec, before_answers), score(after_spec, after_answers)
    mean_a, mean_a_after, mean_b = group_mean(first), group_mean(first + added), group_mean(second)
    if mean_a is not None and mean_a_after is not None and mean_b is not None:
        # Group b keeps its share of the dimension, however many questions group a holds.
        share_b = weights[1] / (weights[0] + weights[1])
        assert contribution(before, "b_") == pytest.approx(100 * share_b * mean_b)
        assert contribution(after, "b_") == pytest.approx(contribution(before, "b_"))
        assert after.dimension("dim").score == pytest.approx(
            100 * ((1 - share_b) * mean_a_after + share_b * mean_b)
        )


@settings(max_examples=200, deadline=None)
@given(first=group_draw, second=group_draw, weights=st.tuples(st.integers(1, 9), st.integers(1, 9)))
def test_a_group_that_does_not_apply_drops_out_and_the_others_share_its_weight(
    first, second, weights
):
    all_na = [(None, weight) for _, weight in first]
    spec, answers = grouped({"a": (weights[0], all_na), "b": (weights[1], second)})
    result = score(spec, answers)
    mean_b = group_mean(second)
    if mean_b is None:
        assert result.dimension("dim").score is None
    else:
        assert result.dimension("dim").score == pytest.approx(100 * mean_b)
    # Partly "does not apply": the group keeps its whole share.
    spec, answers = grouped({"a": (weights[0], first), "b": (weights[1], second)})
    mean_a = group_mean(first)
    if mean_a is not None and mean_b is not None:
        share_a = weights[0] / sum(weights)
        assert score(spec, answers).dimension("dim").score == pytest.approx(
            100 * (share_a * mean_a + (1 - share_a) * mean_b)
        )


@settings(max_examples=100, deadline=None)
@given(drawn=group_draw)
def test_a_dimension_without_groups_scores_as_before(drawn):
    """Without groups the dimension is the weighted mean of its questions, bit for bit."""
    spec, answers = grouped({"": (1.0, drawn)})
    spec = QuestionnaireSpec(
        (DimensionSpec(key="dim"),), tuple(q for q in spec.questions), spec.bands
    )
    applicable = [(step, weight) for step, weight in drawn if step is not None]
    expected = None
    if applicable:
        weighted = 0.0
        weights = 0.0
        for step, weight in applicable:
            weighted += weight * (step / STEPS)
            weights += weight
        expected = 100.0 * weighted / weights
    assert score(spec, answers).dimension("dim").score == expected


def tick_list(empty_zero: bool) -> QuestionnaireSpec:
    question = QuestionSpec(
        key="areas",
        dimension="dim",
        kind="multiple",
        options=(OptionSpec("a", 1), OptionSpec("b", 1), OptionSpec("none", 0, exclusive=True)),
        empty_zero=empty_zero,
        allow_na=True,
    )
    return QuestionnaireSpec((DimensionSpec("dim"),), (question,), BANDS)


@given(chosen=st.sets(st.sampled_from(["a", "b"])))
def test_an_empty_zero_list_scores_its_ticks_and_zero_when_saved_empty(chosen):
    result = score(tick_list(True), {"areas": AnswerInput(options=tuple(sorted(chosen)))})
    assert result.question("areas").score == pytest.approx(len(chosen) / 2)
    assert result.question("areas").status == "answered"
    assert result.complete
    assert result.dimension("dim").score == pytest.approx(50 * len(chosen))


def test_an_empty_list_is_open_by_default_and_when_never_saved():
    empty = {"areas": AnswerInput(options=())}
    assert score(tick_list(False), empty).question("areas").status == "unanswered"
    assert score(tick_list(False), empty).missing == ("areas",)
    never_saved = score(tick_list(True), {})
    assert never_saved.question("areas").status == "unanswered"
    assert never_saved.dimension("dim").score is None
    not_applicable = score(tick_list(True), {"areas": AnswerInput(not_applicable=True)})
    assert not_applicable.question("areas").status == "not_applicable"
    assert not_applicable.dimension("dim").score is None


def test_an_empty_zero_answer_has_the_whole_question_as_lever():
    result = score(tick_list(True), {"areas": AnswerInput(options=())})
    assert result.question("areas").dimension_lever == pytest.approx(100.0)
    assert result.overall == 0.0


def whole_point_spec(points: float) -> QuestionnaireSpec:
    question = QuestionSpec(
        key="q",
        dimension="dim",
        kind="single",
        options=(OptionSpec("low", points), OptionSpec("top", 100)),
    )
    bands = (
        BandSpec("start", 0, 25),
        BandSpec("basic", 26, 50),
        BandSpec("good", 51, 75),
        BandSpec("best", 76, 100),
    )
    return QuestionnaireSpec((DimensionSpec("dim"),), (question,), bands, whole_point_bands=True)


@pytest.mark.parametrize(
    ("points", "shown", "level"),
    [
        (25.0, 25, "start"),
        (25.49, 25, "start"),
        (25.5, 26, "basic"),
        (50.5, 51, "good"),
        (75.4, 75, "good"),
        (75.5, 76, "best"),
        (0.0, 0, "start"),
        (100.0, 100, "best"),
    ],
)
def test_whole_point_bands_take_the_score_rounded_half_up(points, shown, level):
    result = score(whole_point_spec(points), {"q": AnswerInput(options=("low",))})
    assert whole_points(result.overall) == shown
    assert result.level == level
    assert result.dimension("dim").level == level


@given(st.decimals(min_value=0, max_value=100, places=4))
def test_whole_points_round_half_up_like_the_pages(value):
    expected = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert whole_points(float(value)) == expected


@given(st.integers(0, 1000))
def test_the_level_on_whole_points_is_the_band_of_the_shown_number(tenths):
    spec = whole_point_spec(tenths / 10)
    result = score(spec, {"q": AnswerInput(options=("low",))})
    shown = whole_points(result.overall)
    expected = next(band.key for band in spec.bands if band.lower <= shown <= band.upper)
    assert result.level == expected


def test_whole_points_round_up_a_float_a_hair_below_the_half():
    assert repr(0.285 * 100) == "28.499999999999996"  # the float arithmetic gives for 28.5
    assert whole_points(0.285 * 100) == 29


def test_consolidation_counts_an_empty_zero_list_as_the_bottom_step():
    from dataclasses import replace

    from assessment.engine.consolidation import agreement

    question = replace(
        tick_list(True).questions[0], options=tick_list(True).questions[0].options[:2]
    )
    empty, both = AnswerInput(options=()), AnswerInput(options=("a", "b"))
    result = agreement(question, [empty, both, empty])
    assert result.levels == (0, 4, 0)
    assert result.disagreement
    assert result.proposal == AnswerInput(options=())  # most ticked nothing: worth 0
    ordinary = replace(question, empty_zero=False)
    assert agreement(ordinary, [empty, both, empty]).levels == (None, 4, None)
    assert agreement(ordinary, [empty, both, empty]).proposal is None
