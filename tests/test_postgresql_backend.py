"""The PostgreSQL backend skips the health check only on a connection that just worked."""

import pytest
from django.db import OperationalError, connection, connections
from django.db.utils import InterfaceError

from assessment.models import Questionnaire
from assessment.postgresql.base import HEALTH_CHECK_DELAY
from tests.live import suite_on_postgresql

pytestmark = [
    pytest.mark.skipif(not suite_on_postgresql(), reason="PostgreSQL only"),
    # Outside a test transaction: Django closes a connection left in one between requests.
    pytest.mark.django_db(transaction=True),
]


def query() -> None:
    list(Questionnaire.objects.all()[:1])


def new_request() -> None:
    """What Django does to its connections when a request starts (and when one ends)."""
    connection.close_if_unusable_or_obsolete()


def count_health_checks(monkeypatch) -> list[bool]:
    checks = []
    real = connection.is_usable

    def is_usable() -> bool:
        checks.append(real())
        return checks[-1]

    monkeypatch.setattr(connection, "is_usable", is_usable)
    return checks


def kill_own_backend() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def test_a_connection_that_just_worked_is_not_checked_and_an_idle_one_is(monkeypatch):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    query()
    checks = count_health_checks(monkeypatch)
    new_request()
    query()
    assert checks == []
    connection.worked_at -= HEALTH_CHECK_DELAY  # a second without a query
    new_request()
    query()
    assert checks == [True]


def test_a_broken_idle_connection_is_replaced_before_the_first_query(monkeypatch):
    query()
    kill_own_backend()
    connection.worked_at -= HEALTH_CHECK_DELAY
    checks = count_health_checks(monkeypatch)
    new_request()
    query()  # no error: the check found the dead connection and a new one was opened
    assert checks == [False]


def test_a_connection_that_broke_right_after_working_fails_once_and_is_then_replaced():
    query()
    kill_own_backend()
    new_request()
    with pytest.raises((OperationalError, InterfaceError)):
        query()
    new_request()  # the request ends: the connection had an error and is closed
    assert connection.connection is None
    query()
