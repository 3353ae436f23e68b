"""Grid questions on the questionnaire pages, end to end with the test client: the page shows
the table in both languages, saving a page saves each row as a question, open rows count as
open questions, a grid's condition hides every row, the facilitator view and the admin upload
preview show the grid, and a whole check on the grid instrument finishes with the row mean."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment.models import Answer, Assessment, Company, ConsultantProfile, Membership
from assessment.page_form import form_state
from assessment.questionnaire_file import load_questionnaire_file
from assessment.workflows import start_reassessment
from tests.conftest import ROOT
from tests.views.test_check import start_for

GRID_CHECK = ROOT / "tests" / "data" / "grid-check.yaml"
TECH_ROWS = ("tech-erp", "tech-crm", "tech-cloud")


@pytest.fixture
def grid_check(db):
    return load_questionnaire_file(path=GRID_CHECK).questionnaire


def page_url(assessment, number: int) -> str:
    return reverse("check_page", args=[assessment.public_id, number])


def untouched(*keys: str) -> dict:
    """The page's fields for questions as it shows them with no answer."""
    fields: dict = {"shown": list(keys)}
    for key in keys:
        fields[f"seen-{key}"] = form_state([], "", None)
        fields[f"note-{key}"] = ""
    return fields


def stored(assessment) -> dict[str, tuple[list[str], bool]]:
    return {
        answer.question.key: (answer.options, answer.not_applicable)
        for answer in Answer.objects.filter(assessment=assessment).select_related("question")
    }


@pytest.mark.parametrize(
    ("language", "grid_text", "column", "row", "not_applicable"),
    [
        (
            "de",
            "Wie weit nutzen Sie diese Technik?",
            "im Betrieb",
            "Warenwirtschaft (ERP)",
            "Trifft auf uns nicht zu",
        ),
        (
            "en",
            "How far do you use these technologies?",
            "operational",
            "Merchandise management (ERP)",
            "Does not apply to us",
        ),
    ],
)
def test_the_page_shows_the_grid_as_a_table_in_each_language(
    client, owner, grid_check, language, grid_text, column, row, not_applicable
):
    assessment = start_for(client, owner, grid_check)
    client.cookies["django_language"] = language
    body = client.get(page_url(assessment, 1)).content.decode()
    assert body.count('data-grid="technologien"') == 1
    assert f'<legend id="grid-technologien-legend" class="fs-6 fw-semibold">{grid_text}' in body
    assert f'<th scope="col" class="grid-step">{column}</th>' in body
    assert f'<th scope="col" class="grid-step grid-na">{not_applicable}</th>' in body
    assert f'<span class="grid-row-label">{row}</span>' in body
    for key in TECH_ROWS:
        assert f'<tr id="q-{key}" class="grid-row" data-question="{key}"' in body
        assert body.count(f'name="q-{key}"') == 6  # five steps and "does not apply"
    # The plain question before the grid is an ordinary fieldset, in the file's order.
    assert body.index('data-question="tech_plan"') < body.index('data-grid="technologien"')


def test_saving_a_page_saves_each_row_and_the_grid_scores_as_their_mean(client, owner, grid_check):
    assessment = start_for(client, owner, grid_check)
    response = client.post(
        page_url(assessment, 1),
        {
            **untouched("tech_plan", *TECH_ROWS),
            "q-tech_plan": "ideas",
            "q-tech-erp": "running",
            "q-tech-crm": "planned",
            "q-tech-cloud": "_na",
            "nav": "next",
        },
    )
    assert response.status_code == 302
    assert response.url.startswith(page_url(assessment, 2))
    assert stored(assessment) == {
        "tech_plan": (["ideas"], False),
        "tech-erp": (["running"], False),
        "tech-crm": (["planned"], False),
        "tech-cloud": ([], True),
    }
    result = assessment.compute_result()
    # tech_plan 0.5 (weight 1); the grid (weight 2) the mean of 1.0 and 0.25.
    assert result.dimension("tech").score == pytest.approx(100 * (0.5 + 2 * 0.625) / 3)
    # The page shows what was saved.
    body = client.get(page_url(assessment, 1)).content.decode()
    assert 'id="q-tech-erp-running" value="running" checked' in body
    assert 'id="q-tech-cloud-na" value="_na" checked' in body


def test_a_bad_value_in_one_row_is_reported_and_the_other_rows_are_saved(client, owner, grid_check):
    assessment = start_for(client, owner, grid_check)
    response = client.post(
        page_url(assessment, 1),
        {**untouched(*TECH_ROWS), "q-tech-erp": "running", "q-tech-crm": "bogus"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert re.search(r'<tr id="q-tech-crm" class="grid-row grid-row-error"', body)
    assert stored(assessment) == {"tech-erp": (["running"], False)}


def test_open_rows_count_as_open_questions_on_the_next_page(client, owner, grid_check):
    assessment = start_for(client, owner, grid_check)
    response = client.post(
        page_url(assessment, 1),
        {**untouched("tech_plan", *TECH_ROWS), "q-tech-erp": "trial", "nav": "next"},
        follow=True,
    )
    body = response.content.decode()
    # tech_plan, tech-crm and tech-cloud are open: three questions, two of them rows.
    assert "3 Fragen auf der vorigen Seite sind noch offen." in body
    finish = client.get(reverse("finish", args=[assessment.public_id])).content.decode()
    assert "Wie weit nutzen Sie diese Technik? – Kundendatenbank (CRM)" in finish


def test_the_grid_condition_hides_every_row(client, owner, grid_check):
    assessment = start_for(client, owner, grid_check)
    client.post(
        page_url(assessment, 2),
        {
            **untouched("sells_goods", "chan-shop", "chan-market", "sales_figures"),
            "q-sells_goods": "no",
            "q-sales_figures": "monthly",
        },
    )
    result = assessment.compute_result()
    assert result.question("chan-shop").status == "hidden"
    assert result.question("chan-market").status == "hidden"
    assert result.dimension("sales").score == pytest.approx(100.0)
    body = client.get(page_url(assessment, 2)).content.decode()
    # The grid stays on the page, switched off, so that a changed answer shows it.
    assert re.search(
        r'<fieldset id="grid-channels" class="question question-grid card card-body mb-3 '
        r'condition-off" data-grid="channels" data-condition-question="sells_goods" '
        r'data-condition-any="yes"',
        body,
    )
    assert body.count("condition-hint") == 1


def test_a_whole_check_with_grids_finishes_in_both_languages(client, owner, grid_check):
    for language in ("de", "en"):
        assessment = start_for(client, owner, grid_check)
        client.cookies["django_language"] = language
        client.post(
            page_url(assessment, 1),
            {
                **untouched("tech_plan", *TECH_ROWS),
                "q-tech_plan": "written",
                "q-tech-erp": "running",
                "q-tech-crm": "none",
                "q-tech-cloud": "partly",
                "nav": "next",
            },
        )
        client.post(
            page_url(assessment, 2),
            {
                **untouched("sells_goods", "chan-shop", "chan-market", "sales_figures"),
                "q-sells_goods": "yes",
                "q-chan-shop": "yes",
                "q-chan-market": "no",
                "q-sales_figures": "sometimes",
                "nav": "finish",
            },
        )
        response = client.post(reverse("finish", args=[assessment.public_id]))
        assert response.status_code == 302, response.content.decode()[:500]
        assessment.refresh_from_db()
        assert assessment.status == Assessment.Status.COMPLETED
        result = assessment.compute_result()
        tech = 100 * (1.0 + 2 * (1.0 + 0 + 0.75) / 3) / 3
        sales = 100 * (1 * 0.5 + 1 * 0.5) / 2  # channels: mean of 1 and 0; figures 0.5
        assert result.dimension("tech").score == pytest.approx(tech)
        assert result.dimension("sales").score == pytest.approx(sales)
        assert result.overall == pytest.approx((tech + sales) / 2)
        results = client.get(reverse("results", args=[assessment.public_id]))
        assert results.status_code == 200
        shown = round(result.overall)
        assert str(shown) in results.content.decode()


def test_the_page_with_a_grid_needs_no_query_per_row(
    client, owner, grid_check, django_assert_max_num_queries
):
    assessment = start_for(client, owner, grid_check)
    client.get(page_url(assessment, 1))  # the content is loaded once per process
    with django_assert_max_num_queries(20):
        response = client.get(page_url(assessment, 1))
    assert response.status_code == 200


@pytest.fixture
def workshop(grid_check, consultant):
    ConsultantProfile.objects.create(user=consultant, name="Berta", firm="Beratung", approved=True)
    company = Company.objects.create(name="Technik GmbH", industry="crafts", size_band="2-9")
    Membership.objects.create(company=company, user=consultant, role="consultant")
    return start_reassessment(
        company=company,
        user=consultant,
        carry_over=False,
        mode=Assessment.Mode.CONSULTANT,
        questionnaire=grid_check,
    )


def test_the_facilitator_view_shows_each_row_as_a_question_and_saves_them(
    client, consultant, workshop
):
    client.force_login(consultant)
    url = reverse("facilitate", args=[workshop.public_id])
    body = client.get(url).content.decode()
    assert body.count('data-grid="technologien"') == 1 and body.count('data-grid="channels"') == 1
    for key in (*TECH_ROWS, "chan-shop", "chan-market"):
        assert f'data-question="{key}"' in body
    response = client.post(
        url,
        {
            "shown": ["tech-erp", "tech-crm"],
            "q-tech-erp": "partly",
            "q-tech-crm": "_na",
        },
    )
    assert response.status_code == 302
    assert stored(workshop) == {"tech-erp": (["partly"], False), "tech-crm": ([], True)}


def test_the_admin_upload_preview_shows_the_grids_in_both_languages(admin_client, db):
    text = GRID_CHECK.read_text(encoding="utf-8")
    file = SimpleUploadedFile("grid.yaml", text.encode("utf-8"), content_type="application/yaml")
    response = admin_client.post(reverse("admin:assessment_questionnaire_upload"), {"file": file})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-grid="technologien"') == 2  # German and English preview
    assert page.count('data-grid="channels"') == 2
    assert "Wie weit nutzen Sie diese Technik?" in page
    assert "How far do you use these technologies?" in page
    assert '<th scope="col" class="grid-step">im Betrieb</th>' in page
    assert '<th scope="col" class="grid-step">operational</th>' in page
    assert page.count('<tr id="q-tech-cloud" class="grid-row"') == 2


def test_the_admin_lists_grids_with_their_rows(admin_client, grid_check):
    listing = admin_client.get(reverse("admin:assessment_questiongrid_changelist"))
    assert listing.status_code == 200
    assert "technologien" in listing.content.decode()
    grid = grid_check.grids.get(key="technologien")
    page = admin_client.get(reverse("admin:assessment_questiongrid_change", args=[grid.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    for label in ("Warenwirtschaft (ERP)", "Kundendatenbank (CRM)", "Cloud-Speicher"):
        assert label in body
    questions = admin_client.get(reverse("admin:assessment_question_changelist"))
    assert "technologien" in questions.content.decode()
