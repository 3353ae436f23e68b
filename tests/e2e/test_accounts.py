"""Accounts in a real browser: sign-up with the verification mail, then two-factor login."""

import re
import time

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_self_assessment import start_check
from tests.views.test_two_factor import totp

pytestmark = pytest.mark.e2e

EMAIL = "blumen@example.com"
PASSWORD = "Blumen-2026-Laden"


def submit(page) -> None:
    page.locator("main form button[type=submit]").first.click()


def test_sign_up_verify_and_turn_on_two_factor_login(site, page, policy_problems, settings):
    settings.MFA_TOTP_TOLERANCE = 1  # the login code below is the next step's
    start_check(page, site)
    mail_form = page.locator("form[action*='/link/mail/']").get_attribute("action")
    public_id = re.search(r"/check/([0-9a-f-]{36})/", mail_form).group(1)

    # Sign-up: nothing happens until the address is verified.
    page.goto(site + "/konto/registrieren/")
    page.get_by_label("E-Mail-Adresse").fill(EMAIL)
    page.get_by_label("Passwort", exact=False).first.fill(PASSWORD)
    page.get_by_label(re.compile("Passwort \\(Wiederholung\\)")).fill(PASSWORD)
    page.get_by_role("button", name="Konto anlegen").click()
    expect(
        page.get_by_role("heading", name="Bitte bestätigen Sie Ihre E-Mail-Adresse")
    ).to_be_visible()
    [verification] = [message for message in mail.outbox if message.to == [EMAIL]]
    link = re.search(r"https?://\S+/konto/confirm-email/\S+/", verification.body).group(0)
    page.goto(site + re.sub(r"^https?://[^/]+", "", link))
    submit(page)
    # Logged in; the check started before joins the account once the owner confirms it.
    page.goto(site + f"/check/{public_id}/uebernehmen/")
    page.get_by_role("button", name="Ja, in mein Konto übernehmen").click()
    expect(page.get_by_text("Der Check ist jetzt in Ihrem Konto gespeichert.")).to_be_visible()
    page.goto(site + "/firmen/")
    expect(page.get_by_text("Blumen Müller & Töchter")).to_be_visible()

    # Two-factor login from the account page; allauth asks for the password first.
    page.get_by_role("link", name="Mein Konto").click()
    page.get_by_role("link", name="Zwei-Faktor-Anmeldung einrichten").click()
    page.goto(site + "/konto/2fa/totp/activate/")
    assert "/konto/reauthenticate/" in page.url
    page.locator("input[name=password]").fill(PASSWORD)
    submit(page)
    assert page.url.endswith("/konto/2fa/totp/activate/")
    qr = page.locator("img.totp-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")
    screenshot(page, "two-factor-setup")
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(totp(secret))
    submit(page)
    expect(page.locator("main")).not_to_contain_text("Authenticator-App aktivieren", timeout=5000)

    # Log out and in again: the password alone is not enough.
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("link", name="Anmelden")).to_be_visible()
    page.goto(site + "/konto/anmelden/")
    page.get_by_label("E-Mail-Adresse").fill(EMAIL)
    page.get_by_label("Passwort", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    assert "/konto/2fa/authenticate/" in page.url
    page.locator("input[name=code]").fill(totp(secret, at=time.time() + 30))
    submit(page)
    expect(page.get_by_role("heading", name="Meine Unternehmen")).to_be_visible()
    assert policy_problems == []
