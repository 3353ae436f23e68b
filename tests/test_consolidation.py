from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.engine.consolidation import agreement, level
from assessment.engine.scoring import AnswerInput, OptionSpec, QuestionSpec

SCALE = QuestionSpec(
    key="s", dimension="d", kind="scale", options=tuple(OptionSpec(f"s{i}", i) for i in range(5))
)
SINGLE = QuestionSpec(
    key="q",
    dimension="d",
    kind="single",
    options=(
        OptionSpec("none", 0),
        OptionSpec("some", 1),
        OptionSpec("also_some", 1),
        OptionSpec("all", 3),
    ),
    allow_na=True,
)
LIST = QuestionSpec(
    key="m",
    dimension="d",
    kind="multiple",
    options=(
        OptionSpec("a", 1),
        OptionSpec("b", 1),
        OptionSpec("c", 2),
        OptionSpec("x", 0, exclusive=True),
    ),
)


def pick(*keys):
    return AnswerInput(options=keys)


def test_levels_are_steps_on_the_questions_ladder():
    assert level(SCALE, pick("s3")) == 3
    assert level(SINGLE, pick("all")) == 2  # points 0, 1, 3: the third step
    assert level(SINGLE, pick("also_some")) == level(SINGLE, pick("some")) == 1
    assert level(LIST, pick("a", "b", "c")) == 4
    assert level(SINGLE, AnswerInput(not_applicable=True)) is None
    assert level(SINGLE, None) is None


def test_two_levels_apart_is_disagreement():
    assert agreement(SCALE, [pick("s1"), pick("s2")]).disagreement is False
    result = agreement(SCALE, [pick("s1"), pick("s3"), None])
    assert result.disagreement and result.spread == 2


def test_proposal_is_what_a_strict_majority_said_never_an_average():
    assert agreement(SINGLE, [pick("none"), pick("all")]).proposal is None
    assert agreement(SINGLE, [pick("none"), pick("all"), pick("all")]).proposal == pick("all")
    # Two of four is not more than half.
    assert (
        agreement(SINGLE, [pick("none"), pick("none"), pick("all"), pick("some")]).proposal is None
    )
    assert agreement(SINGLE, [AnswerInput(not_applicable=True)] * 2).proposal == AnswerInput(
        not_applicable=True
    )


def test_a_scale_without_majority_proposes_its_median():
    assert agreement(SCALE, [pick("s1"), pick("s2")]).proposal == pick("s1")  # lower median
    assert agreement(SCALE, [pick("s0"), pick("s1"), pick("s4")]).proposal == pick("s1")
    assert agreement(SCALE, [pick("s4"), pick("s4"), pick("s0")]).proposal == pick("s4")


def test_list_proposal_is_what_more_than_half_ticked():
    proposal = agreement(LIST, [pick("a", "c"), pick("a"), pick("x")]).proposal
    assert proposal == pick("a")
    assert agreement(LIST, [pick("x"), pick("x")]).proposal == pick("x")
    assert agreement(LIST, [pick("a"), pick("b")]).proposal is None


def test_unanimous_needs_two_people_with_the_same_answer():
    assert agreement(LIST, [pick("a", "c"), pick("c", "a")]).unanimous
    assert not agreement(LIST, [pick("a", "c"), pick("a")]).unanimous
    assert not agreement(SCALE, [pick("s1"), None]).unanimous


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([None, *[f"s{i}" for i in range(5)]]), min_size=1, max_size=6))
def test_scale_proposal_is_an_answer_someone_gave_or_their_median(keys):
    answers = [None if key is None else pick(key) for key in keys]
    result = agreement(SCALE, answers)
    known = sorted(int(key[1]) for key in keys if key is not None)
    if not known:
        assert result.proposal is None
        return
    chosen = level(SCALE, result.proposal)
    assert min(known) <= chosen <= max(known)
    if known.count(chosen) * 2 <= len(known):
        assert chosen == known[(len(known) - 1) // 2]
    assert result.disagreement == (known[-1] - known[0] >= 2)


def test_when_options_share_a_step_the_teams_own_choice_wins():
    assert agreement(SINGLE, [pick("also_some"), pick("also_some")]).proposal == pick("also_some")
