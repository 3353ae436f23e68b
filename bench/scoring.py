"""Scoring speed: assessments scored per second for the default questionnaire.

The floor is a trivial loop over the same answers (touching every chosen option once), timed
in the same run, so the numbers can be compared across machines.

    .venv/bin/python bench/scoring.py [--count 2000] [--file assessment/content/reifegrad-kmu.yaml]
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(database: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "1"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def random_answers(spec, rng: random.Random) -> dict:
    from assessment.engine.scoring import AnswerInput

    answers = {}
    for question in spec.questions:
        roll = rng.random()
        if roll < 0.05 and question.allow_na:
            answers[question.key] = AnswerInput(not_applicable=True)
        elif roll < 0.95:
            keys = [option.key for option in question.options]
            if question.kind == "multiple":
                chosen = tuple(rng.sample(keys, rng.randint(1, len(keys))))
            else:
                chosen = (rng.choice(keys),)
            answers[question.key] = AnswerInput(options=chosen)
    return answers


def best_of(repeats: int, function) -> list[float]:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="answer sets per round")
    parser.add_argument("--repeats", type=int, default=5, help="rounds; the median is reported")
    parser.add_argument("--file", type=Path, default=ROOT / "assessment/content/reifegrad-kmu.yaml")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        setup_django(Path(folder) / "bench.sqlite3")
        from assessment.engine.roadmap import Budget, plan
        from assessment.engine.scoring import score
        from assessment.questionnaire_file import load_questionnaire_file

        questionnaire = load_questionnaire_file(path=args.file).questionnaire
        spec = questionnaire.scoring_spec()
        catalogue = questionnaire.catalogue_spec()

    rng = random.Random(20261126)
    answer_sets = [random_answers(spec, rng) for _ in range(args.count)]
    budget = Budget(monthly_eur=150, monthly_hours=10)

    def floor() -> None:
        total = 0
        for answers in answer_sets:
            for answer in answers.values():
                total += len(answer.options)

    def scoring() -> None:
        for answers in answer_sets:
            score(spec, answers)

    results = [score(spec, answers) for answers in answer_sets]
    today = datetime.date(2026, 12, 1)
    facts = {
        "industry": "crafts",
        "size": "2-9",
        "turnover": "unknown",
        "kleinunternehmer": "no",
        "customers": ("consumers",),
        "staff_personal_data": "lt_20",
    }

    def roadmaps() -> None:
        for answers, result in zip(answer_sets, results, strict=True):
            plan(result, catalogue, budget, answers=answers, facts=facts, today=today)

    floor_time = statistics.median(best_of(args.repeats, floor))
    scoring_time = statistics.median(best_of(args.repeats, scoring))
    roadmap_time = statistics.median(best_of(args.repeats, roadmaps))
    count = args.count
    print(
        f"questionnaire: {questionnaire} ({len(spec.questions)} questions, "
        f"{len(catalogue)} roadmap steps); {count} random answer sets, median of {args.repeats}"
    )
    print(f"floor (trivial loop over the answers): {count / floor_time:12,.0f} sets/s")
    print(
        f"scoring:                               {count / scoring_time:12,.0f} assessments/s "
        f"({scoring_time / floor_time:,.0f}x the floor, {1e6 * scoring_time / count:,.0f} µs each)"
    )
    print(
        f"roadmap (plan from a result):          {count / roadmap_time:12,.0f} roadmaps/s "
        f"({1e6 * roadmap_time / count:,.0f} µs each)"
    )


if __name__ == "__main__":
    main()
