"""What the results page and the PDF show of a report, in the active language: the template
context, with each roadmap step's badges and reasons worded once."""

from __future__ import annotations

import datetime
from functools import lru_cache
from typing import Any

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessment.engine.roadmap import PlannedStep
from assessment.reports.data import Report


def report_context(report: Report, *, steps: bool = True) -> dict:
    """Everything a report shows; without `steps` the roadmap is only summed up per phase
    (the results page: its full step list is a page of its own, `roadmap_context`)."""
    content, result = report.content, report.result
    dimension_rows: list[dict[str, Any]] = []
    all_levers = result.levers()  # sorted once, not once per dimension
    for dimension in content.dimensions:
        dimension_result = result.dimension(dimension.key)
        assert dimension_result is not None  # the result has every dimension of its content
        levers = [q for q in all_levers if q.dimension == dimension.key and q.dimension_lever >= 1]
        dimension_rows.append(
            {
                "dimension": dimension,
                "result": dimension_result,
                "band": content.band(dimension_result.level),
                "holding_back": [
                    {
                        "question": content.questions[q.key],
                        "lever": q.dimension_lever,
                        "overall_lever": q.overall_lever,
                        "answer": content.questions[q.key].answer_labels(report.answers.get(q.key)),
                    }
                    for q in levers[:3]
                ],
            }
        )
    scored = [row for row in dimension_rows if row["result"].score is not None]
    ranked = sorted(scored, key=lambda row: (-row["result"].score, row["dimension"].order))
    return {
        "assessment": report.assessment,
        "company": report.assessment.company,
        "report": report,
        "result": result,
        "band": content.band(result.level),
        "bands": content.bands,
        "dimension_rows": dimension_rows,
        "strongest": ranked[0] if ranked else None,
        "weakest": ranked[-1] if len(ranked) > 1 else None,
        "levers": [
            {
                "question": content.questions[q.key],
                "dimension": content.dimension(q.dimension),
                "lever": q.overall_lever,
                "answer": content.questions[q.key].answer_labels(report.answers.get(q.key)),
            }
            for q in result.levers(limit=5)
        ],
        "today": report.roadmap.today,
        "reassess_on": report.roadmap.reassess_on,
        "percent": round(100 * result.completeness),
        **(roadmap_context(report) if steps else roadmap_summary(report)),
    }


def roadmap_context(report: Report) -> dict:
    """Every step of the roadmap, phase by phase, with its badges and reasons worded."""
    phases: list[dict[str, Any]] = [
        {"plan": phase, "steps": [step_item(report, step) for step in phase.steps]}
        for phase in report.roadmap.phases
    ]
    return {
        "phases": phases,
        "first_step": next((s for phase in phases for s in phase["steps"]), None),
        "unscheduled": [step_item(report, step) for step in report.roadmap.unscheduled],
    }


def roadmap_summary(report: Report) -> dict:
    """The roadmap in a few lines: each phase's dates, hours and money, and how many steps."""
    return {
        "phases": [
            {"plan": phase, "step_count": len(phase.steps)} for phase in report.roadmap.phases
        ],
        "unscheduled_count": len(report.roadmap.unscheduled),
    }


def short_date(day: datetime.date) -> str:
    return date_in(day, "SHORT_DATE_FORMAT", get_language())


@lru_cache(maxsize=4096)
def date_in(day: datetime.date, format_name: str, language: str | None) -> str:
    """A day in one of Django's date formats, in `language` (the active language): remembered
    by value, because Django's date formatting takes longer than most of what a page does with
    the day (some forty microseconds; the roadmap page shows a hundred legal dates)."""
    return formats.date_format(day, format_name)


def legal_badge(step: PlannedStep) -> str:
    """The duty badge, only where the duty applies to this company."""
    if step.legal_status != "applies" or step.legal_date is None:
        return ""
    date = short_date(step.legal_date)
    if step.legal_kind == "ongoing":
        return _("Pflicht, gilt seit %(date)s") % {"date": date}
    if step.overdue:
        return _("Pflicht seit %(date)s") % {"date": date}
    if step.legal_dates:
        return _("Pflicht ab %(date)s (je nach Angaben: %(dates)s)") % {
            "date": date,
            "dates": " / ".join(short_date(d) for d in step.legal_dates),
        }
    return _("Pflicht ab %(date)s") % {"date": date}


def legal_check_hint(step: PlannedStep) -> str:
    """For a duty that may apply: what to check (the note says when it applies)."""
    if step.legal_status != "possibly":
        return ""
    if step.legal_kind == "ongoing" and step.legal_date is not None:
        return _("Prüfen, ob diese Pflicht für Sie gilt (gilt seit %(date)s).") % {
            "date": short_date(step.legal_date)
        }
    if step.legal_dates:
        return _("Prüfen, ob und ab wann diese Pflicht für Sie gilt (ab %(dates)s).") % {
            "dates": " / ".join(short_date(d) for d in step.legal_dates)
        }
    if step.legal_date is not None:
        return _("Prüfen, ob diese Pflicht für Sie gilt (ab %(date)s).") % {
            "date": short_date(step.legal_date)
        }
    return _("Prüfen, ob diese Pflicht für Sie gilt.")


def budget_badge(step: PlannedStep) -> str:
    if not step.over_budget:
        return ""
    if step.over_budget_reason == "urgent":
        return _("über Budget, aber dringend")
    if step.over_budget_reason == "deadline":
        return _("über Budget, wegen der Frist")
    return _("über Ihrem Budget")


def waiting_reason(report: Report, step: PlannedStep) -> str:
    """Why a step did not fit into the twelve months, in plain words."""
    if step.reason == "prerequisite" and step.blocked_by:
        needed = report.advice.recommendation(step.blocked_by)
        return _("wartet auf „%(title)s“, das in den zwölf Monaten keinen Platz mehr hat") % {
            "title": needed.title if needed else step.blocked_by
        }
    if step.reason == "hours":
        return _("braucht %(hours)s Stunden; so viel Zeit ist in keiner Phase mehr frei") % {
            "hours": formats.number_format(step.effort_hours, decimal_pos=None)
        }
    if step.reason == "money":
        return _("kostet mehr, als in einer Phase noch an Budget frei ist")
    if step.reason == "hours_and_money":
        return _("braucht mehr Zeit und Geld, als in einer Phase noch frei sind")
    return ""


def step_item(report: Report, step: PlannedStep) -> dict:
    advice = report.advice
    return {
        "step": step,
        "recommendation": advice.recommendation(step.key),
        "alternatives": [
            advice.recommendation(key) for key in step.alternatives if advice.recommendation(key)
        ],
        "legal_badge": legal_badge(step),
        "legal_hint": legal_check_hint(step),
        "budget_badge": budget_badge(step),
        "waiting": waiting_reason(report, step),
    }
