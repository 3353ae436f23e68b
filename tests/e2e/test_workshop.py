"""A consultant's workshop in a real browser: client, facilitator view, team, consolidation."""

import re
from pathlib import Path

import pytest
from django.db import close_old_connections
from playwright.sync_api import expect

from assessment.models import Assessment, ConsultantProfile
from tests.conftest import verified_user
from tests.e2e.conftest import screenshot
from tests.e2e.test_loop import log_in
from tests.test_pdf import flat, pdf_text

pytestmark = pytest.mark.e2e


def answer_open_questions(page) -> None:
    """Answer every visible question that has no answer yet, with its second option."""
    while True:
        open_ones = [
            fieldset
            for fieldset in page.locator("fieldset[data-question]:visible").all()
            if fieldset.locator("input.form-check-input:checked").count() == 0
        ]
        if not open_ones:
            return
        fieldset = open_ones[0]
        options = fieldset.locator(
            "input.form-check-input:not([value='_na']):not([data-note-private])"
        )
        options.nth(min(1, options.count() - 1)).check()
        fieldset.locator("[data-save-state][data-state=saved]").wait_for()


def test_workshop_with_a_team(site, page, browser, policy_problems):
    user = verified_user("berta@beratung.example", "Beratung-2026-Start")
    ConsultantProfile.objects.create(
        user=user, name="Dr. Berta Beispiel", firm="Beispiel Beratung", approved=True
    )
    log_in(page, site, "berta@beratung.example", "Beratung-2026-Start")
    page.get_by_role("link", name="Portfolio").click()
    page.get_by_role("link", name="Neuer Kunde").click()
    page.get_by_label("Branche").select_option("crafts")
    page.get_by_label("Wie viele Menschen arbeiten im Betrieb?").select_option("10-49")
    page.get_by_label(re.compile("Name des Unternehmens")).fill("Tischlerei Holz")
    page.get_by_role("button", name="Kunden anlegen").click()
    page.get_by_label("Ganz neu beginnen").check()
    page.get_by_role("button", name="Neuen Check beginnen").click()
    expect(page.get_by_role("heading", name="Moderationsansicht")).to_be_visible()

    # The keyboard alone: focus a question and press a digit.
    page.locator("#q-web_editing input.form-check-input").first.focus()
    page.keyboard.press("5")
    page.locator("#q-web_editing [data-save-state][data-state=saved]").wait_for()
    assert page.locator("#q-web_editing input.form-check-input").nth(4).is_checked()
    screenshot(page, "facilitate")

    # Two people of the client answer on their own.
    facilitate_url = page.url
    links = []
    for name in ("Inhaberin", "Verkauf"):
        page.goto(facilitate_url.replace("/moderation/", "/team/"))
        page.get_by_label("Name oder Rolle").fill(name)
        page.get_by_role("button", name="Link erstellen").click()
        links.append(page.locator("#team-link").input_value())
    for link, choice in zip(links, (4, 1), strict=True):
        context = browser.new_context(locale="de-DE")
        person = context.new_page()
        person.goto(link)
        person.locator("#q-web_editing input.form-check-input").nth(choice).check()
        person.locator("#q-web_editing [data-save-state][data-state=saved]").wait_for()
        context.close()

    page.goto(facilitate_url.replace("/moderation/", "/abgleich/"))
    expect(page.locator("tr[data-disagreement]")).to_have_count(1)
    screenshot(page, "consolidation")
    page.get_by_role(
        "button", name="Alle gemeinsamen Antworten durch die Vorschläge ersetzen"
    ).click()
    expect(page.get_by_text("aus den Vorschlägen des Teams übernommen")).to_be_visible()

    page.goto(facilitate_url)
    answer_open_questions(page)
    page.get_by_role("button", name="Speichern und zum Abschluss").click()
    page.get_by_role("button", name="Check abschließen und Ergebnis ansehen").click()
    expect(page.locator("[data-team-disagreements]")).to_be_visible()
    close_old_connections()
    assessment = Assessment.objects.get(company__name="Tischlerei Holz")
    assert assessment.is_completed and assessment.mode == "consultant"

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Bericht als PDF herunterladen").click()
    text = flat(pdf_text(Path(download_info.value.path()).read_bytes()))
    assert "Dr. Berta Beispiel" in text and "Beispiel Beratung" in text
    assert "Wo Ihr Team uneins war" in text

    # Nothing the Content-Security-Policy forbids, no script error, on any page on the way.
    assert policy_problems == []
