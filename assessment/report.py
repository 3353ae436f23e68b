"""What the results page and the PDF say about one assessment, in the active language."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from assessment import charts, roadmap, scoring
from assessment.models import (
    Action,
    Answer,
    Assessment,
    ConsultantProfile,
    QuestionnaireContent,
    Respondent,
    StoredAnswer,
)
from assessment.roadmap import PlannedStep
from assessment.workflows import Report, advice_content, build_report


def radar_svg(report: Report, *, pixel_width: int | None = None) -> str:
    content = report.content
    return charts.radar_chart(
        axes=[
            (dimension.title, report.result.dimension_score(dimension.key))
            for dimension in content.dimensions
        ],
        chart_id="radar",
        title=_("Reifegrad je Bereich"),
        no_value_text=_("trifft nicht zu"),
        pixel_width=pixel_width,
    )


def report_context(report: Report) -> dict:
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
    phases: list[dict[str, Any]] = [
        {"plan": phase, "steps": [step_item(report, step) for step in phase.steps]}
        for phase in report.roadmap.phases
    ]
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
        "phases": phases,
        "first_step": next((s for phase in phases for s in phase["steps"]), None),
        "unscheduled": [step_item(report, step) for step in report.roadmap.unscheduled],
        "today": report.roadmap.today,
        "reassess_on": report.roadmap.reassess_on,
        "percent": round(100 * result.completeness),
    }


def short_date(day) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


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


def history_context(report: Report) -> dict | None:
    """Progress since the previous completed assessment of the company, if there is one."""
    facts = history_facts(report)
    return None if facts is None else resolve_history(report, facts)


def history_facts(report: Report) -> dict | None:
    """`history_context` as plain data (question and dimension keys instead of the content's
    objects), so that it can be cached."""
    from assessment.models import Action, Assessment

    assessment = report.assessment
    until = assessment.completed_at or timezone.now()
    earlier = list(
        Assessment.objects.filter(
            company_id=assessment.company_id,
            status=Assessment.Status.COMPLETED,
            completed_at__lt=until,
        )
        .exclude(pk=assessment.pk)
        .select_related("questionnaire")
        .order_by("completed_at")
        .only("pk", "public_id", "completed_at", "result", "status", "questionnaire")
    )
    if not earlier:
        return None
    previous = earlier[-1]
    previous_result = previous.result or {}
    previous_scores = {d["key"]: d["score"] for d in previous_result.get("dimensions", [])}
    rows = []
    for dimension in report.content.dimensions:
        now_score = report.result.dimension_score(dimension.key)
        before = previous_scores.get(dimension.key)
        delta = printed_delta(now_score, before)
        rows.append(
            {"dimension": dimension.key, "before": before, "now": now_score, "delta": delta}
        )
    overall_before = previous_result.get("overall")
    overall_now = report.result.overall
    points = [
        (
            timezone.localtime(item.completed_at).strftime("%m/%Y"),
            (item.result or {}).get("overall"),
        )
        for item in earlier
    ]
    points.append((timezone.localtime(until).strftime("%m/%Y"), overall_now))
    actions = list(
        Action.objects.filter(
            company_id=assessment.company_id,
            status=Action.Status.DONE,
            done_at__gte=previous.completed_at,
            done_at__lte=until,
        ).order_by("done_at")
    )
    from assessment.comparison import compare
    from assessment.workflows import snapshot_of

    snapshots = (snapshot_of(previous), snapshot_of(assessment))
    comparison = compare(*snapshots)
    questions = report.content.questions
    changed = [
        {
            "question": item.key,
            "before": questions[item.key].answer_labels(item.before),
            "after": questions[item.key].answer_labels(item.after),
        }
        for item in comparison.changed
        if item.key in questions
    ]
    action_rows = []
    for action in actions:
        recommendation = step_recommendation(report, action.recommendation_key)
        trigger = recommendation.trigger_question if recommendation else None
        question_delta = comparison.question_delta(trigger.key, *snapshots) if trigger else None
        step_dimension = recommendation.dimension if recommendation else None
        action_rows.append(
            {
                "action": action,
                "question_delta": None if question_delta is None else 100 * question_delta,
                "dimension_delta": comparison.dimension_delta(step_dimension.key)
                if step_dimension
                else None,
            }
        )
    return {
        "previous": {"public_id": previous.public_id, "completed_at": previous.completed_at},
        "changed": changed,
        "action_rows": action_rows,
        "rows": rows,
        "overall_before": overall_before,
        "overall_delta": printed_delta(overall_now, overall_before),
        "points": points,
        "actions": actions,
    }


def step_recommendation(report: Report, key: str):
    """A step of the newest catalogue, or of the assessment's own version if it was dropped."""
    return report.advice.recommendation(key) or report.content.recommendation(key)


def resolve_history(report: Report, facts: dict) -> dict:
    """`history_facts` with the content's dimensions, questions and steps in place of keys."""
    content = report.content
    action_rows = []
    for row in facts["action_rows"]:
        recommendation = step_recommendation(report, row["action"].recommendation_key)
        action_rows.append(
            {
                **row,
                "question": recommendation.trigger_question if recommendation else None,
                "dimension": recommendation.dimension if recommendation else None,
            }
        )
    return {
        **facts,
        "rows": [
            {**row, "dimension": content.dimension(row["dimension"])} for row in facts["rows"]
        ],
        "changed": [
            {**item, "question": content.questions[item["question"]]} for item in facts["changed"]
        ],
        "action_rows": action_rows,
    }


def trend_svg(
    history: dict, *, pixel_width: int | None = None, font_family: str = "sans-serif"
) -> str:
    return charts.trend_chart(
        points=history["points"],
        chart_id="trend",
        title=_("Gesamtwert über die Zeit"),
        empty_text=_("Noch keine abgeschlossenen Checks"),
        pixel_width=pixel_width,
        font_family=font_family,
    )


def printed_delta(now: float | None, before: float | None) -> int | None:
    """A change as the difference of the two numbers printed beside it (whole points), so
    that 42 -> 51 reads +9, never +8 from the unrounded scores."""
    if now is None or before is None:
        return None
    return round(now) - round(before)


EXPORT_FORMAT_VERSION = 1


def export_data(report: Report) -> dict:
    """The assessment as plain data (docs/export-format.md)."""
    assessment, content, result = report.assessment, report.content, report.result
    company = assessment.company
    statuses = {q.key: q for q in result.questions}

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return {
        "format": "reifegrad-assessment",
        "format_version": EXPORT_FORMAT_VERSION,
        "assessment": {
            "id": str(assessment.public_id),
            "status": assessment.status,
            "mode": assessment.mode,
            "started_at": assessment.started_at.isoformat(),
            "completed_at": assessment.completed_at.isoformat()
            if assessment.completed_at
            else None,
            "questionnaire": {
                "key": assessment.questionnaire.key,
                "version": assessment.questionnaire.version,
            },
        },
        "company": {
            "name": company.name,
            "industry": company.industry,
            "size_band": company.size_band,
            "region": company.region,
            "monthly_budget_eur": company.monthly_budget_eur,
            "monthly_hours": company.monthly_hours,
            "profile": {
                key: list(value) if isinstance(value, tuple) else value
                for key, value in company.profile_facts().items()
            },
        },
        "result": {
            "overall": rounded(result.overall),
            "level": result.level,
            "complete": result.complete,
            "answered": result.answered,
            "applicable": result.applicable,
            "dimensions": [
                {
                    "key": d.key,
                    "score": rounded(d.score),
                    "level": d.level,
                    "answered": d.answered,
                    "applicable": d.applicable,
                }
                for d in result.dimensions
            ],
        },
        "answers": [
            {
                "question": question.key,
                "dimension": question.dimension.key,
                "status": statuses[question.key].status,
                "options": list(report.answers[question.key].options)
                if question.key in report.answers
                else [],
                "not_applicable": bool(
                    question.key in report.answers and report.answers[question.key].not_applicable
                ),
                "score": rounded(statuses[question.key].score),
                "note": public_note(report.answers.get(question.key)),
            }
            for dimension in content.dimensions
            for question in dimension.question_list
        ],
        "roadmap": {
            "phases": [
                {
                    "phase": phase.key,
                    "months": phase.months,
                    "starts": phase.starts.isoformat(),
                    "ends": phase.ends.isoformat(),
                    "hours_used": phase.hours_used,
                    "hours_available": phase.hours_available,
                    "money_used": phase.money_used,
                    "money_available": phase.money_available,
                    "steps": [export_step(report.advice, step) for step in phase.steps],
                }
                for phase in report.roadmap.phases
            ],
            "unscheduled": [
                export_step(report.advice, step) for step in report.roadmap.unscheduled
            ],
            "planned_on": report.roadmap.today.isoformat(),
            "reassess_on": report.roadmap.reassess_on.isoformat(),
            "catalogue_version": report.advice.questionnaire.version,
        },
    }


def public_note(answer: Answer | StoredAnswer | None) -> str:
    """A note as the client may read it: a consultant's private note stays out."""
    return answer.note if answer is not None and not answer.note_private else ""


def export_step(content, step: PlannedStep) -> dict:
    recommendation = content.recommendation(step.key)
    legal = None
    if step.legal_kind:
        legal = {
            "kind": step.legal_kind,
            "applies": step.legal_status,
            "date": step.legal_date.isoformat() if step.legal_date else None,
            "dates": [day.isoformat() for day in step.legal_dates],
            "overdue": step.overdue,
            "source": recommendation.legal_source,
            "checked": recommendation.legal_checked.isoformat()
            if recommendation.legal_checked
            else None,
            "note": recommendation.legal_note,
        }
    return {
        "key": step.key,
        "dimension": step.dimension,
        "title": recommendation.title,
        "effort_hours": step.effort_hours,
        "cost_once": step.cost_once,
        "cost_monthly": step.cost_monthly,
        "legal_deadline": step.legal_deadline.isoformat() if step.legal_deadline else None,
        "legal": legal,
        "existential": step.existential,
        "urgent": step.urgent,
        "over_budget": step.over_budget,
        "over_budget_reason": step.over_budget_reason,
        "waiting_reason": step.reason,
        "blocked_by": step.blocked_by,
        "alternatives": list(step.alternatives),
        "kpi": {
            "metric": recommendation.kpi_metric,
            "unit": recommendation.kpi_unit,
            "direction": recommendation.kpi_direction,
        },
    }


def disagreements(report: Report) -> list[dict]:
    """Questions where the team's own answers lay two or more levels apart."""
    return resolve_disagreements(report, disagreement_facts(report))


def disagreement_facts(report: Report) -> list[dict]:
    """`disagreements` as plain data (question keys), so that it can be cached."""
    from assessment.team import team_view

    view = team_view(report.assessment)
    rows = []
    for item in view.disagreements:
        question = report.content.questions[item.key]
        rows.append(
            {
                "question": item.key,
                "answers": [
                    (
                        respondent.name,
                        question.answer_labels(view.answers[respondent.pk].get(item.key), "–"),
                    )
                    for respondent in view.respondents
                ],
                "final": question.answer_labels(report.answers.get(item.key)),
                "spread": item.spread,
            }
        )
    return rows


def resolve_disagreements(report: Report, facts: list[dict]) -> list[dict]:
    return [{**row, "question": report.content.questions[row["question"]]} for row in facts]


def revision_of(
    assessment: Assessment,
    language: str,
    *,
    advice: QuestionnaireContent | None = None,
    branding: bool = False,
    layout: str = "",
) -> str:
    """Changes whenever anything a report of the assessment shows may change: its answers
    and the team's, the company's actions, budget and profile facts, its other completed
    checks, the newest recommendation catalogue, the language and the day (the roadmap is
    planned from today); with `branding`, the consultant shown on the PDF's cover.

    One query (two with `branding`), whatever the amount of data: counts and latest change
    times rather than the rows themselves. `advice` is the newest catalogue if the caller has
    loaded it already (one query fewer); `layout` is a version of what is rendered from it.
    """
    with connection.cursor() as cursor:
        cursor.execute(REVISION_SQL, revision_parameters(assessment))
        parts = cursor.fetchone()
    company = assessment.company
    if advice is None:
        advice = advice_content(assessment.questionnaire)
    consultants = (
        list(
            ConsultantProfile.objects.filter(
                user__memberships__company_id=assessment.company_id, approved=True
            )
            .order_by("pk")
            .values_list("pk", "name", "firm", "contact_email", "phone", "website", "logo_png")
        )
        if branding
        else []
    )
    revision = [
        layout,
        language,
        assessment.status,
        assessment.completed_at,
        assessment.questionnaire.content_hash,
        advice.questionnaire.content_hash,
        parts,
        company.name,
        company.industry,
        company.size_band,
        company.region,
        company.monthly_budget_eur,
        company.monthly_hours,
        company.reassessment_interval_months,
        sorted(company.profile_facts().items()),
        [hashlib.sha256(repr(c).encode()).hexdigest() for c in consultants],
        # The roadmap counts its phases from the day it is planned: a dated duty must never
        # show as ahead after its date has passed.
        timezone.localdate(),
    ]
    return hashlib.sha256(repr(revision).encode("utf-8")).hexdigest()


# Counts and latest changes of everything a report reads, as four one-row aggregates.
# Written as SQL because the same query built with the ORM (eleven subqueries) took about 20 ms
# to build and compile on every results page, more than planning the roadmap. Plain aggregates
# that SQLite and PostgreSQL run alike; the table names come from the models, every value is
# a query parameter.
REVISION_TEMPLATE = """
SELECT a.answer_count, a.answers_changed, r.respondent_count, r.respondent_last,
       c.action_count, c.actions_changed, c.action_last,
       d.completed_count, d.completed_first, d.completed_latest, d.completed_last
FROM (SELECT COUNT(*) AS answer_count, MAX(updated_at) AS answers_changed
      FROM {answers} WHERE assessment_id = %s) a,
     (SELECT COUNT(*) AS respondent_count, MAX(id) AS respondent_last
      FROM {respondents} WHERE assessment_id = %s) r,
     (SELECT COUNT(*) AS action_count, MAX(updated_at) AS actions_changed, MAX(id) AS action_last
      FROM {actions} WHERE company_id = %s) c,
     (SELECT COUNT(*) AS completed_count, MIN(completed_at) AS completed_first,
             MAX(completed_at) AS completed_latest, MAX(id) AS completed_last
      FROM {assessments} WHERE company_id = %s AND status = %s) d
"""
REVISION_SQL = REVISION_TEMPLATE.format(
    answers=Answer._meta.db_table,
    respondents=Respondent._meta.db_table,
    actions=Action._meta.db_table,
    assessments=Assessment._meta.db_table,
)


def revision_parameters(assessment: Assessment) -> list:
    return [
        assessment.pk,
        assessment.pk,
        assessment.company_id,
        assessment.company_id,
        Assessment.Status.COMPLETED.value,
    ]


# Bump when what `ResultsFacts` holds or how it is computed changes.
RESULTS_FACTS_VERSION = "1"
# The revision holds the day, so an entry is never read on the next day: it may go then.
# An entry is about 30 KB (pickled), one per completed check viewed per day and language.
RESULTS_CACHE_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class ResultsFacts:
    """What the results page needs that takes time to compute, as plain data (no content
    objects, no HTML): kept in the shared cache per revision of a completed check."""

    answers: dict[str, StoredAnswer]
    result: scoring.Result
    roadmap: roadmap.Roadmap
    radar: str  # SVG, escaped by the chart module
    history: dict | None
    disagreements: list[dict]


@dataclass(frozen=True)
class ResultsData:
    """The report, the radar chart, the history and the team's disagreements of one
    assessment, ready for the results page."""

    report: Report
    radar: str
    history: dict | None
    disagreements: list[dict]
    from_cache: bool


def results_data(*, assessment: Assessment) -> ResultsData:
    """The results page's data: computed once per revision of a completed check and kept in
    Django's cache (shared by every worker), computed anew for a check still in progress."""
    advice = advice_content(assessment.questionnaire)
    if not assessment.is_completed:
        return resolve_results(assessment, advice, compute_results(assessment, advice), False)
    language = (translation.get_language() or "de")[:2]
    revision = revision_of(assessment, language, advice=advice)
    key = f"results:{RESULTS_FACTS_VERSION}:{assessment.pk}:{revision}"
    facts = cache.get(key)
    if isinstance(facts, ResultsFacts):
        return resolve_results(assessment, advice, facts, True)
    facts = compute_results(assessment, advice)
    cache.set(key, facts, RESULTS_CACHE_SECONDS)
    return resolve_results(assessment, advice, facts, False)


def compute_results(assessment: Assessment, advice: QuestionnaireContent) -> ResultsFacts:
    report = build_report(assessment=assessment, advice=advice)
    return ResultsFacts(
        answers=report.answers,
        result=report.result,
        roadmap=report.roadmap,
        radar=radar_svg(report),
        history=history_facts(report),
        disagreements=disagreement_facts(report),
    )


def resolve_results(
    assessment: Assessment, advice: QuestionnaireContent, facts: ResultsFacts, from_cache: bool
) -> ResultsData:
    report = Report(
        assessment=assessment,
        content=assessment.questionnaire.content(),
        answers=facts.answers,
        result=facts.result,
        roadmap=facts.roadmap,
        advice=advice,
    )
    return ResultsData(
        report=report,
        radar=facts.radar,
        history=None if facts.history is None else resolve_history(report, facts.history),
        disagreements=resolve_disagreements(report, facts.disagreements),
        from_cache=from_cache,
    )
