"""PDF speed: median render time and peak memory of a typical report.

The typical report: the default questionnaire (six dimensions), every question answered,
a roadmap of about fifty steps, three earlier assessments and two completed actions. The
time is split into the app's own work (gathering data, template and charts) and
WeasyPrint's layout and writing. The floor is WeasyPrint rendering a minimal one-page
document with the same fetcher and font, measured in the same run, alternating with the
report. Wall and CPU time are both printed: on a machine busy with other work, the CPU time
of this process and the ratio to the floor are what can be compared.

    .venv/bin/python bench/pdf.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MINIMAL = """<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Minimal</title>
<link rel="stylesheet" href="static/css/report.css"></head>
<body><h2>Reifegrad</h2><p>Eine Seite mit Umlauten: äöüß €.</p></body></html>"""


def setup_django(database: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "1"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def typical_assessment():
    from django.utils import timezone

    from assessment.models import Action, Assessment, Company
    from assessment.questionnaire_file import load_questionnaire_file
    from tests.factories import completed_assessment

    questionnaire = load_questionnaire_file(
        path=ROOT / "assessment/content/reifegrad-kmu.yaml"
    ).questionnaire
    company = Company.objects.create(
        name="Blumen Müller & Töchter",
        industry="retail",
        size_band="2-9",
        region="Köln",
        monthly_budget_eur=150,
        monthly_hours=10,
    )
    now = timezone.now()
    for months_ago, level in ((18, 0.1), (12, 0.2), (6, 0.3)):
        earlier = completed_assessment(questionnaire, company=company, level=level)
        when = now - datetime.timedelta(days=30 * months_ago)
        Assessment.objects.filter(pk=earlier.pk).update(started_at=when, completed_at=when)
    for key, title in (("r_web_google_profile", "Google-Profil"), ("r_sec_2fa", "2FA")):
        Action.objects.create(
            company=company,
            recommendation_key=key,
            title=title,
            status=Action.Status.DONE,
            done_at=now - datetime.timedelta(days=60),
        )
    return completed_assessment(questionnaire, company=company, level=0.45)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        setup_django(Path(folder) / "bench.sqlite3")
        from django.utils import translation

        from assessment.reports.data import build_report
        from assessment.reports.pdf import render_pdf_bytes, report_html

        translation.activate("de")
        assessment = typical_assessment()

        def one_run() -> tuple[float, float, float, float, bytes, float]:
            cpu_started = time.process_time()
            started = time.perf_counter()
            report = build_report(assessment=assessment)
            gathered = time.perf_counter()
            html = report_html(report)
            templated = time.perf_counter()
            content, layout, write = render_pdf_bytes(html)
            cpu = time.process_time() - cpu_started
            return gathered - started, templated - gathered, layout, write, content, cpu

        def floor_run() -> tuple[float, float]:
            cpu_started = time.process_time()
            _content, layout, write = render_pdf_bytes(MINIMAL)
            return layout + write, time.process_time() - cpu_started

        one_run()  # warm caches: questionnaire content, fonts, templates
        floor_run()
        # Report and floor alternate, so that a machine busy with other work slows both alike.
        runs, floor_runs = [], []
        for _ in range(args.repeats):
            runs.append(one_run())
            floor_runs.append(floor_run())

        tracemalloc.start()
        one_run()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        report = build_report(assessment=assessment)
        content = runs[-1][4]

    def median(index: int) -> float:
        return statistics.median(run[index] for run in runs)

    gather, template, layout, write = median(0), median(1), median(2), median(3)
    total = statistics.median(sum(run[:4]) for run in runs)
    total_cpu = median(5)
    floor = statistics.median(wall for wall, _cpu in floor_runs)
    floor_cpu = statistics.median(cpu for _wall, cpu in floor_runs)
    app_share = (gather + template) / total
    import io

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(content)).pages)
    print(
        f"typical report: {len(report.content.questions)} questions, "
        f"{len(report.roadmap.steps)} roadmap steps, 3 earlier assessments, "
        f"{pages} pages, {len(content) / 1024:.0f} KiB; median of {args.repeats}"
    )
    print(f"  gather data (app)        {1000 * gather:8.1f} ms")
    print(f"  template + charts (app)  {1000 * template:8.1f} ms")
    print(f"  WeasyPrint layout        {1000 * layout:8.1f} ms")
    print(f"  WeasyPrint write         {1000 * write:8.1f} ms")
    print(
        f"  total                    {1000 * total:8.1f} ms   (app share {100 * app_share:.1f} %)"
    )
    print(f"  total CPU time           {1000 * total_cpu:8.1f} ms")
    print(f"floor: WeasyPrint, minimal one-page document: {1000 * floor:.1f} ms")
    print(f"floor CPU time: {1000 * floor_cpu:.1f} ms")
    print(f"typical report / floor: {total / floor:.1f}x wall, {total_cpu / floor_cpu:.1f}x CPU")
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print(f"peak Python memory during one render (tracemalloc): {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
