"""A shop owner takes the check in a real browser, the way a person would."""

import re
from pathlib import Path

import pytest
from django.db import close_old_connections
from playwright.sync_api import expect

from assessment.models import Answer, Assessment
from assessment.reports.data import build_report
from tests.e2e.conftest import screenshot
from tests.test_pdf import flat, pdf_text

pytestmark = pytest.mark.e2e

PAGE_URL = re.compile(r"/check/([0-9a-f-]{36})/seite/(\d+)/$")


def start_check(page, site: str) -> str:
    """Landing page -> profile -> resume link page; returns the resume link."""
    page.goto(site + "/")
    page.get_by_role("link", name="Check starten").click()
    page.get_by_label("Branche").select_option("retail")
    page.get_by_label("Wie viele Menschen arbeiten im Betrieb?").select_option("2-9")
    page.get_by_label("Name des Unternehmens (freiwillig)").fill("Blumen Müller & Töchter")
    page.get_by_label(re.compile("Was können Sie pro Monat")).fill("150")
    page.get_by_role("button", name="Weiter zu den Fragen").click()
    link = page.get_by_label("Ihr Link").input_value()
    assert "/weiter/" in link
    return link


def visible_questions(page):
    return page.locator("fieldset[data-question]:visible")


def answer_visible(page, choose: int = 1) -> None:
    """Pick the option at position `choose` (or the last) in every visible question.

    Answers can reveal follow-up questions, so the visible list is read again each time.
    """
    done: set[str] = set()
    while True:
        pending = [
            fieldset
            for fieldset in visible_questions(page).all()
            if fieldset.get_attribute("data-question") not in done
        ]
        if not pending:
            return
        fieldset = pending[0]
        done.add(fieldset.get_attribute("data-question"))
        options = fieldset.locator("input.form-check-input:not([value='_na'])")
        target = options.nth(min(choose, options.count() - 1))
        if not target.is_checked():
            target.check()
            fieldset.locator("[data-save-state][data-state=saved]").wait_for()


def saved_answer(assessment_id: str, question: str):
    close_old_connections()
    return Answer.objects.filter(
        assessment__public_id=assessment_id, question__key=question
    ).first()


def test_whole_journey_with_javascript(site, page, context, policy_problems):
    resume_link = start_check(page, site)
    screenshot(page, "resume-link")
    page.get_by_role("link", name="Zu den Fragen").click()
    assessment_id = PAGE_URL.search(page.url).group(1)
    expect(page.get_by_text("Seite 1 von 6")).to_be_visible()

    # A follow-up question appears when the shop option is chosen and disappears again.
    accessibility = page.locator("#q-web_shop_accessibility")
    assert accessibility.is_hidden()
    page.get_by_label("In einem Online-Shop bestellen und online bezahlen").check()
    assert accessibility.is_visible()
    accessibility.get_by_label("Trifft auf uns nicht zu").check()
    accessibility.locator("[data-save-state][data-state=saved]").wait_for()
    assert saved_answer(assessment_id, "web_shop_accessibility").not_applicable
    page.get_by_label(re.compile("Eine Anfrage oder Bestellung mit Wunschtermin")).check()
    assert accessibility.is_hidden()
    page.locator("#q-web_online_sales [data-save-state][data-state=saved]").wait_for()

    answer_visible(page, choose=1)
    progress = page.locator("[data-progress-text]").inner_text()
    close_old_connections()
    draft = build_report(assessment=Assessment.objects.get(public_id=assessment_id)).result
    assert draft.dimension("website").answered == 8  # the shop question is hidden again
    assert progress == f"{draft.answered} von {draft.applicable} Fragen beantwortet"
    screenshot(page, "page-1")

    # Reload in the middle: everything is still there.
    page.reload()
    expect(page.locator("#q-web_editing input.form-check-input:checked")).to_have_count(1)
    page.get_by_role("button", name="Speichern und weiter").click()

    for number in range(2, 7):
        expect(page.get_by_text(f"Seite {number} von 6")).to_be_visible()
        if number == 3:
            # Inventory: the gate question reveals the rest of the page.
            page.locator("#q-inv_sells_goods").get_by_label(re.compile("^Ja")).first.check()
            page.locator("#q-inv_stock_knowledge").wait_for(state="visible")
        answer_visible(page, choose=1)
        button = "Speichern und weiter" if number < 6 else "Speichern und zum Abschluss"
        page.get_by_role("button", name=button).click()

    # Go back and change an answer on the first page.
    page.get_by_role("link", name="Zurück zu den Fragen").click()
    page.get_by_role("link", name="1. Webseite & Online-Auftritt").click()
    page.get_by_label("Wir ändern es selbst, meist noch am selben Tag").check()
    page.locator("#q-web_editing [data-save-state][data-state=saved]").wait_for()
    page.go_back()
    page.go_forward()
    assert page.get_by_label("Wir ändern es selbst, meist noch am selben Tag").is_checked()
    assert saved_answer(assessment_id, "web_editing").options == ["self_easy"]

    page.goto(site + f"/check/{assessment_id}/abschluss/")
    expect(page.locator("[data-open-questions]")).to_have_count(0)
    page.get_by_role("button", name="Check abschließen und Ergebnis ansehen").click()
    expect(page.locator("[data-overall-index]")).to_be_visible()
    screenshot(page, "results")

    close_old_connections()
    assessment = Assessment.objects.get(public_id=assessment_id)
    assert assessment.is_completed
    expected = round(build_report(assessment=assessment).result.overall)
    shown = page.locator("[data-overall-index]").inner_text()
    assert shown.startswith(str(expected))
    expect(page.locator("svg[role=img]").first).to_be_visible()
    # The first screen names the next steps; the whole roadmap is one click away.
    assert 1 <= page.locator("[data-next-step]").count() <= 3
    results_url = page.url
    page.goto(site + f"/check/{assessment_id}/fahrplan/")
    assert page.locator("[data-step]").count() >= 3
    page.goto(results_url)

    # The PDF report downloads from the results page and says the same.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Bericht als PDF herunterladen").click()
    download = download_info.value
    assert re.fullmatch(
        r"Reifegrad_Blumen_Mueller_Toechter_\d{4}-\d{2}-\d{2}\.pdf", download.suggested_filename
    )
    text = flat(pdf_text(Path(download.path()).read_bytes()))
    assert "Blumen Müller & Töchter" in text
    assert f"{expected} / 100" in text

    # The resume link in a fresh browser opens the same (now completed) results.
    other = context.browser.new_context(locale="de-DE")
    fresh = other.new_page()
    fresh.goto(resume_link)
    assert fresh.url.endswith(f"/check/{assessment_id}/ergebnis/")
    assert fresh.locator("[data-overall-index]").inner_text() == shown
    other.close()

    # Nothing the Content-Security-Policy forbids, no script error, anywhere on the way.
    assert policy_problems == []


def test_resume_link_on_another_device_continues_where_the_person_stopped(site, page, browser):
    resume_link = start_check(page, site)
    page.get_by_role("link", name="Zu den Fragen").click()
    answer_visible(page, choose=2)
    page.get_by_role("button", name="Speichern und weiter").click()
    checked = page.locator("#q-acc_bookkeeping input.form-check-input").nth(2)
    checked.check()
    page.locator("#q-acc_bookkeeping [data-save-state][data-state=saved]").wait_for()

    phone = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    other = phone.new_page()
    other.goto(resume_link)
    assert "/seite/2/" in other.url
    assert other.locator("#q-acc_bookkeeping input.form-check-input").nth(2).is_checked()
    other.get_by_role("link", name="1. Webseite & Online-Auftritt").click()
    assert other.locator("#q-web_editing input.form-check-input").nth(2).is_checked()
    screenshot(other, "phone-page-1")
    phone.close()


def test_the_check_works_without_javascript(site, browser, default_questionnaire):
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    start_check(page, site)
    page.get_by_role("link", name="Zu den Fragen").click()
    assessment_id = PAGE_URL.search(page.url).group(1)
    # Without the script, follow-up questions are shown with a hint when to answer them.
    expect(page.locator("#q-web_shop_accessibility")).to_be_visible()
    expect(page.get_by_text(re.compile("nur beantworten, wenn Sie bei")).first).to_be_visible()
    # Once per condition: the shop's two follow-up questions share one hint.
    assert page.locator("#q-web_shop_legal .condition-hint").count() == 0
    for number in range(1, 7):
        for fieldset in page.locator("fieldset[data-question]").all():
            key = fieldset.get_attribute("data-question")
            if key == "inv_sells_goods":
                fieldset.locator("input").last.check()
            elif key in ("web_shop_accessibility", "web_shop_legal"):
                continue  # hidden by the online-sales answer below
            elif key == "web_online_sales":
                fieldset.get_by_label(
                    re.compile("Anfrage oder Bestellung mit Wunschtermin")
                ).check()
            else:
                fieldset.locator("input.form-check-input").first.check()
        button = "Speichern und weiter" if number < 6 else "Speichern und zum Abschluss"
        page.get_by_role("button", name=button).click()
    page.wait_for_url("**/abschluss/")
    close_old_connections()
    assert not Answer.objects.filter(
        assessment__public_id=assessment_id, question__key="web_shop_accessibility"
    ).exists()
    page.get_by_role("button", name="Check abschließen und Ergebnis ansehen").click()
    page.wait_for_url("**/ergebnis/")
    expect(page.locator("[data-overall-index]")).to_be_visible()
    context.close()


def test_keyboard_alone_answers_a_question(site, page):
    start_check(page, site)
    page.get_by_role("link", name="Zu den Fragen").click()
    page.wait_for_url("**/seite/1/")
    # The page script (deferred) must be listening before a key changes the answer.
    page.wait_for_load_state("load")
    first_radio = page.locator("#q-web_editing input.form-check-input").first
    first_radio.focus()
    page.keyboard.press("ArrowDown")
    assert page.locator("#q-web_editing input.form-check-input").nth(1).is_checked()
    page.locator("#q-web_editing [data-save-state][data-state=saved]").wait_for()
