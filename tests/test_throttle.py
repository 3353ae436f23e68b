"""The client's address, as login lockouts and the secret-link throttle see it."""

import pytest
from django.test import RequestFactory

from assessment.throttle import client_address, login_name


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_only_the_connection_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request_from("203.0.113.10", "198.51.100.1")) == "203.0.113.10"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "192.0.2.66, 198.51.100.1", "198.51.100.1"),
        (2, "192.0.2.66, 198.51.100.1, 192.0.2.200", "198.51.100.1"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
        # Fewer entries than proxies, rubbish or nothing: the connection's address.
        (2, "198.51.100.1", "127.0.0.1"),
        (1, "not-an-address", "127.0.0.1"),
        (1, "", "127.0.0.1"),
        (1, None, "127.0.0.1"),
    ],
)
def test_behind_trusted_proxies_the_outermost_proxy_names_the_client(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request_from("127.0.0.1", forwarded)) == expected


def test_login_name_is_the_email_as_accounts_store_it():
    request = RequestFactory().post("/", {"login": "  Inhaberin@EXAMPLE.com "})
    assert login_name(request) == "inhaberin@example.com"
    # django-allauth's credentials name the address `email`.
    assert login_name(request, {"email": "A@B.de", "password": "x"}) == "a@b.de"
    assert login_name(RequestFactory().post("/", {})) == ""


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TRUSTED_PROXY_COUNT", "-1", "TRUSTED_PROXY_COUNT must be 0 or more"),
        ("LOGIN_FAILURE_LIMIT", "0", "LOGIN_FAILURE_LIMIT must be 1 or more"),
        ("TOKEN_MISS_WINDOW_MINUTES", "0", "TOKEN_MISS_WINDOW_MINUTES must be 1 or more"),
        ("SESSION_IDLE_TIMEOUT_MINUTES", "zwei", "SESSION_IDLE_TIMEOUT_MINUTES='zwei'"),
    ],
)
def test_bad_security_limits_stop_the_app(variable, value, message):
    from tests.test_settings import run

    completed = run(["manage.py", "check"], **{variable: value})
    assert completed.returncode != 0
    assert message in completed.stderr
