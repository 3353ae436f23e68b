"""A published-style instrument with a grid, scored against a table computed by hand.

tests/data/published-grid-check.yaml: dimension "business" has two question groups of weight
50 each. "investments" holds a tick list that may be left empty (worth 0) and a three-step
plan question; "readiness" holds the grid "technologies" (weight 3; four rows on one 0-5
adoption scale, each row may not apply) and a yes/no training question (weight 1).
Dimension "index" has four yes/no items. Bands on whole points: 0-25, 26-50, 51-75, 76-100.

By hand:
    investments = (ticked / 4 + plan / 2) / 2
    grid        = mean of step / 5 over the rows that apply (a grid with no row that applies
                  drops out of its group)
    readiness   = (3 * grid + 1 * training) / (3 + 1), or training alone without the grid
    business    = 100 * (50 * investments + 50 * readiness) / 100
    index       = 100 * yes / 4
    overall     = (business + index) / 2
"""

from pathlib import Path

import pytest

from assessment.models import Answer, Assessment, Company, Respondent
from assessment.questionnaire_file import load_questionnaire_file
from assessment.engine.scoring import whole_points

INSTRUMENT = Path(__file__).resolve().parent / "data" / "published-grid-check.yaml"

NA = "n/a"
ROWS = ("tech_cloud", "tech_crm", "tech_erp", "tech_shop")

# name: (answers, business, index, overall, displayed overall, levels of business/index/overall)
TABLE = {
    "typical": (
        {
            "invest_areas": ["it_infra", "sales"],  # 2 of 4 = 0.5
            "invest_plan": ["partly"],  # 1 of 2 = 0.5 -> investments (0.5 + 0.5) / 2 = 0.5
            "tech_cloud": ["s3"],  # 3 / 5 = 0.6
            "tech_crm": ["s1"],  # 1 / 5 = 0.2
            "tech_erp": ["s5"],  # 5 / 5 = 1.0
            "tech_shop": NA,  # drops out: grid = (0.6 + 0.2 + 1.0) / 3 = 0.6
            "tech_training": ["yes"],  # 1.0 -> readiness (3 * 0.6 + 1 * 1.0) / 4 = 0.7
            "idx_website": ["yes"],
            "idx_einvoice": ["yes"],
            "idx_backup": ["no"],
            "idx_2fa": ["no"],  # index 100 * 2 / 4 = 50
        },
        60.0,  # 100 * (50 * 0.5 + 50 * 0.7) / 100
        50.0,
        55.0,  # (60 + 50) / 2
        55,
        ("advanced", "intermediate", "advanced"),
    ),
    "empty list, no row of the grid applies": (
        {
            "invest_areas": [],  # shown and saved with nothing ticked: 0
            "invest_plan": ["no"],  # 0 -> investments 0
            "tech_cloud": NA,
            "tech_crm": NA,
            "tech_erp": NA,
            "tech_shop": NA,  # the grid drops out of its group (it is not a 0)
            "tech_training": ["yes"],  # readiness = training alone = 1.0
            "idx_website": ["yes"],
            "idx_einvoice": ["no"],
            "idx_backup": ["no"],
            "idx_2fa": ["no"],  # index 100 * 1 / 4 = 25
        },
        50.0,  # 100 * (50 * 0 + 50 * 1.0) / 100; a grid counted as 0 would give 12.5
        25.0,
        37.5,  # (50 + 25) / 2, shown half up as 38
        38,
        ("intermediate", "beginner", "intermediate"),
    ),
    "one row applies": (
        {
            "invest_areas": ["it_infra", "sales", "logistics", "admin"],  # 1.0
            "invest_plan": ["yes"],  # 1.0 -> investments 1.0
            "tech_cloud": ["s2"],  # 0.4, the only row that applies: grid 0.4
            "tech_crm": NA,
            "tech_erp": NA,
            "tech_shop": NA,
            "tech_training": ["no"],  # 0 -> readiness (3 * 0.4 + 1 * 0) / 4 = 0.3
            "idx_website": ["yes"],
            "idx_einvoice": ["yes"],
            "idx_backup": ["yes"],
            "idx_2fa": ["no"],  # index 75
        },
        65.0,  # 100 * (50 * 1.0 + 50 * 0.3) / 100
        75.0,
        70.0,  # (65 + 75) / 2
        70,
        ("advanced", "advanced", "advanced"),
    ),
    "every row answered": (
        {
            "invest_areas": ["admin"],  # 0.25
            "invest_plan": ["no"],  # 0 -> investments 0.125
            "tech_cloud": ["s5"],  # 1.0
            "tech_crm": ["s4"],  # 0.8
            "tech_erp": ["s4"],  # 0.8
            "tech_shop": ["s2"],  # 0.4 -> grid (1.0 + 0.8 + 0.8 + 0.4) / 4 = 0.75
            "tech_training": ["yes"],  # readiness (3 * 0.75 + 1 * 1.0) / 4 = 0.8125
            "idx_website": ["no"],
            "idx_einvoice": ["no"],
            "idx_backup": ["no"],
            "idx_2fa": ["no"],  # index 0
        },
        46.875,  # 100 * (50 * 0.125 + 50 * 0.8125) / 100, shown as 47
        0.0,
        23.4375,  # (46.875 + 0) / 2, shown as 23
        23,
        ("intermediate", "beginner", "beginner"),
    ),
}


def take(questionnaire, answers: dict, company: Company | None = None) -> Assessment:
    company = company or Company.objects.create(industry="crafts", size_band="2-9")
    assessment = Assessment.objects.create(company=company, questionnaire=questionnaire)
    respondent = Respondent.objects.create(assessment=assessment, is_primary=True)
    questions = {q.key: q for q in questionnaire.questions.all()}
    for key, chosen in answers.items():
        Answer.objects.create(
            assessment=assessment,
            respondent=respondent,
            question=questions[key],
            options=[] if chosen == NA else list(chosen),
            not_applicable=chosen == NA,
        )
    return assessment


@pytest.fixture
def instrument(db):
    return load_questionnaire_file(path=INSTRUMENT).questionnaire


@pytest.mark.parametrize("name", list(TABLE))
def test_grid_instrument_scores_as_the_table_says(instrument, name):
    answers, business, index, overall, shown, levels = TABLE[name]
    result = take(instrument, answers).compute_result()
    assert result.dimension("business").score == pytest.approx(business)
    assert result.dimension("index").score == pytest.approx(index)
    assert result.overall == pytest.approx(overall)
    assert whole_points(result.overall) == shown
    assert (result.dimension("business").level, result.dimension("index").level, result.level) == (
        levels
    )
    assert result.complete


def test_grid_rows_are_stored_as_questions_in_file_order(instrument):
    rows = list(instrument.questions.filter(grid__isnull=False).order_by("order"))
    assert [row.key for row in rows] == list(ROWS)
    assert {row.grid.key for row in rows} == {"technologies"}
    assert all(row.allow_na and row.group == "readiness" for row in rows)
    assert [o.key for o in rows[0].options.order_by("order")] == [f"s{i}" for i in range(6)]


def test_a_row_left_open_keeps_the_check_open(instrument):
    answers = dict(TABLE["typical"][0])
    del answers["tech_crm"]
    result = take(instrument, answers).compute_result()
    # The grid is the mean of its answered rows: (0.6 + 1.0) / 2 = 0.8;
    # readiness (3 * 0.8 + 1.0) / 4 = 0.85; business 100 * (0.5 * 0.5 + 0.5 * 0.85) = 67.5.
    assert result.dimension("business").score == pytest.approx(67.5)
    assert result.missing == ("tech_crm",)
    assert not result.complete
