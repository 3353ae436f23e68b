"""Login lockout: per e-mail address and client address together, with a friendly 429."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

ADDRESS_A = "203.0.113.10"
ADDRESS_B = "198.51.100.20"
RIGHT = "x-Secret-123"

pytestmark = pytest.mark.django_db


def log_in(client: Client, email: str, password: str, **extra: str):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def fail_times(client: Client, email: str, times: int, **extra: str) -> list[int]:
    return [log_in(client, email, "falsch", **extra).status_code for _ in range(times)]


def logged_in_as(client: Client) -> str | None:
    response = client.get(reverse("companies"))
    return None if response.status_code != 200 else response.wsgi_request.user.email


def without_csrf_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_five_wrong_passwords_lock_that_email_at_that_address(owner):
    client = Client(REMOTE_ADDR=ADDRESS_A)
    assert fail_times(client, owner.email, 4) == [200, 200, 200, 200]
    fifth = log_in(client, owner.email, "falsch")
    assert fifth.status_code == 429

    with_right_password = log_in(client, owner.email, RIGHT)
    assert with_right_password.status_code == 429
    assert with_right_password["Retry-After"] == str(15 * 60)
    body = with_right_password.content.decode()
    assert "Zu viele Versuche" in body
    assert "Bitte versuchen Sie es in 15 Minuten noch einmal." in body
    assert "Traceback" not in body and owner.email not in body
    assert logged_in_as(client) is None
    assert (
        AccessAttempt.objects.get(username=owner.email, ip_address=ADDRESS_A).failures_since_start
        == 5
    )


def test_the_same_person_can_still_log_in_from_another_address(owner):
    fail_times(Client(REMOTE_ADDR=ADDRESS_A), owner.email, 5)
    elsewhere = Client(REMOTE_ADDR=ADDRESS_B)
    response = log_in(elsewhere, owner.email, RIGHT)
    assert response.status_code == 302
    assert logged_in_as(elsewhere) == owner.email


def test_another_person_at_the_locked_address_is_not_locked(owner, outsider):
    client = Client(REMOTE_ADDR=ADDRESS_A)
    fail_times(client, owner.email, 5)
    response = log_in(client, outsider.email, RIGHT)
    assert response.status_code == 302
    assert logged_in_as(client) == outsider.email


def test_the_email_is_matched_regardless_of_case_and_spaces(owner):
    client = Client(REMOTE_ADDR=ADDRESS_A)
    for variant in ["INHABERIN@example.com", " inhaberin@EXAMPLE.com", "Inhaberin@example.com"]:
        log_in(client, variant, "falsch")
    log_in(client, owner.email, "falsch")
    assert log_in(client, owner.email.upper(), "falsch").status_code == 429


def test_the_lockout_looks_the_same_for_an_email_without_account(owner):
    client = Client(REMOTE_ADDR=ADDRESS_A)
    fail_times(client, owner.email, 5)
    fail_times(client, "niemand@example.com", 5)
    existing = log_in(client, owner.email, "falsch")
    unknown = log_in(client, "niemand@example.com", "falsch")
    assert existing.status_code == unknown.status_code == 429
    assert existing["Retry-After"] == unknown["Retry-After"]
    assert without_csrf_tokens(existing.content.decode()) == without_csrf_tokens(
        unknown.content.decode()
    )


def test_forwarded_for_header_is_ignored_without_trusted_proxies(owner):
    client = Client(REMOTE_ADDR=ADDRESS_A)
    statuses = [
        log_in(client, owner.email, "falsch", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    assert AccessAttempt.objects.get().ip_address == ADDRESS_A


def test_forwarded_for_header_names_the_client_behind_a_trusted_proxy(owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    fail_times(proxy, owner.email, 5, HTTP_X_FORWARDED_FOR=ADDRESS_A)
    assert log_in(proxy, owner.email, RIGHT, HTTP_X_FORWARDED_FOR=ADDRESS_A).status_code == 429
    # Another person behind the same proxy is somebody else.
    response = log_in(proxy, owner.email, RIGHT, HTTP_X_FORWARDED_FOR=ADDRESS_B)
    assert response.status_code == 302
    # A client cannot escape by putting its own entry in front: the proxy appends the real one.
    spoofed = log_in(
        Client(REMOTE_ADDR="127.0.0.1"),
        owner.email,
        RIGHT,
        HTTP_X_FORWARDED_FOR=f"192.0.2.99, {ADDRESS_A}",
    )
    assert spoofed.status_code == 429


def test_login_works_again_after_the_cool_off(owner):
    client = Client(REMOTE_ADDR=ADDRESS_A)
    fail_times(client, owner.email, 5)
    assert log_in(client, owner.email, RIGHT).status_code == 429
    # Let the attempts age past the 15-minute cool-off.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - datetime.timedelta(minutes=16)
    )
    response = log_in(client, owner.email, RIGHT)
    assert response.status_code == 302
    assert logged_in_as(client) == owner.email


def test_a_lockout_still_inside_the_cool_off_holds(owner):
    client = Client(REMOTE_ADDR=ADDRESS_A)
    fail_times(client, owner.email, 5)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - datetime.timedelta(minutes=14)
    )
    assert log_in(client, owner.email, RIGHT).status_code == 429


def test_a_successful_login_resets_the_count(owner):
    client = Client(REMOTE_ADDR=ADDRESS_A)
    assert fail_times(client, owner.email, 4) == [200, 200, 200, 200]
    assert log_in(client, owner.email, RIGHT).status_code == 302
    client.post(reverse("account_logout"))
    assert fail_times(client, owner.email, 4) == [200, 200, 200, 200]
    assert log_in(client, owner.email, RIGHT).status_code == 302


def test_limits_come_from_settings(owner, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=1)
    client = Client(REMOTE_ADDR=ADDRESS_A)
    assert fail_times(client, owner.email, 2) == [200, 429]
    response = log_in(client, owner.email, RIGHT)
    assert response["Retry-After"] == "60"
    assert "Bitte versuchen Sie es in 1 Minute noch einmal." in response.content.decode()
