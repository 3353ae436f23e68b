"""A worker killed with SIGKILL in the middle of a PDF render: another worker renders it
without anybody stepping in (assessment/worker.py), on the database the suite runs on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.concurrency.conftest import run_script
from tests.live import ROOT, SECRET_KEY, own_database, query

pytestmark = pytest.mark.slow

QUEUE_A_RENDER = """
import json
from django.utils import translation
from assessment.models import Questionnaire
from assessment.reports.pdf import request_pdf
from tests.factories import completed_assessment

assessment = completed_assessment(Questionnaire.objects.get())
with translation.override("de"):
    outcome = request_pdf(assessment=assessment, may_start=lambda: True)
print(json.dumps({"pending": outcome.pending, "assessment": assessment.pk}))
"""


def start_worker(database_url: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "TASK_BACKEND": "database",
        "TASK_STALE_SECONDS": "3",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--interval", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def task_rows(database_url: str) -> list[tuple]:
    return query(database_url, "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult")


def wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("waited too long")
        time.sleep(0.02)


def test_a_render_whose_worker_was_killed_is_run_again_by_another_worker(tmp_path):
    with own_database(tmp_path, "worker_kill") as database_url:
        queued = run_script(database_url, QUEUE_A_RENDER)
        assert queued["pending"] is True
        log = (tmp_path / "workers.log").open("w")
        doomed = start_worker(database_url, log)
        try:
            wait_for(lambda: task_rows(database_url)[0][0] == "RUNNING", 60)
            os.killpg(doomed.pid, signal.SIGKILL)
            doomed.wait(10)
        finally:
            if doomed.poll() is None:
                os.killpg(doomed.pid, signal.SIGKILL)
        # Killed mid-render: nothing stored, the task still says RUNNING.
        assert task_rows(database_url)[0][0] == "RUNNING"
        assert query(database_url, "SELECT count(*) FROM assessment_renderedreport") == [(0,)]

        rescuer = start_worker(database_url, log)
        try:
            wait_for(lambda: task_rows(database_url)[0][0] == "SUCCESSFUL", 120)
        finally:
            os.killpg(rescuer.pid, signal.SIGTERM)
            rescuer.wait(30)
            log.close()
        assert query(database_url, "SELECT count(*) FROM assessment_renderedreport") == [(1,)]
        assert query(database_url, "SELECT status FROM assessment_reportrender") == [("done",)]
        assert "lost its worker" in (tmp_path / "workers.log").read_text()
