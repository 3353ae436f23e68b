"""A second questionnaire in the same file format, end to end through the database."""

import datetime

import pytest

from assessment.engine.roadmap import Budget, plan
from assessment.models import Answer, Company
from tests.factories import NA, answered_as


def test_small_questionnaire_scores_as_computed_by_hand(small_questionnaire):
    assessment = answered_as(
        small_questionnaire,
        {
            "proc_orders": ["email"],  # 5 of 10 points, weight 2
            "proc_tools": ["erp", "dms"],  # 5 points, capped at 6
            "proc_paperless": ["p3"],  # step 3 of 5
            "cust_online": ["online"],
            "cust_channels": ["shop", "mail"],  # 2 of 4, no cap
            "cust_feedback": NA,
        },
    )
    result = assessment.compute_result()
    processes = 100 * (2 * 0.5 + 5 / 6 + 0.6) / 4
    assert result.dimension("processes").score == pytest.approx(processes)
    assert result.dimension("customers").score == pytest.approx(50.0)
    assert result.overall == pytest.approx((2 * processes + 50) / 3)
    assert result.level == "hybrid"
    assert result.complete
    assert result.question("cust_online").status == "unscored"


def test_gate_question_hides_its_follow_up(small_questionnaire):
    assessment = answered_as(
        small_questionnaire,
        {
            "proc_orders": ["system"],
            "proc_tools": ["none", "erp"],  # "none of these" clears the rest
            "proc_paperless": ["p5"],
            "cust_online": ["offline"],
            "cust_channels": ["shop"],
            "cust_feedback": NA,
        },
    )
    result = assessment.compute_result()
    assert result.question("proc_tools").score == 0.0
    assert result.question("cust_channels").status == "hidden"
    assert result.dimension("customers").score is None
    assert result.overall == pytest.approx(100 * (2 + 0 + 1) / 4)


def test_small_catalogue_roadmap_puts_prerequisites_first(small_questionnaire):
    assessment = answered_as(
        small_questionnaire,
        {
            "proc_orders": ["paper"],
            "proc_tools": ["time"],
            "proc_paperless": ["p1"],
            "cust_online": ["offline"],
            "cust_feedback": ["sometimes"],
        },
    )
    result = assessment.compute_result()
    roadmap = plan(
        result,
        small_questionnaire.catalogue_spec(),
        Budget(monthly_eur=500, monthly_hours=20),
        answers=assessment.answer_inputs(),
        today=datetime.date(2026, 12, 1),
    )
    keys = [step.key for step in roadmap.steps]
    # A legal step without 'kind' (the first file format) is a dated duty; its date has passed,
    # so it is overdue and urgent.
    assert keys[0] == "mini_feedback"
    assert roadmap.step("mini_feedback").overdue and roadmap.step("mini_feedback").urgent
    assert keys.index("mini_order_inbox") < keys.index("mini_erp")


def test_three_level_bands_with_their_names(small_questionnaire):
    bands = list(small_questionnaire.bands.order_by("order"))
    assert [(b.key, b.lower, b.upper) for b in bands] == [
        ("analog", 0, 33.3),
        ("hybrid", 33.3, 66.7),
        ("digital", 66.7, 100),
    ]
    assert bands[0].name_en == "Analogue"


def test_answers_are_one_row_per_assessment_respondent_and_question(small_questionnaire):
    from django.db import IntegrityError, transaction

    assessment = answered_as(small_questionnaire, {"proc_orders": ["paper"]})
    respondent = assessment.respondents.get()
    question = small_questionnaire.questions.get(key="proc_orders")
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(
            assessment=assessment, respondent=respondent, question=question, options=["email"]
        )
    assert Company.objects.count() == 1
