"""A published-style instrument written in the file format, scored against a hand-made table.

tests/data/published-style-check.yaml: dimension "business" has two question groups of
weight 50 each (investments: a tick list that may be left empty, worth 0, and a three-step
plan question; readiness: three 0-5 adoption scales that may not apply); dimension "index"
has four yes/no items. Bands on whole points: 0-25, 26-50, 51-75, 76-100.

By hand: investments = (ticked / 4 + plan / 2) / 2; readiness = mean of step / 5 over the
scales that apply; business = 100 * (50 * investments + 50 * readiness) / 100, or only the
group that has answers; index = 100 * yes / 4; overall = (business + index) / 2.
"""

from pathlib import Path

import pytest

from assessment.engine.scoring import whole_points
from assessment.questionnaire_file import load_questionnaire_file
from tests.factories import NA, answered_as

INSTRUMENT = Path(__file__).resolve().parent / "data" / "published-style-check.yaml"


# name: (answers, business, index, overall, displayed overall, levels of business/index/overall)
TABLE = {
    "typical": (
        {
            "invest_areas": ["it_infra", "sales"],  # 2 of 4 = 0.5
            "invest_plan": ["partly"],  # 1 of 2 = 0.5 -> investments 0.5
            "tech_cloud": ["s3"],  # 0.6
            "tech_crm": ["s1"],  # 0.2
            "tech_erp": ["s5"],  # 1.0 -> readiness 0.6
            "idx_website": ["yes"],
            "idx_einvoice": ["yes"],
            "idx_backup": ["no"],
            "idx_2fa": ["no"],
        },
        55.0,  # 100 * (0.5 * 0.5 + 0.5 * 0.6)
        50.0,
        52.5,
        53,
        ("advanced", "intermediate", "advanced"),
    ),
    "empty list, no technology applies": (
        {
            "invest_areas": [],  # shown and saved with nothing ticked: 0
            "invest_plan": ["no"],  # investments 0
            "tech_cloud": NA,
            "tech_crm": NA,
            "tech_erp": NA,  # readiness drops out; investments carry the dimension
            "idx_website": ["yes"],
            "idx_einvoice": ["no"],
            "idx_backup": ["no"],
            "idx_2fa": ["no"],
        },
        0.0,
        25.0,
        12.5,
        13,
        ("beginner", "beginner", "beginner"),
    ),
    "one scale applies": (
        {
            "invest_areas": ["it_infra", "sales", "logistics", "admin"],  # 1.0
            "invest_plan": ["yes"],  # investments 1.0
            "tech_cloud": ["s2"],  # 0.4, the only scale that applies: readiness 0.4
            "tech_crm": NA,
            "tech_erp": NA,
            "idx_website": ["yes"],
            "idx_einvoice": ["yes"],
            "idx_backup": ["yes"],
            "idx_2fa": ["no"],
        },
        70.0,  # 100 * (0.5 * 1.0 + 0.5 * 0.4)
        75.0,
        72.5,
        73,
        ("advanced", "advanced", "advanced"),
    ),
    "just past a band boundary": (
        {
            "invest_areas": ["it_infra", "sales"],  # 0.5
            "invest_plan": ["no"],  # investments 0.25
            "tech_cloud": ["s3"],  # 0.6
            "tech_crm": ["s0"],  # 0.0
            "tech_erp": NA,  # readiness 0.3
            "idx_website": ["yes"],
            "idx_einvoice": ["no"],
            "idx_backup": ["no"],
            "idx_2fa": ["no"],
        },
        27.5,  # 100 * (0.5 * 0.25 + 0.5 * 0.3), shown as 28
        25.0,
        26.25,
        26,
        ("intermediate", "beginner", "intermediate"),
    ),
}


@pytest.fixture
def instrument(db):
    return load_questionnaire_file(path=INSTRUMENT).questionnaire


@pytest.mark.parametrize("name", list(TABLE))
def test_published_style_instrument_scores_as_the_table_says(instrument, name):
    answers, business, index, overall, shown, levels = TABLE[name]
    result = answered_as(instrument, answers).compute_result()
    assert result.dimension("business").score == pytest.approx(business)
    assert result.dimension("index").score == pytest.approx(index)
    assert result.overall == pytest.approx(overall)
    assert whole_points(result.overall) == shown
    assert (result.dimension("business").level, result.dimension("index").level, result.level) == (
        levels
    )
    assert result.complete


def test_a_list_never_shown_stays_open_while_the_rest_scores(instrument):
    answers = dict(TABLE["typical"][0])
    del answers["invest_areas"]
    result = answered_as(instrument, answers).compute_result()
    # Investments rest on the plan alone (0.5): 100 * (0.5 * 0.5 + 0.5 * 0.6).
    assert result.dimension("business").score == pytest.approx(55.0)
    assert result.missing == ("invest_areas",)
    assert not result.complete


def test_levers_in_a_group_count_the_groups_share(instrument):
    result = answered_as(instrument, TABLE["typical"][0]).compute_result()
    plan = result.question("invest_plan")
    # At its top the plan lifts investments from 0.5 to 0.75: business 55 -> 67.5.
    assert plan.dimension_lever == pytest.approx(12.5)
    assert plan.overall_lever == pytest.approx(6.25)
    assert sum(
        q.dimension_contribution for q in result.questions if q.dimension == "business"
    ) == pytest.approx(55.0)


def test_instrument_is_stored_with_its_groups_and_bands(instrument):
    business = instrument.dimensions.get(key="business")
    assert [(g["key"], g["weight"]) for g in business.groups] == [
        ("investments", 50.0),
        ("readiness", 50.0),
    ]
    assert instrument.questions.get(key="invest_areas").empty_zero
    assert instrument.questions.get(key="tech_cloud").group == "readiness"
    assert instrument.whole_point_bands
    assert [(b.key, b.lower, b.upper) for b in instrument.bands.order_by("order")] == [
        ("beginner", 0, 25),
        ("intermediate", 26, 50),
        ("advanced", 51, 75),
        ("leader", 76, 100),
    ]


def test_an_empty_zero_answer_reads_nothing_ticked(instrument):
    from django.utils import translation

    from assessment.engine.scoring import AnswerInput

    areas = instrument.questions.prefetch_related("options").get(key="invest_areas")
    areas.option_list = list(areas.options.order_by("order"))
    with translation.override("en"):
        assert areas.answer_labels(AnswerInput(options=())) == "nothing ticked"
        assert areas.answer_labels(None) == "no answer"
        assert areas.answer_labels(AnswerInput(not_applicable=True)) == "does not apply"
