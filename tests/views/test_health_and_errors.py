from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client, override_settings
from django.urls import reverse


@pytest.mark.django_db
def test_health_reports_the_database(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_health_fails_with_retry_after_when_the_database_is_down(client):
    with mock.patch("assessment.views.health.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["database"] == "down"


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_not_found_page_speaks_german_and_english(client):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "Diese Seite gibt es nicht" in response.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "This page does not exist" in client.get("/gibt-es-nicht/").content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_server_error_page_has_no_traceback():
    client = Client(raise_request_exception=False)
    with mock.patch(
        "assessment.models.QuestionnaireQuerySet.current",
        side_effect=RuntimeError("secret internals"),
    ):
        response = client.get(reverse("home"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "secret internals" not in body and "Traceback" not in body
    assert "Ihre bisher gespeicherten Antworten sind nicht verloren" in body
    assert "The answers you saved are not lost" in body


@pytest.mark.django_db
def test_referrer_policy_and_frame_headers(client):
    response = client.get(reverse("home"))
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_health_answers_in_json_for_a_browser_with_a_session_while_the_database_is_down(client):
    session = client.session
    session["assessment_links"] = {"x": 1}
    session.save()
    down = DatabaseError("down")
    with (
        mock.patch(
            "django.contrib.sessions.backends.cached_db.SessionStore.load", side_effect=down
        ),
        mock.patch("assessment.views.health.connection.cursor", side_effect=down),
    ):
        response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}
