"""The roadmap engine, pure: answers, profile facts, catalogue and budget in, a dated plan out."""

import datetime
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.engine.roadmap import (
    PHASES,
    Budget,
    Condition,
    DeadlineRule,
    LegalSpec,
    StepSpec,
    add_months,
    plan,
)
from assessment.engine.scoring import (
    AnswerInput,
    BandSpec,
    DimensionSpec,
    OptionSpec,
    QuestionnaireSpec,
    QuestionSpec,
    score,
)

TODAY = datetime.date(2026, 12, 1)
SCALE = [f"q{i}" for i in range(6)]
# Single-choice questions with the options steps refer to, and the points of each option.
CHOICES = {
    "news": {"none": 0, "irregular": 1, "regular": 2},
    "site": {"no_site": 0, "agency": 1, "self": 2},
    "till": {"open_box": 2, "till_tse": 2, "till_no_tse": 0},
}
SPEC = QuestionnaireSpec(
    dimensions=(DimensionSpec("web"), DimensionSpec("money")),
    questions=(
        *(
            QuestionSpec(
                key=key,
                dimension="web" if index < 3 else "money",
                kind="scale",
                options=tuple(OptionSpec(f"s{p}", p) for p in range(5)),
            )
            for index, key in enumerate(SCALE)
        ),
        *(
            QuestionSpec(
                key=key,
                dimension="web" if key != "till" else "money",
                kind="single",
                options=tuple(OptionSpec(option, points) for option, points in options.items()),
                allow_na=key == "news",
            )
            for key, options in CHOICES.items()
        ),
    ),
    bands=(BandSpec("low", 0, 50), BandSpec("high", 50, 100)),
)
FACTS_KNOWN = {
    "industry": "crafts",
    "size": "2-9",
    "turnover": "le_800k",
    "kleinunternehmer": "no",
    "customers": ("businesses",),
    "staff_personal_data": "lt_20",
}
UNKNOWN_FACTS = {
    "industry": "crafts",
    "size": "2-9",
    "turnover": "unknown",
    "kleinunternehmer": "unknown",
    "customers": (),
    "staff_personal_data": "unknown",
}


def answers_with(levels: dict[str, int] | None = None, **chosen: str) -> dict[str, AnswerInput]:
    """Scale answers 0..4 (unspecified: top) plus single choices given by keyword."""
    levels = levels or {}
    answers = {key: AnswerInput((f"s{levels.get(key, 4)}",)) for key in SCALE}
    for key, option in chosen.items():
        answers[key] = (
            AnswerInput(not_applicable=True) if option == "n/a" else AnswerInput((option,))
        )
    return answers


def step(key: str, question: str | None = "q0", **extra) -> StepSpec:
    values = {
        "dimension": "web",
        "trigger": Condition(question=question, below=100.0),
        "effort_hours": 2.0,
        "cost_once": 0.0,
        "cost_monthly": 0.0,
        "impact": 3,
    }
    values.update(extra)
    return StepSpec(key=key, **values)


def make_plan(catalogue, answers=None, *, budget=None, facts=None, done=None, today=TODAY, **kw):
    answers = answers if answers is not None else answers_with()
    return plan(
        score(SPEC, answers),
        catalogue,
        budget or GENEROUS,
        done=done,
        answers=answers,
        facts=FACTS_KNOWN if facts is None else facts,
        today=today,
        **kw,
    )


GENEROUS = Budget(monthly_eur=10_000, monthly_hours=100)


def keys(roadmap) -> list[str]:
    return [s.key for s in roadmap.steps]


# --- Which steps are relevant


def test_a_step_is_relevant_only_while_its_trigger_question_is_below_its_threshold():
    answers = answers_with({"q0": 1})
    roadmap = make_plan([step("fires", "q0"), step("quiet", "q1")], answers)
    assert keys(roadmap) == ["fires"]


def test_threshold_below_is_strict():
    answers = answers_with({"q0": 2})  # 50 %
    fifty = Condition(question="q0", below=50.0)
    above = Condition(question="q0", below=50.1)
    assert keys(make_plan([step("a", trigger=fifty)], answers)) == []
    assert keys(make_plan([step("a", trigger=above)], answers)) == ["a"]


def test_dimension_trigger():
    answers = answers_with({"q3": 0, "q4": 0}, till="open_box")
    trigger = Condition(dimension="money", below=70.0)
    assert keys(make_plan([step("money_plan", trigger=trigger)], answers)) == ["money_plan"]
    assert keys(make_plan([step("money_plan", trigger=trigger)], answers_with())) == []


def test_no_newsletter_yields_no_newsletter_consent_step():
    consent = step(
        "newsletter_consent",
        trigger=Condition(question="news", any_of=("irregular", "regular"), below=100.0),
    )
    assert keys(make_plan([consent], answers_with(news="none"))) == []
    assert keys(make_plan([consent], answers_with(news="n/a"))) == []
    assert keys(make_plan([consent], answers_with(news="irregular"))) == ["newsletter_consent"]
    # The top answer leaves nothing to improve.
    assert keys(make_plan([consent], answers_with(news="regular"))) == []


def test_an_unanswered_or_not_applicable_question_holds_no_condition():
    needs_site = step("imprint", when=(Condition(question="site", none_of=("no_site",)),))
    answers = answers_with({"q0": 0})  # "site" unanswered
    assert keys(make_plan([needs_site], answers)) == []
    assert keys(make_plan([needs_site], answers_with({"q0": 0}, site="no_site"))) == []
    assert keys(make_plan([needs_site], answers_with({"q0": 0}, site="agency"))) == ["imprint"]
    # `none_of` and `below` do not hold on "does not apply" either.
    never = step("never", unless=(Condition(question="news", none_of=("regular",)),))
    assert keys(make_plan([never], answers_with({"q0": 0}, news="n/a"))) == ["never"]


def test_unless_rules_a_step_out_and_an_unknown_fact_does_not():
    tse = step(
        "tse_notify",
        trigger=Condition(question="q3", below=100.0),
        unless=(
            Condition(question="till", any_of=("open_box",)),
            Condition(profile="kleinunternehmer", any_of=("yes",)),
        ),
    )
    answers = answers_with({"q3": 1}, till="open_box")
    assert keys(make_plan([tse], answers)) == []
    answers = answers_with({"q3": 1}, till="till_tse")
    assert keys(make_plan([tse], answers)) == ["tse_notify"]
    assert keys(make_plan([tse], answers, facts={**FACTS_KNOWN, "kleinunternehmer": "yes"})) == []
    assert keys(make_plan([tse], answers, facts=UNKNOWN_FACTS)) == ["tse_notify"]


def test_when_on_a_profile_fact_holds_for_its_values_and_for_unknown():
    b2c = step("widerruf", when=(Condition(profile="customers", any_of=("consumers",)),))
    answers = answers_with({"q0": 0})
    assert keys(make_plan([b2c], answers)) == []  # businesses only
    assert keys(make_plan([b2c], answers, facts={**FACTS_KNOWN, "customers": ("consumers",)})) == [
        "widerruf"
    ]
    assert keys(make_plan([b2c], answers, facts=UNKNOWN_FACTS)) == ["widerruf"]


# --- The legal layer


def einvoice(**extra) -> StepSpec:
    legal = LegalSpec(
        kind="dated",
        deadlines=(
            DeadlineRule(
                datetime.date(2027, 1, 1),
                (Condition(profile="turnover", any_of=("le_2m", "le_10m", "gt_10m")),),
            ),
            DeadlineRule(
                datetime.date(2028, 1, 1), (Condition(profile="turnover", any_of=("le_800k",)),)
            ),
        ),
        applies_if=(Condition(profile="kleinunternehmer", any_of=("no",)),),
    )
    return step("einvoice_issue", legal=legal, **extra)


def test_the_einvoice_date_follows_turnover_and_kleinunternehmer_are_exempt():
    answers = answers_with({"q0": 0})
    small = make_plan([einvoice()], answers).step("einvoice_issue")
    assert (small.legal_status, small.legal_date) == ("applies", datetime.date(2028, 1, 1))
    bigger = make_plan([einvoice()], answers, facts={**FACTS_KNOWN, "turnover": "le_2m"})
    assert bigger.step("einvoice_issue").legal_date == datetime.date(2027, 1, 1)
    exempt = make_plan([einvoice()], answers, facts={**FACTS_KNOWN, "kleinunternehmer": "yes"})
    assert exempt.step("einvoice_issue").legal_status == "not"


def test_an_unknown_turnover_plans_by_the_earlier_date_and_shows_both():
    answers = answers_with({"q0": 0})
    unknown = make_plan([einvoice()], answers, facts={**FACTS_KNOWN, "turnover": "unknown"})
    found = unknown.step("einvoice_issue")
    assert found.legal_status == "possibly"
    assert found.legal_date == datetime.date(2027, 1, 1)
    assert found.legal_dates == (datetime.date(2027, 1, 1), datetime.date(2028, 1, 1))
    # 2027-01-01 lies inside Now (which ends 2027-03-01): planned there.
    assert unknown.phase_of("einvoice_issue") == "now"


def test_an_ongoing_duty_in_force_ranks_before_recommendations_but_not_by_its_date():
    # An old duty with a low priority and a recent one with a high priority: sorted by
    # priority among themselves (not by "gilt seit"), both before a better recommendation,
    # and after a dated duty still ahead.
    gdpr = step(
        "gdpr_records",
        impact=1,
        effort_hours=10,
        legal=LegalSpec(kind="ongoing", since=datetime.date(2018, 5, 25)),
    )
    imprint = step(
        "imprint", "q2", impact=3, legal=LegalSpec(kind="ongoing", since=datetime.date(2024, 5, 14))
    )
    useful = step("useful", "q1", impact=5, effort_hours=1)
    dated = step("dated", "q3", legal=LegalSpec(kind="dated", deadline=datetime.date(2027, 6, 1)))
    roadmap = make_plan(
        [gdpr, imprint, useful, dated], answers_with({"q0": 0, "q1": 0, "q2": 0, "q3": 0})
    )
    assert keys(roadmap) == ["dated", "imprint", "gdpr_records", "useful"]
    found = roadmap.step("gdpr_records")
    assert found.legal_status == "applies" and found.in_force
    assert not found.overdue and not found.urgent
    assert found.legal_deadline is None and found.legal_date == datetime.date(2018, 5, 25)


def test_an_ongoing_duty_that_only_possibly_applies_ranks_as_a_recommendation():
    dpo = step(
        "dpo",
        impact=5,
        effort_hours=1,
        legal=LegalSpec(
            kind="ongoing",
            since=datetime.date(2019, 11, 26),
            applies_if=(Condition(profile="staff_personal_data", any_of=("ge_20",)),),
        ),
    )
    better = step("better", "q1", impact=5, effort_hours=0.5)
    imprint = step(
        "imprint", "q2", impact=1, effort_hours=8, legal=LegalSpec(kind="ongoing", since=None)
    )
    answers = answers_with({"q0": 0, "q1": 0, "q2": 0})
    unknown = make_plan([dpo, better, imprint], answers, facts=UNKNOWN_FACTS)
    assert unknown.step("dpo").legal_status == "possibly" and not unknown.step("dpo").in_force
    assert keys(unknown) == ["imprint", "better", "dpo"]
    # Once the fact is known the duty applies and moves up among the duties in force.
    known = make_plan(
        [dpo, better, imprint], answers, facts={**FACTS_KNOWN, "staff_personal_data": "ge_20"}
    )
    assert keys(known) == ["dpo", "imprint", "better"]


def test_an_ongoing_duty_not_yet_in_force_ranks_as_a_recommendation():
    later = step(
        "later_duty", impact=1, legal=LegalSpec(kind="ongoing", since=datetime.date(2027, 6, 1))
    )
    useful = step("useful", "q1", impact=5)
    roadmap = make_plan([later, useful], answers_with({"q0": 0, "q1": 0}))
    assert roadmap.step("later_duty").legal_status == "applies"
    assert keys(roadmap) == ["useful", "later_duty"]


def test_an_ongoing_duty_in_force_stays_within_the_budget_and_its_prerequisite_comes_first():
    # Owed today, but not "at any cost": a duty too big for Now waits for a phase with room
    # (small recommendations may fill Now meanwhile); its prerequisite shares its rank.
    inbox = step("inbox", "q3", impact=1, effort_hours=2)
    records = step(
        "records",
        impact=1,
        effort_hours=8,
        requires=("inbox",),
        legal=LegalSpec(kind="ongoing", since=datetime.date(2018, 5, 25)),
    )
    small = step("small", "q1", impact=5, effort_hours=1)
    roadmap = make_plan(
        [small, records, inbox],
        answers_with({"q0": 0, "q1": 0, "q3": 0}),
        budget=Budget(monthly_eur=0, monthly_hours=3),
    )
    assert [s.key for s in roadmap.phases[0].steps] == ["inbox", "small"]
    assert roadmap.phase_of("records") == "next"
    assert not any(s.over_budget for s in roadmap.steps)
    assert roadmap.step("inbox").in_force and not roadmap.step("inbox").urgent


def test_a_duty_whose_conditions_fail_is_a_plain_recommendation():
    tse = step(
        "tse_notify",
        legal=LegalSpec(
            kind="dated",
            deadline=datetime.date(2025, 7, 31),
            applies_if=(Condition(question="till", any_of=("till_tse",)),),
        ),
    )
    found = make_plan([tse], answers_with({"q0": 0}, till="open_box")).step("tse_notify")
    assert found.legal_status == "not" and not found.urgent and not found.overdue
    found = make_plan([tse], answers_with({"q0": 0}, till="till_tse")).step("tse_notify")
    assert found.legal_status == "applies" and found.overdue and found.urgent


# --- Order


def test_urgent_first_then_upcoming_duties_by_date_then_impact_per_effort():
    catalogue = [
        step("cheap_high", "q0", impact=5, effort_hours=1),
        step("dated_late", "q1", legal=LegalSpec(kind="dated", deadline=datetime.date(2027, 9, 1))),
        step("dated_soon", "q2", legal=LegalSpec(kind="dated", deadline=datetime.date(2027, 2, 1))),
        step("backup", "q3", existential=True, impact=1, effort_hours=8),
        step("overdue", "q4", legal=LegalSpec(kind="dated", deadline=datetime.date(2025, 1, 1))),
        step("expensive_low", "q5", impact=1, effort_hours=20),
    ]
    answers = answers_with({key: 0 for key in SCALE})
    order = keys(make_plan(catalogue, answers))
    assert order[:2] == ["overdue", "backup"] or order[:2] == ["backup", "overdue"]
    assert order[2:] == ["dated_soon", "dated_late", "cheap_high", "expensive_low"]


def test_prerequisites_come_before_the_steps_that_need_them_and_share_their_urgency():
    catalogue = [
        step("inbox", "q1", impact=1, effort_hours=10),
        step("backup", "q0", existential=True, requires=("inbox",)),
        step("other", "q2", impact=5, effort_hours=1),
    ]
    roadmap = make_plan(catalogue, answers_with({"q0": 0, "q1": 0, "q2": 0}))
    assert keys(roadmap) == ["inbox", "backup", "other"]
    assert roadmap.step("inbox").urgent


def test_a_prerequisite_that_is_already_satisfied_does_not_block():
    catalogue = [step("base", "q1"), step("top", "q0", requires=("base",))]
    assert keys(make_plan(catalogue, answers_with({"q0": 0}))) == ["top"]


# --- Phases and budget


def test_phases_count_from_today_and_the_reassessment_is_a_date():
    roadmap = make_plan([step("a")], answers_with({"q0": 0}), reassess_months=6)
    assert [(p.starts, p.ends) for p in roadmap.phases] == [
        (TODAY, datetime.date(2027, 3, 1)),
        (datetime.date(2027, 3, 1), datetime.date(2027, 6, 1)),
        (datetime.date(2027, 6, 1), datetime.date(2027, 12, 1)),
    ]
    assert roadmap.reassess_on == datetime.date(2027, 6, 1)
    assert add_months(datetime.date(2027, 1, 31), 1) == datetime.date(2027, 2, 28)


def test_a_dated_duty_never_shows_as_ahead_after_its_date():
    duty = step("duty", legal=LegalSpec(kind="dated", deadline=datetime.date(2027, 1, 1)))
    answers = answers_with({"q0": 0})
    before = make_plan([duty], answers, today=datetime.date(2026, 12, 31)).step("duty")
    after = make_plan([duty], answers, today=datetime.date(2027, 1, 1)).step("duty")
    assert not before.overdue and not before.urgent
    assert after.overdue and after.urgent


def test_phases_are_filled_by_hours_without_step_caps():
    catalogue = [step(f"s{i:02d}", "q0", effort_hours=1.0) for i in range(30)]
    roadmap = make_plan(catalogue, answers_with({"q0": 0}), budget=Budget(0, 4))
    # 12 + 12 + 24 hours: every one of the thirty one-hour steps fits.
    assert [len(p.steps) for p in roadmap.phases] == [12, 12, 6]
    assert roadmap.unscheduled == ()


def test_monthly_costs_count_in_every_later_phase():
    catalogue = [
        step("subscription", "q0", cost_monthly=40.0),
        step("one_off", "q1", cost_once=250.0),
    ]
    roadmap = make_plan(catalogue, answers_with({"q0": 0, "q1": 1}), budget=Budget(100, 20))
    now, following, later = roadmap.phases
    assert (now.money_used, following.money_used) == (120, 120)
    assert later.money_used == 240 + 250
    # 250 EUR does not fit next to 120 in Now (300) or Next, but in Later (600 - 240).
    assert roadmap.phase_of("one_off") == "later"


def test_urgent_steps_go_into_now_even_over_budget():
    backup = step("backup", existential=True, cost_once=500.0, effort_hours=8)
    roadmap = make_plan([backup], answers_with({"q0": 0}), budget=Budget(50, 2))
    found = roadmap.phases[0].steps[0]
    assert found.key == "backup" and found.over_budget and found.over_budget_reason == "urgent"


def test_a_dated_duty_lies_in_a_phase_ending_before_its_deadline():
    duty = step(
        "duty",
        "q1",
        effort_hours=6,
        legal=LegalSpec(kind="dated", deadline=datetime.date(2027, 6, 15)),
    )
    filler = [step(f"f{i}", "q0", impact=5, effort_hours=5) for i in range(2)]
    roadmap = make_plan([*filler, duty], answers_with({"q0": 0, "q1": 0}), budget=Budget(0, 4))
    # Ranked before the fillers; the first phase ending before 15 June (Next) is free enough.
    assert roadmap.phase_of("duty") == "now"
    tight = make_plan(
        [duty.__class__(**{**duty.__dict__, "effort_hours": 20.0})],
        answers_with({"q1": 0}),
        budget=Budget(0, 4),
    )
    found = tight.step("duty")
    # 20 h fit in no phase before the deadline: booked into Next (ends 1 June) over budget.
    assert tight.phase_of("duty") == "next"
    assert found.over_budget and found.over_budget_reason == "deadline"


def test_unscheduled_steps_say_truthfully_why():
    catalogue = [
        step("long", "q0", effort_hours=40),
        step("dear", "q1", cost_once=5_000),
        step("needs_long", "q2", requires=("long",)),
        step("small", "q3", effort_hours=1),
    ]
    roadmap = make_plan(catalogue, answers_with({k: 0 for k in SCALE}), budget=Budget(100, 3))
    reasons = {s.key: (s.reason, s.blocked_by) for s in roadmap.unscheduled}
    assert reasons == {
        "long": ("hours", None),
        "dear": ("money", None),
        "needs_long": ("prerequisite", "long"),
    }
    assert keys(roadmap) == ["small"]


def test_never_empty_while_there_are_gaps():
    catalogue = [step("big", "q0", effort_hours=30), step("bigger", "q1", effort_hours=50)]
    roadmap = make_plan(catalogue, answers_with({"q0": 0, "q1": 0}), budget=Budget(0, 1))
    assert keys(roadmap) == ["big"]
    assert roadmap.steps[0].over_budget and roadmap.steps[0].over_budget_reason == "first_step"


# --- Variants and done steps


def test_the_cheapest_variant_of_a_group_is_planned_and_the_others_are_alternatives():
    catalogue = [
        step("backup_nas", "q0", group="backup", cost_once=500.0, existential=True),
        step("backup_disks", "q0", group="backup", cost_once=120.0, existential=True),
        step("backup_cloud", "q0", group="backup", cost_monthly=5.0, existential=True),
        step("restore_test", "q1", requires=("backup_nas",)),
    ]
    roadmap = make_plan(catalogue, answers_with({"q0": 0, "q1": 0}))
    assert keys(roadmap) == ["backup_cloud", "restore_test"]
    assert roadmap.step("backup_cloud").alternatives == ("backup_disks", "backup_nas")


def test_done_steps_are_not_suggested_again_unless_their_trigger_fell_back():
    catalogue = [step("a", "q0")]
    answers = answers_with({"q0": 2})  # 50 %
    assert keys(make_plan(catalogue, answers, done={"a": 50.0})) == []
    assert keys(make_plan(catalogue, answers, done={"a": 75.0})) == ["a"]
    group = [step("v1", "q0", group="g"), step("v2", "q0", group="g", cost_once=1.0)]
    assert keys(make_plan(group, answers, done={"v2": 50.0})) == []


def test_the_plan_is_json():
    roadmap = make_plan([einvoice()], answers_with({"q0": 0}))
    data = json.loads(json.dumps(roadmap.to_dict()))
    assert data["reassess_on"] == "2027-06-01"
    assert data["phases"][0]["steps"][0]["legal_date"] == "2028-01-01"


# --- Property tests: random answers and catalogues, each checked by an oracle written here.

# A hand-written table of answers that contradict a step: the step must never be planned
# while the question has that answer.
CONTRADICTIONS = {
    ("newsletter_consent", "news", "none"),
    ("imprint", "site", "no_site"),
    ("cookie_banner", "site", "no_site"),
    ("tse_buy", "till", "open_box"),
    ("tse_buy", "till", "till_tse"),
    ("tse_notify", "till", "open_box"),
    ("tse_notify", "till", "till_no_tse"),
}
REAL_LIKE = [
    step(
        "newsletter_consent",
        trigger=Condition(question="news", any_of=("irregular", "regular"), below=100.0),
        legal=LegalSpec(kind="ongoing", since=datetime.date(2018, 5, 25)),
    ),
    step(
        "imprint",
        "q0",
        when=(Condition(question="site", none_of=("no_site",)),),
        legal=LegalSpec(kind="ongoing", since=datetime.date(2024, 5, 14)),
    ),
    step("cookie_banner", "q1", unless=(Condition(question="site", any_of=("no_site",)),)),
    step(
        "tse_buy",
        trigger=Condition(question="till", any_of=("till_no_tse",), below=100.0),
        existential=True,
        cost_once=400.0,
    ),
    step(
        "tse_notify",
        "q3",
        when=(Condition(question="till", any_of=("till_tse",)),),
        legal=LegalSpec(kind="dated", deadline=datetime.date(2025, 7, 31)),
    ),
]

levels = st.fixed_dictionaries({key: st.integers(0, 4) for key in SCALE})
choices = st.fixed_dictionaries(
    {key: st.sampled_from([None, "n/a", *options]) for key, options in CHOICES.items()}
)
facts_strategy = st.fixed_dictionaries(
    {
        "industry": st.just("crafts"),
        "size": st.just("2-9"),
        "turnover": st.sampled_from(["le_800k", "le_2m", "le_10m", "gt_10m", "unknown"]),
        "kleinunternehmer": st.sampled_from(["yes", "no", "unknown"]),
        "customers": st.sets(st.sampled_from(["consumers", "businesses", "public"])).map(
            lambda values: tuple(sorted(values))
        ),
        "staff_personal_data": st.sampled_from(["lt_20", "ge_20", "unknown"]),
    }
)
budgets = st.builds(
    Budget,
    monthly_eur=st.sampled_from([0, 50, 150, 500]),
    monthly_hours=st.sampled_from([1, 2, 6, 20]),
)


def build_answers(scale: dict[str, int], chosen: dict[str, str | None]) -> dict[str, AnswerInput]:
    answers = answers_with(scale)
    for key, option in chosen.items():
        if option == "n/a" and key == "news":
            answers[key] = AnswerInput(not_applicable=True)
        elif option not in (None, "n/a"):
            answers[key] = AnswerInput((option,))
    return answers


def question_condition():
    def make(question, any_of, none_of):
        return Condition(question=question, any_of=any_of, none_of=none_of)

    question = st.sampled_from(sorted(CHOICES))
    return question.flatmap(
        lambda q: st.builds(
            make,
            st.just(q),
            st.lists(st.sampled_from(sorted(CHOICES[q])), max_size=2, unique=True).map(tuple),
            st.lists(st.sampled_from(sorted(CHOICES[q])), max_size=1, unique=True).map(tuple),
        ).filter(lambda c: c.any_of or c.none_of)
    )


profile_condition = st.builds(
    lambda fact, values: Condition(profile=fact, any_of=values),
    st.just("turnover"),
    st.lists(
        st.sampled_from(["le_800k", "le_2m", "le_10m", "gt_10m"]),
        min_size=1,
        max_size=2,
        unique=True,
    ).map(tuple),
) | st.builds(
    lambda values: Condition(profile="kleinunternehmer", any_of=values),
    st.sampled_from([("yes",), ("no",)]),
)


@st.composite
def catalogues(draw):
    count = draw(st.integers(1, 14))
    result = []
    for index in range(count):
        key = f"r{index:02d}"
        legal = None
        kind = draw(st.sampled_from([None, None, "dated", "ongoing"]))
        applies_if = tuple(draw(st.lists(profile_condition | question_condition(), max_size=2)))
        if kind == "dated":
            days = draw(st.integers(-400, 500))
            legal = LegalSpec(
                kind="dated", deadline=TODAY + datetime.timedelta(days=days), applies_if=applies_if
            )
        elif kind == "ongoing":
            legal = LegalSpec(
                kind="ongoing", since=datetime.date(2018, 5, 25), applies_if=applies_if
            )
        earlier = [f"r{i:02d}" for i in range(index)]
        result.append(
            StepSpec(
                key=key,
                dimension="web",
                trigger=Condition(question=draw(st.sampled_from(SCALE)), below=100.0),
                effort_hours=float(draw(st.sampled_from([0.5, 1, 2, 4, 8, 16, 40]))),
                cost_once=float(draw(st.sampled_from([0, 0, 50, 200, 900]))),
                cost_monthly=float(draw(st.sampled_from([0, 0, 5, 30]))),
                impact=draw(st.integers(1, 5)),
                requires=tuple(draw(st.lists(st.sampled_from(earlier), max_size=2, unique=True)))
                if earlier
                else (),
                when=tuple(draw(st.lists(question_condition() | profile_condition, max_size=1))),
                unless=tuple(draw(st.lists(question_condition(), max_size=2))),
                existential=draw(st.booleans()) and draw(st.booleans()),
                legal=legal,
            )
        )
    return result


# The oracle's own reading of conditions, written independently of the planner.
def oracle_holds(condition: Condition, answers: dict[str, AnswerInput], facts: dict) -> bool | None:
    if condition.profile is not None:
        value = facts.get(condition.profile)
        values = set(value) if isinstance(value, tuple) else {value}
        if not values or values == {"unknown"}:
            return None
        return bool(values & set(condition.any_of)) and not (values & set(condition.none_of))
    answer = answers.get(condition.question)
    if answer is None or answer.not_applicable or not answer.options:
        return False
    chosen = set(answer.options)
    if condition.any_of and not chosen & set(condition.any_of):
        return False
    return not (condition.none_of and chosen & set(condition.none_of))


def oracle_duty_applies(spec: StepSpec, answers, facts) -> bool:
    return spec.legal is not None and all(
        oracle_holds(c, answers, facts) is True for c in spec.legal.applies_if
    )


def oracle_duty_may_apply(spec: StepSpec, answers, facts) -> bool:
    return spec.legal is not None and all(
        oracle_holds(c, answers, facts) is not False for c in spec.legal.applies_if
    )


def still_fits(step, phase_index, roadmap) -> bool:
    """Would the step fit into this phase (and its monthly cost into every later one)?"""
    phase = roadmap.phases[phase_index]
    if phase.hours_used + step.effort_hours > phase.hours_available + 1e-6:
        return False
    for later in range(phase_index, len(PHASES)):
        other = roadmap.phases[later]
        extra = step.cost_monthly * PHASES[later].months + (
            step.cost_once if later == phase_index else 0
        )
        if other.money_used + extra > other.money_available + 1e-6:
            return False
    return True


PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(catalogues(), levels, choices, facts_strategy, budgets)
def test_an_upcoming_duty_that_fits_lies_in_a_phase_ending_before_its_deadline(
    catalogue, scale, chosen, facts, budget
):
    answers = build_answers(scale, chosen)
    roadmap = make_plan(catalogue, answers, budget=budget, facts=facts)
    specs = {spec.key: spec for spec in catalogue}
    for phase in roadmap.phases:
        for planned in phase.steps:
            spec = specs[planned.key]
            if not oracle_duty_may_apply(spec, answers, facts) or spec.legal.kind != "dated":
                continue
            deadline = spec.legal.deadline
            if deadline <= TODAY or planned.over_budget:
                continue
            if any(p.ends <= deadline for p in roadmap.phases):
                assert phase.ends <= deadline, (planned.key, phase.key, deadline)


@PROPERTY
@given(catalogues(), levels, choices, facts_strategy, budgets)
def test_no_phase_stays_below_its_budget_while_a_fitting_step_waits(
    catalogue, scale, chosen, facts, budget
):
    answers = build_answers(scale, chosen)
    roadmap = make_plan(catalogue, answers, budget=budget, facts=facts)
    specs = {spec.key: spec for spec in catalogue}
    placed = {s.key: i for i, phase in enumerate(roadmap.phases) for s in phase.steps}
    waiting = {s.key for s in roadmap.unscheduled}
    for planned in roadmap.unscheduled:
        needed = [key for key in specs[planned.key].requires if key in placed or key in waiting]
        if any(key in waiting for key in needed):
            assert planned.reason == "prerequisite"
            continue
        earliest = max((placed[key] for key in needed), default=0)
        for index in range(earliest, len(PHASES)):
            assert not still_fits(planned, index, roadmap), (planned.key, index)
        assert planned.reason in ("hours", "money", "hours_and_money")


def oracle_tier(spec: StepSpec, answers, facts) -> int:
    """0 urgent, 1 dated duty that may apply, 2 ongoing duty that applies, 3 the rest."""
    legal = spec.legal
    if spec.existential:
        return 0
    if legal is not None and legal.kind == "dated":
        if oracle_duty_applies(spec, answers, facts) and legal.deadline <= TODAY:
            return 0
        if oracle_duty_may_apply(spec, answers, facts):
            return 1
    if legal is not None and legal.kind == "ongoing" and oracle_duty_applies(spec, answers, facts):
        return 2
    return 3


def effective_tiers(catalogue, roadmap, answers, facts) -> dict[str, int]:
    """Each planned step's tier, lowered to the best tier of the planned steps that need it."""
    specs = {spec.key: spec for spec in catalogue}
    planned = {s.key for s in [*roadmap.steps, *roadmap.unscheduled]}
    tiers = {key: oracle_tier(specs[key], answers, facts) for key in planned}
    changed = True
    while changed:
        changed = False
        for key in planned:
            for required in specs[key].requires:
                if required in planned and tiers[key] < tiers[required]:
                    tiers[required] = tiers[key]
                    changed = True
    return tiers


def planned_with_tiers(catalogue, scale, chosen, facts, budget):
    """The answers, the plan, the catalogue by key and each planned step's effective tier."""
    answers = build_answers(scale, chosen)
    roadmap = make_plan(catalogue, answers, budget=budget, facts=facts)
    specs = {spec.key: spec for spec in catalogue}
    return answers, roadmap, specs, effective_tiers(catalogue, roadmap, answers, facts)


@PROPERTY
@given(catalogues(), levels, choices, facts_strategy, budgets)
def test_an_applying_ongoing_duty_comes_before_every_recommendation_in_its_phase(
    catalogue, scale, chosen, facts, budget
):
    answers, roadmap, specs, tiers = planned_with_tiers(catalogue, scale, chosen, facts, budget)
    for phase in roadmap.phases:
        order = [s.key for s in phase.steps]
        for duty in order:
            if oracle_tier(specs[duty], answers, facts) != 2:
                continue
            for other in order:
                if tiers[other] == 3:
                    assert order.index(duty) < order.index(other), (duty, other, phase.key)


@PROPERTY
@given(catalogues(), levels, choices, facts_strategy, budgets)
def test_a_duty_that_only_possibly_applies_is_ranked_like_a_recommendation(
    catalogue, scale, chosen, facts, budget
):
    answers, roadmap, specs, tiers = planned_with_tiers(catalogue, scale, chosen, facts, budget)
    everything = {s.key: s for s in [*roadmap.steps, *roadmap.unscheduled]}
    needed = {key for spec in catalogue if spec.key in everything for key in spec.requires}
    for phase in roadmap.phases:
        order = [s.key for s in phase.steps]
        for maybe in order:
            spec = specs[maybe]
            if (
                spec.legal is None
                or spec.legal.kind != "ongoing"
                or tiers[maybe] != 3
                or maybe in needed
                or not oracle_duty_may_apply(spec, answers, facts)
                or oracle_duty_applies(spec, answers, facts)
            ):
                continue
            # Only possibly in force: after every recommendation of higher priority that does
            # not need it, and never ahead of a duty in force.
            for other in order:
                if tiers[other] < 3:
                    assert order.index(other) < order.index(maybe), (other, maybe)
                elif everything[other].priority > everything[maybe].priority + 1e-9:
                    if maybe not in prerequisite_closure(specs, other):
                        assert order.index(other) < order.index(maybe), (other, maybe)


def prerequisite_closure(specs, key: str) -> set[str]:
    seen, stack = set(), [key]
    while stack:
        for required in specs[stack.pop()].requires:
            if required not in seen:
                seen.add(required)
                stack.append(required)
    return seen


@PROPERTY
@given(catalogues(), levels, choices, facts_strategy, budgets)
def test_no_legal_badge_where_the_duty_does_not_apply(catalogue, scale, chosen, facts, budget):
    from assessment.reports.context import legal_badge

    answers = build_answers(scale, chosen)
    roadmap = make_plan(catalogue, answers, budget=budget, facts=facts)
    specs = {spec.key: spec for spec in catalogue}
    for planned in [*roadmap.steps, *roadmap.unscheduled]:
        applies = oracle_duty_applies(specs[planned.key], answers, facts)
        assert (planned.legal_status == "applies") == applies
        assert bool(legal_badge(planned)) == applies


@PROPERTY
@given(catalogues(), levels, choices, facts_strategy, budgets)
def test_no_step_is_planned_while_an_unless_holds_or_a_when_fails(
    catalogue, scale, chosen, facts, budget
):
    answers = build_answers(scale, chosen)
    roadmap = make_plan(catalogue, answers, budget=budget, facts=facts)
    specs = {spec.key: spec for spec in catalogue}
    for planned in [*roadmap.steps, *roadmap.unscheduled]:
        spec = specs[planned.key]
        assert not any(oracle_holds(c, answers, facts) is True for c in spec.unless)
        assert all(oracle_holds(c, answers, facts) is not False for c in spec.when)


@PROPERTY
@given(levels, choices, facts_strategy, budgets)
def test_no_step_contradicts_an_answer(scale, chosen, facts, budget):
    answers = build_answers(scale, chosen)
    roadmap = make_plan(REAL_LIKE, answers, budget=budget, facts=facts)
    for planned in [*roadmap.steps, *roadmap.unscheduled]:
        for question, answer in answers.items():
            for option in answer.options:
                assert (planned.key, question, option) not in CONTRADICTIONS


@PROPERTY
@given(catalogues(), levels, choices, facts_strategy, budgets)
def test_prerequisites_come_first_and_urgent_steps_are_in_now(
    catalogue, scale, chosen, facts, budget
):
    answers = build_answers(scale, chosen)
    roadmap = make_plan(catalogue, answers, budget=budget, facts=facts)
    specs = {spec.key: spec for spec in catalogue}
    placed = {s.key: i for i, phase in enumerate(roadmap.phases) for s in phase.steps}
    order = keys(roadmap)
    for key, index in placed.items():
        for required in specs[key].requires:
            if required in placed:
                assert placed[required] <= index
                assert order.index(required) < order.index(key) or placed[required] < index
        if specs[key].existential and not specs[key].requires:
            assert index == 0
    # Same input, same plan.
    again = make_plan(catalogue, answers, budget=budget, facts=facts)
    assert again == roadmap


@pytest.mark.parametrize("months", [1, 6, 12])
def test_reassessment_follows_the_interval(months):
    roadmap = make_plan([step("a")], answers_with({"q0": 0}), reassess_months=months)
    assert roadmap.reassess_on == add_months(TODAY, months)


def test_next_steps_are_the_first_steps_of_now_in_plan_order():
    catalogue = [step(f"s{i:02d}", "q0", effort_hours=1.0) for i in range(30)]
    roadmap = make_plan(catalogue, answers_with({"q0": 0}), budget=Budget(0, 4))
    now = roadmap.phases[0].steps
    assert len(now) == 12
    assert roadmap.next_steps() == list(now[:3])
    assert roadmap.next_steps(1) == [now[0]]
    assert make_plan([], budget=Budget(0, 4)).next_steps() == []
