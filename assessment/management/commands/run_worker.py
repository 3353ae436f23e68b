"""A background worker: django-tasks-db's `db_worker`, plus recovery of tasks whose worker
died (assessment/worker.py). Run as many as you like, on as many machines as share the
database (README: workers)."""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from assessment.worker import recover_stale_tasks

logger = logging.getLogger("assessment.worker")


def lower_priority(niceness: int) -> int:
    """Run at `niceness` unless started at a lower priority already (a systemd Nice= or
    `nice` of its own); an unprivileged process cannot raise its priority again."""
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness > current:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
    return os.getpriority(os.PRIO_PROCESS, 0)


def recovery_loop(interval: float) -> None:
    while True:
        try:
            recover_stale_tasks()
        except Exception:
            logger.exception("Looking for tasks of stopped workers failed; trying again")
        finally:
            connection.close()
        time.sleep(interval)


class Command(BaseCommand):
    help = "Work off background tasks (PDFs, mails); queue again those of stopped workers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="Run what is queued now, then stop."
        )
        parser.add_argument("--interval", type=float, default=0.5)
        parser.add_argument(
            "--queue-name", default="*", help="Queues to work off, comma-separated; * for all."
        )

    def handle(self, *args: Any, batch: bool, interval: float, queue_name: str, **options: Any):
        worker_options: dict[str, Any] = {
            "queue_name": queue_name,
            "interval": interval,
            "batch": batch,
            "reload": False,
            "startup_delay": not batch,
            "verbosity": options["verbosity"],
        }
        # Pages first: on a machine that also serves them, a render takes what they leave.
        lower_priority(settings.TASK_WORKER_NICE)
        if batch:
            recover_stale_tasks()
            close_old_connections()
        else:
            # Several times within the stale time, so a lost task waits little longer than it.
            every = max(1.0, settings.TASK_STALE_SECONDS / 4)
            threading.Thread(target=recovery_loop, args=(every,), daemon=True).start()
        call_command("db_worker", **worker_options)
