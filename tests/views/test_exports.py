"""Exports for people who open them in Excel: labels not keys, typed XLSX cells with widths
and a frozen header, CSV in the active language's convention, names with the company."""

from __future__ import annotations

import csv
import datetime
import io
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessment.models import Company, ConsultantProfile, Membership
from tests.factories import completed_assessment

DIMENSION_TITLES = {
    "de": ["Webseite & Online-Auftritt", "Buchhaltung & Finanzen"],
    "en": ["Website & online presence", "Accounting & finance"],
}


@pytest.fixture
def advisor(client, consultant):
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    client.force_login(consultant)
    return client


@pytest.fixture
def checked_client(consultant, default_questionnaire):
    company = Company.objects.create(
        name="Bäckerei Müller & Söhne", industry="crafts", size_band="2-9", region="Köln"
    )
    Membership.objects.create(company=company, user=consultant, role=Membership.Role.CONSULTANT)
    completed_assessment(default_questionnaire, company=company, level=0.3)
    completed_assessment(default_questionnaire, company=company, level=0.55)
    return company


def in_language(client, language: str) -> None:
    client.post(reverse("set_language"), {"language": language, "next": "/"})


def parsed_csv(response, delimiter: str) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark for Excel
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=delimiter))


def stored_levels(company: Company, language: str) -> list[str]:
    names = []
    for assessment in company.assessments.order_by("completed_at"):
        band = assessment.questionnaire.content().band(assessment.result["level"])
        names.append(band.name_de if language == "de" else band.name_en)
    return names


def test_german_history_csv_is_semicolon_separated_with_decimal_commas(advisor, checked_client):
    response = advisor.get(reverse("company_export", args=[checked_client.pk, "csv"]))
    rows = parsed_csv(response, ";")
    header, body = rows[0], rows[1:]
    assert header[:5] == ["Datum", "Art", "Fragebogen", "Index", "Stufe"]
    assert set(DIMENSION_TITLES["de"]) <= set(header)
    assert "website" not in header
    assert len(body) == 2
    overall = [row[3] for row in body]
    for value in overall:
        assert "," in value and "." not in value, value
        float(value.replace(",", "."))
    assert [row[4] for row in body] == stored_levels(checked_client, "de")
    assert "unterwegs" not in {row[4] for row in body}
    datetime.datetime.strptime(body[0][0], "%d.%m.%Y")
    assert body[0][2].startswith("Reifegrad-Check Digitalisierung")


def test_english_history_csv_is_comma_separated_with_decimal_points(advisor, checked_client):
    in_language(advisor, "en")
    response = advisor.get(reverse("company_export", args=[checked_client.pk, "csv"]))
    rows = parsed_csv(response, ",")
    header, body = rows[0], rows[1:]
    assert header[:5] == ["Date", "Type", "Questionnaire", "Index", "Level"]
    assert set(DIMENSION_TITLES["en"]) <= set(header)
    for row in body:
        assert len(row) == len(header)
        assert "," not in row[3]
        float(row[3])
        datetime.date.fromisoformat(row[0])
    assert [row[4] for row in body] == stored_levels(checked_client, "en")


def test_portfolio_csv_follows_the_language_and_names_the_level(advisor, checked_client):
    rows = parsed_csv(advisor.get(reverse("portfolio_export", args=["csv"])), ";")
    assert rows[1][0] == "Bäckerei Müller & Söhne"
    assert rows[1][6] == stored_levels(checked_client, "de")[-1]
    assert "," in rows[1][5] and "," in rows[1][7]
    in_language(advisor, "en")
    rows = parsed_csv(advisor.get(reverse("portfolio_export", args=["csv"])), ",")
    assert rows[0][6] == "Level"
    assert rows[1][6] == stored_levels(checked_client, "en")[-1]
    float(rows[1][5])
    float(rows[1][7])


@pytest.mark.parametrize("language", ["de", "en"])
def test_history_xlsx_has_typed_cells_widths_and_a_frozen_header(advisor, checked_client, language):
    in_language(advisor, language)
    response = advisor.get(reverse("company_export", args=[checked_client.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert set(DIMENSION_TITLES[language]) <= set(header)
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    date_cell, index_cell, level_cell = sheet["A2"], sheet["D2"], sheet["E2"]
    assert isinstance(date_cell.value, datetime.datetime)
    assert date_cell.number_format == {"de": "dd.mm.yyyy", "en": "d mmm yyyy"}[language]
    assert isinstance(index_cell.value, float) and index_cell.data_type == "n"
    assert index_cell.number_format == "0.0"
    assert level_cell.value == stored_levels(checked_client, language)[0]
    for column, title in enumerate(header, start=1):
        letter = sheet.cell(row=1, column=column).column_letter
        width = sheet.column_dimensions[letter].width
        assert 8 <= width <= 50
        assert width >= min(len(title), 48), (title, width)
        if title in DIMENSION_TITLES[language]:
            assert sheet.cell(row=2, column=column).data_type == "n"
            assert sheet.cell(row=2, column=column).number_format == "0.0"


def test_portfolio_xlsx_counts_are_integers(advisor, checked_client):
    response = advisor.get(reverse("portfolio_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    open_steps = sheet.cell(row=2, column=header.index("Offene Schritte") + 1)
    assert isinstance(open_steps.value, int) and open_steps.number_format == "0"
    change = sheet.cell(row=2, column=header.index("Veränderung") + 1)
    assert isinstance(change.value, float) and change.number_format == "0.0"


def test_history_export_is_named_after_the_company_with_its_umlauts(advisor, checked_client):
    response = advisor.get(reverse("company_export", args=[checked_client.pk, "xlsx"]))
    disposition = response["Content-Disposition"]
    assert disposition.startswith(
        'attachment; filename="Reifegrad_Verlauf_Baeckerei-Mueller-Soehne_'
    )
    assert f"_{checked_client.pk}_" not in disposition
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert unquote(encoded).startswith("Reifegrad_Verlauf_Bäckerei-Müller-Söhne_")
    assert unquote(encoded).endswith(".xlsx")
    in_language(advisor, "en")
    response = advisor.get(reverse("company_export", args=[checked_client.pk, "csv"]))
    assert "Reifegrad_History_Baeckerei-Mueller-Soehne_" in response["Content-Disposition"]


def test_file_names_cannot_break_the_header(advisor, consultant, default_questionnaire):
    company = Company.objects.create(
        name='Evil"; filename="x.exe\r\nX-Injected: 1', industry="crafts", size_band="2-9"
    )
    Membership.objects.create(company=company, user=consultant, role=Membership.Role.CONSULTANT)
    response = advisor.get(reverse("company_export", args=[company.pk, "csv"]))
    disposition = response["Content-Disposition"]
    assert disposition.count('"') == 2
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.startswith(
        'attachment; filename="Reifegrad_Verlauf_Evil-filename-x-exe-X-Injected-1_'
    )


def test_company_page_links_the_history_export(client, owner, company, default_questionnaire):
    completed_assessment(default_questionnaire, company=company)
    client.force_login(owner)
    page = client.get(reverse("company", args=[company.pk])).content.decode()
    for file_format in ("csv", "xlsx"):
        url = reverse("company_export", args=[company.pk, file_format])
        assert f'href="{url}"' in page
        assert client.get(url).status_code == 200


@pytest.fixture
def client_with_quick_check(checked_client, quick_check):
    """Two full checks (from `checked_client`) and one quick check in between them."""
    completed_assessment(quick_check, company=checked_client, level=0.8)
    return checked_client


def test_history_xlsx_has_one_sheet_per_instrument_the_full_check_first(
    advisor, client_with_quick_check
):
    response = advisor.get(reverse("company_export", args=[client_with_quick_check.pk, "xlsx"]))
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Reifegrad-Check Digitalisierung", "Reifegrad-Schnellcheck"]
    full, quick = workbook.worksheets
    full_header = [cell.value for cell in full[1]]
    assert set(DIMENSION_TITLES["de"]) <= set(full_header)
    assert "Schnellcheck" not in full_header
    assert full.max_row == 3  # header and the two full checks, no quick check among them
    assert all(row[2].value.startswith("Reifegrad-Check") for row in full.iter_rows(min_row=2))
    quick_header = [cell.value for cell in quick[1]]
    assert quick_header == ["Datum", "Art", "Fragebogen", "Index", "Stufe", "Schnellcheck"]
    assert quick.max_row == 2
    assert quick["C2"].value.startswith("Reifegrad-Schnellcheck")
    assert isinstance(quick["D2"].value, float) and quick["D2"].number_format == "0.0"
    assert quick.freeze_panes == "A2" and quick["A1"].font.bold
    in_language(advisor, "en")
    response = advisor.get(reverse("company_export", args=[client_with_quick_check.pk, "xlsx"]))
    assert load_workbook(io.BytesIO(response.content)).sheetnames == [
        "Reifegrad digital maturity…",  # Excel allows 31 characters
        "Reifegrad quick check",
    ]


def test_history_csv_holds_the_full_check_and_each_other_instrument_its_own_file(
    advisor, client_with_quick_check
):
    url = reverse("company_export", args=[client_with_quick_check.pk, "csv"])
    rows = parsed_csv(advisor.get(url), ";")
    assert len(rows) == 3
    assert all(row[2].startswith("Reifegrad-Check Digitalisierung") for row in rows[1:])
    assert "Schnellcheck" not in rows[0]
    response = advisor.get(url, {"fragebogen": "reifegrad-schnellcheck"})
    rows = parsed_csv(response, ";")
    assert rows[0] == ["Datum", "Art", "Fragebogen", "Index", "Stufe", "Schnellcheck"]
    assert len(rows) == 2 and rows[1][2].startswith("Reifegrad-Schnellcheck")
    assert unquote(response["Content-Disposition"].split("filename*=UTF-8''")[1]).startswith(
        "Reifegrad_Verlauf_Bäckerei-Müller-Söhne_Reifegrad-Schnellcheck_"
    )
    assert advisor.get(url, {"fragebogen": "reifegrad-kmu"}).content == advisor.get(url).content
    assert advisor.get(url, {"fragebogen": "no-such-check"}).status_code == 404


def test_only_quick_checks_make_the_quick_check_the_first_sheet(advisor, consultant, quick_check):
    company = Company.objects.create(name="Nur Schnell", industry="crafts", size_band="2-9")
    Membership.objects.create(company=company, user=consultant, role=Membership.Role.CONSULTANT)
    completed_assessment(quick_check, company=company)
    response = advisor.get(reverse("company_export", args=[company.pk, "xlsx"]))
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["Reifegrad-Schnellcheck"]
    rows = parsed_csv(advisor.get(reverse("company_export", args=[company.pk, "csv"])), ";")
    assert rows[0][-1] == "Schnellcheck" and len(rows) == 2


def test_history_export_without_a_check_is_a_header(advisor, consultant, default_questionnaire):
    company = Company.objects.create(name="Neu", industry="crafts", size_band="2-9")
    Membership.objects.create(company=company, user=consultant, role=Membership.Role.CONSULTANT)
    rows = parsed_csv(advisor.get(reverse("company_export", args=[company.pk, "csv"])), ";")
    assert rows == [["Datum", "Art", "Fragebogen", "Index", "Stufe"]]
    response = advisor.get(reverse("company_export", args=[company.pk, "xlsx"]))
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["Verlauf"]


def test_company_page_links_each_other_instruments_csv(
    client, owner, company, default_questionnaire, quick_check
):
    completed_assessment(default_questionnaire, company=company)
    completed_assessment(quick_check, company=company)
    client.force_login(owner)
    page = client.get(reverse("company", args=[company.pk])).content.decode()
    url = reverse("company_export", args=[company.pk, "csv"]) + "?fragebogen=reifegrad-schnellcheck"
    assert f'href="{url}"' in page
    rows = parsed_csv(client.get(url), ";")
    assert rows[1][2].startswith("Reifegrad-Schnellcheck")


def test_sheet_titles_are_valid_and_unique():
    from assessment.consultants import sheet_title

    taken: set[str] = set()
    first = sheet_title("Check: Teil [1/2]? " + "x" * 40, taken)
    assert first == "Check- Teil -1-2--…"
    assert len(first) <= 31 and not set("[]:*?/\\") & set(first)
    second = sheet_title("check: teil [1/2]? " + "x" * 40, taken)
    assert second != first and second.endswith(" (2)") and len(second) <= 31
