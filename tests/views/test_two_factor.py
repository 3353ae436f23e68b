"""Two-factor login (django-allauth's mfa): an authenticator app and recovery codes for
everyone, and a must for consultants where the operator requires it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time
from html import unescape

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from assessment.models import ConsultantProfile

PASSWORD = "x-Secret-123"

pytestmark = pytest.mark.django_db


def totp(secret: str, *, step_offset: int = 0, at: float | None = None) -> str:
    """The 6-digit code an authenticator app shows (RFC 6238, SHA-1, 30 seconds)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30) + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def test_the_rfc_6238_reference_value():
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits), so 287082 with 6.
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp(secret, at=59) == "287082"


@pytest.fixture(autouse=True)
def one_step_of_tolerance(settings):
    """allauth refuses a code used once already; the login after activation (within the
    same 30 seconds) then takes the next step's code, as a slow clock would give."""
    settings.MFA_TOTP_TOLERANCE = 1


@pytest.fixture
def approved(consultant):
    ConsultantProfile.objects.create(user=consultant, name="Dr. Berta Beispiel", approved=True)
    return consultant


def log_in(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def setup_page(client: Client):
    """The authenticator app's setup page; allauth first asks for the password again."""
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked.status_code == 302 and asked.url.startswith(reverse("account_reauthenticate"))
    confirmed = client.post(asked.url, {"password": PASSWORD})
    assert confirmed.status_code == 302
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    return page


def activate_totp(client: Client) -> str:
    """Turn on the authenticator app from its page, as a person does; returns the secret."""
    page = setup_page(client)
    html = page.content.decode()
    secret = unescape(re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', html)[1])
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200 and not Authenticator.objects.exists()
    done = client.post(reverse("mfa_activate_totp"), {"code": totp(secret)})
    assert done.status_code == 302
    return secret


def test_the_setup_page_shows_the_qr_code_inline_and_the_policy_allows_it(client, owner):
    log_in(client, owner.email)
    page = setup_page(client)
    html = page.content.decode()
    assert re.search(r'<img[^>]+src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', html)
    policy = page["Content-Security-Policy"]
    img_src = re.search(r"img-src ([^;]+)", policy)[1].split()
    assert "data:" in img_src and "'self'" in img_src
    assert "http" not in " ".join(re.findall(r'(?:src|href)="([^"]+)"', html)).replace(
        "http://testserver", ""
    )


def test_the_account_page_offers_two_factor_login_to_everyone(client, owner):
    client.force_login(owner)
    page = client.get(reverse("account")).content.decode()
    assert "Zwei-Faktor-Anmeldung einrichten" in page
    assert reverse("mfa_index") in page


def test_with_totp_on_a_login_needs_the_code(client, approved):
    assert log_in(client, approved.email).status_code == 302
    secret = activate_totp(client)
    assert Authenticator.objects.filter(user=approved, type=Authenticator.Type.TOTP).exists()
    client.post(reverse("account_logout"))
    assert not logged_in(client)

    password_only = log_in(client, approved.email)
    assert password_only.status_code == 302
    assert password_only.url == reverse("mfa_authenticate")
    assert not logged_in(client)
    assert client.get(reverse("portfolio")).status_code == 302  # still not in

    wrong = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert wrong.status_code == 200 and not logged_in(client)
    right = client.post(reverse("mfa_authenticate"), {"code": totp(secret, step_offset=1)})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(approved.pk)
    assert client.get(reverse("portfolio")).status_code == 200


def test_a_recovery_code_works_once(client, owner):
    log_in(client, owner.email)
    activate_totp(client)
    codes_page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    codes = re.findall(r"\b[0-9a-zA-Z]{8}\b", codes_page.split('id="recovery_codes"')[1])[:10]
    assert len(codes) == 10
    client.post(reverse("account_logout"))

    log_in(client, owner.email)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert logged_in(client)
    client.post(reverse("account_logout"))

    log_in(client, owner.email)
    again = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert again.status_code == 200 and not logged_in(client)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[1]}).status_code == 302
    assert logged_in(client)


def test_an_operator_can_require_it_for_consultants(client, approved, owner, settings):
    settings.REQUIRE_2FA_FOR_CONSULTANTS = True
    log_in(client, approved.email)
    for page in [reverse("portfolio"), reverse("companies"), reverse("new_client")]:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.url == reverse("mfa_activate_totp")
    # Logging out and the setup itself stay open.
    activate_totp(client)
    assert client.get(reverse("portfolio")).status_code == 200

    # Not for people who are not (approved) consultants.
    other = Client()
    log_in(other, owner.email)
    assert other.get(reverse("companies")).status_code == 200
    ConsultantProfile.objects.create(user=owner, name="Noch nicht freigegeben")
    assert other.get(reverse("companies")).status_code == 200


def test_consultants_need_no_second_factor_unless_the_operator_says_so(client, approved):
    log_in(client, approved.email)
    assert client.get(reverse("portfolio")).status_code == 200


@pytest.mark.parametrize(("value", "required"), [("1", True), ("0", False), ("", False)])
def test_the_requirement_is_read_from_the_environment(value, required):
    import os
    import subprocess
    import sys

    env = {**os.environ, "REQUIRE_2FA_FOR_CONSULTANTS": value}
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config import settings; print(settings.REQUIRE_2FA_FOR_CONSULTANTS)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert printed == str(required)


def test_the_account_pages_are_in_the_app_frame_without_inline_code(client, owner):
    from tests.views.test_csp import inline_code

    log_in(client, owner.email)
    activate_totp(client)
    for name in [
        "account",
        "account_email",
        "account_change_password",
        "mfa_index",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_deactivate_totp",
    ]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        html = response.content.decode()
        assert 'class="navbar-brand' in html and 'lang="de"' in html, name
        assert inline_code(html) == [], name
    for name in ["account_login", "account_signup", "account_reset_password"]:
        response = Client().get(reverse(name))
        assert response.status_code == 200 and inline_code(response.content.decode()) == [], name
