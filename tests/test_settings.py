from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import cache_from_url, database_from_url, env_bool, env_int, env_list
from tests.live import suite_on_postgresql


def test_env_bool_reads_common_spellings(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "0")
    assert env_bool("FLAG", True) is False
    monkeypatch.delenv("FLAG")
    assert env_bool("FLAG", True) is True


def test_env_bool_fails_loudly_on_nonsense(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG", False)


def test_env_int_fails_loudly(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT"):
        env_int("EMAIL_PORT", 25)


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " a.example, b.example ,")
    assert env_list("ALLOWED_HOSTS", []) == ["a.example", "b.example"]


def test_sqlite_is_the_default_and_tuned():
    database = database_from_url(None)
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    options = database["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert "busy_timeout" in options["init_command"]


def test_database_connections_are_kept_between_requests(monkeypatch):
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)
    assert database_from_url(None)["CONN_MAX_AGE"] == 60
    assert database_from_url("postgres://app:x@db/reifegrad")["CONN_MAX_AGE"] == 60
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "0")
    assert database_from_url("sqlite:////tmp/db.sqlite3")["CONN_MAX_AGE"] == 0


def test_sqlite_url_with_absolute_path():
    assert database_from_url("sqlite:////var/lib/reifegrad/db.sqlite3")["NAME"] == Path(
        "/var/lib/reifegrad/db.sqlite3"
    )


def test_postgres_url():
    database = database_from_url("postgres://app:s%40cret@db.internal:5433/reifegrad")
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["USER"], database["PASSWORD"]) == ("app", "s@cret")
    assert (database["HOST"], database["PORT"], database["NAME"]) == (
        "db.internal",
        "5433",
        "reifegrad",
    )


def test_postgres_prepares_repeated_queries_unless_switched_off(monkeypatch):
    options = database_from_url("postgres://app:x@db/reifegrad")["OPTIONS"]
    assert options == {"server_side_binding": True, "prepare_threshold": 5}
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "0")
    assert database_from_url("postgres://app:x@db/reifegrad")["OPTIONS"] == {}


@pytest.mark.skipif(not suite_on_postgresql(), reason="PostgreSQL only")
def test_the_postgres_connection_prepares_a_query_run_five_times(db):
    from django.db import connection

    from assessment.models import Questionnaire

    for _ in range(6):
        list(Questionnaire.objects.filter(key="nothing-like-this"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%nothing-like-this%"],
        )
        assert cursor.fetchone()[0] == 0  # parameters are bound on the server, not inlined
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "assessment_questionnaire" WHERE "assessment_questionnaire"."key" = $1%'],
        )
        assert cursor.fetchone()[0] == 1


def test_every_query_option_of_the_url_reaches_the_driver():
    database = database_from_url(
        "postgres://app:x@db.internal/reifegrad?sslmode=require&connect_timeout=5"
        "&application_name=reifegrad-web"
    )
    assert database["OPTIONS"] == {
        "server_side_binding": True,
        "prepare_threshold": 5,
        "sslmode": "require",
        "connect_timeout": 5,
        "application_name": "reifegrad-web",
    }


def test_a_query_option_of_the_url_overrides_the_apps_own(monkeypatch):
    options = database_from_url("postgres://app:x@db/reifegrad?prepare_threshold=20")["OPTIONS"]
    assert options["prepare_threshold"] == 20
    sqlite = database_from_url("sqlite:////tmp/x.sqlite3?timeout=3")["OPTIONS"]
    assert sqlite["timeout"] == 3
    assert sqlite["transaction_mode"] == "IMMEDIATE"


SHOW_CONNECTION = """
from django.db import connection, transaction
with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
print(connection.vendor, connection.connection.info.get_parameters().get("sslmode")
      if connection.vendor == "postgresql" else "")
"""


@pytest.mark.skipif(not suite_on_postgresql(), reason="PostgreSQL only")
def test_sslmode_from_the_url_is_what_the_driver_connects_with():
    """The suite's server has no TLS: with `sslmode=disable` the app connects, with
    `require` psycopg refuses, so the option demonstrably reached the driver."""
    import os
    from urllib.parse import urlsplit

    # The server's maintenance database: the suite's own may not exist outside its test copy.
    base = urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres", query="").geturl()
    plain = run(
        ["manage.py", "shell", "--no-imports", "-c", SHOW_CONNECTION],
        DATABASE_URL=f"{base}?sslmode=disable",
    )
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.split() == ["postgresql", "disable"]
    tls = run(
        ["manage.py", "shell", "--no-imports", "-c", SHOW_CONNECTION],
        DATABASE_URL=f"{base}?sslmode=require",
    )
    assert tls.returncode != 0
    assert "SSL" in tls.stderr


SQLITE_CHECK = """
import sqlite3
from django.db import connection, transaction
with connection.cursor() as cursor:
    print(cursor.execute("PRAGMA journal_mode").fetchone()[0])
    print(cursor.execute("PRAGMA busy_timeout").fetchone()[0])
    print(cursor.execute("PRAGMA foreign_keys").fetchone()[0])
    cursor.execute("CREATE TABLE t (x INTEGER)")
with transaction.atomic():
    # Nothing written yet, but an IMMEDIATE transaction holds the write lock from its start.
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        print("unlocked")
    except sqlite3.OperationalError as error:
        print(error)
"""


def test_sqlite_file_in_wal_mode_with_immediate_transactions_and_busy_timeout(tmp_path):
    """The app's own connection to a SQLite file: WAL journal, busy timeout, foreign keys, and
    transactions that take the write lock when they begin, so writers queue instead of
    failing halfway with "database is locked"."""
    completed = run(
        ["manage.py", "shell", "--no-imports", "-c", SQLITE_CHECK],
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.sqlite3'}",
        SQLITE_BUSY_TIMEOUT="7",
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split("\n")[:4] == ["wal", "7000", "1", "database is locked"]


def test_the_default_cache_is_the_database_cache_every_worker_shares(monkeypatch):
    from django.conf import settings

    assert cache_from_url(None)["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert cache_from_url(None)["LOCATION"] == "reifegrad_cache"
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


def test_a_redis_url_uses_djangos_redis_cache():
    cache = cache_from_url("rediss://:secret@cache.internal:6380/2")
    assert cache == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "rediss://:secret@cache.internal:6380/2",
    }


@pytest.mark.parametrize("url", ["locmem://", "dummy://", "memcached://x:11211"])
def test_a_per_process_or_unknown_cache_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_from_url(url)


@pytest.mark.parametrize(
    "url",
    ["mysql://x@y/z", "postgres://x@y/", "sqlite:///", "nonsense://x", "postgres://x:y@z:port/a"],
)
def test_unsupported_or_incomplete_database_url_fails_loudly(url):
    with pytest.raises(ImproperlyConfigured):
        database_from_url(url)


def run(args: list[str], **env_changes: str):
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(DEBUG="0", **env_changes)
    return subprocess.run(
        [sys.executable, *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )


def test_the_app_refuses_to_serve_without_secret_key_when_debug_is_off():
    completed = run(["-c", "import config.wsgi"])
    assert completed.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in completed.stderr


def test_deploy_check_reports_a_missing_secret_key():
    completed = run(["manage.py", "check", "--deploy"], ALLOWED_HOSTS="x.example")
    assert completed.returncode != 0
    assert "reifegrad.E001" in completed.stderr


def test_developer_commands_run_without_secret_key():
    completed = run(["manage.py", "makemigrations", "--check", "--dry-run"])
    assert completed.returncode == 0, completed.stderr
    assert "No changes detected" in completed.stdout


def test_retention_settings_below_one_day_are_refused():
    completed = run(
        ["-c", "import config.settings"], SECRET_KEY="x", RETENTION_ANONYMOUS_DRAFT_DAYS="0"
    )
    assert completed.returncode != 0
    assert "RETENTION_ANONYMOUS_DRAFT_DAYS must be 1 or more" in completed.stderr


def test_the_operator_address_is_split_into_lines():
    completed = run(
        ["-c", "import config.settings as s; print(s.OPERATOR_ADDRESS)"],
        SECRET_KEY="x",
        OPERATOR_ADDRESS="Hafenstraße 3 | 20457 Hamburg|",
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "['Hafenstraße 3', '20457 Hamburg']"
