"""Logging in, signing up, resetting a password and inviting do not tell who has an account.

Sign-up answers a taken address exactly as a new one ("check your mail"); the mail that
follows differs: a verification link for the new address, a note with the password-reset
link for the existing account's owner.
"""

from __future__ import annotations

import difflib
import itertools
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from assessment.models import ConsultantProfile, User
from tests.conftest import confirm_address_from_mail

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
        reverse("account_login"), {"login": owner.email, "password": "falsch-123"}
    )
    unknown = post_from_new_address(
        reverse("account_login"), {"login": UNKNOWN, "password": "falsch-123"}
    )
    assert known.status_code == 200
    assert "E-Mail-Adresse und/oder das Passwort sind leider falsch" in known.content.decode()
    assert comparable(known, owner.email) == comparable(unknown, UNKNOWN)


def test_an_inactive_account_looks_like_no_account(owner):
    owner.is_active = False
    owner.save()
    inactive = post_from_new_address(
        reverse("account_login"), {"login": owner.email, "password": "x-Secret-123"}
    )
    unknown = post_from_new_address(
        reverse("account_login"), {"login": UNKNOWN, "password": "x-Secret-123"}
    )
    assert comparable(inactive, owner.email) == comparable(unknown, UNKNOWN)


def test_password_reset_looks_the_same_for_known_and_unknown_addresses(owner):
    url = reverse("account_reset_password")
    known = post_from_new_address(url, {"email": owner.email}, follow=True)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [owner.email]
    unknown = post_from_new_address(url, {"email": UNKNOWN}, follow=True)
    assert len(mail.outbox) == 1  # nothing for an address without an account
    done = reverse("account_reset_password_done")
    assert known.redirect_chain == unknown.redirect_chain == [(done, 302)]
    assert comparable(known) == comparable(unknown)


def test_a_reset_link_for_a_known_or_unknown_account_fails_the_same_way(owner):
    known_uid = urlsafe_base64_encode(force_bytes(owner.pk))
    unknown_uid = urlsafe_base64_encode(force_bytes(owner.pk + 1000))
    known = Client().get(
        reverse("account_reset_password_from_key", args=[known_uid, "set-password"]),
        follow=True,
    )
    unknown = Client().get(
        reverse("account_reset_password_from_key", args=[unknown_uid, "set-password"]),
        follow=True,
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


def sign_up(form: str, email: str):
    data = {
        "email": email,
        "password1": "Blumen-2026-Laden",
        "password2": "Blumen-2026-Laden",
        "name": "Jemand",
    }
    person = Client()
    return person, person.post(reverse(form), data, REMOTE_ADDR=next(ADDRESSES), follow=True)


@pytest.mark.parametrize("form", ["account_signup", "consultant_signup"])
def test_signing_up_with_a_taken_address_looks_like_a_new_one_and_mails_the_owner(owner, form):
    password_before = owner.password
    taken_person, taken = sign_up(form, owner.email.upper())
    [to_owner] = mail.outbox
    new_person, new = sign_up(form, UNKNOWN)

    assert taken.redirect_chain == new.redirect_chain
    assert taken.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    taken_page, new_page = (
        comparable(taken, owner.email.upper(), owner.email),
        comparable(new, UNKNOWN),
    )
    assert taken_page == new_page, "\n".join(
        difflib.unified_diff(
            taken_page[2].decode().splitlines(), new_page[2].decode().splitlines(), lineterm=""
        )
    )
    assert "Bitte bestätigen Sie Ihre E-Mail-Adresse" in taken.content.decode()
    assert "Mit dieser Adresse gibt es schon ein Konto" not in taken.content.decode()

    # The existing account's owner is told, with the way back in; nothing else changes.
    assert to_owner.to == [owner.email]
    assert "/konto/password/reset/" in to_owner.body
    assert "/konto/confirm-email/" not in to_owner.body
    owner.refresh_from_db()
    assert owner.password == password_before
    assert User.objects.filter(email__iexact=owner.email).count() == 1
    assert not ConsultantProfile.objects.filter(user=owner).exists()
    assert "_auth_user_id" not in taken_person.session

    # The new address gets a verification link and an account that cannot log in yet.
    to_new = mail.outbox[1]
    assert to_new.to == [UNKNOWN] and "/konto/confirm-email/" in to_new.body
    assert not EmailAddress.objects.get(email=UNKNOWN).verified
    assert "_auth_user_id" not in new_person.session


@pytest.mark.parametrize("form", ["account_signup", "consultant_signup"])
def test_an_unverified_account_cannot_log_in_until_the_link_is_followed(db, form):
    person, _page = sign_up(form, UNKNOWN)
    [verification] = mail.outbox
    other_browser = Client()
    login = other_browser.post(
        reverse("account_login"), {"login": UNKNOWN, "password": "Blumen-2026-Laden"}
    )
    assert login.status_code == 302
    assert login.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in other_browser.session

    confirm_address_from_mail(person, verification)
    assert EmailAddress.objects.get(email=UNKNOWN).verified
    account = User.objects.get(email=UNKNOWN)
    # Confirmed in the browser that signed up: logged in at once.
    assert person.session["_auth_user_id"] == str(account.pk)
    login = other_browser.post(
        reverse("account_login"), {"login": UNKNOWN, "password": "Blumen-2026-Laden"}
    )
    assert login.status_code == 302 and login.url == reverse("companies")
    assert other_browser.session["_auth_user_id"] == str(account.pk)
    if form == "consultant_signup":
        profile = ConsultantProfile.objects.get(user__email=UNKNOWN)
        assert profile.name == "Jemand" and not profile.approved
