"""The app as it runs in production, for the load and page benchmarks.

A fresh database (an SQLite file or a PostgreSQL database created and dropped for the run),
migrated and loaded with the default questionnaire; static files collected with hashed
names; gunicorn with gunicorn.conf.py, DEBUG off and a SECRET_KEY. A small HTTP client with
its own cookie jar and a new connection for every request (bench/load.py has an asyncio
one that speaks the same way).
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import re
import runpy
import secrets
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The one launcher, shared with the tests.
from tests.live import drop_database, run_gunicorn  # noqa: E402
from tests.live import free_port as free_port  # noqa: E402 - bench/load.py and pages.py use it

QUESTIONNAIRE = ROOT / "assessment/content/reifegrad-kmu.yaml"
DATABASES = ("sqlite", "postgres")
# The server to create the benchmark database on, and the database's name.
POSTGRES_SERVER = os.environ.get(
    "BENCH_POSTGRES_SERVER", "postgres://reifegrad:reifegrad@127.0.0.1:5432"
)
# BENCH_DATABASE_NAME lets runs side by side use databases of their own (BENCH_POSTGRES_NAME
# is its earlier name, still read).
POSTGRES_NAME = (
    os.environ.get("BENCH_DATABASE_NAME")
    or os.environ.get("BENCH_POSTGRES_NAME")
    or "reifegrad_bench"
)


@contextlib.contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A DATABASE_URL for an empty database that is gone again afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    import psycopg

    server = urllib.parse.urlsplit(POSTGRES_SERVER)

    @contextlib.contextmanager
    def maintenance() -> Iterator[psycopg.Connection]:
        with psycopg.connect(
            host=server.hostname,
            port=server.port or 5432,
            user=urllib.parse.unquote(server.username or ""),
            password=urllib.parse.unquote(server.password or ""),
            dbname="postgres",
            autocommit=True,
        ) as connection:
            yield connection

    with maintenance() as connection:
        drop_database(connection, POSTGRES_NAME)
        connection.execute(f'CREATE DATABASE "{POSTGRES_NAME}"')
    try:
        yield f"{POSTGRES_SERVER}/{POSTGRES_NAME}"
    finally:
        with maintenance() as connection:
            drop_database(connection, POSTGRES_NAME)


def production_env(
    database_url: str, folder: Path, port: int, *, threads: int | None, settings: str | None = None
) -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(folder / "static"),
        "STATIC_MANIFEST": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "LOG_LEVEL": "WARNING",
    }
    if threads is not None:
        env["GUNICORN_THREADS"] = str(threads)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
    return env


def manage(env: dict[str, str], *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(arguments)} failed:\n{done.stderr}")
    return done.stdout


def prepare(env: dict[str, str]) -> None:
    """Tables, the default questionnaire and the collected static files."""
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    manage(env, "load_questionnaire", str(QUESTIONNAIRE))
    manage(env, "collectstatic", "--noinput")


def gunicorn_threads(env: dict[str, str]) -> int:
    """The threads per worker that gunicorn runs with under `env` (its config file decides)."""
    if "GUNICORN_THREADS" in env:
        return int(env["GUNICORN_THREADS"])
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))["threads"]


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log: Path, *extra: str) -> Iterator[str]:
    """Serve the app; yield its base URL. stdout (access log) and stderr go to `log`."""
    log.write_bytes(b"")  # this run's output only
    with run_gunicorn(env, log, *extra, ready_status=200, timeout=60) as server:
        yield server.base


def count_rows(env: dict[str, str], model: str) -> int:
    """Rows of one model in the benchmark database, counted by the app itself."""
    code = f"from assessment.models import {model}; print({model}.objects.count())"
    return int(manage(env, "shell", "--no-imports", "-c", code).strip())


def log_count(log: Path, text: str) -> int:
    return log.read_text(errors="replace").lower().count(text.lower())


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return urllib.parse.urlsplit(self.headers.get("Location", "")).path


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def encoded(fields: list[tuple[str, str]] | None) -> bytes | None:
    """A form's fields as a browser posts them; None for a GET."""
    return None if fields is None else urllib.parse.urlencode(fields).encode()


def request_headers(cookies: dict[str, str], body: bytes | None) -> dict[str, str]:
    headers = {"Connection": "close", "Accept-Language": "de"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return headers


def remember_cookies(cookies: dict[str, str], headers: Message) -> None:
    """Keep what the response's Set-Cookie headers set, forget what they delete."""
    for cookie in headers.get_all("Set-Cookie") or []:
        name, _, rest = cookie.partition("=")
        value = rest.split(";", 1)[0]
        if "expires=thu, 01 jan 1970" in cookie.lower() or "max-age=0" in cookie.lower():
            cookies.pop(name.strip(), None)
        else:
            cookies[name.strip()] = value


@dataclass
class Browser:
    """One person's browser: a cookie jar and a new connection per request."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 120.0

    def request(
        self, method: str, path: str, fields: list[tuple[str, str]] | None = None
    ) -> Response:
        address = urllib.parse.urlsplit(self.base)
        headers = request_headers(self.cookies, body := encoded(fields))
        started = time.perf_counter()
        connection = http.client.HTTPConnection(
            address.hostname, address.port, timeout=self.timeout
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        remember_cookies(self.cookies, response.headers)
        return Response(response.status, response.headers, content, seconds)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: list[tuple[str, str]], page: Response) -> Response:
        """Submit a form on `page` with its CSRF token."""
        token = CSRF_FIELD.search(page.text)
        return self.request(
            "POST", path, [("csrfmiddlewaretoken", token.group(1) if token else ""), *fields]
        )


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]
