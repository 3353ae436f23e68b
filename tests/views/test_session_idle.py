"""Session idle timeout: an unused session ends, an active one stays."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessment.access import SESSION_GRANTS
from assessment.middleware import LAST_SEEN
from assessment.models import Company
from assessment.workflows import start_self_assessment

pytestmark = pytest.mark.django_db


def set_last_seen(client: Client, ago: datetime.timedelta) -> None:
    session = client.session
    session[LAST_SEEN] = int((timezone.now() - ago).timestamp())
    session.save()


def last_seen_ago(client: Client) -> float:
    return timezone.now().timestamp() - client.session[LAST_SEEN]


def test_logging_in_starts_the_idle_clock(client, owner):
    response = client.post(reverse("login"), {"username": owner.email, "password": "x-Secret-123"})
    assert response.status_code == 302
    assert 0 <= last_seen_ago(client) < 5


def test_a_session_idle_longer_than_the_timeout_needs_a_new_login(client, owner):
    client.force_login(owner)
    set_last_seen(client, datetime.timedelta(hours=2, seconds=1))
    response = client.get(reverse("companies"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_an_active_session_stays_and_its_clock_is_renewed(client, owner):
    client.force_login(owner)
    set_last_seen(client, datetime.timedelta(hours=1, minutes=59))
    assert client.get(reverse("companies")).status_code == 200
    assert last_seen_ago(client) < 5
    # Two hours after the first request, but only a minute after the last one.
    set_last_seen(client, datetime.timedelta(minutes=1))
    assert client.get(reverse("companies")).status_code == 200


def test_the_clock_is_written_at_most_once_a_minute(client, owner):
    client.force_login(owner)
    set_last_seen(client, datetime.timedelta(seconds=30))
    stored = client.session[LAST_SEEN]
    assert client.get(reverse("companies")).status_code == 200
    assert client.session[LAST_SEEN] == stored
    set_last_seen(client, datetime.timedelta(seconds=61))
    assert client.get(reverse("companies")).status_code == 200
    assert client.session[LAST_SEEN] > stored


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

    set_last_seen(client, datetime.timedelta(hours=3))
    assert client.get(page).status_code == 404
    assert SESSION_GRANTS not in client.session

    assert client.get(reverse("resume", args=[raw_token])).status_code == 302
    assert client.get(page).status_code == 200


def test_a_visit_without_session_data_creates_no_session(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_timeout_comes_from_settings(client, owner, settings):
    settings.SESSION_IDLE_TIMEOUT = datetime.timedelta(minutes=10)
    client.force_login(owner)
    set_last_seen(client, datetime.timedelta(minutes=11))
    assert client.get(reverse("companies")).status_code == 302
