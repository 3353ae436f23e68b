"""Load: simulated people doing the whole journey at once against gunicorn with 2 workers.

Each person (a coroutine of one asyncio client in this process, with its own cookies and a
new connection per request) opens the home page and the profile form, sends the profile,
answers every page of the default questionnaire, finishes, opens the results and downloads
the PDF, and starts over until the time is up. No think time by default: every person sends
the next request as soon as the last one is answered, the worst case; `--think` pauses
between requests, `--ramp` spreads the people's first request over some seconds.

PDFs are background tasks: `--task-workers` (default 2) `run_worker` processes render
them, and a person whose PDF link answers "wird erstellt" (202) asks again after the
Refresh header's pause, as the browser would, until the PDF comes; "PDF ready" is the time
from the first click to the file (the app queues the render when the check is finished, so
"PDF ready after finishing" is printed too). "pages" is every other request, measured while the PDFs
are being asked for and rendered.

Where the time goes: every request carries an X-Request-ID, and the app's JSON request log
(LOG_FORMAT=json) gives its duration inside the app ("app"); the rest ("wait") is time
queued for a gunicorn thread, on the wire and in the client. The CPU seconds of gunicorn,
the task workers and the client itself are printed, and how late the client's event loop
woke up (its own CPU shortage), and how long the PDF tasks were queued and rendering.

Fails (exit status 1) on any error (a status other than 2xx/3xx, a connection error or
timeout), any "database is locked" or traceback in the server log, or any lost answer: the
answer rows in the database must equal the answers the clients sent and saw saved.

    .venv/bin/python bench/load.py [--users 50] [--seconds 60] [--database sqlite|postgres|both]
        [--think 0] [--ramp 0] [--task-workers 2] [--threads N] [--refresh N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import NoReturn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serving import (
    CSRF_FIELD,
    DATABASES,
    Response,
    count_rows,
    encoded,
    free_port,
    fresh_database,
    gunicorn,
    gunicorn_threads,
    log_count,
    manage,
    percentile,
    prepare,
    production_env,
    remember_cookies,
    request_headers,
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
    "PDF ready after finishing",
)
# Seconds a person keeps asking for a PDF after the test's time is up.
PDF_GRACE = 90
# Issue #18's targets, reported (the run fails only on errors and lost answers).
PAGES_P95_TARGET = 0.5
READY_P95_TARGET = 20.0
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
class Sent:
    """One request as the client saw it; its id finds the server's log line for it."""

    kind: str
    request_id: str
    seconds: float


@dataclass
class Tally:
    """What all simulated people saw (one event loop: no lock needed)."""

    sent: list[Sent] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    answers_saved: int = 0
    journeys_started: int = 0
    journeys_completed: int = 0
    # How late the client's event loop woke up a timer: the client's own CPU shortage.
    loop_lag: list[float] = field(default_factory=list)
    # The pauses the PDF waiting page asked for.
    refreshes: list[float] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.sent)

    def record(self, kind: str, request_id: str, seconds: float, error: str | None = None) -> None:
        self.sent.append(Sent(kind, request_id, seconds))
        self.latencies[kind].append(seconds)
        if error:
            self.errors.append(f"{kind}: {error}")


class AsyncBrowser:
    """One person's browser in the shared event loop: a cookie jar, a new connection per
    request (as serving.Browser), and an X-Request-ID on every request."""

    def __init__(self, base: str, timeout: float = 120.0) -> None:
        address = urllib.parse.urlsplit(base)
        self.host = address.hostname or "127.0.0.1"
        self.port = address.port or 80
        self.cookies: dict[str, str] = {}
        self.timeout = timeout

    async def request(
        self,
        method: str,
        path: str,
        request_id: str,
        fields: list[tuple[str, str]] | None = None,
    ) -> Response:
        body = encoded(fields)
        headers = request_headers(self.cookies, body)
        headers.update({"Host": f"{self.host}:{self.port}", "X-Request-ID": request_id})
        if body is not None:
            headers["Content-Length"] = str(len(body))
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in headers.items()
        )
        started = time.perf_counter()
        async with asyncio.timeout(self.timeout):
            reader, writer = await asyncio.open_connection(self.host, self.port)
            try:
                writer.write(head.encode("latin-1") + b"\r\n" + (body or b""))
                await writer.drain()
                raw = await reader.read()  # to the end: the server closes after answering
            finally:
                writer.close()
        seconds = time.perf_counter() - started
        status_line, _, rest = raw.partition(b"\r\n")
        header_block, _, content = rest.partition(b"\r\n\r\n")
        if not status_line.startswith(b"HTTP/1."):
            raise ConnectionError(f"no HTTP answer: {raw[:80]!r}")
        response_headers = BytesHeaderParser().parsebytes(header_block)
        if response_headers.get("Transfer-Encoding", "").lower() == "chunked":
            content = dechunked(content)
        remember_cookies(self.cookies, response_headers)
        return Response(int(status_line.split()[1]), response_headers, content, seconds)


def dechunked(data: bytes) -> bytes:
    """The body of a chunked HTTP/1.1 answer."""
    out = bytearray()
    position = 0
    while True:
        line_end = data.index(b"\r\n", position)
        size = int(data[position:line_end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        start = line_end + 2
        out += data[start : start + size]
        position = start + size + 2


class Person:
    def __init__(
        self,
        base: str,
        number: int,
        tally: Tally,
        deadline: float,
        think: float,
        start_after: float,
    ):
        self.browser = AsyncBrowser(base)
        self.number = number
        self.random = random.Random(number)
        self.tally = tally
        self.deadline = deadline
        self.think = think
        self.start_after = start_after

    async def step(
        self,
        kind: str,
        method: str,
        path: str,
        fields: list[tuple[str, str]] | None = None,
        form_page: Response | None = None,
        grace: float = 0,
    ) -> Response:
        if self.think:
            await asyncio.sleep(self.random.uniform(0.5, 1.5) * self.think)
        if time.monotonic() >= self.deadline + grace:
            raise TimeUp
        if method == "POST":
            token = CSRF_FIELD.search(form_page.text) if form_page else None
            fields = [("csrfmiddlewaretoken", token.group(1) if token else ""), *(fields or [])]
        request_id = uuid.uuid4().hex
        started = time.perf_counter()
        try:
            response = await self.browser.request(method, path, request_id, fields)
        except (OSError, TimeoutError) as error:
            seconds = time.perf_counter() - started
            self.tally.record(kind, request_id, seconds, type(error).__name__)
            raise Failed from error
        error = None if 200 <= response.status < 400 else f"HTTP {response.status} {path}"
        self.tally.record(kind, request_id, response.seconds, error)
        if error:
            raise Failed
        return response

    async def run(self) -> None:
        await asyncio.sleep(self.start_after)
        while time.monotonic() < self.deadline:
            try:
                await self.journey()
            except TimeUp:
                return
            except Failed:
                continue

    async def journey(self) -> None:
        self.browser.cookies.clear()
        await self.step("home", "GET", "/")
        form = await self.step("profile GET", "GET", "/check/")
        self.tally.journeys_started += 1
        resume = await self.step("profile POST", "POST", "/check/", self.profile(form), form)
        first = FIRST_PAGE.search(resume.text)
        if first is None:
            self.fail("profile POST", "no link to the first page")
        path = first.group(1)
        while "/seite/" in path:
            page = await self.step("page GET", "GET", path)
            answers = self.answers(page)
            nav = "finish" if 'name="nav" value="finish"' in page.text else "next"
            # What a browser sends: the form's hidden fields, (empty) notes and the choices.
            found = QUESTIONS_FORM.search(page.text)
            if found is None:
                self.fail("page GET", f"no questionnaire form on {path}")
            form_html = found.group(0)
            fields = [f for f in HIDDEN.findall(form_html) if f[0] != "csrfmiddlewaretoken"]
            fields += NOTE.findall(form_html)
            fields += [(f"q-{key}", value) for key, values in answers for value in values]
            saved = await self.step("page POST", "POST", path, [*fields, ("nav", nav)], page)
            if saved.status != 302:
                self.fail("page POST", f"HTTP {saved.status} instead of a redirect")
            self.tally.answers_saved += len(answers)
            path = saved.location
        finish = await self.step("finish GET", "GET", path)
        done = await self.step("finish POST", "POST", path, [], finish)
        if done.status != 302 or not done.location.endswith("/ergebnis/"):
            self.fail("finish POST", f"HTTP {done.status} {done.location}: not finished")
        finished = time.perf_counter()
        await self.step("results", "GET", done.location)
        report = await self.pdf(done.location.replace("/ergebnis/", "/bericht.pdf"), finished)
        if not report.body.startswith(b"%PDF"):
            self.fail("PDF", "not a PDF")
        self.tally.journeys_completed += 1

    async def pdf(self, path: str, finished: float) -> Response:
        """Click the PDF link, then follow the waiting page's Refresh until the file comes.

        `finished`: when the check was finished (the app queues the render then)."""
        clicked = time.perf_counter()
        response = await self.step("PDF", "GET", path)
        while response.status == 202:
            pause = float(response.headers.get("Refresh", "2"))
            self.tally.refreshes.append(pause)
            await asyncio.sleep(pause)
            if time.perf_counter() - clicked > PDF_GRACE + 60:
                self.fail("PDF", "not ready after the grace time")
            response = await self.step("PDF", "GET", path, grace=PDF_GRACE)
        if response.status == 200:
            now = time.perf_counter()
            self.tally.latencies["PDF ready"].append(now - clicked)
            self.tally.latencies["PDF ready after finishing"].append(now - finished)
        return response

    def fail(self, kind: str, message: str) -> NoReturn:
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
    """`count` background workers (`manage.py run_worker`) for the time of the test.

    They lower their own priority (TASK_WORKER_NICE, as in production), so nothing is
    done here for it.
    """
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
                    )
                )
            yield
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                process.wait(60)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds_by_role() -> dict[str, float]:
    """CPU seconds used so far by this process's gunicorn and task-worker descendants,
    including their children already gone (gunicorn replaces a worker after max_requests)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # it ended meanwhile
        fields = text.rsplit(")", 1)[1].split()
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        # utime, stime, and cutime, cstime: its own and its ended children's CPU time.
        used[pid] = sum(int(value) for value in fields[11:15]) / CLOCK_TICKS
    totals = {"gunicorn": 0.0, "task workers": 0.0}
    me = os.getpid()
    for pid, seconds in used.items():
        ancestor = parents.get(pid)
        while ancestor not in {None, 0, 1, me}:
            ancestor = parents.get(ancestor)
        if ancestor != me:
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"gunicorn" in command:
            totals["gunicorn"] += seconds
        elif b"run_worker" in command:
            totals["task workers"] += seconds
    return totals


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_durations(log: Path) -> dict[str, float]:
    """Request id -> seconds the app spent on it, from the JSON request log lines."""
    durations = {}
    for line in log.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue  # gunicorn's own lines and its access log
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("logger") == "reifegrad.request" and "duration_ms" in entry:
            durations[entry["request_id"]] = entry["duration_ms"] / 1000
    return durations


RENDER_TIMES = """
import json
from django_tasks_db.models import DBTaskResult
rows = DBTaskResult.objects.filter(task_path__endswith="render_report").exclude(started_at=None)
print(json.dumps([
    [(row.started_at - row.enqueued_at).total_seconds(),
     (row.finished_at - row.started_at).total_seconds() if row.finished_at else None]
    for row in rows
]))
"""


def render_times(env: dict[str, str]) -> list[tuple[float, float | None]]:
    """(seconds queued, seconds rendering) of every PDF task a worker started."""
    return json.loads(manage(env, "shell", "--no-imports", "-c", RENDER_TIMES))


async def watch_loop(tally: Tally, stop: asyncio.Event) -> None:
    """Wake every 100 ms and note how late: the client's own share of the latencies."""
    while not stop.is_set():
        asked = time.perf_counter()
        await asyncio.sleep(0.1)
        tally.loop_lag.append(time.perf_counter() - asked - 0.1)


async def simulate(people: list[Person], tally: Tally) -> None:
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_loop(tally, stop))
    await asyncio.gather(*(person.run() for person in people))
    stop.set()
    await watcher


@dataclass(frozen=True)
class Options:
    users: int
    seconds: float
    threads: int | None
    think: float
    ramp: float
    task_workers: int
    refresh: int | None


def run(database: str, options: Options) -> bool:
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        with fresh_database(database, folder) as database_url:
            env = production_env(database_url, folder, free_port(), threads=options.threads)
            # Every simulated person comes from 127.0.0.1: no per-address render limit here.
            env["PDF_RENDERS_PER_HOUR"] = "1000000"
            # One JSON line per request with its id and duration: the server's share.
            env["LOG_FORMAT"] = "json"
            env["LOG_LEVEL"] = "INFO"
            if options.refresh is not None:
                env["PDF_REFRESH_SECONDS"] = str(options.refresh)
            prepare(env)
            log = folder / "gunicorn.log"
            worker_log = folder / "workers.log"
            tally = Tally()
            with (
                gunicorn(env, log) as base,
                task_workers(env, worker_log, options.task_workers),
            ):
                servers_before = cpu_seconds_by_role()
                client_before = own_cpu_seconds()
                started = time.monotonic()
                deadline = started + options.seconds
                people = [
                    Person(
                        base,
                        n,
                        tally,
                        deadline,
                        options.think,
                        start_after=options.ramp * n / options.users,
                    )
                    for n in range(options.users)
                ]
                asyncio.run(simulate(people, tally))
                elapsed = time.monotonic() - started
                client_cpu = own_cpu_seconds() - client_before
                servers_after = cpu_seconds_by_role()
            cpu = {role: servers_after[role] - servers_before[role] for role in servers_after}
            cpu["clients"] = client_cpu
            answer_rows = count_rows(env, "Answer")
            renders = render_times(env)
            locked = log_count(log, "database is locked")
            locked += log_count(worker_log, "database is locked")
            tracebacks = log_count(log, "Traceback (most recent call last)")
            tracebacks += log_count(worker_log, "Traceback (most recent call last)")
            timeouts = log_count(log, "WORKER TIMEOUT")
            durations = server_durations(log)
            report(database, env, options, elapsed, tally, durations)
            lost = tally.answers_saved - answer_rows
            pages = sorted(s.seconds for s in tally.sent if not s.kind.startswith("PDF"))
            pages_server = sorted(
                durations[s.request_id]
                for s in tally.sent
                if not s.kind.startswith("PDF") and s.request_id in durations
            )
            ready = sorted(tally.latencies.get("PDF ready", []))
            after_finishing = sorted(tally.latencies.get("PDF ready after finishing", []))
            print(
                f"  pages while PDFs were asked for: p95 {1000 * percentile(pages, 0.95):.0f} ms"
                f" ({len(pages)} requests; in the app p95 "
                f"{1000 * percentile(pages_server, 0.95):.0f} ms); PDF ready p50 / p95 "
                f"{percentile(ready, 0.5):.1f} / {percentile(ready, 0.95):.1f} s"
                f" ({len(ready)} PDFs, {options.task_workers} task workers); after finishing"
                f" p50 / p95 {percentile(after_finishing, 0.5):.1f} / "
                f"{percentile(after_finishing, 0.95):.1f} s"
            )
            pages_met = percentile(pages, 0.95) < PAGES_P95_TARGET
            ready_met = bool(ready) and percentile(ready, 0.95) < READY_P95_TARGET
            print(
                f"  targets (issue #18): pages p95 < {1000 * PAGES_P95_TARGET:.0f} ms "
                f"{'met' if pages_met else 'NOT met'}; PDF ready p95 < {READY_P95_TARGET:.0f} s "
                f"{'met' if ready_met else 'NOT met'}"
            )
            pauses = sorted(tally.refreshes)
            print(
                f"  PDF link asked {len(tally.latencies.get('PDF', []))} times; the waiting "
                f"page's pause p50 / max {percentile(pauses, 0.5):g} / "
                f"{pauses[-1] if pauses else float('nan'):g} s"
            )
            queued = sorted(wait for wait, _run in renders)
            rendering = sorted(took for _wait, took in renders if took is not None)
            print(
                f"  PDF tasks: {len(renders)} started; queued p50 / p95 "
                f"{percentile(queued, 0.5):.1f} / {percentile(queued, 0.95):.1f} s, "
                f"rendering p50 / p95 {percentile(rendering, 0.5):.1f} / "
                f"{percentile(rendering, 0.95):.1f} s (wall time at TASK_WORKER_NICE)"
            )
            lag = sorted(tally.loop_lag)
            print(
                "  CPU seconds during the run: "
                + ", ".join(f"{role} {seconds:.1f}" for role, seconds in cpu.items())
                + f" (of {2 * elapsed:.0f} on 2 cores); client loop late p95 "
                f"{1000 * percentile(lag, 0.95):.0f} ms"
            )
            print(f"  errors: {len(tally.errors)}")
            for error in sorted(set(tally.errors))[:10]:
                print(f"    {error}")
            print(f"  'database is locked' in the server and worker logs: {locked}")
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
    options: Options,
    elapsed: float,
    tally: Tally,
    durations: dict[str, float],
) -> None:
    print(
        f"\n== {database}: {options.users} people, {options.seconds:.0f} s, think time "
        f"{options.think:g} s, starts spread over {options.ramp:g} s, gunicorn 2 workers x "
        f"{gunicorn_threads(env)} thread(s), {options.task_workers} task workers"
    )
    print(
        f"  requests: {tally.requests} ({tally.requests / elapsed:.1f}/s over {elapsed:.1f} s), "
        f"journeys started {tally.journeys_started}, completed {tally.journeys_completed}"
    )
    print(
        f"  {'in ms':<26}{'count':>7}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}"
        f"{'app p50':>9}{'app p95':>9}{'wait p95':>9}"
    )
    by_kind: dict[str, list[Sent]] = defaultdict(list)
    for sent in tally.sent:
        by_kind[sent.kind].append(sent)
    for kind in KINDS:
        values = sorted(tally.latencies.get(kind, []))
        if not values:
            continue
        p50, p95, p99 = (1000 * percentile(values, p) for p in (0.5, 0.95, 0.99))
        slowest = 1000 * values[-1]
        line = f"  {kind:<26}{len(values):>7}{p50:>8.0f}{p95:>8.0f}{p99:>8.0f}{slowest:>8.0f}"
        logged = [s for s in by_kind.get(kind, []) if s.request_id in durations]
        if logged:
            app = sorted(durations[s.request_id] for s in logged)
            # Outside the app: queued for a gunicorn thread, on the wire, in the client.
            wait = sorted(s.seconds - durations[s.request_id] for s in logged)
            line += (
                f"{1000 * percentile(app, 0.5):>9.0f}{1000 * percentile(app, 0.95):>9.0f}"
                f"{1000 * percentile(wait, 0.95):>9.0f}"
            )
        print(line)


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
        "--ramp",
        type=float,
        default=0,
        help="spread the people's first request evenly over this many seconds",
    )
    parser.add_argument(
        "--task-workers", type=int, default=2, help="background workers rendering the PDFs"
    )
    parser.add_argument(
        "--refresh",
        type=int,
        default=None,
        help="seconds the PDF waiting page asks to wait (default: PDF_REFRESH_SECONDS)",
    )
    args = parser.parse_args()
    options = Options(
        users=args.users,
        seconds=args.seconds,
        threads=args.threads,
        think=args.think,
        ramp=args.ramp,
        task_workers=args.task_workers,
        refresh=args.refresh,
    )
    databases = DATABASES if args.database == "both" else (args.database,)
    results = [run(database, options) for database in databases]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
