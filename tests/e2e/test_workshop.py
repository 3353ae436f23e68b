"""A consultant's whole workshop in a real browser: a new client, the facilitator view at one
key press per question, three team members (two disagreeing), the team page reloaded and a
link re-issued, consolidation by choice with "apply all" undone, and the branded PDF."""

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import close_old_connections
from playwright.sync_api import expect

from assessment.models import Answer, Assessment, ConsultantProfile
from tests.conftest import verified_user
from tests.e2e.conftest import screenshot
from tests.e2e.test_loop import log_in
from tests.test_pdf import flat, pdf_text

pytestmark = pytest.mark.e2e

axe = Axe()


def serious_violations(page) -> list[str]:
    results = axe.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


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


def submit(page, button) -> None:
    """Click a button that posts and redirects; return once the next page has loaded."""
    with page.expect_navigation():
        button.click()


def focused_question(page) -> str | None:
    return page.evaluate(
        "() => { const f = document.activeElement.closest('fieldset[data-question]');"
        " return f ? f.dataset.question : null; }"
    )


def fits_without_horizontal_scrolling(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def final_answers() -> dict[str, list[str]]:
    close_old_connections()
    assessment = Assessment.objects.get(company__name="Tischlerei Holz")
    return {
        a.question.key: sorted(a.options)
        for a in Answer.objects.filter(
            assessment=assessment, respondent__is_primary=True
        ).select_related("question")
    }


def answer_as_team_member(browser, link: str, choices: dict[str, list[str]]) -> None:
    context = browser.new_context(locale="de-DE")
    person = context.new_page()
    person.goto(link)
    # The welcome: who asks, for which company, how long, who sees the answers.
    expect(person.get_by_role("heading", name=re.compile("Guten Tag"))).to_be_visible()
    welcome = person.locator("[data-welcome]").inner_text()
    assert "Tischlerei Holz" in welcome and "Dr. Berta Beispiel" in welcome
    assert "Minuten" in welcome and "nur die Beratung" in welcome
    assert person.get_by_role("link", name="Anmelden").count() == 0
    person.get_by_role("link", name="Los geht's").click()
    assert person.get_by_role("link", name="Abschluss & Auswertung").count() == 0
    for key, values in choices.items():
        for value in values:
            person.locator(f"#q-{key} input[value='{value}']").check()
            person.locator(f"#q-{key} [data-save-state][data-state=saved]").wait_for()
    context.close()


def test_a_whole_workshop_with_three_people(site, page, browser, policy_problems):
    user = verified_user("berta@beratung.example", "Beratung-2026-Start")
    ConsultantProfile.objects.create(
        user=user, name="Dr. Berta Beispiel", firm="Beispiel Beratung", approved=True
    )
    log_in(page, site, "berta@beratung.example", "Beratung-2026-Start")
    page.get_by_role("link", name="Portfolio").click()
    page.get_by_role("link", name="Neuer Kunde").click()
    expect(page.get_by_label(re.compile("Was kann der Kunde pro Monat"))).to_be_visible()
    page.get_by_label("Branche").select_option("crafts")
    page.get_by_label("Wie viele Menschen arbeiten beim Kunden?").select_option("10-49")
    page.get_by_label(re.compile("Name des Unternehmens")).fill("Tischlerei Holz")
    page.get_by_role("button", name="Kunden anlegen").click()
    # No carry-over choice before the first check.
    assert page.get_by_label("Ganz neu beginnen").count() == 0
    page.get_by_role("button", name="Ersten Check beginnen").click()
    expect(page.get_by_role("heading", name="Moderationsansicht")).to_be_visible()
    facilitate_url = page.url
    assert serious_violations(page) == []

    # The keyboard alone: a digit answers the focused question, one Tab reaches the next.
    page.locator("#q-web_editing input.form-check-input").first.focus()
    presses = 0
    path = [
        ("web_editing", "5"),  # "ändern es selbst, einfach"
        ("web_currency", "4"),
        ("web_mobile", "4"),
        ("web_legal", "2"),
        ("web_findability", "2"),
    ]
    for number, (key, digit) in enumerate(path):
        assert focused_question(page) == key
        page.keyboard.press(digit)
        presses += 1
        page.locator(f"#q-{key} [data-save-state][data-state=saved]").wait_for()
        if number < len(path) - 1:
            page.keyboard.press("Tab")
            presses += 1
    assert presses == 2 * len(path) - 1  # one digit and one Tab per question
    # Notes are out of the Tab sequence but one key away.
    page.keyboard.press("n")
    expect(page.locator("#note-web_findability")).to_be_focused()
    page.keyboard.press("Escape")
    assert focused_question(page) == "web_findability"

    for width, height in ((1280, 720), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.locator("#q-web_online_sales").scroll_into_view_if_needed()
        assert fits_without_horizontal_scrolling(page), (width, height)
        bar = page.locator("[data-facilitate-bar]").bounding_box()
        assert bar is not None and 0 <= bar["y"] < height, (width, height, bar)
        page.screenshot(path=str(screenshot_path(f"facilitate-{width}x{height}")))
    page.set_viewport_size({"width": 1280, "height": 900})

    # Three people of the client; a reload of the team page loses and duplicates nothing.
    team_url = facilitate_url.replace("/moderation/", "/team/")
    page.goto(team_url)
    links = {}
    for name in ("Anna", "Ben", "Cem"):
        page.locator("#id_name").fill(name)
        page.get_by_role("button", name="Link erstellen").click()
        links[name] = page.locator("#team-link").input_value()
    page.reload()
    expect(page.locator("tr[data-respondent]")).to_have_count(3)
    assert page.locator("#team-link").count() == 0
    assert serious_violations(page) == []
    screenshot(page, "team")
    page.get_by_role("button", name="Neuen Link ausstellen für Ben").click()
    new_link = page.locator("#team-link").input_value()
    assert new_link != links["Ben"]
    stranger = browser.new_context(locale="de-DE")
    old = stranger.new_page()
    old.goto(links["Ben"])
    expect(old.get_by_text("Dieser Link ist nicht (mehr) gültig")).to_be_visible()
    stranger.close()
    links["Ben"] = new_link

    answer_as_team_member(
        browser,
        links["Anna"],
        {
            "web_editing": ["no_site"],
            "web_findability": ["google_profile"],
            "web_online_sales": ["none"],
        },
    )
    answer_as_team_member(
        browser,
        links["Ben"],
        {
            "web_editing": ["self_easy"],
            "web_currency": ["monthly"],
            "web_findability": ["google_profile", "directories"],
            "web_online_sales": ["shop"],
        },
    )
    answer_as_team_member(
        browser,
        links["Cem"],
        {
            "web_editing": ["self_easy"],
            "web_currency": ["yearly"],
            "web_findability": ["directories"],
            "web_online_sales": ["booking"],
        },
    )
    page.reload()
    expect(page.locator("td[data-status=in_progress]")).to_have_count(3)

    # Consolidation: side by side, a proposal only where more than half agree.
    page.goto(facilitate_url.replace("/moderation/", "/abgleich/"))
    assert serious_violations(page) == []
    sales = page.locator("tr[data-row=web_online_sales]")
    expect(sales.locator("[data-no-proposal]")).to_be_visible()
    editing = page.locator("tr[data-row=web_editing]")
    expect(editing).to_have_attribute("data-disagreement", "")
    screenshot(page, "consolidation")

    submit(page, sales.get_by_role("button", name="Anna übernehmen"))
    assert final_answers()["web_online_sales"] == ["none"]
    submit(page, sales.get_by_role("button", name="Ben übernehmen"))
    submit(page, editing.get_by_role("button", name="Vorschlag übernehmen"))
    findability = page.locator("tr[data-row=web_findability]")
    findability.get_by_text("Selbst festlegen").click()
    findability.locator("input[value=other_maps]").check()
    submit(page, findability.get_by_role("button", name="Diese Antwort festlegen"))
    answers = final_answers()
    assert answers["web_online_sales"] == ["shop"]
    assert answers["web_editing"] == ["self_easy"]
    assert answers["web_findability"] == ["google_profile", "other_maps"]
    expect(page.locator("tr[data-row=web_online_sales]")).to_have_attribute("data-state", "decided")

    # "Apply all" asks first, says how many answers change, and works without JavaScript.
    page.get_by_role("link", name=re.compile("Alle Vorschläge übernehmen")).click()
    expect(page.locator("[data-pending-count]")).to_have_attribute("data-pending-count", "2")
    submit(page, page.get_by_role("button", name="Ja, Vorschläge übernehmen"))
    answers = final_answers()
    assert answers["web_findability"] == ["directories", "google_profile"]
    assert answers["web_currency"] == ["yearly"]  # the lower median of monthly and yearly

    # A row changed after "apply all" stays as it is when that is undone, and is named.
    currency = page.locator("tr[data-row=web_currency]")
    currency.get_by_text("Selbst festlegen").click()
    currency.locator("input[value=monthly]").check()
    submit(page, currency.get_by_role("button", name="Diese Antwort festlegen"))
    submit(page, page.get_by_role("button", name=re.compile("rückgängig machen")))
    expect(page.get_by_text("Seitdem geändert und deshalb so gelassen")).to_be_visible()

    assert final_answers() == {
        "web_editing": ["self_easy"],  # proposal (the facilitator's answer too)
        "web_currency": ["monthly"],  # edited after "apply all": kept on undo
        "web_mobile": ["good"],  # facilitator, digit 4
        "web_legal": ["imprint"],  # facilitator, digit 2
        "web_findability": ["google_profile", "other_maps"],  # edit, restored by undo
        "web_online_sales": ["shop"],  # take A, then take B
    }

    page.goto(facilitate_url)
    answer_open_questions(page)
    page.get_by_role("button", name="Speichern und zum Abschluss").click()
    page.get_by_role("button", name="Check abschließen und Ergebnis ansehen").click()
    team_box = page.locator("[data-team-disagreements]")
    expect(team_box).to_be_visible()
    expect(team_box).to_contain_text("Gemeinsam festgelegt:")
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


def screenshot_path(name: str) -> Path:
    from tests.e2e.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
