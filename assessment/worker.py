"""What the task queue lacks and the app adds on top, through its public model.

django-tasks-db marks a task RUNNING when a worker claims it and leaves it so if that
worker dies (`kill -9`, out of memory, machine gone): nothing would run it again. Every
`run_worker` therefore also looks, every few seconds, for tasks RUNNING longer than
TASK_STALE_SECONDS and puts them back in the queue; a task that has lost its worker
TASK_MAX_ATTEMPTS times ends FAILED (admin task list, an error line in the log) instead of
taking down one worker after another. TASK_STALE_SECONDS must be longer than any task
runs (a PDF takes seconds, a mail at most EMAIL_TIMEOUT per attempt). Every task of the app
may run twice for this reason: a PDF render stores the same file again, a mail may arrive
twice; nothing is lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """The task's worker stopped without finishing it, too often."""


@dataclass(frozen=True)
class Recovery:
    requeued: list[str]
    failed: list[str]


def recover_stale_tasks(*, now: datetime | None = None) -> Recovery:
    """Queue again every task whose worker died; fail those that lost too many workers."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TASK_STALE_SECONDS)
    requeued: list[str] = []
    failed: list[str] = []
    with transaction.atomic():
        stale = list(
            DBTaskResult.objects.running()
            .filter(started_at__lt=cutoff)
            .select_for_update(skip_locked=True)
        )
        for task_row in stale:
            attempts = len(task_row.worker_ids)
            if attempts >= settings.TASK_MAX_ATTEMPTS:
                task_row.set_failed(
                    WorkerLost(f"{attempts} workers stopped while running this task")
                )
                logger.error(
                    "Task %s (%s) failed: its worker stopped %d times",
                    task_row.id,
                    task_row.task_path,
                    attempts,
                )
                failed.append(str(task_row.id))
                continue
            DBTaskResult.objects.filter(
                pk=task_row.pk, status=TaskResultStatus.RUNNING, started_at=task_row.started_at
            ).update(status=TaskResultStatus.READY, started_at=None)
            logger.warning(
                "Task %s (%s) lost its worker %s; queued again (attempt %d of %d next)",
                task_row.id,
                task_row.task_path,
                task_row.worker_ids[-1] if task_row.worker_ids else "-",
                attempts + 1,
                settings.TASK_MAX_ATTEMPTS,
            )
            requeued.append(str(task_row.id))
    return Recovery(requeued=requeued, failed=failed)
