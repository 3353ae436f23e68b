"""Real app servers for the scale-out and fault tests.

A database of their own (the test database lives inside one transaction per test, which no
other process can see), gunicorn with DEBUG off, and a client that keeps cookies like a
browser but does not follow redirects, so every hop can be sent to another server.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRE = ROOT / "assessment" / "content" / "reifegrad-kmu.yaml"
SECRET_KEY = "live-servers-test-" + "k" * 50
PROFILE = {
    "industry": "retail",
    "size_band": "2-9",
    "name": "Bäckerei Sommer",
    "region": "Köln",
    "monthly_budget_eur": "150",
    "monthly_hours": "10",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def suite_on_postgresql() -> bool:
    return urlsplit(os.environ.get("DATABASE_URL", "")).scheme in {"postgres", "postgresql"}


def manage(database_url: str, *command: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
    )


def drop_database(connection: psycopg.Connection, database: str) -> None:
    """DROP DATABASE ... WITH (FORCE), waiting out an autovacuum worker on it.

    A role without `pg_signal_backend` may end its own sessions but not autovacuum's; such a
    worker finishes within seconds, so the drop is tried again for up to a minute.
    """
    deadline = time.monotonic() + 60
    while True:
        try:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            return
        except psycopg.errors.InsufficientPrivilege:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def own_database(directory: Path, name: str) -> Iterator[str]:
    """A migrated database with the default questionnaire, of the kind the suite runs on.

    PostgreSQL: `<suite database>_<name>` on the suite's server, dropped afterwards.
    SQLite: a file in `directory`.
    """
    if suite_on_postgresql():
        parts = urlsplit(os.environ["DATABASE_URL"])
        database = f"{parts.path.lstrip('/')}_{name}"
        url = parts._replace(path="/" + database).geturl()
        admin = parts._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as connection:
            drop_database(connection, database)
            connection.execute(f'CREATE DATABASE "{database}"')
    else:
        database = None
        url = f"sqlite:///{directory / (name + '.sqlite3')}"
    try:
        manage(url, "migrate", "--noinput")
        manage(url, "createcachetable")
        manage(url, "load_questionnaire", str(QUESTIONNAIRE))
        yield url
    finally:
        if database is not None:
            with psycopg.connect(admin, autocommit=True) as connection:
                drop_database(connection, database)


def query(database_url: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Read the servers' database directly; `%s` placeholders work on both engines."""
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        with sqlite3.connect(parts.path) as connection:
            return connection.execute(sql.replace("%s", "?"), params).fetchall()
    with psycopg.connect(database_url) as connection:
        return connection.execute(sql, params).fetchall()


def stored_answers(database_url: str, public_id: str) -> dict[str, tuple[str, ...]]:
    """Question key -> chosen options (('_na',) for not applicable) of the final answers."""
    rows = query(
        database_url,
        "SELECT q.key, a.options, a.not_applicable FROM assessment_answer a"
        " JOIN assessment_question q ON q.id = a.question_id"
        " JOIN assessment_assessment s ON s.id = a.assessment_id"
        " JOIN assessment_respondent r ON r.id = a.respondent_id"
        " WHERE s.public_id = %s AND r.is_primary",
        (public_id if suite_on_postgresql() else public_id.replace("-", ""),),
    )
    result = {}
    for key, options, not_applicable in rows:
        if isinstance(options, str):  # SQLite hands JSON back as text
            options = json.loads(options)
        result[key] = ("_na",) if not_applicable else tuple(options)
    assert len(result) == len(rows), "more than one final answer for a question"
    return result


@dataclass
class Server:
    base: str
    process: subprocess.Popen
    log: Path

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    @property
    def mail_directory(self) -> Path:
        return self.log.parent / "mail"


@contextmanager
def run_gunicorn(
    env: dict[str, str],
    log: Path,
    *arguments: str,
    ready_status: int | None = None,
    timeout: float = 60,
) -> Iterator[Server]:
    """gunicorn with gunicorn.conf.py under `env`, on the port of its GUNICORN_BIND.

    The one launcher of the tests and the benchmarks. Output is appended to `log`. Waits
    until /health/ answers (with `ready_status`, if given); stops it with SIGTERM, and kills
    it if it has not stopped within 30 seconds.
    """
    port = env["GUNICORN_BIND"].rsplit(":", 1)[1]
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *arguments],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(server.base + "/health/", timeout=2) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code  # it answers; whether the database does is for the caller
            except OSError:
                status = None
            if status is not None and ready_status in {None, status}:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{server.log_text()}")
            time.sleep(0.2)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def gunicorn(
    database_url: str, log: Path, *, workers: int = 1, **extra_env: str
) -> Iterator[Server]:
    """gunicorn with DEBUG off on a free loopback port; waits until it answers HTTP."""
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "SECURE_COOKIES": "0",
        "STATIC_MANIFEST": "0",
        "LOG_LEVEL": "WARNING",
        # Mails (address verification) as files next to the log, for the test to read.
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(log.parent / "mail"),
        # Mails and PDFs within the request: these tests have no worker running.
        "TASK_BACKEND": "immediate",
        **extra_env,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with run_gunicorn(env, log, "--access-logfile", "/dev/null", timeout=30) as server:
        yield server


def verification_path(mail_directory: Path, email: str) -> str:
    """The path of the newest address-verification link mailed to `email`."""
    for message in sorted(mail_directory.glob("*.log"), key=lambda f: f.stat().st_mtime)[::-1]:
        text = message.read_text()
        if f"To: {email}" in text:
            found = re.search(r"https?://[^/\s]+(/konto/confirm-email/[^\s]+/)", text)
            if found:
                return found.group(1)
    raise AssertionError(f"no verification mail to {email} in {mail_directory}")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("location", "")).path


def lowered(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Browser:
    """One person's cookies, sent to whichever server a request goes to."""

    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), KeepRedirects()
        )

    def request(self, url: str, data: list[tuple[str, str]] | dict | None = None) -> Reply:
        body = None if data is None else urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(url, data=body)
        try:
            with self.opener.open(request, timeout=30) as response:
                return Reply(response.status, lowered(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, lowered(error.headers), error.read())

    def get(self, url: str) -> Reply:
        return self.request(url)

    def post(self, url: str, data: list[tuple[str, str]] | dict) -> Reply:
        return self.request(url, data)

    def submit(self, page: Reply, url: str, fields: list[tuple[str, str]] | dict) -> Reply:
        """Post a form with the CSRF token of the page it came from."""
        pairs = list(fields.items()) if isinstance(fields, dict) else fields
        return self.post(url, [("csrfmiddlewaretoken", csrf_token(page)), *pairs])


def csrf_token(page: Reply) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


@dataclass(frozen=True)
class PageQuestion:
    key: str
    options: tuple[str, ...]  # in page order, without "not applicable"
    checked: tuple[str, ...]
    seen: str
    multiple: bool
    conditional: bool


def page_questions(html: str) -> list[PageQuestion]:
    """The questions of a questionnaire page as its form shows them."""
    questions = []
    for fieldset in re.findall(r'<fieldset id="q-.*?</fieldset>', html, re.S):
        key = re.search(r'data-question="([^"]+)"', fieldset).group(1)
        seen = re.search(rf'name="seen-{re.escape(key)}" value="([^"]*)"', fieldset).group(1)
        inputs = re.findall(rf'<input [^>]*name="q-{re.escape(key)}"[^>]*>', fieldset)
        values = [unescape(re.search(r'value="([^"]*)"', tag).group(1)) for tag in inputs]
        questions.append(
            PageQuestion(
                key=key,
                options=tuple(value for value in values if value != "_na"),
                checked=tuple(
                    v for v, tag in zip(values, inputs, strict=True) if " checked" in tag
                ),
                seen=seen,
                multiple='data-kind="multiple"' in fieldset,
                conditional="data-condition-question" in fieldset,
            )
        )
    return questions


def page_form(
    questions: list[PageQuestion], chosen: dict[str, str], *, nav: str = "next"
) -> list[tuple[str, str]]:
    """The fields a browser sends for a page: `chosen` ticked, the rest as the page showed it."""
    fields = [("nav", nav)]
    for question in questions:
        fields += [("shown", question.key), (f"seen-{question.key}", question.seen)]
        fields.append((f"note-{question.key}", ""))
        ticked = (chosen[question.key],) if question.key in chosen else question.checked
        fields += [(f"q-{question.key}", value) for value in ticked]
    return fields


class Forwarder:
    """A TCP relay to the database server that the test can cut and restore."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port, self.target = port, target
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener
        threading.Thread(target=self.accept, args=(listener,), daemon=True).start()

    def accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def pump(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        """The database is gone: no new connections, open ones cut."""
        if self.listener is not None:
            with suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread in accept()
            self.listener.close()
            self.listener = None
        for end in self.sockets:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()
        self.sockets.clear()
