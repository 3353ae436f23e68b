"""Page speed: requests per second of the main pages as a share of a trivial Django view.

The trivial view (bench/urls.py: no database, no template) runs in the same gunicorn as the
app, with the same middleware, and is measured before the first page and again after each
page; a page's floor is the mean of the trivial view just before and just after it, so that
a slow drift of the machine's speed does not land on one page. The pages with a target (the
questionnaire page and the results page of a completed check) are measured in three rounds
(--rounds) and the round with the median share counts. Every page is requested by a fixed
number of concurrent clients (separate processes) for a fixed time. The data is built with
the app's own workflows: a company with 30 completed assessments and a draft reassessment,
and a consultant with 500 clients, each with a completed assessment. The SQL queries per
request are counted in-process for each page at a small and a large data size; no count may
grow with the data. The results page over HTTP is served from the cache (its data is
computed once per revision); its cold render, with the cache emptied before every request,
is timed in-process beside the warm one.

Targets: the questionnaire page at least 18 % of the trivial view's requests per second on
SQLite and 15 % on PostgreSQL, the results page at least 15 % on both; no page's query
count growing with data. Prints PASS/FAIL per target, exits 1 on a FAIL.

    .venv/bin/python bench/pages.py [--database sqlite|postgres|both] [--clients 4] [--seconds 10]
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serving import (
    CSRF_FIELD,
    DATABASES,
    ROOT,
    Browser,
    free_port,
    fresh_database,
    gunicorn,
    gunicorn_threads,
    percentile,
    prepare,
    production_env,
)

sys.path.insert(0, str(ROOT))

SMALL, LARGE = "small", "large"
SIZES = {"company": {SMALL: 2, LARGE: 30}, "portfolio": {SMALL: 5, LARGE: 500}}
UNITS = {"company": "assessments of the company", "portfolio": "clients"}
# The least share of the trivial view's requests per second, per page and database.
TARGET_SHARES = {
    "page": {"sqlite": 0.18, "postgres": 0.15},
    "results": {"sqlite": 0.15, "postgres": 0.15},
}
COLD_REQUESTS = 15


@dataclass
class Target:
    """One page to measure: how to request it and who asks."""

    name: str
    data: str  # what grows between the small and the large data size: a key of SIZES
    method: str
    paths: dict[str, str]  # data size -> path
    # data size -> a logged-in user, the public ids of assessments an anonymous browser was
    # granted (as with the resume link), or None
    visitor: dict[str, object]
    fields: list[list[tuple[str, str]]] | None = None  # POST bodies, used in turn


def build_data() -> dict[str, Target]:
    """Companies, assessments and a consultant's clients through the app's workflows."""
    from django.urls import reverse
    from django.utils import timezone

    from assessment.consultants import create_client
    from assessment.models import (
        Assessment,
        Company,
        ConsultantProfile,
        Membership,
        Questionnaire,
        User,
    )
    from assessment.workflows import start_reassessment
    from tests.factories import completed_assessment

    questionnaire = Questionnaire.objects.current()
    owner = User.objects.create_user(
        email="inhaberin@bench.example", password=secrets.token_urlsafe()
    )
    companies, drafts, lasts = {}, {}, {}
    now = timezone.now()
    for size, count in SIZES["company"].items():
        company = Company.objects.create(
            name=f"Blumen Müller {count}", industry="retail", size_band="2-9", region="Köln"
        )
        Membership.objects.create(company=company, user=owner, role=Membership.Role.OWNER)
        for index in range(count):
            last = completed_assessment(questionnaire, company=company, level=index / count)
            when = now - datetime.timedelta(days=30 * (count - index))
            Assessment.objects.filter(pk=last.pk).update(started_at=when, completed_at=when)
        companies[size] = company
        lasts[size] = last
        drafts[size] = start_reassessment(company=company, user=None, carry_over=True)

    consultants = {}
    for size, count in SIZES["portfolio"].items():
        consultant = User.objects.create_user(
            email=f"berater-{count}@bench.example", password=secrets.token_urlsafe()
        )
        ConsultantProfile.objects.create(
            user=consultant, name=f"Berta Beispiel {count}", firm="Beispiel", approved=True
        )
        for index in range(count):
            client = create_client(
                consultant=consultant,
                company=Company(
                    name=f"Kunde {index:03d}", industry="crafts", size_band="2-9", region="Bonn"
                ),
            )
            completed_assessment(questionnaire, company=client, level=(index % 10) / 10)
        consultants[size] = consultant

    first = questionnaire.content().dimensions[0].question_list[0]
    options = [option.key for option in first.option_list]
    owners = {SMALL: owner, LARGE: owner}
    # Most people take the check without an account, through the link they were given.
    granted = {s: (str(drafts[s].public_id), str(lasts[s].public_id)) for s in owners}
    return {
        "trivial": Target(
            "trivial view (floor)",
            "company",
            "GET",
            {s: "/bench/trivial/" for s in owners},
            {SMALL: None, LARGE: None},
        ),
        "page": Target(
            "questionnaire page",
            "company",
            "GET",
            {s: reverse("check_page", args=[drafts[s].public_id, 1]) for s in owners},
            granted,
        ),
        "save": Target(
            "answer save (JSON)",
            "company",
            "POST",
            {s: reverse("save_answer", args=[drafts[s].public_id]) for s in owners},
            granted,
            [[("question", first.key), ("option", option)] for option in options],
        ),
        "results": Target(
            "results page",
            "company",
            "GET",
            {s: reverse("results", args=[lasts[s].public_id]) for s in owners},
            granted,
        ),
        "company": Target(
            "company page",
            "company",
            "GET",
            {s: reverse("company", args=[companies[s].pk]) for s in owners},
            owners,
        ),
        "portfolio": Target(
            "portfolio",
            "portfolio",
            "GET",
            {s: reverse("portfolio") for s in consultants},
            consultants,
        ),
    }


def count_queries(targets: dict[str, Target]) -> dict[str, dict[str, int]]:
    """SQL queries of one request to each page at each data size (after one warm request)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, dict[str, int]] = {}
    for key, target in targets.items():
        counts[key] = {}
        for size, path in target.paths.items():
            client = visiting(target.visitor[size])
            body = dict(target.fields[0]) if target.fields else {}
            send = client.post if target.method == "POST" else client.get
            send(path, body)
            with CaptureQueriesContext(connection) as queries:
                response = send(path, body)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code}")
            counts[key][size] = len(queries)
    return counts


def cold_and_warm(target: Target) -> tuple[float, float, int, int, float, float]:
    """Median milliseconds of one in-process request to the page with its cached data
    (warm) and with the cache emptied before the request (cold, a cache miss), the queries
    of each, and the median CPU milliseconds of the thread for each (which depend much less
    on what else runs on the machine than the elapsed time)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessment.reports.data import recent_results

    client = visiting(target.visitor[LARGE])
    path = target.paths[LARGE]
    timings: dict[str, list[float]] = {"cold": [], "warm": []}
    cpu: dict[str, list[float]] = {"cold": [], "warm": []}
    queries: dict[str, int] = {}
    for _round in range(COLD_REQUESTS):
        for kind in ("cold", "warm"):
            if kind == "cold":
                # Sessions are kept in the database as well: only the cached copy goes.
                cache.clear()
                recent_results.clear()
            with CaptureQueriesContext(connection) as captured:
                started, cpu_started = time.perf_counter(), time.thread_time()
                response = client.get(path)
                timings[kind].append(time.perf_counter() - started)
                cpu[kind].append(time.thread_time() - cpu_started)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code}")
            queries[kind] = len(captured)
    return (
        1000 * statistics.median(timings["cold"]),
        1000 * statistics.median(timings["warm"]),
        queries["cold"],
        queries["warm"],
        1000 * statistics.median(cpu["cold"]),
        1000 * statistics.median(cpu["warm"]),
    )


def visiting(visitor: object):
    """A test client for a logged-in user, an anonymous browser with grants, or nobody."""
    from django.test import Client

    from assessment.access import SESSION_LINKS
    from assessment.models import Assessment, ResumeToken, User

    client = Client(HTTP_HOST="127.0.0.1")
    if isinstance(visitor, User):
        client.force_login(visitor)
    elif visitor:
        session = client.session
        links = {}
        for public_id in visitor:
            token, _raw = ResumeToken.issue(assessment=Assessment.objects.get(public_id=public_id))
            links[str(public_id)] = token.pk
        session[SESSION_LINKS] = links
        session.save()
        client.cookies["sessionid"] = session.session_key
    return client


def session_cookies(targets: dict[str, Target]) -> dict[str, dict[str, str]]:
    """A session for each page's visitor, for the HTTP clients."""
    cookies = {}
    for key, target in targets.items():
        client = visiting(target.visitor[LARGE])
        session = client.cookies.get("sessionid")
        cookies[key] = {"sessionid": session.value} if session else {}
    return cookies


@dataclass(frozen=True)
class Job:
    base: str
    method: str
    path: str
    cookies: dict[str, str]
    bodies: list[list[tuple[str, str]]]


def hammer(arguments: tuple[Job, float, int]) -> tuple[list[float], int]:
    """One client: request the page in a loop until the time is up."""
    job, seconds, offset = arguments
    browser = Browser(job.base, cookies=dict(job.cookies), timeout=60)
    latencies, errors, turn = [], 0, offset
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if job.method == "POST":
                response = browser.request("POST", job.path, job.bodies[turn % len(job.bodies)])
                turn += 1
            else:
                response = browser.get(job.path)
        except OSError:
            errors += 1
            continue
        if response.status != 200:
            errors += 1
        latencies.append(response.seconds)
    return latencies, errors


@dataclass
class Measured:
    rps: float
    p50: float
    p95: float
    errors: int
    server_cpu_ms: float  # CPU time of gunicorn's processes per request
    client_cpu_ms: float  # CPU time of the client processes per request


def process_cpu() -> dict[int, tuple[int, float]]:
    """Every process: its parent and the CPU seconds it has used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    processes = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        if stat:
            fields = stat[stat.rindex(")") + 2 :].split()
            processes[int(entry.name)] = (
                int(fields[1]),
                (int(fields[11]) + int(fields[12])) / ticks,
            )
    return processes


def cpu_split() -> tuple[float, float]:
    """CPU seconds used so far by the server (gunicorn and its workers) and by the client
    processes (this process's other children)."""
    processes = process_cpu()
    server = client = 0.0
    for pid, (parent, used) in processes.items():
        if parent != os.getpid():
            continue
        try:
            is_server = b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if is_server:
            server += used + sum(cpu for p, cpu in processes.values() if p == pid)
        else:
            client += used
    return server, client


def measure(pool, job: Job, clients: int, seconds: float) -> Measured:
    pool.map(hammer, [(job, 1.0, n) for n in range(clients)])  # warm both workers
    server_before, client_before = cpu_split()
    started = time.monotonic()
    results = pool.map(hammer, [(job, seconds, n) for n in range(clients)])
    elapsed = time.monotonic() - started
    server_after, client_after = cpu_split()
    latencies = sorted(value for values, _errors in results for value in values)
    return Measured(
        rps=len(latencies) / elapsed,
        p50=percentile(latencies, 0.5),
        p95=percentile(latencies, 0.95),
        errors=sum(errors for _values, errors in results),
        server_cpu_ms=1000 * (server_after - server_before) / max(1, len(latencies)),
        client_cpu_ms=1000 * (client_after - client_before) / max(1, len(latencies)),
    )


def run(
    database: str,
    clients: int,
    seconds: float,
    threads: int | None,
    pages: list[str],
    rounds: int,
) -> bool:
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        with fresh_database(database, folder) as database_url:
            env = production_env(
                database_url, folder, free_port(), threads=threads, settings="bench.settings"
            )
            prepare(env)
            os.environ.update(env)
            import django

            django.setup()
            started = time.monotonic()
            targets = build_data()
            if pages:
                # The floor and the questionnaire page (whose form gives the CSRF token) stay.
                keep = {"trivial", "page", *pages}
                targets = {key: target for key, target in targets.items() if key in keep}
            built = time.monotonic() - started
            queries = count_queries(targets)
            cold = cold_and_warm(targets["results"]) if "results" in targets else None
            cookies = session_cookies(targets)
            from django.db import connection, connections

            if connection.vendor == "postgresql":
                # What autovacuum would do a little later, in the middle of the measurement.
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
            connections.close_all()  # the client processes are forked from this one
            log = folder / "gunicorn.log"
            measured: list[tuple[str, Measured]] = []  # in the order measured
            floors: list[Measured] = []
            # No worker recycling during the measurement: a restart would land on one page.
            with gunicorn(env, log, "--max-requests", "0") as base:
                with multiprocessing.get_context("fork").Pool(clients) as pool:
                    floor = Job(base, "GET", targets["trivial"].paths[LARGE], {}, [[]])
                    floors.append(measure(pool, floor, clients, seconds))
                    # The pages with a target are measured in several rounds, the others once.
                    targeted = [key for key in TARGET_SHARES if key in targets]
                    schedule = [key for key in targeted for _round in range(rounds)] + [
                        key for key in targets if key != "trivial" and key not in targeted
                    ]
                    for key in schedule:
                        target = targets[key]
                        browser = Browser(base, cookies=dict(cookies[key]))
                        bodies = target.fields or [[]]
                        if target.method == "GET":
                            # As a browser that has been on the site before: with the CSRF
                            # cookie its first page set.
                            browser.get(target.paths[LARGE])
                        if target.method == "POST":
                            form_page = browser.get(targets["page"].paths[LARGE])
                            token = CSRF_FIELD.search(form_page.text).group(1)
                            bodies = [[("csrfmiddlewaretoken", token), *body] for body in bodies]
                        job = Job(base, target.method, target.paths[LARGE], browser.cookies, bodies)
                        measured.append((key, measure(pool, job, clients, seconds)))
                        # The floor again right after each page: each page is compared with
                        # the trivial view measured just before and just after it.
                        floors.append(measure(pool, floor, clients, seconds))
            print(f"data built in {built:.0f} s")
            return report(database, env, clients, seconds, targets, queries, measured, floors, cold)


def report(
    database: str,
    env: dict[str, str],
    clients: int,
    seconds: float,
    targets: dict[str, Target],
    queries: dict[str, dict[str, int]],
    measured: list[tuple[str, Measured]],
    floors: list[Measured],
    cold: tuple[float, float, int, int, float, float] | None,
) -> bool:
    # Each measurement's floor: the mean of the trivial view just before and just after it.
    rounds: dict[str, list[tuple[float, Measured]]] = {}
    for index, (key, result) in enumerate(measured):
        floor = (floors[index].rps + floors[index + 1].rps) / 2
        rounds.setdefault(key, []).append((result.rps / floor, result))
    chosen: dict[str, Measured] = {}
    share_of: dict[str, float] = {}
    for key, results in rounds.items():
        # Several rounds: the one with the median share stands for the page.
        share_of[key], chosen[key] = sorted(results, key=lambda pair: pair[0])[len(results) // 2]
    chosen["trivial"] = Measured(
        rps=statistics.mean(f.rps for f in floors),
        p50=statistics.median(f.p50 for f in floors),
        p95=statistics.median(f.p95 for f in floors),
        errors=sum(f.errors for f in floors),
        server_cpu_ms=statistics.mean(f.server_cpu_ms for f in floors),
        client_cpu_ms=statistics.mean(f.client_cpu_ms for f in floors),
    )
    share_of["trivial"] = 1.0
    print(
        f"\n== {database}: gunicorn 2 workers x {gunicorn_threads(env)} thread(s), "
        f"{clients} concurrent clients, {seconds:g} s per measurement"
    )
    rates = ", ".join(f"{f.rps:.0f}" for f in floors)
    print(f"  floor: trivial view {rates} req/s (before, between and after the pages)")
    for key in TARGET_SHARES:
        if key in rounds:
            shares = ", ".join(f"{100 * share:.1f} %" for share, _result in rounds[key])
            print(f"  {targets[key].name} in {len(rounds[key])} rounds: {shares} of the floor")
    if cold is not None:
        cold_ms, warm_ms, cold_queries, warm_queries, cold_cpu, warm_cpu = cold
        print(
            f"  results page in-process, median of {COLD_REQUESTS}: cold (cache miss) "
            f"{cold_ms:.1f} ms (CPU {cold_cpu:.1f} ms), {cold_queries} queries; warm (cache "
            f"hit) {warm_ms:.1f} ms (CPU {warm_cpu:.1f} ms), {warm_queries} queries"
        )
    print(
        f"  {'page':<22}{'req/s':>8}{'share':>8}{'p50 ms':>8}{'p95 ms':>8}{'errors':>7}"
        f"{'CPU ms server/client':>22}  SQL queries (small / large data)"
    )
    for key, target in targets.items():
        result = chosen[key]
        small, large = queries[key][SMALL], queries[key][LARGE]
        print(
            f"  {target.name:<22}{result.rps:>8.0f}{100 * share_of[key]:>7.0f}%"
            f"{1000 * result.p50:>8.1f}{1000 * result.p95:>8.1f}{result.errors:>7}"
            f"{result.server_cpu_ms:>13.2f} / {result.client_cpu_ms:<6.2f}  {small} / {large}"
        )
    print("  targets:")
    passed = True
    for key, shares in TARGET_SHARES.items():
        if key not in rounds:
            continue
        share, goal = share_of[key], shares[database]
        ok = share >= goal
        print(
            f"  {'PASS' if ok else 'FAIL'} {targets[key].name} at {100 * share:.1f} % of the "
            f"trivial view, median of {len(rounds[key])} rounds "
            f"(target at least {100 * goal:.0f} %)"
        )
        passed = passed and ok
    for key, target in targets.items():
        small, large = queries[key][SMALL], queries[key][LARGE]
        counts = SIZES[target.data]
        ok = large <= small
        if key != "trivial":
            print(
                f"  {'PASS' if ok else 'FAIL'} {target.name}: {small} queries with "
                f"{counts[SMALL]} {UNITS[target.data]}, {large} with {counts[LARGE]}"
            )
        passed = passed and ok
    errors = sum(result.errors for _key, result in measured) + chosen["trivial"].errors
    if errors:
        print(f"  FAIL {errors} requests answered with an error")
    return passed and not errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=[*DATABASES, "both"], default="both")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients per page")
    parser.add_argument("--seconds", type=float, default=10, help="measured time per page")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="gunicorn threads per worker (default: gunicorn.conf.py, GUNICORN_THREADS)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds for the pages with a target (questionnaire, results); the median counts",
    )
    parser.add_argument(
        "--pages",
        default="",
        help="measure only these pages, comma-separated (page, save, results, company, "
        "portfolio); the trivial view and the questionnaire page are always measured",
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    pages = [name for name in args.pages.split(",") if name]
    unknown = set(pages) - {"page", "save", "results", "company", "portfolio"}
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    if args.database == "both":
        # Django is set up once per process, so each database gets a process of its own.
        options = ["--clients", str(args.clients), "--seconds", str(args.seconds)]
        options += ["--rounds", str(args.rounds)]
        if args.threads is not None:
            options += ["--threads", str(args.threads)]
        if pages:
            options += ["--pages", ",".join(pages)]
        codes = [
            subprocess.run([sys.executable, __file__, "--database", db, *options]).returncode
            for db in DATABASES
        ]
        sys.exit(max(codes))
    sys.exit(
        0 if run(args.database, args.clients, args.seconds, args.threads, pages, args.rounds) else 1
    )


if __name__ == "__main__":
    main()
