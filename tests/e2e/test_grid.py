"""Grid questions in a real browser: the table on a wide screen, the list of rows on a phone,
answers saved as they are given, and the facilitator view at one key press per row."""

from __future__ import annotations

import pytest
from django.db import close_old_connections
from django.urls import reverse
from playwright.sync_api import expect

from assessment.models import Answer, Assessment, Company, ConsultantProfile, Membership
from assessment.questionnaire_file import load_questionnaire_file
from assessment.workflows import start_reassessment
from tests.conftest import ROOT, verified_user
from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_loop import log_in

pytestmark = pytest.mark.e2e

GRID_CHECK = ROOT / "tests" / "data" / "grid-check.yaml"


@pytest.fixture
def grid_check(site):
    return load_questionnaire_file(path=GRID_CHECK).questionnaire


def start(grid_check, email: str, role: str, mode: str) -> Assessment:
    user = verified_user(email, "Raster-2026-Check")
    if role == Membership.Role.CONSULTANT:
        ConsultantProfile.objects.create(user=user, name="Berta", firm="Beratung", approved=True)
    company = Company.objects.create(name="Technik GmbH", industry="crafts", size_band="10-49")
    Membership.objects.create(company=company, user=user, role=role)
    return start_reassessment(
        company=company, user=user, carry_over=False, mode=mode, questionnaire=grid_check
    )


def answers(assessment: Assessment) -> dict[str, tuple[list[str], bool]]:
    close_old_connections()
    return {
        answer.question.key: (answer.options, answer.not_applicable)
        for answer in Answer.objects.filter(assessment=assessment).select_related("question")
    }


def test_a_grid_is_a_table_on_a_wide_screen_and_a_list_on_a_phone(site, page, grid_check):
    assessment = start(grid_check, "technik@example.com", Membership.Role.OWNER, "self")
    log_in(page, site, "technik@example.com", "Raster-2026-Check")
    page.goto(site + reverse("check_page", args=[assessment.public_id, 1]))
    grid = page.locator("fieldset[data-grid=technologien]")
    expect(grid.get_by_role("columnheader", name="im Betrieb")).to_be_visible()
    expect(grid.get_by_role("rowheader", name="Cloud-Speicher")).to_be_visible()
    # The step names stand in the column headers; beside each input only on a phone.
    assert grid.locator("#q-tech-erp .grid-step-label").first.bounding_box()["width"] <= 1
    page.get_by_label("Warenwirtschaft (ERP): im Betrieb").check()
    page.locator("#q-tech-erp [data-save-state][data-state=saved]").wait_for()
    page.get_by_label("Cloud-Speicher: Trifft auf uns nicht zu").check()
    page.locator("#q-tech-cloud [data-save-state][data-state=saved]").wait_for()
    assert answers(assessment) == {
        "tech-erp": (["running"], False),
        "tech-cloud": ([], True),
    }
    assert serious_violations(page) == []
    screenshot(page, "grid-1280")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert grid.locator("#q-tech-crm .grid-step-label").first.bounding_box()["width"] > 40
    assert grid.locator("thead").bounding_box()["height"] <= 1  # for screen readers only
    assert page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    # Each row's inputs stand one below the other, as tiles wide enough for a thumb.
    first, second = (
        grid.locator("#q-tech-crm td.grid-cell").nth(index).bounding_box() for index in (0, 1)
    )
    assert second["y"] >= first["y"] + first["height"] - 1 and first["width"] > 300
    # A tap anywhere on the tile picks its step.
    grid.locator("#q-tech-crm td.grid-cell").nth(1).click(position={"x": 200, "y": 10})
    page.locator("#q-tech-crm [data-save-state][data-state=saved]").wait_for()
    assert answers(assessment)["tech-crm"] == (["planned"], False)
    assert serious_violations(page) == []
    screenshot(page, "grid-390")

    # A grid's condition shows and hides the whole grid as the answer changes.
    page.goto(site + reverse("check_page", args=[assessment.public_id, 2]))
    channels = page.locator("fieldset[data-grid=channels]")
    expect(channels).to_be_hidden()
    page.locator("#q-sells_goods").get_by_text("Ja", exact=True).click()
    expect(channels).to_be_visible()
    channels.locator("#q-chan-shop td.grid-cell").nth(1).click(position={"x": 200, "y": 10})
    page.locator("#q-chan-shop [data-save-state][data-state=saved]").wait_for()
    assert answers(assessment)["chan-shop"] == (["yes"], False)
    page.locator("#q-sells_goods").get_by_text("Nein", exact=True).click()
    expect(channels).to_be_hidden()


def test_the_facilitator_answers_a_grid_with_one_key_press_per_row(site, page, grid_check):
    assessment = start(
        grid_check, "berta@beratung.example", Membership.Role.CONSULTANT, "consultant"
    )
    log_in(page, site, "berta@beratung.example", "Raster-2026-Check")
    page.goto(site + reverse("facilitate", args=[assessment.public_id]))
    page.locator("#q-tech_plan input.form-check-input").first.focus()
    path = [
        ("tech_plan", "3"),  # Ja, schriftlich
        ("tech-erp", "5"),  # im Betrieb
        ("tech-crm", "2"),  # geplant
        ("tech-cloud", "0"),  # trifft nicht zu
    ]
    presses = 0
    for number, (key, digit) in enumerate(path):
        focused = page.evaluate(
            "() => { const q = document.activeElement.closest('[data-question]');"
            " return q ? q.dataset.question : null; }"
        )
        assert focused == key
        page.keyboard.press(digit)
        presses += 1
        page.locator(f"#q-{key} [data-save-state][data-state=saved]").wait_for()
        if number < len(path) - 1:
            page.keyboard.press("Tab")
            presses += 1
    assert presses == 2 * len(path) - 1  # one digit and one Tab per row
    assert answers(assessment) == {
        "tech_plan": (["written"], False),
        "tech-erp": (["running"], False),
        "tech-crm": (["planned"], False),
        "tech-cloud": ([], True),
    }
    screenshot(page, "grid-facilitate-1280")
