"""Logging in, resetting a password and inviting do not tell who has an account.

Signing up does: an address that already has an account is told to log in instead. Sign-up
logs the new person in at once, without a confirmation mail, so a different answer for a
taken address cannot be avoided there; the tests below pin down exactly what it says.
"""

from __future__ import annotations

import itertools
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from assessment.models import ConsultantProfile, User

ADDRESSES = (f"203.0.113.{number}" for number in itertools.count(1))
UNKNOWN = "niemand@example.com"


def comparable(response, *echoed: str) -> tuple[int, str, bytes]:
    """Status, type and body without the CSRF token, the address and what the person typed."""
    body = response.content.replace(response.request["PATH_INFO"].encode(), b"/the-address/")
    for text in echoed:
        body = body.replace(text.encode(), b"typed")
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", body)
    body = re.sub(rb'nonce="[^"]*"', b"", body)
    return response.status_code, response["Content-Type"], body


def post_from_new_address(url: str, data: dict, **extra):
    return Client().post(url, data, REMOTE_ADDR=next(ADDRESSES), **extra)


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(owner):
    known = post_from_new_address(
        reverse("login"), {"username": owner.email, "password": "falsch-123"}
    )
    unknown = post_from_new_address(
        reverse("login"), {"username": UNKNOWN, "password": "falsch-123"}
    )
    assert known.status_code == 200
    assert "und Passwort eingeben" in known.content.decode()
    assert comparable(known, owner.email) == comparable(unknown, UNKNOWN)


def test_an_inactive_account_looks_like_no_account(owner):
    owner.is_active = False
    owner.save()
    inactive = post_from_new_address(
        reverse("login"), {"username": owner.email, "password": "x-Secret-123"}
    )
    unknown = post_from_new_address(
        reverse("login"), {"username": UNKNOWN, "password": "x-Secret-123"}
    )
    assert comparable(inactive, owner.email) == comparable(unknown, UNKNOWN)


def test_password_reset_looks_the_same_for_known_and_unknown_addresses(owner):
    known = post_from_new_address(reverse("password_reset"), {"email": owner.email}, follow=True)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [owner.email]
    unknown = post_from_new_address(reverse("password_reset"), {"email": UNKNOWN}, follow=True)
    assert len(mail.outbox) == 1  # nothing for an address without an account
    assert known.redirect_chain == unknown.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert comparable(known) == comparable(unknown)


def test_a_reset_link_for_a_known_or_unknown_account_fails_the_same_way(owner):
    known_uid = urlsafe_base64_encode(force_bytes(owner.pk))
    unknown_uid = urlsafe_base64_encode(force_bytes(owner.pk + 1000))
    known = Client().get(
        reverse("password_reset_confirm", args=[known_uid, "set-password"]), follow=True
    )
    unknown = Client().get(
        reverse("password_reset_confirm", args=[unknown_uid, "set-password"]), follow=True
    )
    assert known.status_code == 200
    assert comparable(known) == comparable(unknown)


def test_inviting_does_not_tell_whether_the_address_has_an_account(
    client, owner, company, outsider
):
    client.force_login(owner)
    known = client.post(reverse("invite", args=[company.pk]), {"email": outsider.email})
    known_page = client.get(known.url)
    unknown = client.post(reverse("invite", args=[company.pk]), {"email": UNKNOWN})
    unknown_page = client.get(unknown.url)
    assert known.status_code == unknown.status_code == 302 and known.url == unknown.url
    assert [message.to for message in mail.outbox] == [[outsider.email], [UNKNOWN]]
    assert f"Einladung an {outsider.email} verschickt." in known_page.content.decode()
    # The second page also lists the first invitation; only the message differs.
    assert f"Einladung an {UNKNOWN} verschickt." in unknown_page.content.decode()


@pytest.mark.parametrize("form", ["signup", "consultant_signup"])
def test_signing_up_with_a_taken_address_says_so_and_changes_nothing(owner, form):
    password_before = owner.password
    data = {
        "email": owner.email.upper(),
        "password1": "Blumen-2026-Laden",
        "password2": "Blumen-2026-Laden",
        "name": "Jemand",
    }
    person = Client()
    response = person.post(reverse(form), data, REMOTE_ADDR=next(ADDRESSES))
    assert response.status_code == 400
    assert "Mit dieser Adresse gibt es schon ein Konto. Bitte melden Sie sich an." in (
        response.content.decode()
    )
    owner.refresh_from_db()
    assert owner.password == password_before
    assert User.objects.filter(email__iexact=owner.email).count() == 1
    assert not ConsultantProfile.objects.exists()
    assert "_auth_user_id" not in person.session
    assert not mail.outbox
