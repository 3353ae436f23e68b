"""Session idle timeout: an unused session ends through its own expiry, an active one stays."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessment.access import SESSION_GRANTS
from assessment.middleware import LAST_SEEN
from assessment.models import Company
from assessment.workflows import start_self_assessment

pytestmark = pytest.mark.django_db


def stored_session(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def let_time_pass(client: Client, passed: datetime.timedelta) -> None:
    """What the stores hold once `passed` has gone by without a request: the session's row
    and its cache entry expire that much sooner, and its last save lies that far back."""
    row = stored_session(client)
    store = SessionStore(row.session_key)
    data = row.get_decoded()
    if LAST_SEEN in data:  # not after force_login(), which saves without a request
        data[LAST_SEEN] -= int(passed.total_seconds())
    row.expire_date -= passed
    row.session_data = store.encode(data)
    row.save()
    cache = caches[settings.SESSION_CACHE_ALIAS]
    remaining = (row.expire_date - timezone.now()).total_seconds()
    if remaining > 0:
        cache.set(store.cache_key, data, remaining)
    else:
        cache.delete(store.cache_key)


def saved_ago(client: Client) -> float:
    return timezone.now().timestamp() - client.session[LAST_SEEN]


def test_the_idle_timeout_is_the_session_lifetime():
    assert settings.SESSION_COOKIE_AGE == 120 * 60
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"


def test_logging_in_starts_the_idle_clock(client, owner):
    response = client.post(
        reverse("account_login"), {"login": owner.email, "password": "x-Secret-123"}
    )
    assert response.status_code == 302
    assert 0 <= saved_ago(client) < 5
    expires_in = stored_session(client).expire_date - timezone.now()
    assert datetime.timedelta(minutes=119) < expires_in <= datetime.timedelta(minutes=120)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 120 * 60


def test_a_session_idle_longer_than_the_timeout_needs_a_new_login(client, owner):
    client.force_login(owner)
    let_time_pass(client, datetime.timedelta(hours=2, seconds=1))
    response = client.get(reverse("companies"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_an_expired_session_ends_even_while_its_cache_entry_is_kept(client, owner):
    """The row's expiry counts when the cache has lost the entry or kept it."""
    client.force_login(owner)
    let_time_pass(client, datetime.timedelta(hours=2, seconds=1))
    assert client.get(reverse("companies")).status_code == 302
    client.force_login(owner)
    row = stored_session(client)
    row.expire_date = timezone.now() - datetime.timedelta(seconds=1)
    row.save()
    caches[settings.SESSION_CACHE_ALIAS].delete(SessionStore(row.session_key).cache_key)
    assert client.get(reverse("companies")).status_code == 302


def test_an_active_session_stays_and_its_expiry_is_renewed(client, owner):
    client.force_login(owner)
    let_time_pass(client, datetime.timedelta(hours=1, minutes=59))
    response = client.get(reverse("companies"))
    assert response.status_code == 200
    assert saved_ago(client) < 5
    expires_in = stored_session(client).expire_date - timezone.now()
    assert expires_in > datetime.timedelta(minutes=119)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 120 * 60
    # Two hours after the first request, but only a minute after the last one.
    let_time_pass(client, datetime.timedelta(minutes=1))
    assert client.get(reverse("companies")).status_code == 200


def test_the_session_is_saved_for_renewal_at_most_once_a_minute(client, owner):
    client.force_login(owner)
    assert client.get(reverse("companies")).status_code == 200
    let_time_pass(client, datetime.timedelta(seconds=30))
    before = stored_session(client)
    response = client.get(reverse("companies"))
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # nothing saved, no new cookie
    after = stored_session(client)
    assert (after.expire_date, after.session_data) == (before.expire_date, before.session_data)

    let_time_pass(client, datetime.timedelta(seconds=31))
    assert client.get(reverse("companies")).status_code == 200
    assert stored_session(client).expire_date > before.expire_date


def test_an_idle_anonymous_check_is_closed_and_the_resume_link_reopens_it(
    client, small_questionnaire
):
    company = Company(name="Blumen Müller", industry="retail", size_band="2-9")
    assessment, raw_token = start_self_assessment(
        company=company, questionnaire=small_questionnaire
    )
    assert client.get(reverse("resume", args=[raw_token])).status_code == 302
    page = reverse("check_page", args=[assessment.public_id, 1])
    assert client.get(page).status_code == 200

    let_time_pass(client, datetime.timedelta(hours=3))
    assert client.get(page).status_code == 404
    assert SESSION_GRANTS not in client.session

    assert client.get(reverse("resume", args=[raw_token])).status_code == 302
    assert client.get(page).status_code == 200


def test_a_visit_without_session_data_creates_no_session(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert not Session.objects.exists()


def test_timeout_comes_from_settings(client, owner, settings):
    settings.SESSION_COOKIE_AGE = 10 * 60
    client.force_login(owner)
    let_time_pass(client, datetime.timedelta(minutes=9))
    assert client.get(reverse("companies")).status_code == 200
    let_time_pass(client, datetime.timedelta(minutes=10, seconds=1))
    assert client.get(reverse("companies")).status_code == 302


def test_the_idle_timeout_is_read_from_the_environment():
    from tests.test_settings import run

    completed = run(
        ["-c", "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)"],
        DJANGO_SETTINGS_MODULE="config.settings",
        SESSION_IDLE_TIMEOUT_MINUTES="15",
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "900"
