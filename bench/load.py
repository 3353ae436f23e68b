"""Load: simulated people doing the whole journey at once against gunicorn with 2 workers.

Each person (a thread in this process) opens the home page and the profile form, sends the
profile, answers every page of the default questionnaire, finishes, opens the results and
downloads the PDF, and starts over until the time is up. No think time by default: every
person sends the next request as soon as the last one is answered, the worst case.

PDFs are background tasks: `--task-workers` (default 2) `run_worker` processes render
them, and a person whose PDF link answers "wird erstellt" (202) asks again after the
Refresh header's pause, as the browser would, until the PDF comes; "PDF ready" is the time
from the first click to the file. "pages" is every other request, measured while the PDFs
are being asked for and rendered.

Fails (exit status 1) on any error (a status other than 2xx/3xx, a connection error or
timeout), any "database is locked" or traceback in the server log, or any lost answer: the
answer rows in the database must equal the answers the clients sent and saw saved.

    .venv/bin/python bench/load.py [--users 50] [--seconds 60] [--database sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serving import (
    DATABASES,
    Browser,
    Response,
    count_rows,
    free_port,
    fresh_database,
    gunicorn,
    gunicorn_threads,
    log_count,
    percentile,
    prepare,
    production_env,
)

KINDS = (
    "home",
    "profile GET",
    "profile POST",
    "page GET",
    "page POST",
    "finish GET",
    "finish POST",
    "results",
    "PDF",
    "PDF ready",
)
# Seconds a person keeps asking for a PDF after the test's time is up.
PDF_GRACE = 90
FIRST_PAGE = re.compile(r'href="(/check/[0-9a-f-]{36}/seite/1/)"')
SHOWN = re.compile(r'name="shown" value="([^"]+)"')
QUESTIONS_FORM = re.compile(r"<form[^>]*data-questionnaire.*?</form>", re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
NOTE = re.compile(r'<textarea[^>]* name="([^"]+)"[^>]*>([^<]*)</textarea>')
OPTION = re.compile(r'name="q-([^"]+)" id="[^"]*" value="([^"]+)"')
TYPE_OF = re.compile(r'type="(radio|checkbox)" name="q-([^"]+)"')
NOT_APPLICABLE = "_na"


class TimeUp(Exception):
    pass


class Failed(Exception):
    pass


@dataclass
class Tally:
    """What all simulated people saw; guarded by one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    answers_saved: int = 0
    journeys_started: int = 0
    journeys_completed: int = 0

    def record(self, kind: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.requests += 1
            self.latencies[kind].append(seconds)
            if error:
                self.errors.append(f"{kind}: {error}")


class Person:
    def __init__(self, base: str, number: int, tally: Tally, deadline: float, think: float):
        self.browser = Browser(base)
        self.number = number
        self.random = random.Random(number)
        self.tally = tally
        self.deadline = deadline
        self.think = think

    def step(
        self,
        kind: str,
        method: str,
        path: str,
        fields: list[tuple[str, str]] | None = None,
        form_page: Response | None = None,
        grace: float = 0,
    ) -> Response:
        if self.think:
            time.sleep(self.random.uniform(0.5, 1.5) * self.think)
        if time.monotonic() >= self.deadline + grace:
            raise TimeUp
        started = time.perf_counter()
        try:
            if method == "POST":
                response = self.browser.post(path, fields or [], form_page)
            else:
                response = self.browser.get(path)
        except OSError as error:
            self.tally.record(kind, time.perf_counter() - started, f"{type(error).__name__}")
            raise Failed from error
        error = None if 200 <= response.status < 400 else f"HTTP {response.status} {path}"
        self.tally.record(kind, response.seconds, error)
        if error:
            raise Failed
        return response

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            try:
                self.journey()
            except TimeUp:
                return
            except Failed:
                continue

    def journey(self) -> None:
        self.browser.cookies.clear()
        self.step("home", "GET", "/")
        form = self.step("profile GET", "GET", "/check/")
        with self.tally.lock:
            self.tally.journeys_started += 1
        resume = self.step("profile POST", "POST", "/check/", self.profile(form), form)
        first = FIRST_PAGE.search(resume.text)
        if first is None:
            self.fail("profile POST", "no link to the first page")
        path = first.group(1)
        while "/seite/" in path:
            page = self.step("page GET", "GET", path)
            answers = self.answers(page)
            nav = "finish" if 'name="nav" value="finish"' in page.text else "next"
            # What a browser sends: the form's hidden fields, (empty) notes and the choices.
            found = QUESTIONS_FORM.search(page.text)
            if found is None:
                self.fail("page GET", f"no questionnaire form on {path}")
            form = found.group(0)
            fields = [f for f in HIDDEN.findall(form) if f[0] != "csrfmiddlewaretoken"]
            fields += NOTE.findall(form)
            fields += [(f"q-{key}", value) for key, values in answers for value in values]
            saved = self.step("page POST", "POST", path, [*fields, ("nav", nav)], page)
            if saved.status != 302:
                self.fail("page POST", f"HTTP {saved.status} instead of a redirect")
            with self.tally.lock:
                self.tally.answers_saved += len(answers)
            path = saved.location
        finish = self.step("finish GET", "GET", path)
        done = self.step("finish POST", "POST", path, [], finish)
        if done.status != 302 or not done.location.endswith("/ergebnis/"):
            self.fail("finish POST", f"HTTP {done.status} {done.location}: not finished")
        self.step("results", "GET", done.location)
        report = self.pdf(done.location.replace("/ergebnis/", "/bericht.pdf"))
        if not report.body.startswith(b"%PDF"):
            self.fail("PDF", "not a PDF")
        with self.tally.lock:
            self.tally.journeys_completed += 1

    def pdf(self, path: str) -> Response:
        """Click the PDF link, then follow the waiting page's Refresh until the file comes."""
        clicked = time.perf_counter()
        response = self.step("PDF", "GET", path)
        while response.status == 202:
            time.sleep(float(response.headers.get("Refresh", "2")))
            if time.perf_counter() - clicked > PDF_GRACE + 60:
                self.fail("PDF", "not ready after the grace time")
            response = self.step("PDF", "GET", path, grace=PDF_GRACE)
        if response.status == 200:
            with self.tally.lock:
                self.tally.latencies["PDF ready"].append(time.perf_counter() - clicked)
        return response

    def fail(self, kind: str, message: str) -> None:
        with self.tally.lock:
            self.tally.errors.append(f"{kind}: {message}")
        raise Failed

    def profile(self, form: Response) -> list[tuple[str, str]]:
        def choices(name: str) -> list[str]:
            select = re.search(rf'<select name="{name}".*?</select>', form.text, re.S)
            return [v for v in re.findall(r'value="([^"]*)"', select.group(0)) if v]

        return [
            ("industry", self.random.choice(choices("industry"))),
            ("size_band", self.random.choice(choices("size_band"))),
            ("name", f"Lasttest Müller {self.number}"),
            ("region", "Köln"),
            ("monthly_budget_eur", str(self.random.choice([50, 150, 500]))),
            ("monthly_hours", str(self.random.choice([4, 8, 20]))),
        ]

    def answers(self, page: Response) -> list[tuple[str, list[str]]]:
        """An answer for every question the page shows, as a person would click it."""
        options: dict[str, list[str]] = defaultdict(list)
        for key, value in OPTION.findall(page.text):
            options[key].append(value)
        kinds = dict((key, kind) for kind, key in TYPE_OF.findall(page.text))
        chosen = []
        for key in SHOWN.findall(page.text):
            real = [value for value in options[key] if value != NOT_APPLICABLE]
            if NOT_APPLICABLE in options[key] and self.random.random() < 0.05:
                chosen.append((key, [NOT_APPLICABLE]))
            elif kinds.get(key) == "checkbox":
                count = self.random.randint(1, min(3, len(real)))
                chosen.append((key, self.random.sample(real, count)))
            else:
                chosen.append((key, [self.random.choice(real)]))
        return chosen


@contextmanager
def task_workers(env: dict[str, str], log: Path, count: int) -> Iterator[None]:
    """`count` background workers (`manage.py run_worker`) for the time of the test."""
    processes = []
    with log.open("ab") as output:
        try:
            for _number in range(count):
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "manage.py", "run_worker"],
                        cwd=Path(__file__).resolve().parent.parent,
                        env=env,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                        # As the README's worker unit (Nice=10): pages before renders.
                        preexec_fn=lambda: os.nice(10),
                    )
                )
            yield
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                process.wait(60)


def run(
    database: str,
    users: int,
    seconds: float,
    threads: int | None,
    think: float,
    task_worker_count: int,
) -> bool:
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        with fresh_database(database, folder) as database_url:
            env = production_env(database_url, folder, free_port(), threads=threads)
            # Every simulated person comes from 127.0.0.1: no per-address render limit here.
            env["PDF_RENDERS_PER_HOUR"] = "1000000"
            prepare(env)
            log = folder / "gunicorn.log"
            worker_log = folder / "workers.log"
            tally = Tally()
            with gunicorn(env, log) as base, task_workers(env, worker_log, task_worker_count):
                deadline = time.monotonic() + seconds
                people = [Person(base, n, tally, deadline, think) for n in range(users)]
                workers = [threading.Thread(target=person.run) for person in people]
                started = time.monotonic()
                for worker in workers:
                    worker.start()
                for worker in workers:
                    worker.join()
                elapsed = time.monotonic() - started
            answer_rows = count_rows(env, "Answer")
            locked = log_count(log, "database is locked")
            tracebacks = log_count(log, "Traceback (most recent call last)")
            tracebacks += log_count(worker_log, "Traceback (most recent call last)")
            timeouts = log_count(log, "WORKER TIMEOUT")
            report(database, env, users, seconds, think, elapsed, tally)
            lost = tally.answers_saved - answer_rows
            pages = sorted(
                value
                for kind, values in tally.latencies.items()
                if not kind.startswith("PDF")
                for value in values
            )
            ready = sorted(tally.latencies.get("PDF ready", []))
            print(
                f"  pages while PDFs were asked for: p95 {1000 * percentile(pages, 0.95):.0f} ms"
                f" ({len(pages)} requests); PDF ready p95 {percentile(ready, 0.95):.1f} s"
                f" ({len(ready)} PDFs, {task_worker_count} task workers)"
            )
            print(f"  errors: {len(tally.errors)}")
            for error in sorted(set(tally.errors))[:10]:
                print(f"    {error}")
            print(f"  'database is locked' in the server log: {locked}")
            print(f"  tracebacks / worker timeouts in the server log: {tracebacks} / {timeouts}")
            print(
                f"  answers sent and saved: {tally.answers_saved}, answer rows in the "
                f"database: {answer_rows}, lost: {lost}"
            )
            passed = not tally.errors and not locked and not tracebacks and not timeouts
            passed = passed and lost == 0
            if not passed:
                kept = Path(f"gunicorn-{database}.failed.log")
                kept.write_bytes(log.read_bytes())
                print(f"  server log kept in {kept}")
            print(f"  {'PASS' if passed else 'FAIL'}")
            return passed


def report(
    database: str,
    env: dict[str, str],
    users: int,
    seconds: float,
    think: float,
    elapsed: float,
    tally: Tally,
) -> None:
    print(
        f"\n== {database}: {users} people, {seconds:.0f} s, think time {think:g} s, "
        f"gunicorn 2 workers x {gunicorn_threads(env)} thread(s)"
    )
    print(
        f"  requests: {tally.requests} ({tally.requests / elapsed:.1f}/s over {elapsed:.1f} s), "
        f"journeys started {tally.journeys_started}, completed {tally.journeys_completed}"
    )
    print(f"  {'page':<14}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind in KINDS:
        values = sorted(tally.latencies.get(kind, []))
        if not values:
            continue
        p50, p95, p99 = (1000 * percentile(values, p) for p in (0.5, 0.95, 0.99))
        print(
            f"  {kind:<14}{len(values):>7}{p50:>9.0f}{p95:>9.0f}{p99:>9.0f}"
            f"{1000 * values[-1]:>9.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="simulated people at once")
    parser.add_argument("--seconds", type=float, default=60, help="how long they keep going")
    parser.add_argument("--database", choices=[*DATABASES, "both"], default="both")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="gunicorn threads per worker (default: gunicorn.conf.py, GUNICORN_THREADS)",
    )
    parser.add_argument(
        "--think", type=float, default=0, help="mean pause between requests in seconds"
    )
    parser.add_argument(
        "--task-workers", type=int, default=2, help="background workers rendering the PDFs"
    )
    args = parser.parse_args()
    databases = DATABASES if args.database == "both" else (args.database,)
    results = [
        run(db, args.users, args.seconds, args.threads, args.think, args.task_workers)
        for db in databases
    ]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
