"""Faults a real deployment meets: repeated requests, two writers at once, a locked or vanished
database, a worker killed mid-save, a PDF that cannot be written.

The first tests run in the test process; the ones under "Live servers" run gunicorn with DEBUG
off against a database of their own (of the kind the suite runs on), because only real
processes can be killed, cut off or made to race.
"""

import errno
import gc
import io
import os
import re
import signal
import sqlite3
import tempfile
import threading
import time
from collections import Counter
from unittest import mock
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from assessment.models import Answer, Assessment, RenderedReport
from tests.factories import answer_all, completed_assessment, hold_link
from tests.live import (
    PROFILE,
    Browser,
    Forwarder,
    free_port,
    gunicorn,
    own_database,
    page_form,
    page_questions,
    query,
    stored_answers,
    suite_on_postgresql,
)

only_on_postgresql = pytest.mark.skipif(
    not suite_on_postgresql(), reason="needs PostgreSQL: set DATABASE_URL to a PostgreSQL database"
)
only_on_sqlite = pytest.mark.skipif(
    suite_on_postgresql(), reason="a SQLite write lock; the suite runs on PostgreSQL"
)


def start(client) -> Assessment:
    assert client.post(reverse("profile"), PROFILE).status_code == 200
    return Assessment.objects.latest("started_at")


def page_url(assessment: Assessment, number: int) -> str:
    return reverse("check_page", args=[assessment.public_id, number])


def as_post(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def final_answers(assessment: Assessment) -> dict[str, tuple[str, ...]]:
    rows = Answer.objects.filter(assessment=assessment).values_list("question__key", "options")
    keys = Counter(key for key, _options in rows)
    assert all(count == 1 for count in keys.values()), keys
    return {key: tuple(options) for key, options in rows}


def fail_on(statement_start: str, message: str, *, skip: int = 0):
    """A query wrapper that raises OperationalError on matching statements after `skip`."""
    seen = []

    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(statement_start.upper()):
            seen.append(sql)
            if len(seen) > skip:
                raise OperationalError(message)
        return execute(sql, params, many, context)

    return wrapper


def assert_friendly_503(body: str, status: int, retry_after: str | None) -> None:
    assert status == 503
    assert retry_after == "30"
    assert "Bitte versuchen Sie es in einer halben Minute noch einmal" in body
    assert "please try again in half a minute" in body
    assert "Erneut versuchen" in body
    assert "Traceback" not in body and "OperationalError" not in body


# --- Double submit and network retry


def test_a_page_sent_twice_keeps_one_answer_per_question_and_lands_on_the_same_page(
    client, default_questionnaire
):
    assessment = start(client)
    questions = page_questions(client.get(page_url(assessment, 1)).content.decode())
    chosen = {question.key: question.options[0] for question in questions}
    data = as_post(page_form(questions, chosen))
    first = client.post(page_url(assessment, 1), data)
    second = client.post(page_url(assessment, 1), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == page_url(assessment, 2) + "?offen=1"
    assert final_answers(assessment) == {key: (option,) for key, option in chosen.items()}


def test_an_answer_saved_twice_is_one_row(client, default_questionnaire):
    assessment = start(client)
    url = reverse("save_answer", args=[assessment.public_id])
    question = default_questionnaire.content().questions["web_editing"]
    data = {"question": "web_editing", "option": question.option_list[1].key, "note": "Weber"}
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert final_answers(assessment) == {"web_editing": (question.option_list[1].key,)}
    assert Answer.objects.get(assessment=assessment).note == "Weber"


def test_finishing_twice_freezes_the_result_once_and_shows_it_both_times(
    client, default_questionnaire
):
    assessment = start(client)
    answer_all(assessment, level=0.5)
    url = reverse("finish", args=[assessment.public_id])
    first = client.post(url)
    assessment.refresh_from_db()
    completed_at, result = assessment.completed_at, assessment.result
    second = client.post(url)
    assert first.status_code == second.status_code == 302
    assert (
        first["Location"] == second["Location"] == reverse("results", args=[assessment.public_id])
    )
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.COMPLETED
    assert (assessment.completed_at, assessment.result) == (completed_at, result)
    assert Assessment.objects.count() == 1


# --- Two tabs, or consultant and client, at once: last write wins per question


def test_a_page_from_an_older_tab_keeps_answers_given_meanwhile_elsewhere(
    client, default_questionnaire
):
    assessment = start(client)
    save_url = reverse("save_answer", args=[assessment.public_id])
    options = {
        key: [option.key for option in question.option_list if not option.exclusive]
        for key, question in default_questionnaire.content().questions.items()
    }
    assert client.post(save_url, {"question": "web_currency", "option": options["web_currency"][0]})
    older_tab = page_questions(client.get(page_url(assessment, 1)).content.decode())

    # Meanwhile, in another tab: a new value for one question, a first answer to a list.
    client.post(save_url, {"question": "web_currency", "option": options["web_currency"][2]})
    client.post(save_url, {"question": "web_legal", "option": options["web_legal"][:2]})

    # The older tab answers a third question and sends its page as it shows the others.
    sent = client.post(
        page_url(assessment, 1),
        as_post(page_form(older_tab, {"web_editing": options["web_editing"][1]})),
    )
    assert sent.status_code == 302
    assert final_answers(assessment) == {
        "web_currency": (options["web_currency"][2],),
        "web_legal": tuple(options["web_legal"][:2]),
        "web_editing": (options["web_editing"][1],),
    }

    # When both change the same question, the later write wins and nothing else moves.
    again = client.post(
        page_url(assessment, 1),
        as_post(page_form(older_tab, {"web_currency": options["web_currency"][4]})),
    )
    assert again.status_code == 302
    assert final_answers(assessment) == {
        "web_currency": (options["web_currency"][4],),
        "web_legal": tuple(options["web_legal"][:2]),
        "web_editing": (options["web_editing"][1],),
    }


# --- A locked or unreachable database


@pytest.mark.django_db(transaction=True)
def test_a_page_save_that_meets_a_locked_database_gives_503_and_saves_nothing_of_it(
    default_questionnaire,
):
    client = Client(raise_request_exception=False)
    assessment = start(client)
    questions = page_questions(client.get(page_url(assessment, 1)).content.decode())
    first = questions[0]
    client.post(
        reverse("save_answer", args=[assessment.public_id]),
        {"question": first.key, "option": first.options[0]},
    )
    chosen = {question.key: question.options[-1] for question in questions}
    # Half the questions without a note field: the page needs two statements to save.
    fields = [
        (name, value)
        for name, value in page_form(questions, chosen)
        if not any(name == f"note-{question.key}" for question in questions[1::2])
    ]
    with connection.execute_wrapper(
        fail_on('INSERT INTO "assessment_answer"', "database is locked", skip=1)
    ):
        response = client.post(page_url(assessment, 1), as_post(fields))
    assert_friendly_503(response.content.decode(), response.status_code, response["Retry-After"])
    assert final_answers(assessment) == {first.key: (first.options[0],)}

    retried = client.post(page_url(assessment, 1), as_post(fields))
    assert retried.status_code == 302
    assert retried["Location"] == page_url(assessment, 2) + "?offen=1"
    assert final_answers(assessment) == {key: (option,) for key, option in chosen.items()}


@pytest.mark.django_db
def test_pages_and_health_say_503_while_the_database_fails_and_recover_after(
    owner, default_questionnaire
):
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    anonymous = Client(raise_request_exception=False)
    with connection.execute_wrapper(fail_on("", "server closed the connection unexpectedly")):
        health = anonymous.get(reverse("health"))
        # Logged in, the session lookup in the middleware is the first query to fail.
        companies = client.get(reverse("companies"))
        home = anonymous.get(reverse("home"))
    assert health.status_code == 503 and health["Retry-After"] == "30"
    assert health.json() == {"status": "unavailable", "database": "down"}
    for response in (companies, home):
        assert_friendly_503(
            response.content.decode(), response.status_code, response.get("Retry-After")
        )
    assert anonymous.get(reverse("health")).json() == {"status": "ok", "database": "ok"}
    assert client.get(reverse("companies")).status_code == 200
    assert anonymous.get(reverse("home")).status_code == 200


# --- A PDF that cannot be written or stored


def granted_client(assessment: Assessment) -> Client:
    client = Client(raise_request_exception=False)
    hold_link(client, assessment)
    return client


def assert_complete_pdf(response, assessment: Assessment) -> None:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert "Blumen Müller" in "".join(page.extract_text() for page in reader.pages)
    assert bytes(RenderedReport.objects.get(assessment=assessment).pdf) == response.content


def assert_pdf_failed(response) -> None:
    """The PDF link's own failure page: in the person's language, to be tried again."""
    assert response.status_code == 503 and response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Das PDF konnte nicht erstellt werden" in body
    assert "Ihre Antworten sind nicht verloren" in body


def test_a_pdf_that_fails_to_write_is_not_kept_and_the_next_try_serves_it(
    default_questionnaire, tmp_path, monkeypatch
):
    assessment = completed_assessment(default_questionnaire)
    client = granted_client(assessment)
    url = reverse("report_pdf", args=[assessment.public_id])
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    disk_full = OSError(errno.ENOSPC, "No space left on device")
    with mock.patch("weasyprint.document.Document.write_pdf", side_effect=disk_full):
        response = client.get(url)
    assert response["Content-Type"].startswith("text/html")
    assert_pdf_failed(response)
    assert not RenderedReport.objects.exists()
    # WeasyPrint removes its font folder when its font configuration is collected; nothing
    # the failed render leaves behind (the logged error, the response) keeps it alive.
    gc.collect()
    assert list(tmp_path.iterdir()) == []

    assert_complete_pdf(client.get(url), assessment)
    gc.collect()
    assert list(tmp_path.iterdir()) == []


def test_a_pdf_that_cannot_be_stored_is_not_kept_and_the_next_try_serves_it(
    default_questionnaire,
):
    assessment = completed_assessment(default_questionnaire)
    client = granted_client(assessment)
    url = reverse("report_pdf", args=[assessment.public_id])
    with connection.execute_wrapper(
        fail_on('INSERT INTO "assessment_renderedreport"', "database or disk is full")
    ):
        response = client.get(url)
    assert_pdf_failed(response)
    assert not RenderedReport.objects.exists()
    assert_complete_pdf(client.get(url), assessment)


# --- Live servers


@pytest.fixture(scope="module")
def live_database(tmp_path_factory):
    directory = tmp_path_factory.mktemp("faults")
    with own_database(directory, "faults") as database_url:
        yield database_url, directory


def start_live(browser: Browser, base: str) -> tuple[str, str]:
    """A new check through the profile form; its public id and its resume link's path."""
    started = browser.submit(browser.get(base + "/check/"), base + "/check/", PROFILE)
    assert started.status == 200
    public_id = re.search(r"/check/([0-9a-f-]{36})/seite/1/", started.text).group(1)
    resume = urlsplit(re.search(r'value="(http://[^"]+/weiter/[^"]+)"', started.text).group(1))
    return public_id, resume.path


def assert_clean_log(text: str) -> None:
    assert "Traceback" not in text
    assert "database is locked" not in text


def test_two_people_saving_the_same_check_at_once_lose_nothing(live_database):
    database_url, directory = live_database
    with gunicorn(database_url, directory / "race.log", workers=2) as server:
        client, consultant = Browser(), Browser()
        public_id, resume = start_live(client, server.base)
        assert consultant.get(server.base + resume).status == 302
        page_path = f"/check/{public_id}/seite/1/"
        first_page = page_questions(client.get(server.base + page_path).text)
        plain = [q for q in first_page if not q.multiple and not q.conditional]
        own_question = {"client": plain[0], "consultant": plain[1]}
        shared = plain[2]
        last_written: dict[tuple[str, str], str] = {}
        problems: list[str] = []

        def other_option(question, current: tuple[str, ...], turn: int) -> str:
            choices = [option for option in question.options if option not in current]
            return choices[turn % len(choices)]

        def work(name: str, browser: Browser) -> None:
            mine = own_question[name]
            try:
                for turn in range(20):
                    page = browser.get(server.base + page_path)
                    shown = {q.key: q for q in page_questions(page.text)}
                    chosen = {
                        mine.key: other_option(mine, shown[mine.key].checked, turn),
                        shared.key: other_option(shared, shown[shared.key].checked, turn),
                    }
                    if turn % 2:  # the page script, one question at a time
                        for key, option in chosen.items():
                            reply = browser.submit(
                                page,
                                server.base + f"/check/{public_id}/antwort/",
                                {"question": key, "option": option},
                            )
                            if reply.status != 200:
                                problems.append(f"{name} save {reply.status}")
                    else:  # the whole page form
                        reply = browser.submit(
                            page, server.base + page_path, page_form(list(shown.values()), chosen)
                        )
                        if reply.status != 302:
                            problems.append(f"{name} page {reply.status}")
                    last_written.update({(name, key): value for key, value in chosen.items()})
            except Exception as error:  # reported below, with the thread's name
                problems.append(f"{name}: {error!r}")

        threads = [
            threading.Thread(target=work, args=("client", client)),
            threading.Thread(target=work, args=("consultant", consultant)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert problems == []
        stored = stored_answers(database_url, public_id)
        assert stored[own_question["client"].key] == (last_written["client", plain[0].key],)
        assert stored[own_question["consultant"].key] == (last_written["consultant", plain[1].key],)
        assert stored[shared.key] in {
            (last_written["client", shared.key],),
            (last_written["consultant", shared.key],),
        }
        assert set(stored) == {plain[0].key, plain[1].key, shared.key}
        assert_clean_log(server.log_text())


@only_on_sqlite
def test_a_locked_sqlite_database_gives_503_then_the_retry_saves(live_database):
    database_url, directory = live_database
    with gunicorn(database_url, directory / "locked.log", SQLITE_BUSY_TIMEOUT="1") as server:
        browser = Browser()
        public_id, _resume = start_live(browser, server.base)
        page_path = f"/check/{public_id}/seite/1/"
        page = browser.get(server.base + page_path)
        questions = page_questions(page.text)
        chosen = {question.key: question.options[0] for question in questions}

        lock = sqlite3.connect(urlsplit(database_url).path, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            refused = browser.submit(page, server.base + page_path, page_form(questions, chosen))
            assert_friendly_503(refused.text, refused.status, refused.headers.get("retry-after"))
            # Reading goes on while another process writes (write-ahead log).
            assert browser.get(server.base + page_path).status == 200
            assert browser.get(server.base + "/health/").status == 200
            assert stored_answers(database_url, public_id) == {}
        finally:
            lock.execute("ROLLBACK")
            lock.close()

        retried = browser.submit(page, server.base + page_path, page_form(questions, chosen))
        assert retried.status == 302
        assert stored_answers(database_url, public_id) == {
            key: (option,) for key, option in chosen.items()
        }
        # Logged with its traceback for whoever runs the server, never shown to the person.
        assert "database is locked" in server.log_text()


@only_on_postgresql
def test_an_unreachable_database_gives_503_and_health_recovers(live_database):
    database_url, directory = live_database
    parts = urlsplit(database_url)
    relay = Forwarder(free_port(), (parts.hostname, parts.port or 5432))
    relay.start()
    relayed = parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{relay.port}")
    try:
        with gunicorn(relayed.geturl(), directory / "down.log") as server:
            browser = Browser()
            public_id, _resume = start_live(browser, server.base)
            page_path = f"/check/{public_id}/seite/1/"
            page = browser.get(server.base + page_path)
            questions = page_questions(page.text)
            chosen = {question.key: question.options[0] for question in questions}

            relay.stop()
            health = browser.get(server.base + "/health/")
            assert health.status == 503 and health.headers["retry-after"] == "30"
            for reply in (
                browser.get(server.base + page_path),
                browser.submit(page, server.base + page_path, page_form(questions, chosen)),
            ):
                assert_friendly_503(reply.text, reply.status, reply.headers.get("retry-after"))
            assert stored_answers(database_url, public_id) == {}

            relay.start()
            assert browser.get(server.base + "/health/").status == 200
            retried = browser.submit(page, server.base + page_path, page_form(questions, chosen))
            assert retried.status == 302
            assert stored_answers(database_url, public_id) == {
                key: (option,) for key, option in chosen.items()
            }
            # Logged with its traceback for whoever runs the server, never shown to the person.
            assert "Service Unavailable" in server.log_text()
    finally:
        relay.stop()


@only_on_postgresql
def test_a_worker_killed_during_a_save_leaves_nothing_and_the_next_request_saves(live_database):
    database_url, directory = live_database
    with gunicorn(database_url, directory / "killed.log") as server:
        browser = Browser()
        public_id, _resume = start_live(browser, server.base)
        page_path = f"/check/{public_id}/seite/1/"
        page = browser.get(server.base + page_path)
        questions = page_questions(page.text)
        first = questions[0]
        assert (
            browser.submit(
                page,
                server.base + f"/check/{public_id}/antwort/",
                {"question": first.key, "option": first.options[0]},
            ).status
            == 200
        )
        page = browser.get(server.base + page_path)
        questions = page_questions(page.text)
        chosen = {question.key: question.options[-1] for question in questions}
        database = urlsplit(database_url).path.lstrip("/")

        # The test holds the first answer's row, so the worker's save waits inside its
        # transaction, after it has written the page's other rows.
        with psycopg.connect(database_url) as holder:
            holder.execute(
                "SELECT a.id FROM assessment_answer a JOIN assessment_assessment s"
                " ON s.id = a.assessment_id WHERE s.public_id = %s FOR UPDATE",
                (public_id,),
            )
            outcome: list[object] = []
            sender = threading.Thread(
                target=lambda: outcome.append(
                    send_or_error(browser, page, server.base + page_path, questions, chosen)
                )
            )
            sender.start()
            deadline = time.monotonic() + 20
            while not query(
                database_url,
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                (database,),
            ):
                assert time.monotonic() < deadline, "the save never waited for the lock"
                time.sleep(0.05)
            (worker,) = server.worker_pids()
            os.kill(worker, signal.SIGKILL)
            sender.join(timeout=20)
            holder.rollback()
        assert isinstance(outcome[0], OSError)  # the connection dropped; no answer came

        deadline = time.monotonic() + 20
        while query(
            database_url,
            "SELECT 1 FROM pg_stat_activity WHERE datname = %s"
            " AND state = 'active' AND query LIKE %s",
            (database, "%assessment_answer%"),
        ):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert stored_answers(database_url, public_id) == {first.key: (first.options[0],)}

        # gunicorn has started a new worker; the retry is saved completely.
        deadline = time.monotonic() + 30
        while len(server.worker_pids()) != 1 or server.worker_pids() == [worker]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        retried = browser.submit(page, server.base + page_path, page_form(questions, chosen))
        assert retried.status == 302
        assert stored_answers(database_url, public_id) == {
            key: (option,) for key, option in chosen.items()
        }


def send_or_error(browser: Browser, page, url: str, questions, chosen) -> object:
    try:
        return browser.submit(page, url, page_form(questions, chosen))
    except OSError as error:
        return error
