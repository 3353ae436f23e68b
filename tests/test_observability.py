"""Errors someone sees: request ids and JSON logs, mails to ADMINS on a 500, Sentry events
without personal data, and the mail settings an operator needs."""

import json
import logging
import subprocess
import sys
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from assessment.logs import JsonFormatter, RequestIdFilter, scrub_path, scrub_sentry_event
from tests.live import ROOT


def test_every_response_carries_a_request_id_and_one_log_line(client, db, caplog):
    caplog.set_level(logging.INFO, logger="reifegrad.request")
    response = client.get(reverse("home"))
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [line] = [record for record in caplog.records if record.name == "reifegrad.request"]
    assert line.status == 200 and line.path == "/" and line.method == "GET"
    assert line.duration_ms >= 0


def test_a_proxys_request_id_is_kept_and_a_strange_one_replaced(client, db):
    kept = client.get(reverse("home"), headers={"X-Request-ID": "abc-123-def-456"})
    assert kept["X-Request-ID"] == "abc-123-def-456"
    replaced = client.get(reverse("home"), headers={"X-Request-ID": "<script>"})
    assert replaced["X-Request-ID"] != "<script>"


def test_json_log_lines_have_request_id_path_status_and_duration():
    record = logging.makeLogRecord(
        {
            "name": "reifegrad.request",
            "levelname": "INFO",
            "msg": "GET %s",
            "args": ("/x/",),
            "path": "/x/",
            "status": 200,
            "duration_ms": 12.5,
        }
    )
    RequestIdFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "GET /x/"
    assert entry["path"] == "/x/" and entry["status"] == 200 and entry["duration_ms"] == 12.5
    assert entry["request_id"] == "-" and entry["level"] == "INFO"


def test_secret_links_never_reach_the_log():
    assert scrub_path("/weiter/Zk3x9QmP0aLq7RtY2bNc5VwE8uHs/") == "/weiter/[secret]/"
    public_id = "93645e7f-4676-400b-a651-1232004a9c2d"
    assert scrub_path(f"/check/{public_id}/ergebnis/") == f"/check/{public_id}/ergebnis/"


def test_a_server_error_mails_the_admins_through_the_queue(db, settings):
    settings.ADMINS = [("Betrieb", "betrieb@example.de")]
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    with mock.patch(
        "assessment.models.QuestionnaireQuerySet.current",
        side_effect=RuntimeError("kaputt"),
    ):
        assert client.get(reverse("home")).status_code == 500
    [message] = mail.outbox
    assert message.to == ["betrieb@example.de"]
    assert "kaputt" in message.body or "kaputt" in message.subject


def test_sentry_events_lose_personal_data_and_secrets():
    event = {
        "request": {
            "url": "https://check.example.de/weiter/Zk3x9QmP0aLq7RtY2bNc5VwE8uHs/",
            "cookies": {"sessionid": "abc"},
            "data": {"email": "anna@example.de"},
            "query_string": "token=1",
            "headers": {"Cookie": "sessionid=abc", "User-Agent": "Firefox", "Authorization": "x"},
        },
        "user": {"id": 7, "email": "anna@example.de", "ip_address": "10.0.0.1"},
        "exception": {
            "values": [
                {
                    "value": "duplicate key anna@example.de",
                    "stacktrace": {"frames": [{"function": "f", "vars": {"password": "pw"}}]},
                }
            ]
        },
        "logentry": {"message": "Mail to anna@example.de failed", "params": ["x"]},
    }
    scrubbed = json.dumps(scrub_sentry_event(event, {}))
    for secret in ("anna@example.de", "sessionid", "Zk3x9QmP0aLq7RtY2bNc5VwE8uHs", "10.0.0.1"):
        assert secret not in scrubbed
    assert '"password"' not in scrubbed and "Authorization" not in scrubbed
    assert event["user"] == {"id": 7} and event["request"]["headers"] == {"User-Agent": "Firefox"}


def settings_with(**env: str) -> subprocess.CompletedProcess:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.ADMINS, s.EMAIL_USE_SSL, s.EMAIL_TIMEOUT, s.SERVER_EMAIL, "
        "s.LOGGING['handlers']['console']['formatter']]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "x", "PATH": "", **env},
        capture_output=True,
        text=True,
    )


def test_mail_and_error_settings_come_from_the_environment():
    finished = settings_with(
        ADMINS="Betrieb <ops@example.de>, dev@example.de",
        EMAIL_USE_SSL="1",
        EMAIL_TIMEOUT="7",
        SERVER_EMAIL="fehler@example.de",
        LOG_FORMAT="json",
    )
    assert finished.returncode == 0, finished.stderr
    admins, use_ssl, timeout, server_email, formatter = json.loads(finished.stdout)
    assert admins == [["Betrieb", "ops@example.de"], ["dev@example.de", "dev@example.de"]]
    assert use_ssl is True and timeout == 7 and server_email == "fehler@example.de"
    assert formatter == "json"


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"ADMINS": "not an address"}, "ADMINS"),
        ({"EMAIL_USE_SSL": "1", "EMAIL_USE_TLS": "1"}, "not both"),
        ({"EMAIL_TIMEOUT": "soon"}, "EMAIL_TIMEOUT"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"TASK_BACKEND": "celery"}, "TASK_BACKEND"),
    ],
)
def test_bad_error_and_mail_settings_fail_loudly(env, complaint):
    finished = settings_with(**env)
    assert finished.returncode != 0
    assert "ImproperlyConfigured" in finished.stderr and complaint in finished.stderr


def test_sentry_is_set_up_from_the_environment_without_personal_data():
    code = (
        "import django, json; django.setup(); import sentry_sdk; "
        "options = sentry_sdk.get_client().options; "
        "print(json.dumps([options['dsn'], options['send_default_pii'], "
        "options['before_send'].__name__]))"
    )
    finished = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "x",
            "PATH": "",
            "SENTRY_DSN": "https://public@sentry.example.invalid/1",
        },
        capture_output=True,
        text=True,
    )
    assert finished.returncode == 0, finished.stderr
    dsn, send_default_pii, before_send = json.loads(finished.stdout)
    assert dsn.startswith("https://public@") and send_default_pii is False
    assert before_send == "scrub_sentry_event"
