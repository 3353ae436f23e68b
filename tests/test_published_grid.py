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

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from assessment.engine.scoring import whole_points
from assessment.models import Answer, Assessment, Company, Membership, Respondent
from assessment.questionnaire_file import load_questionnaire_file, load_questionnaire_text
from assessment.reports.data import build_report
from assessment.reports.pdf import assessment_pdf
from assessment.workflows import finish_assessment, start_reassessment
from tests.factories import NA, answered_as

INSTRUMENT = Path(__file__).resolve().parent / "data" / "published-grid-check.yaml"

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


@pytest.fixture
def instrument(db):
    return load_questionnaire_file(path=INSTRUMENT).questionnaire


@pytest.mark.parametrize("name", list(TABLE))
def test_grid_instrument_scores_as_the_table_says(instrument, name):
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


def test_grid_rows_are_stored_as_questions_in_file_order(instrument):
    rows = list(instrument.questions.filter(grid__isnull=False).order_by("order"))
    assert [row.key for row in rows] == list(ROWS)
    assert {row.grid.key for row in rows} == {"technologies"}
    assert all(row.allow_na and row.group == "readiness" for row in rows)
    assert [o.key for o in rows[0].options.order_by("order")] == [f"s{i}" for i in range(6)]


def test_a_row_left_open_keeps_the_check_open(instrument):
    answers = dict(TABLE["typical"][0])
    del answers["tech_crm"]
    result = answered_as(instrument, answers).compute_result()
    # The grid is the mean of its answered rows: (0.6 + 1.0) / 2 = 0.8;
    # readiness (3 * 0.8 + 1.0) / 4 = 0.85; business 100 * (0.5 * 0.5 + 0.5 * 0.85) = 67.5.
    assert result.dimension("business").score == pytest.approx(67.5)
    assert result.missing == ("tech_crm",)
    assert not result.complete


# --- The grid downstream: every place that works per question works per row, and shows the
# row with its grid's text.

GRID_DE = "Wie weit nutzt Ihr Unternehmen diese Techniken?"
GRID_EN = "How far does your company use these technologies?"
CRM_DE = f"{GRID_DE} – Kundenverwaltung (CRM)"
CRM_EN = f"{GRID_EN} – Customer management (CRM)"


@pytest.fixture
def owned(owner):
    company = Company.objects.create(name="Technik Kraus", industry="crafts", size_band="2-9")
    Membership.objects.create(company=company, user=owner)
    return company


@pytest.fixture
def browser(client, owner):
    client.force_login(owner)
    return client


def finished(instrument, answers: dict, company: Company) -> Assessment:
    assessment = answered_as(instrument, answers, company)
    finish_assessment(assessment=assessment)
    assessment.refresh_from_db()
    return assessment


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def with_changes(answers: dict, **changes) -> dict:
    return {**answers, **changes}


def test_consolidation_shows_each_row_with_its_grid_and_decides_per_row(
    instrument, owned, owner, browser
):
    assessment = start_reassessment(
        company=owned, user=owner, carry_over=False, questionnaire=instrument
    )
    rows = {q.key: q for q in instrument.questions.filter(grid__isnull=False)}
    given = {
        "A": {"tech_crm": ["s1"], "tech_erp": ["s5"], "tech_cloud": ["s2"]},
        "B": {"tech_crm": ["s4"], "tech_erp": ["s5"], "tech_cloud": NA},
    }
    people = {}
    for name, answers in given.items():
        people[name] = Respondent.objects.create(assessment=assessment, name=name)
        for key, chosen in answers.items():
            Answer.objects.create(
                assessment=assessment,
                respondent=people[name],
                question=rows[key],
                options=[] if chosen == NA else chosen,
                not_applicable=chosen == NA,
            )
    page = browser.get(reverse("consolidation", args=[assessment.public_id])).content.decode()
    assert CRM_DE in page
    assert f"{GRID_DE} – Warenwirtschaft (ERP)" in page
    crm_row = page[page.index('id="row-tech_crm"') : page.index('id="row-tech_erp"')]
    assert "data-disagreement" in crm_row  # one and four steps apart: three levels
    assert "Erwogen" in crm_row and "Eingeführt" in crm_row
    erp_row = page[page.index('id="row-tech_erp"') :]
    erp_row = erp_row[: erp_row.index("</tr>")]
    assert "data-disagreement" not in erp_row
    assert re.search(r"data-proposal>\s*Im Betrieb", erp_row)  # both said so

    choose = reverse("consolidation_choose", args=[assessment.public_id])
    response = browser.post(
        choose, {"question": "tech_crm", "take": f"r{people['B'].pk}"}, follow=True
    )
    assert f"Gemeinsame Antwort festgelegt: {CRM_DE} – Eingeführt" in response.content.decode()
    browser.post(choose, {"question": "tech_cloud", "take": "edit", "answer": "s3"})
    final = {
        a.question.key: (a.options, a.decided)
        for a in Answer.objects.filter(assessment=assessment, respondent__is_primary=True)
    }
    assert final == {"tech_crm": (["s4"], True), "tech_cloud": (["s3"], True)}
    page = browser.get(reverse("consolidation", args=[assessment.public_id])).content.decode()
    crm_row = page[page.index('id="row-tech_crm"') :]
    assert 'data-state="decided"' in crm_row[: crm_row.index(">")]


def test_comparison_matches_rows_by_key_and_shows_them_with_their_grid(instrument, owned, browser):
    before = finished(instrument, TABLE["typical"][0], owned)
    after = finished(instrument, TABLE["every row answered"][0], owned)
    page = browser.get(
        reverse("comparison", args=[owned.pk]),
        {"vorher": before.public_id, "nachher": after.public_id},
    ).content.decode()
    assert CRM_DE in page
    assert f"{GRID_DE} – Onlineshop" in page  # does not apply -> Geplant
    changed = page[page.index(CRM_DE) :]
    assert "Erwogen → <strong>Eingeführt</strong>" in changed[:600]


def test_comparison_across_versions_lists_rows_only_one_version_has(instrument, owned, browser):
    text = INSTRUMENT.read_text(encoding="utf-8")
    shop_row = (
        "              - key: tech_shop\n                label: {de: Onlineshop, en: Online shop}\n"
    )
    assert shop_row in text
    newer = load_questionnaire_text(
        text=text.replace("version: 1", "version: 2").replace(
            shop_row,
            "              - key: tech_ai\n"
            "                label: {de: Künstliche Intelligenz, en: Artificial intelligence}\n",
        ),
        filename="published-grid-check.yaml",
    ).questionnaire
    assert newer.version == 2
    before = finished(instrument, TABLE["typical"][0], owned)
    answers = dict(TABLE["typical"][0], tech_crm=["s3"], tech_ai=["s1"])
    del answers["tech_shop"]
    after = finished(newer, answers, owned)
    page = browser.get(
        reverse("comparison", args=[owned.pk]),
        {"vorher": before.public_id, "nachher": after.public_id},
    ).content.decode()
    assert "Erwogen → <strong>Erprobt</strong>" in page[page.index(CRM_DE) :][:600]
    assert f"nur vorher: {GRID_DE} – Onlineshop" in page
    assert f"nur nachher: {GRID_DE} – Künstliche Intelligenz" in page
    # Rows answered the same in both versions are no change.
    assert f"{GRID_DE} – Cloud-Dienste" not in page


@pytest.mark.parametrize(
    ("changes", "suggested"),
    [
        ({}, True),  # CRM considered (20 %), ERP running, some cloud: the step fits
        ({"tech_crm": ["s4"]}, False),  # the trigger row is at 80 %, not below 60
        ({"tech_crm": NA}, False),  # a row that does not apply triggers nothing
        ({"tech_erp": ["s1"]}, False),  # `when` on another row fails: no ERP in use
        ({"tech_erp": NA}, False),  # `when` never holds on a row that does not apply
        ({"tech_cloud": ["s0"]}, False),  # `unless` on a row holds: no cloud service at all
        ({"tech_cloud": NA}, True),  # `unless` does not hold on a row that does not apply
    ],
)
def test_a_roadmap_step_follows_one_row_of_the_grid(instrument, changes, suggested):
    answers = with_changes(TABLE["typical"][0], **changes)
    plan = build_report(assessment=answered_as(instrument, answers)).roadmap
    assert (plan.step("r_crm_link") is not None) is suggested
    assert plan.step("r_invest_plan") is not None  # the plan question is at 50 % throughout


def test_pdf_appendix_shows_a_grid_as_a_table_of_rows_and_answers(instrument, owned):
    assessment = finished(instrument, TABLE["typical"][0], owned)
    with translation.override("de"):
        text = pdf_text(assessment_pdf(assessment=assessment).content)
    appendix = text[text.rindex("Anhang: alle Antworten") :]  # the heading, not the contents line
    assert appendix.count(GRID_DE) == 1  # once, above its rows
    # Outside the appendix a row reads with its grid's text (levers, "Was Sie bremst").
    assert f"{GRID_DE} – " in text[: text.rindex("Anhang: alle Antworten")]
    grid_part = appendix[appendix.index(GRID_DE) :]
    for label, answer in (
        ("Cloud-Dienste", "Erprobt"),
        ("Kundenverwaltung (CRM)", "Erwogen"),
        ("Warenwirtschaft (ERP)", "Im Betrieb"),
        ("Onlineshop", "trifft nicht zu"),
    ):
        assert f"{label} {answer}" in grid_part
    # The rows follow their grid in the file's order, and the next question follows them.
    positions = [grid_part.index(label) for label in ("Cloud-Dienste", "Onlineshop")]
    assert positions == sorted(positions) < [grid_part.index("Werden die Mitarbeitenden")]
    with translation.override("en"):
        english = pdf_text(assessment_pdf(assessment=assessment).content)
    appendix = english[english.index(GRID_EN) :]
    assert "Customer management (CRM) Considered" in appendix


def test_json_export_names_the_grid_of_each_row(instrument, owned, browser):
    assessment = finished(instrument, TABLE["typical"][0], owned)
    data = browser.get(reverse("report_json", args=[assessment.public_id])).json()
    answers = {item["question"]: item for item in data["answers"]}
    assert [key for key in answers if answers[key]["grid"] == "technologies"] == list(ROWS)
    crm = answers["tech_crm"]
    assert (crm["text"], crm["options"], crm["score"], crm["status"]) == (
        CRM_DE,
        ["s1"],
        0.2,
        "answered",
    )
    assert answers["tech_shop"]["not_applicable"] and answers["tech_shop"]["score"] is None
    assert answers["invest_plan"]["grid"] is None
    assert answers["invest_plan"]["text"] == "Gibt es einen Investitionsplan?"
    browser.post(reverse("set_language"), {"language": "en", "next": "/"})
    data = browser.get(reverse("report_json", args=[assessment.public_id])).json()
    assert next(a for a in data["answers"] if a["question"] == "tech_crm")["text"] == CRM_EN


def test_answers_csv_and_xlsx_show_a_grid_and_its_row_in_two_columns(instrument, owned, browser):
    assessment = finished(instrument, TABLE["typical"][0], owned)
    response = browser.get(reverse("report_answers", args=[assessment.public_id, "csv"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Bereich", "Frage", "Zeile", "Antwort", "Punkte in %", "Notiz"]
    by_row = {row[2]: row for row in rows[1:] if row[2]}
    assert list(by_row) == [
        "Cloud-Dienste",
        "Kundenverwaltung (CRM)",
        "Warenwirtschaft (ERP)",
        "Onlineshop",
    ]
    assert by_row["Kundenverwaltung (CRM)"] == [
        "Digitale Geschäftsstrategie",
        GRID_DE,
        "Kundenverwaltung (CRM)",
        "Erwogen",
        "20,0",
        "",
    ]
    assert by_row["Onlineshop"][3:5] == ["trifft nicht zu", ""]
    plan = next(row for row in rows if row[1] == "Gibt es einen Investitionsplan?")
    assert plan[2:5] == ["", "Teilweise", "50,0"]
    assert len(rows) == 1 + 2 + len(ROWS) + 1 + 4

    browser.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = browser.get(reverse("report_answers", args=[assessment.public_id, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert header == ["Area", "Question", "Row", "Answer", "Points in %", "Note"]
    crm = next(
        row for row in sheet.iter_rows(min_row=2) if row[2].value == "Customer management (CRM)"
    )
    assert [cell.value for cell in crm[:4]] == [
        "Digital business strategy",
        GRID_EN,
        "Customer management (CRM)",
        "Considered",
    ]
    assert crm[4].value == 20.0 and crm[4].number_format == "0.0"
    assert browser.get(f"/check/{assessment.public_id}/antworten.exe").status_code == 404


def test_results_page_shows_rows_with_their_grid_and_links_the_answers(instrument, owned, browser):
    assessment = finished(instrument, TABLE["typical"][0], owned)
    page = browser.get(reverse("results", args=[assessment.public_id])).content.decode()
    # Kundenverwaltung at "Erwogen" holds the business area back and is one of the levers.
    assert page.count(CRM_DE) >= 2
    for file_format in ("csv", "xlsx"):
        assert reverse("report_answers", args=[assessment.public_id, file_format]) in page


def test_answers_export_of_someone_elses_check_is_404(instrument, owned, client, outsider):
    assessment = finished(instrument, TABLE["typical"][0], owned)
    client.force_login(outsider)
    for file_format in ("csv", "xlsx"):
        url = reverse("report_answers", args=[assessment.public_id, file_format])
        assert client.get(url).status_code == 404
