"""The assessment as plain data for the JSON download (docs/export-format.md), and its
answers as a table for the CSV/XLSX download."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from assessment.consultants import Column, Table
from assessment.engine.roadmap import PlannedStep
from assessment.models import Answer, StoredAnswer
from assessment.reports.data import Report

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
                # A grid's row is a question of its own; `grid` names the grid it belongs to.
                "grid": question.grid.key if question.grid is not None else None,
                "text": question.display_text,
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


def answers_table(report: Report) -> Table:
    """Every answer of the assessment, one row per question in the questionnaire's order.

    A grid's rows are questions of their own: "Frage" holds the grid's text and "Zeile" the
    row's label, so a spreadsheet can filter a grid or sort by row; other questions leave
    "Zeile" empty. "Punkte" is the share of the question's top in percent.
    """
    statuses = {q.key: q for q in report.result.questions}
    rows: list[tuple[object, ...]] = []
    for dimension in report.content.dimensions:
        for question in dimension.question_list:
            answer = report.answers.get(question.key)
            status = statuses[question.key]
            grid = question.grid
            rows.append(
                (
                    dimension.title,
                    grid.text if grid is not None else question.text,
                    question.text if grid is not None else "",
                    _("nicht gefragt (folgt aus einer anderen Antwort)")
                    if status.status == "hidden"
                    else question.answer_labels(answer),
                    None if status.score is None else round(100 * status.score, 1),
                    public_note(answer),
                )
            )
    return Table(
        columns=(
            Column(_("Bereich")),
            Column(_("Frage")),
            Column(pgettext("row of a grid question", "Zeile")),
            Column(pgettext("export column", "Antwort")),
            Column(_("Punkte in %"), "decimal"),
            Column(pgettext("export column", "Notiz")),
        ),
        rows=rows,
    )
