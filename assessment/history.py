"""A company's path over time: history rows, trend data, due dates. Reads stored results only."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import pgettext

from assessment.engine.roadmap import add_months
from assessment.models import (
    DEFAULT_QUESTIONNAIRE_KEY,
    Action,
    Assessment,
    Company,
    QuestionnaireContent,
)


def reassessment_due(company: Company, last_completed: Assessment | None) -> datetime.date | None:
    if last_completed is None or last_completed.completed_at is None:
        return None
    done_on = timezone.localtime(last_completed.completed_at).date()
    return add_months(done_on, company.reassessment_interval_months)


@dataclass(frozen=True)
class HistoryRow:
    assessment: Assessment
    overall: float | None
    level: str | None
    level_name: str | None


def main_instrument(completed: list[Assessment]) -> str | None:
    """The questionnaire key whose checks make a company's trend, index and roadmap: the full
    check if the company has completed one, else the instrument of its latest check. Checks
    of other instruments are listed on their own and never mixed into these numbers."""
    keys = [assessment.questionnaire.key for assessment in completed]
    if DEFAULT_QUESTIONNAIRE_KEY in keys:
        return DEFAULT_QUESTIONNAIRE_KEY
    return keys[-1] if keys else None


def of_instrument(assessments: list[Assessment], key: str | None) -> list[Assessment]:
    return [assessment for assessment in assessments if assessment.questionnaire.key == key]


def history_rows(assessments: list[Assessment]) -> list[HistoryRow]:
    rows = []
    for assessment in assessments:
        result = assessment.result or {}
        content = assessment.questionnaire.content()
        band = content.band(result.get("level"))
        rows.append(
            HistoryRow(
                assessment=assessment,
                overall=result.get("overall"),
                level=result.get("level"),
                level_name=band.name if band else None,
            )
        )
    return rows


def trend_data(
    completed: list[Assessment], content: QuestionnaireContent
) -> tuple[list[tuple[str, float | None]], dict[str, list[float | None]]]:
    """Overall points and one series per dimension (by stable key) across all versions."""
    # Short labels under the chart's points: "01.12.26" in German, "1 Dec 26" in English.
    label_format = pgettext("date format of chart labels", "d.m.y")
    points = [
        (
            date_format(timezone.localtime(a.completed_at), label_format),
            (a.result or {}).get("overall"),
        )
        for a in completed
    ]
    series: dict[str, list[float | None]] = {}
    for dimension in content.dimensions:
        values = []
        for assessment in completed:
            result = assessment.result or {}
            scores = {d["key"]: d["score"] for d in result.get("dimensions", [])}
            values.append(scores.get(dimension.key))
        series[dimension.title] = values
    return points, series


def overdue_actions(actions: list[Action], today: datetime.date) -> list[Action]:
    return [
        action
        for action in actions
        if action.due_date is not None
        and action.due_date < today
        and action.status in (Action.Status.PLANNED, Action.Status.DOING)
    ]
