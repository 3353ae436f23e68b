"""Everything a report of one assessment needs, gathered once: score, roadmap, charts,
history since the last check, the team's disagreements; and the results page's data kept
per revision in Django's cache. The results page, the PDF and the JSON export render from it."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.template.defaultfilters import floatformat
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from assessment.benchmark import peer_group_key
from assessment.engine import charts, roadmap, scoring
from assessment.engine.comparison import Comparison, Snapshot, compare
from assessment.models import (
    Action,
    Assessment,
    ConsultantProfile,
    QuestionnaireContent,
    Recommendation,
    StoredAnswer,
    done_steps,
)
from assessment.reports.state import StoredState, read_state
from assessment.team import team_view
from assessment.workflows import answer_inputs, snapshot_of, stored_answers


@dataclass(frozen=True)
class Report:
    """Everything the results page and the PDF show about one assessment.

    `content` is the assessment's own questionnaire version (questions, scores: frozen);
    `advice` the newest loaded version of the same questionnaire key, whose recommendation
    catalogue plans the roadmap, so corrected advice reaches checks completed before it.
    """

    assessment: Assessment
    content: QuestionnaireContent
    answers: dict[str, StoredAnswer]
    result: scoring.Result
    roadmap: roadmap.Roadmap
    advice: QuestionnaireContent
    # Keys of the steps on the company's list (planned or doing): offered no second time.
    adopted: frozenset[str] = frozenset()

    @property
    def provisional(self) -> bool:
        return not self.assessment.is_completed


def plan_inputs(
    content: QuestionnaireContent, answers: dict[str, StoredAnswer]
) -> dict[str, scoring.AnswerInput]:
    """The answers to the questions shown: answers to questions hidden by a condition count
    as not given, so no step follows from them."""
    inputs = answer_inputs(answers)
    visible = scoring.visibility(content.spec, inputs)
    return {key: value for key, value in inputs.items() if visible.get(key, False)}


def build_report(*, assessment: Assessment, advice: QuestionnaireContent | None = None) -> Report:
    """Score the assessment and plan its roadmap; `advice` when the caller has it already."""
    content = assessment.questionnaire.content()
    if advice is None:
        advice = assessment.questionnaire.advice_content()
    answers = stored_answers(assessment)
    result = scoring.score(content.spec, answer_inputs(answers))
    actions = list(Action.objects.filter(company_id=assessment.company_id))
    company = assessment.company
    plan = roadmap.plan(
        result,
        advice.catalogue,
        company.budget(),
        done=done_steps(actions),
        answers=plan_inputs(content, answers),
        facts=company.profile_facts(),
        today=timezone.localdate(),
        reassess_months=company.reassessment_interval_months,
    )
    return Report(
        assessment=assessment,
        content=content,
        answers=answers,
        result=result,
        roadmap=plan,
        advice=advice,
        adopted=frozenset(
            action.recommendation_key
            for action in actions
            if action.status in (Action.Status.PLANNED, Action.Status.DOING)
        ),
    )


# The results page shows the radar half a column wide, on a phone about 350 px for a
# viewBox of about 560 units: 18-unit labels render at about 11 px there.
WEB_RADAR_LABEL_SIZE = 18


def radar_comparison(
    report: Report, history: dict | None
) -> tuple[list[float | None] | None, str | None, str | None]:
    """The previous check's score per dimension (in the content's order) and the legend's two
    labels, for the radar of the results page and of the PDF; all None without a previous
    check. `history` is `history_facts` or `history_context`: rows keyed by dimension key or
    holding the dimension itself."""
    if history is None:
        return None, None, None
    before = {}
    for row in history["rows"]:
        dimension = row["dimension"]
        before[dimension if isinstance(dimension, str) else dimension.key] = row["before"]
    previous_date = timezone.localtime(history["previous"]["completed_at"])
    return (
        [before.get(dimension.key) for dimension in report.content.dimensions],
        _("Dieser Check"),
        _("Check vom %(date)s") % {"date": formats.date_format(previous_date, "SHORT_DATE_FORMAT")},
    )


def radar_svg(
    report: Report, *, pixel_width: int | None = None, history: dict | None = None
) -> str:
    """The radar of the dimension scores; with `history` (`history_facts`) the previous
    check is drawn over it, dashed, with a legend."""
    content = report.content
    comparison, current_label, comparison_label = radar_comparison(report, history)
    return charts.radar_chart(
        axes=[
            (dimension.title, report.result.dimension_score(dimension.key))
            for dimension in content.dimensions
        ],
        chart_id="radar",
        title=_("Reifegrad je Bereich"),
        no_value_text=_("trifft nicht zu"),
        pixel_width=pixel_width,
        label_size=charts.FONT_SIZE if pixel_width else WEB_RADAR_LABEL_SIZE,
        comparison=comparison,
        current_label=current_label,
        comparison_label=comparison_label,
    )


def history_context(report: Report) -> dict | None:
    """Progress since the previous completed assessment of the company, if there is one."""
    facts = history_facts(report)
    return None if facts is None else resolve_history(report, facts)


def history_facts(report: Report) -> dict | None:
    """`history_context` as plain data (question and dimension keys instead of the content's
    objects), so that it can be cached."""
    assessment = report.assessment
    until = assessment.completed_at or timezone.now()
    earlier = list(
        Assessment.objects.filter(
            company_id=assessment.company_id,
            status=Assessment.Status.COMPLETED,
            completed_at__lt=until,
            # Only checks of the same instrument: a quick check is no "last time" of a full one.
            questionnaire__key=assessment.questionnaire.key,
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
    action_rows = actions_between(
        company_id=assessment.company_id,
        since=previous.completed_at,
        until=until,
        comparison=comparison,
        snapshots=snapshots,
        recommendation_of=lambda key: step_recommendation(report, key),
    )
    return {
        "previous": {"public_id": previous.public_id, "completed_at": previous.completed_at},
        "changed": changed,
        "action_rows": action_rows,
        "rows": rows,
        "overall_before": overall_before,
        "overall_delta": printed_delta(overall_now, overall_before),
        "points": points,
        "actions": [row["action"] for row in action_rows],
    }


def actions_between(
    *,
    company_id: int,
    since: datetime | None,
    until: datetime,
    comparison: Comparison,
    snapshots: tuple[Snapshot, Snapshot],
    recommendation_of: Callable[[str], Recommendation | None],
) -> list[dict]:
    """The company's steps marked done between two checks, in the order they were done, each
    with how its trigger question and its dimension moved between the two (plain data: keys,
    so the rows can be cached; the page and the PDF put the content's objects in)."""
    done = Action.objects.filter(
        company_id=company_id, status=Action.Status.DONE, done_at__lte=until
    )
    if since is not None:
        done = done.filter(done_at__gte=since)
    rows = []
    for action in done.order_by("done_at", "pk"):
        recommendation = recommendation_of(action.recommendation_key)
        trigger = recommendation.trigger_question if recommendation else None
        question_key = trigger.key if trigger else None
        dimension_key = recommendation.dimension.key if recommendation else None
        question_delta = (
            comparison.question_delta(question_key, *snapshots) if question_key else None
        )
        rows.append(
            {
                "action": action,
                # The step's title in the reader's language; the action keeps the words it
                # was adopted with (or a step since dropped from the catalogue).
                "title": str(recommendation.title) if recommendation else action.title,
                "question_key": question_key,
                "dimension_key": dimension_key,
                "question_delta": None if question_delta is None else 100 * question_delta,
                "dimension_delta": comparison.dimension_delta(dimension_key)
                if dimension_key
                else None,
            }
        )
    return rows


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
    points: list[tuple[str, float | None]],
    *,
    series: dict[str, list[float | None]] | None = None,
    pixel_width: int | None = None,
    font_family: str = "sans-serif",
) -> str:
    """The overall index over time (and, with `series`, one thinner line per dimension): the
    one trend chart of the company page and the PDF."""
    return charts.trend_chart(
        points=points,
        chart_id="trend",
        title=_("Gesamtwert über die Zeit"),
        empty_text=_("Noch keine abgeschlossenen Checks"),
        series=series,
        overall_label=_("Gesamt"),
        pixel_width=pixel_width,
        font_family=font_family,
    )


def printed_delta(now: float | None, before: float | None) -> int | None:
    """A change as the difference of the two numbers printed beside it (whole points), so
    that 42 -> 51 reads +9, never +8 from the unrounded scores."""
    if now is None or before is None:
        return None
    return round(now) - round(before)


def disagreements(report: Report) -> list[dict]:
    """Questions where the team's own answers lay two or more levels apart."""
    return resolve_disagreements(report, disagreement_facts(report))


def disagreement_facts(report: Report) -> list[dict]:
    """`disagreements` as plain data (question keys), so that it can be cached."""
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
                # "Agreed" only for an answer the consultant chose in the consolidation.
                "decided": bool(item.key in report.answers and report.answers[item.key].decided),
                "spread": item.spread,
            }
        )
    return rows


def resolve_disagreements(report: Report, facts: list[dict]) -> list[dict]:
    return [{**row, "question": report.content.questions[row["question"]]} for row in facts]


@dataclass(frozen=True)
class CheckState:
    """What one query tells about a check besides its own row: the revision of its report,
    the catalogue that plans its roadmap, and whether its company has people with an
    account (a check without them can be taken into an account)."""

    revision: str
    advice: QuestionnaireContent
    has_members: bool


def check_state(
    assessment: Assessment,
    language: str,
    *,
    branding: bool = False,
    layout: str = "",
    stored: StoredState | None = None,
) -> CheckState:
    """The check's revision, which changes whenever anything a report of the assessment
    shows may change: its answers and the team's, the company's actions, budget and profile
    facts, its other completed checks, the newest recommendation catalogue, the language and
    the day (the roadmap is planned from today); with `branding`, the consultant shown on the
    PDF's cover. `layout` is a version of what is rendered from it.

    `stored` is the check's state (`reports.state`) if the lookup of the check brought it
    along; otherwise it is read in one query (two with `branding`), whatever the amount of
    data. A newer questionnaire version than the check's own costs one query more (its row),
    once it is loaded.
    """
    if stored is None:
        stored = read_state(assessment.pk)
    company = assessment.company
    advice = assessment.questionnaire.advice_content_given(stored.newest_questionnaire)
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
        stored.parts,
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
    return CheckState(
        revision=hashlib.sha256(repr(revision).encode("utf-8")).hexdigest(),
        advice=advice,
        has_members=stored.member_count > 0,
    )


def revision_of(
    assessment: Assessment, language: str, *, branding: bool = False, layout: str = ""
) -> str:
    """The revision of the check's report (`check_state`)."""
    return check_state(assessment, language, branding=branding, layout=layout).revision


# Bump when what `ResultsFacts` holds or how it is computed changes.
RESULTS_FACTS_VERSION = "5"
# The revision holds the day, so an entry is never read on the next day: it may go then.
# An entry is about 30 KB (pickled), one per completed check viewed and language.
RESULTS_CACHE_SECONDS = 24 * 60 * 60
# Each worker process keeps this many of the facts it used last in memory besides.
RECENT_RESULTS = 32


class RecentResults:
    """The results facts this process used last, by check (public id), language and
    revision: a revision's facts never change, so a repeated visit neither reads the shared
    cache's entry (about 30 KB) nor unpickles it. Only `results_data` reads and fills it
    (results, roadmap and company pages); the shared cache stays the place every worker
    finds the facts."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple, ResultsFacts] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> ResultsFacts | None:
        with self.lock:
            facts = self.entries.get(key)
            if facts is not None:
                self.entries.move_to_end(key)
            return facts

    def put(self, key: tuple, facts: ResultsFacts) -> None:
        with self.lock:
            self.entries[key] = facts
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def forget(self, public_id: object) -> None:
        with self.lock:
            for key in [key for key in self.entries if key[0] == public_id]:
                del self.entries[key]

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


recent_results = RecentResults(RECENT_RESULTS)


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
    adopted: frozenset[str]


@dataclass(frozen=True)
class ResultsData:
    """The report, the radar chart, the history and the team's disagreements of one
    assessment, ready for the results page; with what the same reads told about the check's
    company: whether it has members (None: not read) and its peer group's indexes (None: not
    read, or not in the cache)."""

    report: Report
    radar: str
    history: dict | None
    disagreements: list[dict]
    from_cache: bool
    has_members: bool | None = None
    peer_indexes: dict[int, float] | None = None


def results_data(
    *, assessment: Assessment, with_peers: bool = False, stored: StoredState | None = None
) -> ResultsData:
    """The results page's data: computed once per revision of a completed check and kept in
    Django's cache (shared by every worker), computed anew for a check still in progress.

    A completed check costs one cache read when its data is in the cache, which with
    `with_peers` brings the peer group's indexes (`benchmark.peer_indexes`) along; and one
    query for its state unless the lookup of the check brought it (`stored`)."""
    if not assessment.is_completed:
        advice = assessment.questionnaire.advice_content()
        return resolve_results(assessment, advice, compute_results(assessment, advice), False)
    language = (translation.get_language() or "de")[:2]
    state = check_state(assessment, language, stored=stored)
    advice = state.advice
    # One entry per check and language, holding its revision: a newer revision replaces it,
    # and deleting the check can remove every entry that holds its answers and notes.
    key = results_cache_key(assessment, language)
    company = assessment.company
    peers_key = (
        peer_group_key(
            questionnaire_key=assessment.questionnaire.key,
            industry=company.industry,
            size_band=company.size_band,
        )
        if with_peers
        else None
    )
    # The facts this process kept, else the shared cache's, read along with the peer group's.
    recent_key = (assessment.public_id, language, state.revision)
    facts = recent_results.get(recent_key)
    wanted = ([] if facts else [key]) + ([peers_key] if peers_key else [])
    found = cache.get_many(wanted) if wanted else {}
    peers = found.get(peers_key) if peers_key else None
    if facts is None:
        cached = found.get(key)
        if isinstance(cached, tuple) and len(cached) == 2 and cached[0] == state.revision:
            facts = cached[1] if isinstance(cached[1], ResultsFacts) else None
        from_cache = facts is not None
        if facts is None:
            facts = compute_results(assessment, advice)
            cache.set(key, (state.revision, facts), RESULTS_CACHE_SECONDS)
        recent_results.put(recent_key, facts)
    else:
        from_cache = True
    return replace(
        resolve_results(assessment, advice, facts, from_cache),
        has_members=state.has_members,
        peer_indexes=peers if isinstance(peers, dict) else None,
    )


def results_cache_key(assessment: Assessment, language: str) -> str:
    return f"results:{RESULTS_FACTS_VERSION}:{assessment.pk}:{language}"


def forget_results(assessment: Assessment) -> None:
    """Drop the cached results of the check in every language (they hold its answers and
    notes), before the check is deleted: from the shared cache, and from this process's
    recent ones (another worker's are never read again: their check is gone)."""
    cache.delete_many(
        [results_cache_key(assessment, code[:2]) for code, _name in settings.LANGUAGES]
    )
    recent_results.forget(assessment.public_id)


def compute_results(assessment: Assessment, advice: QuestionnaireContent) -> ResultsFacts:
    report = build_report(assessment=assessment, advice=advice)
    history = history_facts(report)
    return ResultsFacts(
        answers=report.answers,
        result=report.result,
        roadmap=report.roadmap,
        radar=radar_svg(report, history=history),
        history=history,
        adopted=report.adopted,
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
        adopted=facts.adopted,
    )
    return ResultsData(
        report=report,
        radar=facts.radar,
        history=None if facts.history is None else resolve_history(report, facts.history),
        disagreements=resolve_disagreements(report, facts.disagreements),
        from_cache=from_cache,
    )


def measurement_svg(action: Action, measurements: list, recommendation: Any) -> str:
    """The measured values of an action as a small line chart with the KPI's unit (escaped
    SVG, or "" without measurements)."""
    if not measurements:
        return ""
    unit = recommendation.kpi_unit_label if recommendation else ""
    svg = charts.measurement_chart(
        points=[
            (formats.date_format(m.measured_on, "SHORT_DATE_FORMAT"), m.value) for m in measurements
        ],
        chart_id=f"kpi-{action.pk}",
        title=recommendation.kpi_metric if recommendation else _("Messwerte"),
        unit=unit,
        baseline=action.kpi_baseline,
        baseline_label=_("Ausgangswert"),
        number_text=lambda value: floatformat(value, -2),
    )
    return svg
