"""Concurrent requests against a real gunicorn with several workers, on the database the
suite runs on (a SQLite file, or a PostgreSQL database of its own next to the suite's).

Each trial releases its requests together with a `threading.Barrier` and asserts the
invariant afterwards, reading the servers' database directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live import ROOT, SECRET_KEY, Browser, Reply, Server, gunicorn, own_database

TRIALS = 20


def run_script(database_url: str, code: str) -> object:
    """Run `code` in the app against the servers' database; its last printed line is JSON."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    finished = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


# Sessions are made the way the test client logs in: no password hashing, no login form.
SESSION_HELPER = """
import json
from django.conf import settings
from django.test import Client

def session_of(user):
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value
"""


@dataclass
class Live:
    server: Server
    database_url: str

    def script(self, code: str) -> object:
        return run_script(self.database_url, SESSION_HELPER + code)

    def browser(self, session_key: str | None = None) -> Browser:
        browser = Browser()
        if session_key is not None:
            set_cookie(browser, "sessionid", session_key)
        return browser

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        from tests.live import query

        return query(self.database_url, sql, params)


def set_cookie(browser: Browser, name: str, value: str) -> None:
    import http.cookiejar

    browser.jar.set_cookie(
        http.cookiejar.Cookie(
            0,
            name,
            value,
            None,
            False,
            "127.0.0.1",
            False,
            False,
            "/",
            True,
            False,
            None,
            False,
            None,
            None,
            {},
        )
    )


def copy_of(browser: Browser) -> Browser:
    """Another connection with the same cookies: the same person in another tab."""
    twin = Browser()
    for cookie in browser.jar:
        twin.jar.set_cookie(cookie)
    return twin


def all_at_once(requests: list[Callable[[], Reply]]) -> list[Reply]:
    """Send every request at the same moment (released by one barrier); their replies."""
    barrier = threading.Barrier(len(requests))
    replies: list[Reply | BaseException | None] = [None] * len(requests)

    def run(index: int) -> None:
        barrier.wait()
        try:
            replies[index] = requests[index]()
        except BaseException as error:  # reported below, in the test's thread
            replies[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for reply in replies:
        if not isinstance(reply, Reply):
            raise AssertionError(f"a request failed: {reply!r}")
    return replies  # type: ignore[return-value]


@pytest.fixture(scope="module")
def live(tmp_path_factory, request) -> Iterator[Live]:
    directory: Path = tmp_path_factory.mktemp("concurrency")
    name = "conc_" + request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    with own_database(directory, name) as database_url:
        with gunicorn(
            database_url, directory / "gunicorn.log", workers=4, GUNICORN_THREADS="2"
        ) as server:
            yield Live(server, database_url)
