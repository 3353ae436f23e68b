"""Sessions live in a cache every worker shares: ending one in one worker ends it in all.

Two gunicorn servers (one worker process each, so every request goes where the test sends
it) on one database, SQLite or PostgreSQL as the suite runs. With a per-process cache the
other worker would keep serving its cached copy of a session that was logged out.
"""

import pytest

from tests.live import Browser, gunicorn, manage, own_database, query, verification_path

COMPANIES = "/firmen/"
LOGIN = "/konto/login/"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    directory = tmp_path_factory.mktemp("shared-sessions")
    with own_database(directory, "sessions") as database_url:
        with (
            gunicorn(database_url, directory / "a.log") as first,
            gunicorn(database_url, directory / "b.log") as second,
        ):
            yield database_url, first, second


def sign_up(browser: Browser, server, email: str) -> dict[str, str]:
    """Sign up and follow the verification link from the mail: logged in."""
    account = {"email": email, "password1": "Sauerteig-2024!", "password2": "Sauerteig-2024!"}
    page = browser.get(server.base + "/konto/signup/")
    assert browser.submit(page, server.base + "/konto/signup/", account).status == 302
    confirm = server.base + verification_path(server.mail_directory, email)
    assert browser.submit(browser.get(confirm), confirm, {}).status == 302
    return {"login": email, "password": account["password1"]}


def test_logout_in_one_worker_ends_the_session_in_the_other(servers):
    _database_url, a, b = servers
    browser = Browser()
    sign_up(browser, a, "sommer@example.com")
    # Both workers have read (and cached) the logged-in session.
    assert browser.get(a.base + COMPANIES).status == 200
    page = browser.get(b.base + COMPANIES)
    assert page.status == 200

    assert browser.submit(page, b.base + "/konto/logout/", {}).status == 302
    for server in (a, b):
        after = browser.get(server.base + COMPANIES)
        assert (after.status, after.location) == (302, LOGIN), server.base


def with_cookies(cookies: list) -> Browser:
    browser = Browser()
    for cookie in cookies:
        browser.jar.set_cookie(cookie)
    return browser


def test_a_session_cookie_kept_after_logout_opens_nothing_anywhere(servers):
    """Someone who copied the cookie before the logout gets nothing from either worker."""
    database_url, a, b = servers
    browser = Browser()
    sign_up(browser, b, "winter@example.com")
    assert browser.get(a.base + COMPANIES).status == 200
    assert browser.get(b.base + COMPANIES).status == 200
    copied = list(browser.jar)
    assert with_cookies(copied).get(a.base + COMPANIES).status == 200

    page = browser.get(a.base + COMPANIES)
    assert browser.submit(page, a.base + "/konto/logout/", {}).status == 302
    for server in (b, a):
        after = with_cookies(copied).get(server.base + COMPANIES)
        assert (after.status, after.location) == (302, LOGIN), server.base
    sessions = query(database_url, "SELECT count(*) FROM django_session")[0][0]
    assert sessions == 0, "a logged-out session stays in the database"


def test_a_password_reset_by_an_operator_ends_the_session_on_every_worker(servers):
    """Revoking someone's logins by giving the account a new password counts everywhere."""
    database_url, a, b = servers
    browser = Browser()
    sign_up(browser, a, "herbst@example.com")
    assert browser.get(a.base + COMPANIES).status == 200
    assert browser.get(b.base + COMPANIES).status == 200

    manage(
        database_url,
        "shell",
        "--no-imports",
        "-c",
        "from assessment.models import User\n"
        "user = User.objects.get(email='herbst@example.com')\n"
        "user.set_password('Roggenbrot-2025!')\n"
        "user.save()",
    )
    for server in (a, b):
        after = browser.get(server.base + COMPANIES)
        assert (after.status, after.location) == (302, LOGIN), server.base
