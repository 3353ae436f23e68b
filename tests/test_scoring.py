import json
import math

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
    progress,
    score,
    visibility,
)

BANDS = (
    BandSpec("low", 0, 40),
    BandSpec("mid", 40, 70),
    BandSpec("high", 70, 100),
)


def single(key: str, dimension: str, points=(0, 1, 2, 3), **extra) -> QuestionSpec:
    options = tuple(OptionSpec(f"o{p}", p) for p in points)
    return QuestionSpec(key=key, dimension=dimension, kind="single", options=options, **extra)


def spec_of(*questions: QuestionSpec, weights: dict[str, float] | None = None) -> QuestionnaireSpec:
    dimension_keys = list(dict.fromkeys(q.dimension for q in questions))
    weights = weights or {}
    return QuestionnaireSpec(
        dimensions=tuple(DimensionSpec(key, weights.get(key, 1.0)) for key in dimension_keys),
        questions=tuple(questions),
        bands=BANDS,
    )


def pick(*keys: str) -> AnswerInput:
    return AnswerInput(options=keys)


NA = AnswerInput(not_applicable=True)


def test_single_choice_scores_points_over_the_highest_option():
    spec = spec_of(single("a", "web"))
    result = score(spec, {"a": pick("o2")})
    assert result.question("a").score == pytest.approx(2 / 3)
    assert result.dimension("web").score == pytest.approx(200 / 3)
    assert result.overall == pytest.approx(200 / 3)


def test_multiple_choice_is_a_fraction_of_the_list_without_a_cap():
    question = QuestionSpec(
        key="m",
        dimension="d",
        kind="multiple",
        options=(
            OptionSpec("a", 1),
            OptionSpec("b", 2),
            OptionSpec("c", 1),
            OptionSpec("none", 0, exclusive=True),
        ),
    )
    result = score(spec_of(question), {"m": pick("a", "b")})
    assert result.question("m").score == pytest.approx(3 / 4)


def test_multiple_choice_with_cap_reaches_the_top_before_ticking_everything():
    question = QuestionSpec(
        key="m",
        dimension="d",
        kind="multiple",
        max_points=2,
        options=(OptionSpec("a", 1), OptionSpec("b", 1), OptionSpec("c", 1)),
    )
    spec = spec_of(question)
    assert score(spec, {"m": pick("a")}).question("m").score == pytest.approx(0.5)
    assert score(spec, {"m": pick("a", "b", "c")}).question("m").score == 1.0


def test_exclusive_option_clears_the_other_choices():
    question = QuestionSpec(
        key="m",
        dimension="d",
        kind="multiple",
        options=(OptionSpec("a", 1), OptionSpec("b", 1), OptionSpec("none", 0, exclusive=True)),
    )
    result = score(spec_of(question), {"m": pick("a", "b", "none")})
    assert result.question("m").score == 0.0
    assert result.question("m").status == "answered"


def test_scale_scores_position_over_top():
    question = QuestionSpec(
        key="s",
        dimension="d",
        kind="scale",
        options=tuple(OptionSpec(f"s{i}", i) for i in range(5)),
    )
    assert score(spec_of(question), {"s": pick("s3")}).question("s").score == pytest.approx(0.75)


def test_not_applicable_leaves_numerator_and_denominator():
    spec = spec_of(single("a", "d"), single("b", "d", allow_na=True))
    only_a = score(spec, {"a": pick("o3")})
    with_na = score(spec, {"a": pick("o3"), "b": NA})
    assert with_na.dimension("d").score == 100.0
    assert only_a.dimension("d").score == 100.0
    assert with_na.complete and not only_a.complete


def test_not_applicable_is_ignored_where_the_question_does_not_allow_it():
    spec = spec_of(single("a", "d"))
    result = score(spec, {"a": NA})
    assert result.question("a").status == "unanswered"
    assert result.missing == ("a",)


def test_hidden_question_counts_neither_for_nor_against():
    gate = QuestionSpec(
        key="sells",
        dimension="stock",
        kind="single",
        scored=False,
        options=(OptionSpec("no", 0), OptionSpec("yes", 0)),
    )
    child = single("stock_known", "stock", condition=ConditionSpec("sells", ("yes",)))
    other = single("web", "web")
    spec = spec_of(gate, child, other)

    result = score(spec, {"sells": pick("no"), "web": pick("o3")})
    assert result.question("stock_known").status == "hidden"
    assert result.dimension("stock").score is None
    assert result.overall == 100.0
    assert result.complete

    shown = score(spec, {"sells": pick("yes"), "web": pick("o3")})
    assert shown.question("stock_known").status == "unanswered"
    assert not shown.complete


def test_condition_on_a_hidden_question_hides_its_children_too():
    gate = single("a", "d", points=(0, 1))
    middle = single("b", "d", points=(0, 1), condition=ConditionSpec("a", ("o1",)))
    leaf = single("c", "d", points=(0, 1), condition=ConditionSpec("b", ("o1",)))
    spec = spec_of(gate, middle, leaf)
    result = score(spec, {"a": pick("o0"), "b": pick("o1"), "c": pick("o1")})
    assert result.question("b").status == "hidden"
    assert result.question("c").status == "hidden"
    assert result.dimension("d").score == 0.0


def test_dimension_and_question_weights():
    spec = spec_of(
        single("a", "web", weight=3),
        single("b", "web"),
        single("c", "money"),
        weights={"web": 1, "money": 3},
    )
    result = score(spec, {"a": pick("o3"), "b": pick("o0"), "c": pick("o0")})
    assert result.dimension("web").score == pytest.approx(75.0)
    assert result.overall == pytest.approx((75.0 * 1 + 0 * 3) / 4)


def test_overall_skips_dimensions_without_applicable_answers():
    spec = spec_of(single("a", "web"), single("b", "money", allow_na=True))
    result = score(spec, {"a": pick("o3"), "b": NA})
    assert result.dimension("money").score is None
    assert result.overall == 100.0


def test_levels_come_from_the_bands_applied_to_unrounded_scores():
    spec = QuestionnaireSpec(
        dimensions=(DimensionSpec("d"),),
        questions=(single("a", "d", points=tuple(range(1000))),),
        bands=BANDS,
    )
    just_below = score(spec, {"a": pick("o399")})  # 39.94..., which rounds to 40
    assert round(just_below.overall) == 40
    assert just_below.level == "low"
    top = score(spec, {"a": pick("o999")})
    assert top.overall == 100.0 and top.level == "high"


def test_draft_result_reports_completeness_and_missing_questions():
    spec = spec_of(single("a", "d"), single("b", "d"), single("c", "e"))
    result = score(spec, {"a": pick("o1")})
    assert result.answered == 1 and result.applicable == 3
    assert result.completeness == pytest.approx(1 / 3)
    assert result.missing == ("b", "c")
    assert result.overall == pytest.approx(100 / 3)


def test_contributions_add_up_to_the_scores():
    spec = spec_of(
        single("a", "web", weight=2), single("b", "web"), single("c", "money"), weights={"web": 2}
    )
    result = score(spec, {"a": pick("o2"), "b": pick("o1"), "c": pick("o3")})
    web = [q for q in result.questions if q.dimension == "web"]
    assert sum(q.dimension_contribution for q in web) == pytest.approx(
        result.dimension("web").score
    )
    assert sum(q.overall_contribution for q in result.questions) == pytest.approx(result.overall)


def test_levers_say_how_much_a_question_at_its_top_would_add():
    spec = spec_of(single("a", "web"), single("b", "web"), single("c", "money"))
    answers = {"a": pick("o0"), "b": pick("o3"), "c": pick("o3")}
    result = score(spec, answers)
    lever = result.question("a")
    improved = score(spec, {**answers, "a": pick("o3")})
    assert lever.dimension_lever == pytest.approx(
        improved.dimension("web").score - result.dimension("web").score
    )
    assert lever.overall_lever == pytest.approx(improved.overall - result.overall)
    assert [q.key for q in result.levers()] == ["a"]


# --- Properties over random questionnaires and answers.


@st.composite
def questionnaires(draw):
    dimension_count = draw(st.integers(1, 4))
    dimensions = tuple(
        DimensionSpec(f"d{i}", draw(st.sampled_from([0.5, 1.0, 2.0, 3.0])))
        for i in range(dimension_count)
    )
    questions = []
    for index in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["single", "multiple", "scale"]))
        option_count = draw(st.integers(2, 5))
        if kind == "scale":
            options = tuple(OptionSpec(f"o{i}", i) for i in range(option_count))
        else:
            points = draw(
                st.lists(st.integers(0, 10), min_size=option_count, max_size=option_count)
            )
            if max(points) == 0:
                points[0] = 1
            options = tuple(OptionSpec(f"o{i}", p) for i, p in enumerate(points))
            if kind == "multiple" and draw(st.booleans()):
                options = (*options, OptionSpec("none", 0, exclusive=True))
        max_points = None
        if kind == "multiple" and draw(st.booleans()):
            max_points = float(draw(st.integers(1, 10)))
        questions.append(
            QuestionSpec(
                key=f"q{index}",
                dimension=draw(st.sampled_from(dimensions)).key,
                kind=kind,
                options=options,
                weight=draw(st.sampled_from([0.5, 1.0, 2.0])),
                allow_na=draw(st.booleans()),
                max_points=max_points,
            )
        )
    return QuestionnaireSpec(dimensions=dimensions, questions=tuple(questions), bands=BANDS)


@st.composite
def answer_sets(draw, spec):
    answers = {}
    for question in spec.questions:
        choice = draw(st.sampled_from(["skip", "na", "answer"]))
        if choice == "na" and question.allow_na:
            answers[question.key] = NA
        elif choice == "answer":
            keys = [option.key for option in question.options]
            if question.kind == "multiple":
                chosen = draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys)))
            else:
                chosen = [draw(st.sampled_from(keys))]
            answers[question.key] = AnswerInput(options=tuple(chosen))
    return answers


@st.composite
def spec_and_answers(draw):
    spec = draw(questionnaires())
    return spec, draw(answer_sets(spec))


def in_bounds(value):
    return value is None or (0.0 <= value <= 100.0 + 1e-9 and not math.isnan(value))


@settings(max_examples=300, deadline=None)
@given(spec_and_answers())
def test_scores_stay_within_0_and_100(case):
    spec, answers = case
    result = score(spec, answers)
    assert in_bounds(result.overall)
    assert all(in_bounds(d.score) for d in result.dimensions)
    assert all(q.score is None or 0.0 <= q.score <= 1.0 for q in result.questions)
    assert all(q.overall_lever >= -1e-9 for q in result.questions)


@settings(max_examples=300, deadline=None)
@given(spec_and_answers(), st.data())
def test_improving_an_answer_never_lowers_any_score(case, data):
    spec, answers = case
    before = score(spec, answers)
    answered = [q for q in spec.questions if before.question(q.key).score is not None]
    if not answered:
        return
    question = data.draw(st.sampled_from(answered))
    old = before.question(question.key).score
    better = [
        option
        for option in question.options
        if (
            q := score(spec, {**answers, question.key: AnswerInput((option.key,))})
            .question(question.key)
            .score
        )
        is not None
        and q >= old
    ]
    option = data.draw(st.sampled_from(better)) if better else None
    if option is None:
        return
    after = score(spec, {**answers, question.key: AnswerInput((option.key,))})
    dimension = question.dimension
    assert after.dimension(dimension).score >= before.dimension(dimension).score - 1e-9
    assert after.overall >= before.overall - 1e-9


@settings(max_examples=300, deadline=None)
@given(spec_and_answers(), st.data())
def test_not_applicable_does_not_change_the_weight_of_other_questions(case, data):
    spec, answers = case
    na_questions = [q for q in spec.questions if answers.get(q.key) == NA]
    if not na_questions:
        return
    question = data.draw(st.sampled_from(na_questions))
    # Marking a question N/A is the same as leaving it out of the questionnaire.
    reduced = QuestionnaireSpec(
        dimensions=spec.dimensions,
        questions=tuple(q for q in spec.questions if q.key != question.key),
        bands=spec.bands,
    )
    with_na = score(spec, answers)
    without = score(reduced, {k: v for k, v in answers.items() if k != question.key})
    for dimension in spec.dimensions:
        a, b = with_na.dimension(dimension.key).score, without.dimension(dimension.key).score
        assert (a is None and b is None) or a == pytest.approx(b)
    assert (with_na.overall is None and without.overall is None) or with_na.overall == (
        pytest.approx(without.overall)
    )


@settings(max_examples=200, deadline=None)
@given(spec_and_answers(), st.sampled_from([2.0, 3.0, 0.5]))
def test_scaling_all_weights_changes_nothing(case, factor):
    spec, answers = case
    scaled = QuestionnaireSpec(
        dimensions=tuple(DimensionSpec(d.key, d.weight * factor) for d in spec.dimensions),
        questions=tuple(
            QuestionSpec(**{**q.__dict__, "weight": q.weight * factor}) for q in spec.questions
        ),
        bands=spec.bands,
    )
    a, b = score(spec, answers), score(scaled, answers)
    assert (a.overall is None and b.overall is None) or a.overall == pytest.approx(b.overall)


@settings(max_examples=200, deadline=None)
@given(spec_and_answers())
def test_same_input_gives_byte_identical_output(case):
    spec, answers = case
    first = json.dumps(score(spec, answers).to_dict(), sort_keys=True)
    reordered = dict(reversed(list(answers.items())))
    second = json.dumps(score(spec, reordered).to_dict(), sort_keys=True)
    assert first == second


@settings(max_examples=300, deadline=None)
@given(spec_and_answers())
def test_progress_agrees_with_the_full_score(case):
    spec, answers = case
    result = score(spec, answers)
    done = progress(spec, answers)
    assert done.visible == visibility(spec, answers)
    assert (done.applicable, done.answered) == (result.applicable, result.answered)
    assert done.missing == result.missing
    assert done.completeness == result.completeness


def test_progress_counts_a_hidden_question_as_neither_applicable_nor_missing():
    spec = QuestionnaireSpec(
        dimensions=(DimensionSpec("d"),),
        questions=(
            QuestionSpec("gate", "d", "single", (OptionSpec("yes", 1), OptionSpec("no", 0))),
            QuestionSpec(
                "follow",
                "d",
                "single",
                (OptionSpec("a", 1), OptionSpec("b", 0)),
                condition=ConditionSpec("gate", ("yes",)),
            ),
            QuestionSpec("open", "d", "single", (OptionSpec("a", 1),), allow_na=True),
        ),
        bands=(BandSpec("low", 0, 100),),
    )
    done = progress(spec, {"gate": AnswerInput(("no",))})
    assert done.visible == {"gate": True, "follow": False, "open": True}
    assert (done.applicable, done.answered, done.missing) == (2, 1, ("open",))
    done = progress(spec, {"gate": AnswerInput(("yes",)), "open": AnswerInput((), True)})
    assert (done.applicable, done.answered, done.missing) == (3, 2, ("follow",))
