"""The sample report: a made-up florist's check, answered by built-in rules and scored,
planned and rendered by the app like any other, so a visitor sees what they will get.

Nothing is kept in the database: the sample company, its earlier check and its answers are
created inside a transaction that is rolled back once the PDF bytes exist. The bytes are
kept in Django's cache per layout version, questionnaire and language (rendered once).
"""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from assessment.answers import AnswerChange
from assessment.models import Action, Assessment, Company, Questionnaire
from assessment.reports.data import build_report
from assessment.workflows import (
    finish_assessment,
    primary_respondent,
    save_answers,
    start_self_assessment,
)

# How far the sample company has come per area (0 = weakest option, 1 = strongest): a shop
# with a decent website, paper-heavy bookkeeping and hardly any security routine.
SAMPLE_LEVELS = {
    "website": 0.67,
    "accounting": 0.34,
    "inventory": 0.5,
    "communication": 0.5,
    "strategy": 0.34,
    "security": 0.2,
}
DEFAULT_LEVEL = 0.4
# Twelve months earlier the company was a little further behind everywhere.
EARLIER_SHIFT = -0.2
SAMPLE_NOTES = {
    "web_editing": "Die Tochter pflegt die Seite, meist sonntags.",
}
CACHE_SECONDS = 30 * 24 * 60 * 60


class NoQuestionnaire(Exception):
    """No questionnaire is loaded yet, so there is nothing to show a sample of."""


def sample_changes(questionnaire: Questionnaire, shift: float = 0.0) -> list[AnswerChange]:
    """One answer per question: gate questions open their follow-ups; scored questions take
    the option at the area's level."""
    content = questionnaire.content()
    changes = []
    for question in content.questions.values():
        options = question.option_list
        if not question.scored:
            chosen = (options[-1].key,)
        else:
            level = SAMPLE_LEVELS.get(question.dimension.key, DEFAULT_LEVEL) + shift
            level = min(1.0, max(0.0, level))
            ranked = sorted(options, key=lambda option: option.points)
            chosen = (ranked[round(level * (len(ranked) - 1))].key,)
        changes.append(AnswerChange(question, chosen, False, SAMPLE_NOTES.get(question.key, "")))
    return changes


def answered_check(company: Company, questionnaire: Questionnaire, shift: float) -> Assessment:
    assessment, _token = start_self_assessment(company=company, questionnaire=questionnaire)
    save_answers(
        assessment=assessment,
        respondent=primary_respondent(assessment),
        changes=sample_changes(questionnaire, shift),
    )
    finish_assessment(assessment=assessment)
    return assessment


def render_sample(*, language: str) -> bytes:
    """The sample report's PDF bytes in `language`, computed and rendered now."""
    from assessment.reports import pdf

    questionnaire = Questionnaire.objects.current()
    if questionnaire is None:
        raise NoQuestionnaire
    with transaction.atomic():
        company = Company.objects.create(
            name="Blumen Beispiel GmbH",
            industry="retail",
            size_band="2-9",
            region="Köln",
            monthly_budget_eur=200,
            monthly_hours=12,
        )
        earlier = answered_check(company, questionnaire, EARLIER_SHIFT)
        year_ago = timezone.now() - datetime.timedelta(days=365)
        Assessment.objects.filter(pk=earlier.pk).update(started_at=year_ago, completed_at=year_ago)
        Action.objects.create(
            company=company,
            recommendation_key="r_web_google_profile",
            title="Google-Unternehmensprofil pflegen",
            status=Action.Status.DONE,
            done_at=timezone.now() - datetime.timedelta(days=90),
        )
        current = answered_check(company, questionnaire, 0.0)
        with translation.override(language):
            content, _timing = pdf.render(build_report(assessment=current))
        transaction.set_rollback(True)
    return content


def sample_pdf(*, language: str) -> bytes:
    """The sample report, rendered once per layout, questionnaire and language."""
    from assessment.reports import pdf

    questionnaire = Questionnaire.objects.current()
    if questionnaire is None:
        raise NoQuestionnaire
    key = f"sample-report:{pdf.LAYOUT_VERSION}:{questionnaire.content_hash}:{language}"
    stored = cache.get(key)
    if isinstance(stored, bytes):
        return stored
    content = render_sample(language=language)
    cache.set(key, content, CACHE_SECONDS)
    return content
