"""How the main pages look: full-page screenshots, the results summary above the fold, axe.

Screenshots land in test-output/screenshots/ (not in git). With UPDATE_SCREENSHOTS=1 the
German and English shots at 1280 and 390 px are copied to docs/screenshots/, which
the README shows.
"""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from assessment.models import (
    Action,
    Answer,
    Assessment,
    Company,
    ConsultantProfile,
    Measurement,
    Membership,
    Respondent,
)
from assessment.questionnaire_file import load_questionnaire_file
from assessment.reports.data import build_report
from assessment.workflows import finish_assessment, start_reassessment
from tests.conftest import verified_user
from tests.e2e.test_accessibility import serious_violations
from tests.factories import answer_all, completed_assessment

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 720}


@pytest.fixture
def flower_shop(default_questionnaire):
    """A shop with two completed checks half a year apart, steps on its list, one measured,
    and a third check in progress; its owner and its consultant."""
    owner = verified_user("inhaberin@blumen.example", "Blumen-2026-Laden")
    first = completed_assessment(default_questionnaire, level=0.25)
    company = first.company
    Membership.objects.create(company=company, user=owner, role=Membership.Role.OWNER)
    Assessment.objects.filter(pk=first.pk).update(
        completed_at=timezone.now() - datetime.timedelta(days=182)
    )
    report = build_report(assessment=first)
    steps = report.roadmap.next_steps()
    done = Action.objects.create(
        company=company,
        recommendation_key=steps[0].key,
        title=report.advice.recommendation(steps[0].key).title,
        status=Action.Status.DONE,
        done_at=timezone.now() - datetime.timedelta(days=60),
        kpi_baseline=2,
        owner="Anna",
    )
    for days, value in ((150, 3), (90, 5), (30, 8)):
        Measurement.objects.create(
            action=done, value=value, measured_on=timezone.localdate() - datetime.timedelta(days)
        )
    second = start_reassessment(company=company, user=owner, carry_over=True)
    answer_all(second, level=0.5)
    Answer.objects.filter(assessment=second).update(unconfirmed=False)
    finish_assessment(assessment=second)
    second.refresh_from_db()
    # One step of the new plan is on the list already: the page must say so, not offer it.
    adopted = build_report(assessment=second).roadmap.next_steps()[1]
    Action.objects.create(
        company=company,
        recommendation_key=adopted.key,
        title=report.advice.recommendation(adopted.key).title
        if report.advice.recommendation(adopted.key)
        else adopted.key,
        due_date=timezone.localdate() + datetime.timedelta(days=20),
        owner="Anna",
    )

    consultant = verified_user("berta@beratung.example", "Beratung-2026-Start")
    ConsultantProfile.objects.create(
        user=consultant, name="Dr. Berta Beispiel", firm="Beispiel Beratung", approved=True
    )
    Membership.objects.create(company=company, user=consultant, role=Membership.Role.CONSULTANT)
    workshop = start_reassessment(
        company=company, user=consultant, carry_over=False, mode=Assessment.Mode.CONSULTANT
    )
    for name in ("Inhaberin", "Verkauf"):
        Respondent.objects.create(assessment=workshop, name=name)
    # Half-way through: the inventory page (3) has its first two questions answered.
    answer_all(workshop, level=0.5)
    inventory = workshop.questionnaire.content().dimensions[2].question_list
    Answer.objects.filter(
        assessment=workshop, question__key__in=[q.key for q in inventory[2:]]
    ).delete()
    return {
        "company": company,
        "first": first,
        "second": second,
        "workshop": workshop,
        "owner": owner,
        "consultant": consultant,
    }


def signed_in(browser, site: str, user, *, viewport: dict, language: str = "de"):
    """A browser context that is logged in as `user` and speaks `language`."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        locale="de-DE" if language == "de" else "en-GB", viewport=viewport
    )
    context.set_default_timeout(15_000)
    cookies = [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": site,
        },
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site},
    ]
    context.add_cookies(cookies)
    return context


def shoot(page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        # 256 colours keep text sharp at a third of the size, for the copies kept in git.
        with Image.open(path) as image:
            image.quantize(colors=256).save(DOCS / path.name, optimize=True)


def main_pages(site: str, shop: dict) -> dict[str, str]:
    company, second, workshop = shop["company"], shop["second"], shop["workshop"]
    return {
        "landing": site + "/",
        "questionnaire": f"{site}/check/{workshop.public_id}/seite/3/",
        "results": f"{site}/check/{second.public_id}/ergebnis/",
        "roadmap": f"{site}/check/{second.public_id}/fahrplan/",
        "company": f"{site}/firmen/{company.pk}/",
        "actions": f"{site}/firmen/{company.pk}/schritte/",
    }


@pytest.mark.parametrize(
    ("language", "viewport", "label"),
    [
        ("de", DESKTOP, "de-1280"),
        ("de", PHONE, "de-390"),
        ("en", DESKTOP, "en-1280"),
        ("en", PHONE, "en-390"),
    ],
)
def test_screenshots_of_the_main_pages(site, browser, flower_shop, language, viewport, label):
    context = signed_in(browser, site, flower_shop["owner"], viewport=viewport, language=language)
    page = context.new_page()
    for name, url in main_pages(site, flower_shop).items():
        response = page.goto(url)
        assert response.status == 200, name
        assert page.locator("html").get_attribute("lang") == language
        # A header that fits in one row, whatever the width.
        assert page.locator("header nav").bounding_box()["height"] < 70, name
        shoot(page, f"{name}-{label}")
    context.close()


def summary_bottom(page) -> float:
    boxes = [
        page.locator("[data-overall-index]").bounding_box(),
        page.locator("[data-change-since]").bounding_box(),
        *(box.bounding_box() for box in page.locator("[data-next-step]").all()),
    ]
    return max(box["y"] + box["height"] for box in boxes)


def test_the_results_summary_is_above_the_fold_and_fits_two_phone_screens(
    site, browser, flower_shop
):
    url = main_pages(site, flower_shop)["results"]
    context = signed_in(browser, site, flower_shop["owner"], viewport=DESKTOP)
    page = context.new_page()
    page.goto(url)
    assert page.locator("[data-next-step]").count() == 3
    assert "Punkte seit dem Check vom" in page.locator("[data-change-since]").inner_text()
    assert "abgeschlossen am" in page.locator("[data-check-date]").inner_text()
    assert summary_bottom(page) <= DESKTOP["height"]
    # A step already on the list says so and is not offered again.
    on_list = page.locator("[data-next-step]").nth(1)
    assert on_list.locator("[data-on-list]").count() == 1
    assert on_list.get_by_role("button", name="Auf meine Liste").count() == 0
    # The previous check is drawn on the radar, with a legend.
    assert page.locator("#radar-comparison polygon").count() == 1
    assert "Check vom" in page.locator("#radar-legend").text_content()
    # The roadmap fold sums the phases up; opened, it loads every step from the roadmap page,
    # each with its button for the list.
    fold = page.locator("[data-roadmap]")
    assert fold.locator("[data-step]").count() == 0
    assert fold.locator("[data-phase]").count() == 3
    fold.locator("summary").click()
    expect(fold.locator("[data-step]").first).to_be_visible()
    assert fold.get_attribute("data-roadmap-loaded") == ""
    assert fold.locator("[data-phase]").count() == 3
    assert fold.get_by_role("button", name="Auf meine Liste").count() >= 3
    assert fold.locator("[data-on-list]").count() >= 1
    shoot(page, "results-roadmap-open-de-1280")
    context.close()

    context = signed_in(browser, site, flower_shop["owner"], viewport=PHONE)
    page = context.new_page()
    page.goto(url)
    assert summary_bottom(page) <= 1700
    # Axis labels of the radar at least 11 px as rendered on the phone.
    sizes = page.locator("#radar-labels text").evaluate_all(
        "nodes => nodes.map(node => node.getBoundingClientRect().height)"
    )
    line_heights = page.locator("#radar-labels tspan").evaluate_all(
        "nodes => nodes.map(node => node.getBoundingClientRect().height)"
    )
    assert sizes and min(line_heights) >= 11
    context.close()


def test_redesigned_pages_have_no_serious_accessibility_problems(site, browser, flower_shop):
    shop = flower_shop
    context = signed_in(browser, site, shop["owner"], viewport=DESKTOP)
    page = context.new_page()
    pages = {
        **main_pages(site, shop),
        "comparison": f"{site}/firmen/{shop['company'].pk}/vergleich/"
        f"?vorher={shop['first'].public_id}&nachher={shop['second'].public_id}",
    }
    problems = {}
    for name, url in pages.items():
        page.goto(url)
        problems[name] = serious_violations(page)
    context.close()

    context = signed_in(browser, site, shop["consultant"], viewport=DESKTOP)
    page = context.new_page()
    workshop = shop["workshop"].public_id
    for name, path in (
        ("team", "team"),
        ("consolidation", "abgleich"),
        ("facilitator", "moderation"),
    ):
        page.goto(f"{site}/check/{workshop}/{path}/")
        problems[name] = serious_violations(page)
        shoot(page, f"{name}-de-1280")
    context.close()
    assert problems == {name: [] for name in problems}


@pytest.mark.parametrize(("viewport", "label"), [(DESKTOP, "de-1280"), (PHONE, "de-390")])
def test_screenshots_of_a_page_with_a_grid_question(site, browser, viewport, label):
    """The grid test instrument's first page: a table at 1280 px, a list of rows at 390 px."""
    grid_check = load_questionnaire_file(path=ROOT / "tests" / "data" / "grid-check.yaml")
    owner = verified_user("technik@example.com", "Raster-2026-Check")
    company = Company.objects.create(name="Technik GmbH", industry="crafts", size_band="10-49")
    Membership.objects.create(company=company, user=owner, role=Membership.Role.OWNER)
    check = start_reassessment(
        company=company, user=owner, carry_over=False, questionnaire=grid_check.questionnaire
    )
    respondent = check.respondents.get(is_primary=True)
    for key, option in (("tech-erp", "running"), ("tech-crm", "planned")):
        Answer.objects.create(
            assessment=check,
            respondent=respondent,
            question=grid_check.questionnaire.questions.get(key=key),
            options=[option],
        )
    context = signed_in(browser, site, owner, viewport=viewport)
    page = context.new_page()
    assert page.goto(f"{site}/check/{check.public_id}/seite/1/").status == 200
    assert page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert serious_violations(page) == []
    shoot(page, f"grid-{label}")
    context.close()
