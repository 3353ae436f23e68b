"""The loop over time, in a real browser: check, adopt steps, do one, reassess, compare."""

import re

import pytest
from django.db import close_old_connections
from playwright.sync_api import expect

from assessment.models import Action, Answer, Assessment, Measurement
from tests.conftest import verified_user
from tests.e2e.conftest import screenshot
from tests.e2e.test_self_assessment import answer_visible

pytestmark = pytest.mark.e2e


def log_in(page, site: str, email: str, password: str) -> None:
    page.goto(site + "/konto/anmelden/")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Meine Unternehmen")).to_be_visible()


def go_through_pages(page) -> None:
    for number in range(1, 7):
        expect(page.get_by_text(f"Seite {number} von 6")).to_be_visible()
        if number == 3 and not page.locator("#q-inv_sells_goods input:checked").count():
            page.locator("#q-inv_sells_goods").get_by_label(re.compile("^Ja")).first.check()
            page.locator("#q-inv_stock_knowledge").wait_for(state="visible")
        answer_visible(page, choose=1)
        button = "Speichern und weiter" if number < 6 else "Speichern und zum Abschluss"
        page.get_by_role("button", name=button).click()


def confirm_pages(page) -> None:
    """Look at every page of a carried-over check and confirm it as it is."""
    for number in range(1, 7):
        expect(page.get_by_text(f"Seite {number} von 6")).to_be_visible()
        button = "Speichern und weiter" if number < 6 else "Speichern und zum Abschluss"
        page.get_by_role("button", name=button).click()


def test_check_act_measure_reassess_compare(site, page, policy_problems):
    verified_user("inhaberin@example.com", "Blumen-2026-Laden")
    log_in(page, site, "inhaberin@example.com", "Blumen-2026-Laden")

    page.get_by_role("link", name="Check für ein weiteres Unternehmen beginnen").click()
    page.get_by_label("Branche").select_option("retail")
    page.get_by_label("Wie viele Menschen arbeiten im Betrieb?").select_option("2-9")
    page.get_by_label("Name des Unternehmens (freiwillig)").fill("Blumen Müller")
    page.get_by_role("button", name="Weiter zu den Fragen").click()
    page.get_by_role("link", name="Zu den Fragen").click()
    go_through_pages(page)
    page.get_by_role("button", name="Check abschließen und Ergebnis ansehen").click()
    expect(page.locator("[data-overall-index]")).to_be_visible()

    # Adopt two steps of the roadmap.
    results_url = page.url
    for index in (0, 1):
        page.goto(results_url)
        page.locator("[data-next-step]").nth(index).get_by_role(
            "button", name="Auf meine Liste"
        ).click()
        expect(page.get_by_role("heading", name="Ihre Schritte")).to_be_visible()
    close_old_connections()
    actions = list(Action.objects.order_by("pk"))
    assert len(actions) == 2

    # Mark the first one done and record a KPI value.
    done = page.locator(f"#action-{actions[0].pk}")
    done.get_by_label("Status").select_option("done")
    done.get_by_role("button", name="Speichern").click()
    expect(page.locator(f"#action-{actions[0].pk}")).to_have_attribute("data-status", "done")
    done = page.locator(f"#action-{actions[0].pk}")
    done.locator("input[name$='-value']").fill("12")
    done.get_by_role("button", name="Messwert hinzufügen").click()
    expect(page.locator(f"#action-{actions[0].pk} [data-measurements]")).to_contain_text("12")
    close_old_connections()
    assert Action.objects.get(pk=actions[0].pk).status == "done"
    assert Measurement.objects.get().value == 12.0
    screenshot(page, "action-board")

    # Reassess with the answers carried over, and change two of them.
    page.get_by_role("link", name="Blumen Müller").click()
    page.get_by_label("Antworten vom letzten Check übernehmen und prüfen").check()
    page.get_by_role("button", name="Neuen Check beginnen").click()
    expect(page.locator("[data-unconfirmed]")).to_be_visible()
    page.locator("#q-web_editing input.form-check-input").nth(4).check()
    page.locator("#q-web_editing [data-save-state][data-state=saved]").wait_for()
    page.locator("#q-web_mobile input.form-check-input").nth(3).check()
    page.locator("#q-web_mobile [data-save-state][data-state=saved]").wait_for()
    confirm_pages(page)
    page.get_by_role("button", name="Check abschließen und Ergebnis ansehen").click()
    expect(page.locator("[data-change-since]")).to_contain_text("Punkte seit dem Check vom")
    page.locator("[data-progress-since] > summary").click()
    expect(page.locator("[data-rechecked]")).to_be_visible()
    screenshot(page, "results-second")

    close_old_connections()
    first, second = Assessment.objects.order_by("started_at")
    assert second.is_completed and second.previous_id == first.pk
    assert not Answer.objects.filter(assessment=second, unconfirmed=True).exists()

    # The comparison and the trend on the company page.
    page.get_by_role("link", name="Alle Änderungen im Einzelnen").click()
    expect(page.get_by_role("heading", name="2 geänderte Antworten")).to_be_visible()
    expect(page.locator("[data-compare-actions]")).to_contain_text(actions[0].title)
    screenshot(page, "comparison")
    page.get_by_role("link", name="Blumen Müller").click()
    expect(page.locator("[data-history-row]")).to_have_count(2)
    expect(page.locator("svg[role=img]").first).to_be_visible()
    screenshot(page, "company")

    # Nothing the Content-Security-Policy forbids, no script error, on any page on the way.
    assert policy_problems == []
