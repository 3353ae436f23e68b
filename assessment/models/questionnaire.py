"""The questionnaire: immutable once an assessment uses it; a change is a new version."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Protocol, cast

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from assessment.engine import roadmap, scoring
from assessment.models.common import Translated

DEFAULT_QUESTIONNAIRE_KEY = "reifegrad-kmu"
# The short instrument offered beside the full check; its result invites to the full check.
QUICK_CHECK_KEY = "reifegrad-schnellcheck"


class QuestionnaireQuerySet(models.QuerySet["Questionnaire"]):
    def quick_check(self) -> Questionnaire | None:
        """The newest version of the quick check, if it is loaded."""
        return self.filter(key=QUICK_CHECK_KEY).order_by("-version").first()

    def newest_versions(self) -> list[Questionnaire]:
        """The newest version of every questionnaire key, the full check first."""
        newest: dict[str, Questionnaire] = {}
        for questionnaire in self.order_by("key", "-version"):
            newest.setdefault(questionnaire.key, questionnaire)
        return sorted(
            newest.values(),
            key=lambda q: (q.key != DEFAULT_QUESTIONNAIRE_KEY, q.title_de.lower(), q.key),
        )

    def current(self) -> Questionnaire | None:
        """The newest version of the default questionnaire, else the last one loaded."""
        return (
            self.filter(key=DEFAULT_QUESTIONNAIRE_KEY).order_by("-version").first()
            or self.order_by("-loaded_at").first()
        )


class Questionnaire(models.Model):
    key = models.SlugField(max_length=64, verbose_name=_("Schlüssel"))
    version = models.PositiveIntegerField(verbose_name=_("Version"))
    title_de = models.CharField(max_length=200, verbose_name=_("Titel (deutsch)"))
    title_en = models.CharField(max_length=200, verbose_name=_("Titel (englisch)"))
    description_de = models.TextField(blank=True, verbose_name=_("Beschreibung (deutsch)"))
    description_en = models.TextField(blank=True, verbose_name=_("Beschreibung (englisch)"))
    sources = models.JSONField(default=list, blank=True, verbose_name=_("Quellen"))
    content_hash = models.CharField(max_length=64, verbose_name=_("Inhalts-Prüfwert"))
    source_file = models.CharField(max_length=300, blank=True, verbose_name=_("Quelldatei"))
    loaded_at = models.DateTimeField(default=timezone.now, verbose_name=_("geladen am"))
    # Bands written on whole points ("from: 26"): levels follow the rounded score.
    whole_point_bands = models.BooleanField(default=False)

    title = Translated("title")
    description = Translated("description")

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="questionnaire_key_version")
        ]
        ordering = ["key", "-version"]
        verbose_name = _("Fragebogen")
        verbose_name_plural = _("Fragebögen")

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"

    def is_in_use(self) -> bool:
        return self.assessments.exists()

    def content(self) -> QuestionnaireContent:
        """Every dimension, question, option, band and step of this version, loaded once.

        Versions never change once stored (a changed file gets a new row or a new content
        hash), so the loaded content is kept per process and keyed by both.
        """
        cache_key = (self.pk, self.content_hash, self.loaded_at)
        content = _CONTENT_CACHE.get(cache_key)
        if content is None:
            content = QuestionnaireContent.load(self)
            _CONTENT_CACHE[cache_key] = content
        return content

    def advice_content(self) -> QuestionnaireContent:
        """The content whose catalogue plans roadmaps for checks on this version: the newest
        loaded version of the same key (questions and options are matched by key)."""
        return self.content_newer_of(
            Questionnaire.objects.filter(key=self.key).order_by("-version").first()
        )

    def advice_content_given(self, newest_pk: int | None) -> QuestionnaireContent:
        """`advice_content` when the caller has read the newest version's id of the same key
        already (the results page reads it with the check's revision): no query when this is
        the newest version, one otherwise."""
        if newest_pk is None or newest_pk == self.pk:
            return self.content()
        return self.content_newer_of(
            Questionnaire.objects.filter(pk=newest_pk, key=self.key).first()
        )

    def content_newer_of(self, other: Questionnaire | None) -> QuestionnaireContent:
        """The content of `other` if it is a later version than this one, else this one's."""
        if other is None or other.version <= self.version:
            return self.content()
        return other.content()

    def scoring_spec(self) -> scoring.QuestionnaireSpec:
        return self.content().spec

    def catalogue_spec(self) -> tuple[roadmap.StepSpec, ...]:
        return self.content().catalogue


_CONTENT_CACHE: dict[tuple, QuestionnaireContent] = {}


@dataclass
class QuestionnaireContent:
    questionnaire: Questionnaire
    dimensions: list[Dimension]
    questions: dict[str, Question]
    bands: list[LevelBand]
    recommendations: list[Recommendation]
    spec: scoring.QuestionnaireSpec = field(init=False)
    catalogue: tuple[roadmap.StepSpec, ...] = field(init=False)
    # Looked up several times per roadmap step on every results page and PDF.
    recommendation_by_key: dict[str, Recommendation] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.recommendation_by_key = {}
        for step in self.recommendations:
            self.recommendation_by_key.setdefault(step.key, step)
        dimension_keys = {dimension.pk: dimension.key for dimension in self.dimensions}
        self.spec = scoring.QuestionnaireSpec(
            dimensions=tuple(
                scoring.DimensionSpec(
                    key=dimension.key,
                    weight=dimension.weight,
                    groups=tuple(
                        scoring.GroupSpec(key=group["key"], weight=group["weight"])
                        for group in dimension.groups
                    ),
                )
                for dimension in self.dimensions
            ),
            questions=tuple(
                question.scoring_spec(dimension_keys[question.dimension_id])
                for dimension in self.dimensions
                for question in dimension.question_list
            ),
            bands=tuple(
                scoring.BandSpec(key=band.key, lower=band.lower, upper=band.upper)
                for band in self.bands
            ),
            whole_point_bands=self.questionnaire.whole_point_bands,
        )
        self.catalogue = tuple(step.step_spec() for step in self.recommendations)

    @classmethod
    def load(cls, questionnaire: Questionnaire) -> QuestionnaireContent:
        dimensions = list(questionnaire.dimensions.order_by("order"))
        by_pk: dict[int | None, Dimension] = {dimension.pk: dimension for dimension in dimensions}
        for dimension in dimensions:
            dimension.question_list = []
        questions = (
            Question.objects.filter(questionnaire=questionnaire)
            .select_related("grid")
            .order_by("dimension__order", "order")
        )
        options: dict[int, list[Option]] = {}
        for option in Option.objects.filter(question__questionnaire=questionnaire).order_by(
            "question_id", "order"
        ):
            options.setdefault(option.question_id, []).append(option)
        question_map = {}
        for question in questions:
            question.option_list = options.get(question.pk, [])
            question.dimension = by_pk[question.dimension_id]
            by_pk[question.dimension_id].question_list.append(question)
            question_map[question.key] = question
        question_by_pk: dict[int | None, Question] = {
            question.pk: question for question in question_map.values()
        }
        recommendations = list(questionnaire.recommendations.order_by("order"))
        for step in recommendations:
            step.dimension = by_pk[step.dimension_id]
            step.trigger_question = question_by_pk.get(step.trigger_question_id)
            step.trigger_dimension = by_pk.get(step.trigger_dimension_id)
        return cls(
            questionnaire=questionnaire,
            dimensions=dimensions,
            questions=question_map,
            bands=list(questionnaire.bands.order_by("order")),
            recommendations=recommendations,
        )

    def dimension(self, key: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.key == key), None)

    def band(self, key: str | None) -> LevelBand | None:
        return next((band for band in self.bands if band.key == key), None)

    def recommendation(self, key: str) -> Recommendation | None:
        return self.recommendation_by_key.get(key)


class LevelBand(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="bands")
    key = models.SlugField(max_length=64)
    order = models.PositiveIntegerField()
    lower = models.FloatField()
    upper = models.FloatField()
    name_de = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    description_de = models.TextField(blank=True)
    description_en = models.TextField(blank=True)

    name = Translated("name")
    description = Translated("description")

    class Meta:
        ordering = ["questionnaire", "order"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="band_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name_de} ({self.lower:g}-{self.upper:g})"


class Dimension(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="dimensions",
        verbose_name=_("Fragebogen"),
    )
    key = models.SlugField(max_length=64, verbose_name=_("Schlüssel"))
    order = models.PositiveIntegerField(verbose_name=_("Reihenfolge"))
    title_de = models.CharField(max_length=200, verbose_name=_("Titel (deutsch)"))
    title_en = models.CharField(max_length=200, verbose_name=_("Titel (englisch)"))
    description_de = models.TextField(blank=True, verbose_name=_("Beschreibung (deutsch)"))
    description_en = models.TextField(blank=True, verbose_name=_("Beschreibung (englisch)"))
    weight = models.FloatField(default=1.0, verbose_name=_("Gewicht"))
    # Question groups with fixed shares: [{"key", "weight", "title_de", "title_en"}], in order.
    groups = models.JSONField(default=list, blank=True)

    title = Translated("title")
    description = Translated("description")
    # The dimension's questions in order, set when a questionnaire's content is loaded.
    question_list: list[Question]

    class Meta:
        verbose_name = _("Bereich")
        verbose_name_plural = _("Bereiche")
        ordering = ["questionnaire", "order"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="dimension_key_unique")
        ]

    def __str__(self) -> str:
        return self.title_de


class ChosenOptions(Protocol):
    """A stored answer, an engine input or a comparison state."""

    @property
    def options(self) -> list[str] | tuple[str, ...]: ...
    @property
    def not_applicable(self) -> bool: ...


class QuestionGrid(models.Model):
    """A grid question's heading and shared settings. Its rows are ordinary questions
    (`Question.grid`) with the grid's scale, weight, "does not apply" and condition, so
    answers, conditions and roadmap steps work per row; the engine scores the grid as the
    mean of its answered rows."""

    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="grids",
        verbose_name=_("Fragebogen"),
    )
    dimension = models.ForeignKey(
        Dimension, on_delete=models.CASCADE, related_name="grids", verbose_name=_("Bereich")
    )
    key = models.SlugField(max_length=64, verbose_name=_("Schlüssel"))
    # The order of its first row among its dimension's questions.
    order = models.PositiveIntegerField(verbose_name=_("Reihenfolge"))
    text_de = models.TextField(verbose_name=_("Text (deutsch)"))
    text_en = models.TextField(verbose_name=_("Text (englisch)"))
    help_de = models.TextField(blank=True, verbose_name=_("Hilfe (deutsch)"))
    help_en = models.TextField(blank=True, verbose_name=_("Hilfe (englisch)"))
    weight = models.FloatField(default=1.0, verbose_name=_("Gewicht"))
    allow_na = models.BooleanField(default=False, verbose_name=_("„trifft nicht zu“ erlaubt"))
    sources = models.JSONField(default=list, blank=True, verbose_name=_("Quellen"))
    group = models.SlugField(max_length=64, blank=True)

    text = Translated("text")
    help = Translated("help")

    class Meta:
        verbose_name = _("Matrixfrage")
        verbose_name_plural = _("Matrixfragen")
        ordering = ["questionnaire", "dimension__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="grid_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.text_de[:60]}"


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Einfachauswahl")
        MULTIPLE = "multiple", _("Mehrfachauswahl")
        SCALE = "scale", _("Skala")

    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("Fragebogen"),
    )
    dimension = models.ForeignKey(
        Dimension, on_delete=models.CASCADE, related_name="questions", verbose_name=_("Bereich")
    )
    key = models.SlugField(max_length=64, verbose_name=_("Schlüssel"))
    order = models.PositiveIntegerField(verbose_name=_("Reihenfolge"))
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("Art"))
    text_de = models.TextField(verbose_name=_("Text (deutsch)"))
    text_en = models.TextField(verbose_name=_("Text (englisch)"))
    help_de = models.TextField(blank=True, verbose_name=_("Hilfe (deutsch)"))
    help_en = models.TextField(blank=True, verbose_name=_("Hilfe (englisch)"))
    weight = models.FloatField(default=1.0, verbose_name=_("Gewicht"))
    allow_na = models.BooleanField(default=False, verbose_name=_("„trifft nicht zu“ erlaubt"))
    scored = models.BooleanField(default=True, verbose_name=_("zählt für den Wert"))
    max_points = models.FloatField(null=True, blank=True, verbose_name=_("höchste Punktzahl"))
    condition_question_key = models.SlugField(
        max_length=64, blank=True, verbose_name=_("Bedingung: Frage")
    )
    condition_any_of = models.JSONField(
        default=list, blank=True, verbose_name=_("Bedingung: Antworten")
    )
    sources = models.JSONField(default=list, blank=True, verbose_name=_("Quellen"))
    # The key of its group in the dimension's `groups`; blank when the dimension has none.
    group = models.SlugField(max_length=64, blank=True)
    # A tick list saved with nothing ticked is an answer worth 0 ("empty: zero").
    empty_zero = models.BooleanField(default=False)
    # A row of a grid question: its text is the row's label, the grid holds the question.
    grid = models.ForeignKey(
        QuestionGrid,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rows",
        verbose_name=_("Matrixfrage"),
    )

    text = Translated("text")
    help = Translated("help")
    # The question's options in order, set when a questionnaire's content is loaded.
    option_list: list[Option]

    class Meta:
        verbose_name = _("Frage")
        verbose_name_plural = _("Fragen")
        ordering = ["questionnaire", "dimension__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="question_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.text_de[:60]}"

    @property
    def display_text(self) -> str:
        """The question as it reads on its own, in the active language: a grid's row with
        the grid's text ("<grid text> – <row label>"), any other question its text."""
        return self.display_text_in(get_language())

    def display_text_in(self, language: str | None) -> str:
        text = Question.text.value(self, language)
        if self.grid is None:
            return text
        return f"{QuestionGrid.text.value(self.grid, language)} – {text}"

    def answer_labels(self, answer: ChosenOptions | None, empty: str | None = None) -> str:
        """The chosen options' labels of a stored answer, an engine input or a comparison
        state (anything with `options` and `not_applicable`)."""
        from django.utils.translation import gettext

        if answer is not None and self.empty_zero and not answer.options:
            if not answer.not_applicable:
                return gettext("nichts angekreuzt")  # an answer worth 0, see `empty: zero`
        if answer is None or (not answer.options and not answer.not_applicable):
            return gettext("keine Antwort") if empty is None else empty
        if answer.not_applicable:
            return gettext("trifft nicht zu")
        # Only the chosen options' labels, the language looked up once: a results page
        # words the answers to some twenty questions.
        language = get_language()
        chosen = {option.key: option for option in self.option_list if option.key in answer.options}
        return ", ".join(
            Option.label.value(chosen[key], language) if key in chosen else key
            for key in answer.options
        )

    def scoring_spec(self, dimension_key: str) -> scoring.QuestionSpec:
        condition = None
        if self.condition_question_key:
            condition = scoring.ConditionSpec(
                question=self.condition_question_key, any_of=tuple(self.condition_any_of)
            )
        return scoring.QuestionSpec(
            key=self.key,
            dimension=dimension_key,
            kind=cast(scoring.QuestionKind, self.kind),
            options=tuple(
                scoring.OptionSpec(key=option.key, points=option.points, exclusive=option.exclusive)
                for option in self.option_list
            ),
            weight=self.weight,
            allow_na=self.allow_na,
            scored=self.scored,
            max_points=self.max_points,
            condition=condition,
            group=self.group,
            empty_zero=self.empty_zero,
            grid=self.grid.key if self.grid is not None else "",
        )


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    key = models.SlugField(max_length=64)
    order = models.PositiveIntegerField()
    label_de = models.CharField(max_length=300)
    label_en = models.CharField(max_length=300)
    points = models.FloatField()
    exclusive = models.BooleanField(default=False)

    label = Translated("label")

    class Meta:
        ordering = ["question", "order"]
        constraints = [
            models.UniqueConstraint(fields=["question", "key"], name="option_key_unique")
        ]

    def __str__(self) -> str:
        return self.label_de


KPI_UNIT_LABELS = {
    "%": "%",
    "EUR": "EUR",
    "EUR/month": pgettext_lazy("kpi unit", "EUR pro Monat"),
    "count": pgettext_lazy("kpi unit", "Anzahl"),
    "hours": pgettext_lazy("kpi unit", "Stunden"),
    "hours/month": pgettext_lazy("kpi unit", "Stunden pro Monat"),
    "hours/year": pgettext_lazy("kpi unit", "Stunden pro Jahr"),
    "days": pgettext_lazy("kpi unit", "Tage"),
    "points": pgettext_lazy("kpi unit", "Punkte"),
}


class Recommendation(models.Model):
    """One step of the roadmap catalogue, frozen together with its questionnaire version."""

    class Direction(models.TextChoices):
        UP = "up", _("höher ist besser")
        DOWN = "down", _("niedriger ist besser")

    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="recommendations",
        verbose_name=_("Fragebogen"),
    )
    dimension = models.ForeignKey(
        Dimension,
        on_delete=models.CASCADE,
        related_name="recommendations",
        verbose_name=_("Bereich"),
    )
    key = models.SlugField(max_length=64, verbose_name=_("Schlüssel"))
    order = models.PositiveIntegerField(verbose_name=_("Reihenfolge"))
    title_de = models.CharField(max_length=200, verbose_name=_("Titel (deutsch)"))
    title_en = models.CharField(max_length=200, verbose_name=_("Titel (englisch)"))
    description_de = models.TextField(verbose_name=_("Beschreibung (deutsch)"))
    description_en = models.TextField(verbose_name=_("Beschreibung (englisch)"))
    trigger_question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    trigger_dimension = models.ForeignKey(
        Dimension, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    trigger_below = models.FloatField()
    effort_hours = models.FloatField(verbose_name=_("Aufwand (Stunden)"))
    cost_once = models.DecimalField(
        max_digits=10, decimal_places=2, verbose_name=_("Kosten einmalig (EUR)")
    )
    cost_monthly = models.DecimalField(
        max_digits=10, decimal_places=2, verbose_name=_("Kosten monatlich (EUR)")
    )
    impact = models.PositiveSmallIntegerField(verbose_name=_("Wirkung"))
    requires = models.JSONField(default=list, blank=True)
    kpi_metric_de = models.CharField(max_length=300)
    kpi_metric_en = models.CharField(max_length=300)
    kpi_unit = models.CharField(max_length=40)
    kpi_direction = models.CharField(max_length=4, choices=Direction.choices)
    # Option filters of the trigger question (docs/questionnaire-format.md).
    trigger_any_of = models.JSONField(default=list, blank=True)
    trigger_none_of = models.JSONField(default=list, blank=True)
    # Conditions as stored by the loader: lists of {question|dimension|profile, any_of, ...}.
    when = models.JSONField(default=list, blank=True)
    unless = models.JSONField(default=list, blank=True)
    group = models.SlugField(max_length=64, blank=True)
    existential = models.BooleanField(default=False, verbose_name=_("existenzielles Risiko"))
    # "dated" or "ongoing"; empty for a step without a legal fact.
    legal_kind = models.CharField(max_length=8, blank=True, verbose_name=_("Art der Pflicht"))
    legal_deadline = models.DateField(null=True, blank=True, verbose_name=_("Frist"))
    # Dated duties whose date depends on the profile: [{"date": ISO, "if": [conditions]}].
    legal_deadlines = models.JSONField(default=list, blank=True)
    legal_since = models.DateField(null=True, blank=True, verbose_name=_("gilt seit"))
    legal_applies_if = models.JSONField(default=list, blank=True)
    legal_checked = models.DateField(null=True, blank=True)
    legal_source = models.CharField(max_length=500, blank=True)
    legal_note_de = models.TextField(blank=True)
    legal_note_en = models.TextField(blank=True)

    title = Translated("title")
    description = Translated("description")
    kpi_metric = Translated("kpi_metric")
    legal_note = Translated("legal_note")

    class Meta:
        verbose_name = _("Empfehlung")
        verbose_name_plural = _("Empfehlungen")
        ordering = ["questionnaire", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "key"], name="recommendation_key_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(trigger_question__isnull=False)
                | models.Q(trigger_dimension__isnull=False),
                name="recommendation_has_trigger",
            ),
        ]

    def __str__(self) -> str:
        return self.title_de

    @property
    def kpi_unit_label(self) -> str:
        return str(KPI_UNIT_LABELS.get(self.kpi_unit, self.kpi_unit))

    def step_spec(self) -> roadmap.StepSpec:
        trigger = roadmap.Condition(
            question=self.trigger_question.key if self.trigger_question else None,
            dimension=self.trigger_dimension.key if self.trigger_dimension else None,
            any_of=tuple(self.trigger_any_of),
            none_of=tuple(self.trigger_none_of),
            below=self.trigger_below,
        )
        legal = None
        if self.legal_kind:
            legal = roadmap.LegalSpec(
                kind="ongoing" if self.legal_kind == "ongoing" else "dated",
                deadline=self.legal_deadline,
                deadlines=tuple(
                    roadmap.DeadlineRule(
                        date=datetime.date.fromisoformat(rule["date"]),
                        conditions=tuple(roadmap.Condition.from_dict(c) for c in rule["if"]),
                    )
                    for rule in self.legal_deadlines
                ),
                since=self.legal_since,
                applies_if=tuple(roadmap.Condition.from_dict(c) for c in self.legal_applies_if),
            )
        return roadmap.StepSpec(
            key=self.key,
            dimension=self.dimension.key,
            trigger=trigger,
            effort_hours=self.effort_hours,
            cost_once=float(self.cost_once),
            cost_monthly=float(self.cost_monthly),
            impact=self.impact,
            requires=tuple(self.requires),
            when=tuple(roadmap.Condition.from_dict(c) for c in self.when),
            unless=tuple(roadmap.Condition.from_dict(c) for c in self.unless),
            group=self.group,
            existential=self.existential,
            legal=legal,
        )
