"""Background tasks: mails and PDF renders leave the request, are retried, recovered after a
worker dies, and end visibly when they keep failing. Runs on SQLite and PostgreSQL alike."""

import ast
import datetime
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from assessment.models import RenderedReport, ReportRender
from assessment.reports.pdf import request_pdf
from assessment.worker import recover_stale_tasks
from tests.factories import completed_assessment, hold_link
from tests.live import suite_on_postgresql
from tests.security.test_abuse_limits import anonymous_check

ROOT = Path(__file__).resolve().parent.parent
SENDING = {
    "send_mail",
    "send_mass_mail",
    "mail_admins",
    "mail_managers",
    "EmailMessage",
    "EmailMultiAlternatives",
    "get_connection",
}
queue = pytest.mark.task_queue


def run_worker() -> None:
    call_command("run_worker", batch=True, verbosity=0)


def make_due_now() -> None:
    """As if the backoff had passed: every deferred task may run."""
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())


def test_no_module_but_the_mail_module_sends_mail_itself():
    offenders = []
    for path in [*(ROOT / "assessment").rglob("*.py"), *(ROOT / "config").rglob("*.py")]:
        if path.relative_to(ROOT).as_posix() == "assessment/mail.py":
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "django.core.mail"
            ):
                names = {alias.name for alias in node.names}
                if names & SENDING or "*" in names:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            elif isinstance(node, ast.Import) and any(
                alias.name.startswith("django.core.mail") for alias in node.names
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            elif isinstance(node, ast.Attribute) and node.attr in SENDING:
                value = node.value
                if isinstance(value, ast.Name) and value.id == "mail":
                    continue  # assessment.mail's own send() is the way
                if isinstance(value, ast.Attribute) and value.attr == "mail":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], "send mail through assessment.mail: " + ", ".join(offenders)


@queue
@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_is_down_fails_no_request_and_the_mail_goes_out_later(
    client, small_questionnaire, settings
):
    settings.EMAIL_BACKEND = "tests.mail_backends.SmtpDown"
    assessment, token = anonymous_check(client)
    response = client.post(
        reverse("resume_link_email", args=[assessment.public_id]),
        {"email": "inhaberin@example.com", "token": token},
    )
    assert response.status_code == 302
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1

    run_worker()  # the first attempt fails; the next one waits for the backoff
    waiting = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert waiting.args_kwargs["kwargs"]["attempt"] == 2
    assert waiting.run_after >= timezone.now() + datetime.timedelta(seconds=20)
    run_worker()
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1  # not yet

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_due_now()
    run_worker()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["inhaberin@example.com"]
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


@queue
@pytest.mark.django_db(transaction=True)
def test_a_mail_that_keeps_failing_ends_as_a_failed_task_with_an_error_line(
    client, small_questionnaire, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.mail_backends.SmtpDown"
    settings.MAIL_RETRY_ATTEMPTS = 3
    assessment, token = anonymous_check(client)
    client.post(
        reverse("resume_link_email", args=[assessment.public_id]),
        {"email": "inhaberin@example.com", "token": token},
    )
    for _attempt in range(3):
        make_due_now()
        run_worker()
    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert failed.exception_class_path == "assessment.mail.MailNotDelivered"
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()
    assert any(
        record.levelname == "ERROR" and "not delivered after 3 attempts" in record.getMessage()
        for record in caplog.records
    )
    assert "inhaberin@example.com" not in caplog.text
    # The operator sees it among the failed tasks in the admin.
    from assessment.models import User

    admin = Client()
    admin.force_login(User.objects.create_superuser(email="a@example.com", password="x-S-123"))
    listed = admin.get(
        reverse("admin:django_tasks_database_dbtaskresult_changelist"), {"status": "FAILED"}
    )
    assert listed.status_code == 200 and "deliver" in listed.content.decode()


def test_password_reset_mails_go_through_the_queue_and_a_dead_server_is_no_error(
    client, owner, settings
):
    settings.EMAIL_BACKEND = "tests.mail_backends.SmtpDown"
    response = client.post(reverse("account_reset_password"), {"email": owner.email})
    assert response.status_code == 302


def test_password_reset_mail_arrives(client, owner):
    client.post(reverse("account_reset_password"), {"email": owner.email})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [owner.email]


# --- PDF renders


@queue
@pytest.mark.django_db(transaction=True)
def test_the_pdf_link_waits_for_one_render_and_then_serves_the_stored_file(
    small_questionnaire, client
):
    assessment = completed_assessment(small_questionnaire)
    hold_link(client, assessment)
    url = reverse("report_pdf", args=[assessment.public_id])

    waiting = client.get(url)
    assert waiting.status_code == 202
    assert waiting["Refresh"] == "2"
    body = waiting.content.decode()
    assert "Ihr PDF wird erstellt" in body and '<meta http-equiv="refresh" content="2">' in body
    assert client.get(url).status_code == 202  # asking again queues nothing new
    assert DBTaskResult.objects.count() == 1 and ReportRender.objects.count() == 1

    run_worker()
    ready = client.get(url)
    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"
    assert client.get(url).content == ready.content
    # Unchanged report: never rendered a second time.
    assert DBTaskResult.objects.count() == 1 and RenderedReport.objects.count() == 1


def finish_anonymous_check(client, questionnaire):
    from tests.views.test_check import answer_everything, start_anonymously

    assessment, _link = start_anonymously(client)
    answer_everything(client, assessment)
    finished = client.post(reverse("finish", args=[assessment.public_id]))
    assert finished.status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_completed
    return assessment


@queue
@pytest.mark.django_db(transaction=True)
def test_finishing_a_check_queues_its_pdf_so_the_first_click_finds_it_ready(
    small_questionnaire, client
):
    assessment = finish_anonymous_check(client, small_questionnaire)
    # Queued by the finishing, in the language of the person who finished it.
    assert DBTaskResult.objects.count() == 1
    render = ReportRender.objects.get()
    assert render.assessment == assessment and render.language == "de"

    run_worker()
    first_click = client.get(reverse("report_pdf", args=[assessment.public_id]))
    assert first_click.status_code == 200 and first_click["Content-Type"] == "application/pdf"
    # The click found the stored file: nothing rendered twice, nothing queued again.
    assert DBTaskResult.objects.count() == 1 and RenderedReport.objects.count() == 1


@queue
@pytest.mark.django_db(transaction=True)
def test_without_render_on_finish_only_a_click_queues_the_pdf(
    small_questionnaire, client, settings
):
    settings.PDF_RENDER_ON_FINISH = False
    assessment = finish_anonymous_check(client, small_questionnaire)
    assert DBTaskResult.objects.count() == 0 and ReportRender.objects.count() == 0
    assert client.get(reverse("report_pdf", args=[assessment.public_id])).status_code == 202
    assert ReportRender.objects.count() == 1


@queue
@pytest.mark.django_db(transaction=True)
def test_render_on_finish_counts_against_the_visitors_render_limit(
    small_questionnaire, client, settings
):
    settings.PDF_RENDERS_PER_HOUR = 0
    assessment = finish_anonymous_check(client, small_questionnaire)
    # Over the limit: nothing is queued, and finishing still worked.
    assert DBTaskResult.objects.count() == 0 and ReportRender.objects.count() == 0
    assert client.get(reverse("results", args=[assessment.public_id])).status_code == 200


@pytest.mark.django_db
def test_with_tasks_run_at_once_finishing_renders_no_pdf(small_questionnaire, client):
    """TASK_BACKEND=immediate: a render on finishing would hold up the request."""
    finish_anonymous_check(client, small_questionnaire)
    assert RenderedReport.objects.count() == 0 and ReportRender.objects.count() == 0


@queue
@pytest.mark.django_db(transaction=True)
def test_the_waiting_page_asks_again_after_the_configured_pause(
    small_questionnaire, client, settings
):
    settings.PDF_REFRESH_SECONDS = 5
    assessment = completed_assessment(small_questionnaire)
    hold_link(client, assessment)

    waiting = client.get(reverse("report_pdf", args=[assessment.public_id]))

    assert waiting.status_code == 202 and waiting["Refresh"] == "5"
    assert '<meta http-equiv="refresh" content="5">' in waiting.content.decode()


@queue
@pytest.mark.django_db(transaction=True)
def test_the_waiting_page_asks_less_often_while_many_renders_are_queued_before_it(
    small_questionnaire, client
):
    earlier = timezone.now() - datetime.timedelta(minutes=1)
    for _number in range(5):
        ReportRender.objects.create(
            assessment=completed_assessment(small_questionnaire),
            language="de",
            revision="other",
            requested_at=earlier,
        )
    ReportRender.objects.create(
        assessment=completed_assessment(small_questionnaire),
        language="de",
        revision="done",
        status=ReportRender.Status.DONE,
        requested_at=earlier,
    )
    assessment = completed_assessment(small_questionnaire)
    hold_link(client, assessment)
    url = reverse("report_pdf", args=[assessment.public_id])

    assert client.get(url)["Refresh"] == "5"  # five renders before it; the finished one not

    ReportRender.objects.filter(revision="other").update(requested_at=timezone.now())
    assert client.get(url)["Refresh"] == "2"  # first in the queue: PDF_REFRESH_SECONDS

    for _number in range(10):
        ReportRender.objects.create(
            assessment=completed_assessment(small_questionnaire),
            language="de",
            revision="more",
            requested_at=earlier,
        )
    waiting = client.get(url)
    assert waiting["Refresh"] == "8"  # at most four times PDF_REFRESH_SECONDS
    assert '<meta http-equiv="refresh" content="8">' in waiting.content.decode()


WORKER_NICENESS = """
import os, django
django.setup()
from django.core.management import call_command
call_command("run_worker", batch=True, verbosity=0)
print(os.getpriority(os.PRIO_PROCESS, 0))
"""


def worker_niceness(tmp_path: Path, **environment: str) -> int:
    """The niceness a `run_worker --batch` process ends with, in a process of its own."""
    env = {
        **os.environ,
        "SECRET_KEY": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **environment,
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    done = subprocess.run(
        [sys.executable, "-c", WORKER_NICENESS],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.split()[-1])


def test_the_worker_lowers_its_own_priority_below_the_web_servers(tmp_path):
    if os.getpriority(os.PRIO_PROCESS, 0) >= 10:
        pytest.skip("the tests already run at niceness 10 or lower priority")
    assert worker_niceness(tmp_path) == 10  # TASK_WORKER_NICE's default
    assert worker_niceness(tmp_path, TASK_WORKER_NICE="15") == 15
    assert worker_niceness(tmp_path, TASK_WORKER_NICE="0") == os.getpriority(os.PRIO_PROCESS, 0)


@pytest.mark.skipif(
    not suite_on_postgresql(),
    reason="SQLite's in-memory test database locks whole tables across threads; the file "
    "database's busy timeout is not in play there (tests/concurrency covers real SQLite)",
)
@queue
@pytest.mark.django_db(transaction=True)
def test_two_first_requests_at_once_queue_one_render(small_questionnaire):
    assessment = completed_assessment(small_questionnaire)
    start = threading.Barrier(4)
    outcomes = []
    errors = []

    def ask() -> None:
        try:
            start.wait()
            outcomes.append(request_pdf(assessment=assessment, may_start=lambda: True))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(outcome.pending for outcome in outcomes) and len(outcomes) == 4
    assert ReportRender.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


@queue
@pytest.mark.django_db(transaction=True)
def test_a_render_that_fails_ends_failed_in_the_task_list_and_tells_the_visitor(
    small_questionnaire, client, monkeypatch
):
    assessment = completed_assessment(small_questionnaire)
    hold_link(client, assessment)
    url = reverse("report_pdf", args=[assessment.public_id])
    assert client.get(url).status_code == 202

    def broken(html):
        raise RuntimeError("layout failed")

    monkeypatch.setattr("assessment.reports.pdf.render_pdf_bytes", broken)
    run_worker()
    assert DBTaskResult.objects.get().status == TaskResultStatus.FAILED
    failed = client.get(url)
    assert failed.status_code == 503
    assert "Das PDF konnte nicht erstellt werden" in failed.content.decode()
    assert "Refresh" not in failed

    monkeypatch.undo()
    assert client.get(url).status_code == 202  # the next visit queues a fresh render
    run_worker()
    assert client.get(url)["Content-Type"] == "application/pdf"


def test_new_renders_per_visitor_are_limited(small_questionnaire, client, settings):
    settings.PDF_RENDERS_PER_HOUR = 1
    first = completed_assessment(small_questionnaire)
    second = completed_assessment(small_questionnaire)
    hold_link(client, first)
    hold_link(client, second)
    assert client.get(reverse("report_pdf", args=[first.public_id])).status_code == 200
    # A stored PDF costs nothing and is not counted.
    assert client.get(reverse("report_pdf", args=[first.public_id])).status_code == 200
    refused = client.get(reverse("report_pdf", args=[second.public_id]))
    assert refused.status_code == 429
    assert "Zu viele PDFs in kurzer Zeit" in refused.content.decode()
    assert not RenderedReport.objects.filter(assessment=second).exists()


# --- Tasks whose worker died


@queue
@pytest.mark.django_db(transaction=True)
def test_a_task_left_running_by_a_dead_worker_runs_again(small_questionnaire, client, settings):
    settings.TASK_STALE_SECONDS = 60
    assessment = completed_assessment(small_questionnaire)
    hold_link(client, assessment)
    url = reverse("report_pdf", args=[assessment.public_id])
    client.get(url)
    # A worker claimed it and died: the row stays RUNNING.
    started = timezone.now() - datetime.timedelta(seconds=61)
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING, started_at=started, worker_ids=["dead-worker"]
    )
    assert client.get(url).status_code == 202
    run_worker()  # recovers it, then runs it
    task_row = DBTaskResult.objects.get()
    assert task_row.status == TaskResultStatus.SUCCESSFUL
    assert len(task_row.worker_ids) == 2
    assert client.get(url)["Content-Type"] == "application/pdf"


@queue
@pytest.mark.django_db(transaction=True)
def test_a_task_that_keeps_killing_its_workers_ends_failed(settings, caplog):
    settings.TASK_STALE_SECONDS = 60
    settings.TASK_MAX_ATTEMPTS = 2
    from assessment.mail import deliver

    deliver.enqueue(
        subject="s",
        body="b",
        recipients=["x@example.com"],
        from_email=None,
        html_body=None,
        attempt=1,
    )
    started = timezone.now() - datetime.timedelta(seconds=61)
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING, started_at=started, worker_ids=["one", "two"]
    )
    recovery = recover_stale_tasks()
    assert recovery.requeued == [] and len(recovery.failed) == 1
    task_row = DBTaskResult.objects.get()
    assert task_row.status == TaskResultStatus.FAILED
    assert task_row.exception_class_path == "assessment.worker.WorkerLost"
    assert "its worker stopped 2 times" in caplog.text


@queue
@pytest.mark.django_db(transaction=True)
def test_a_task_still_within_its_time_is_left_to_its_worker(settings):
    settings.TASK_STALE_SECONDS = 60
    from assessment.mail import deliver

    deliver.enqueue(
        subject="s",
        body="b",
        recipients=["x@example.com"],
        from_email=None,
        html_body=None,
        attempt=1,
    )
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - datetime.timedelta(seconds=30),
        worker_ids=["busy"],
    )
    assert recover_stale_tasks().requeued == []
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING
