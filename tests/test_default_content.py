"""The default questionnaire covers what a German consultant expects, in both languages."""

import datetime
import re
from collections import Counter

import pytest

from assessment.models import Question, Recommendation
from assessment.questionnaire_file import load_questionnaire_file, parse_file
from tests.conftest import DEFAULT_QUESTIONNAIRE

DIMENSIONS = ["website", "accounting", "inventory", "communication", "strategy", "security"]


@pytest.fixture(scope="module")
def content():
    return parse_file(DEFAULT_QUESTIONNAIRE)


def test_six_dimensions_in_order(content):
    assert [d["key"] for d in content["dimensions"]] == DIMENSIONS


def test_six_to_ten_scored_questions_per_dimension(content):
    for dimension in content["dimensions"]:
        scored = [q for q in dimension["questions"] if q["scored"]]
        assert 6 <= len(scored) <= 10, dimension["key"]


def test_about_fifteen_to_twenty_minutes(content):
    questions = [q for d in content["dimensions"] for q in d["questions"]]
    assert 40 <= len(questions) <= 60


def test_all_three_kinds_and_na_are_used(content):
    questions = [q for d in content["dimensions"] for q in d["questions"]]
    kinds = Counter(q["kind"] for q in questions)
    assert kinds["single"] and kinds["multiple"] and kinds["scale"]
    assert any(q["allow_na"] for q in questions)
    assert any(o["exclusive"] for q in questions for o in q["options"])


def test_inventory_is_conditional_on_selling_goods(content):
    inventory = next(d for d in content["dimensions"] if d["key"] == "inventory")
    gate, *rest = inventory["questions"]
    assert not gate["scored"]
    assert all(q["condition"] and q["condition"]["question"] == gate["key"] for q in rest)


def test_cash_register_question_is_conditional_on_cash_sales(content):
    questions = {q["key"]: q for d in content["dimensions"] for q in d["questions"]}
    tse = [q for q in questions.values() if "TSE" in q["text"]["de"] + q["help"]["de"]]
    assert tse and all(q["condition"] for q in tse)


def test_shop_accessibility_is_conditional_and_cites_the_bfsg(content):
    questions = [q for d in content["dimensions"] for q in d["questions"]]
    accessible = [q for q in questions if "barrierefrei" in q["text"]["de"].lower()]
    assert accessible
    assert all(q["condition"] for q in accessible)
    assert any("BFSG" in source for q in accessible for source in q["sources"])


def test_legal_dates_in_questions_come_with_a_source(content):
    date = re.compile(r"\b(20\d\d)\b")
    for dimension in content["dimensions"]:
        for question in dimension["questions"]:
            text = question["text"]["de"] + question["help"]["de"]
            if date.search(text):
                assert question["sources"], question["key"]


def test_catalogue_has_at_least_forty_steps_over_all_dimensions(content):
    steps = content["recommendations"]
    assert len(steps) >= 40
    assert {s["dimension"] for s in steps} == set(DIMENSIONS)


def test_every_dimension_has_cheap_small_first_steps(content):
    for dimension in DIMENSIONS:
        free_and_small = [
            s
            for s in content["recommendations"]
            if s["dimension"] == dimension
            and s["cost_once"] == 0
            and s["cost_monthly"] == 0
            and s["effort_hours"] <= 4
        ]
        assert len(free_and_small) >= 2, dimension


def test_every_scored_question_leads_to_a_step(content):
    triggers = {s["trigger"]["question"] for s in content["recommendations"]}
    for dimension in content["dimensions"]:
        for question in dimension["questions"]:
            if question["scored"]:
                assert question["key"] in triggers, question["key"]


def test_legal_steps_name_their_source_and_the_e_invoice_dates_are_right(content):
    legal = [s for s in content["recommendations"] if s["legal"]]
    assert all(s["legal"]["source"] for s in legal)
    deadlines = {s["legal"]["deadline"] for s in legal}
    assert "2025-01-01" in deadlines  # receiving e-invoices
    assert deadlines & {"2027-01-01", "2028-01-01"}  # issuing e-invoices
    receiving = [s for s in legal if s["legal"]["deadline"] == "2025-01-01"]
    assert any("14 UStG" in s["legal"]["source"] for s in receiving)


def test_texts_are_german_first_with_real_umlauts(content):
    german = " ".join(
        q["text"]["de"] + q["help"]["de"] for d in content["dimensions"] for q in d["questions"]
    )
    assert re.search(r"[äöüß]", german)
    english = " ".join(q["text"]["en"] for d in content["dimensions"] for q in d["questions"])
    assert not re.search(r"[äöüß]", english)


@pytest.mark.django_db
def test_default_questionnaire_loads_and_reloads_unchanged():
    first = load_questionnaire_file(path=DEFAULT_QUESTIONNAIRE)
    assert first.action == "created"
    assert load_questionnaire_file(path=DEFAULT_QUESTIONNAIRE).action == "unchanged"
    questionnaire = first.questionnaire
    assert Question.objects.filter(questionnaire=questionnaire).count() >= 40
    assert Recommendation.objects.filter(questionnaire=questionnaire).count() >= 40


@pytest.mark.django_db
def test_a_weak_company_gets_a_full_roadmap_and_a_poor_one_still_gets_steps(default_questionnaire):
    from assessment.roadmap import Budget, plan
    from assessment.scoring import AnswerInput, score

    spec = default_questionnaire.scoring_spec()
    # The weakest answer everywhere, selling goods in the shop and taking cash.
    answers = {}
    for question in spec.questions:
        if question.scored:
            weakest = min(question.options, key=lambda option: option.points)
            answers[question.key] = AnswerInput(options=(weakest.key,))
        else:
            answers[question.key] = AnswerInput(options=(question.options[-1].key,))
    result = score(spec, answers)
    assert result.overall == 0.0
    catalogue = default_questionnaire.catalogue_spec()
    today = datetime.date(2026, 12, 1)
    roadmap = plan(
        result, catalogue, Budget(monthly_eur=200, monthly_hours=10), answers=answers, today=today
    )
    assert len(roadmap.phases[0].steps) >= 3
    # Urgent steps (existential risks, duties whose date has passed) come first.
    first = roadmap.steps[0]
    assert first.urgent and (first.existential or first.overdue)
    poor = plan(
        result, catalogue, Budget(monthly_eur=0, monthly_hours=2), answers=answers, today=today
    )
    assert poor.phases[0].steps
    # With no money, only urgent steps and duties due within the year (or their prerequisites)
    # cost anything, and they say they are over budget and why.
    for step in poor.steps:
        if step.cost_once or step.cost_monthly:
            assert step.over_budget
            assert step.over_budget_reason == ("urgent" if step.urgent else "deadline")
