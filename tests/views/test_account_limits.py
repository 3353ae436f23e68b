"""Rate limits on account actions (django-allauth, counted in the shared cache)."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_password_reset_mails_to_one_address_are_limited(owner):
    url = reverse("account_reset_password")
    answers = [
        Client(REMOTE_ADDR=f"203.0.113.{number}").post(url, {"email": owner.email}).status_code
        for number in range(1, 6)
    ]
    # Three an hour per e-mail address, whichever client asks.
    assert answers == [302, 302, 302, 429, 429]
    assert len(mail.outbox) == 3


def test_the_limit_page_is_ours_and_german(owner):
    url = reverse("account_reset_password")
    person = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        person.post(url, {"email": owner.email})
    refused = person.post(url, {"email": owner.email})
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Zu viele Versuche" in page and 'class="navbar-brand' in page


def test_sign_ups_from_one_client_address_are_limited(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    person = Client(REMOTE_ADDR="198.51.100.7")
    answers = []
    for number in range(3):
        answers.append(
            person.post(
                reverse("account_signup"),
                {
                    "email": f"neu{number}@example.com",
                    "password1": "Blumen-2026-Laden",
                    "password2": "Blumen-2026-Laden",
                },
            ).status_code
        )
    assert answers == [302, 302, 429]
    elsewhere = Client(REMOTE_ADDR="198.51.100.8").post(
        reverse("account_signup"),
        {
            "email": "neu9@example.com",
            "password1": "Blumen-2026-Laden",
            "password2": "Blumen-2026-Laden",
        },
    )
    assert elsewhere.status_code == 302


def test_behind_a_trusted_proxy_the_limit_counts_the_client_not_the_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1/h/ip"}
    proxy = "10.0.0.1"

    def sign_up(client_address: str, email: str) -> int:
        return (
            Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=client_address)
            .post(
                reverse("account_signup"),
                {
                    "email": email,
                    "password1": "Blumen-2026-Laden",
                    "password2": "Blumen-2026-Laden",
                },
            )
            .status_code
        )

    assert sign_up("203.0.113.1", "a@example.com") == 302
    assert sign_up("203.0.113.2", "b@example.com") == 302
    assert sign_up("203.0.113.1", "c@example.com") == 429
