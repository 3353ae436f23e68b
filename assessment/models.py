from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, cast, overload

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from assessment import roadmap, scoring


class Translated:
    """`obj.title` reads `title_de` or `title_en` in the active language, German as fallback."""

    def __init__(self, base: str) -> None:
        self.base = base

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> Translated: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> str: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> str | Translated:
        if instance is None:
            return self
        return self.value(instance, get_language())

    def value(self, instance: object, language: str | None) -> str:
        """The text in `language`; for markup of many texts that looks the language up once."""
        value = getattr(instance, f"{self.base}_en", "") if (language or "")[:2] == "en" else ""
        return value or getattr(instance, f"{self.base}_de")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """People log in with their email address."""

    username = None  # type: ignore[assignment]  # the e-mail address is the login name
    email = models.EmailField(_("E-Mail-Adresse"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.email


class ConsultantProfile(models.Model):
    """A consultant's name, firm and contact; shown on the cover of their clients' reports."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="consultant_profile", verbose_name=_("Konto")
    )
    name = models.CharField(_("Name"), max_length=200)
    firm = models.CharField(_("Firma"), max_length=200, blank=True)
    contact_email = models.EmailField(_("E-Mail für Kunden"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    website = models.URLField(_("Webseite"), blank=True)
    # Re-encoded PNG bytes (never the uploaded file), so several app servers share it.
    logo_png = models.BinaryField(null=True, blank=True, editable=False)
    approved = models.BooleanField(_("freigegeben"), default=False)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("angelegt am"))

    class Meta:
        verbose_name = _("Beraterprofil")
        verbose_name_plural = _("Beraterprofile")

    def __str__(self) -> str:
        return f"{self.name} ({self.firm})" if self.firm else self.name


# --- The questionnaire: immutable once an assessment uses it; a change is a new version.


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
        newest = Questionnaire.objects.filter(key=self.key).order_by("-version").first()
        if newest is None or newest.version <= self.version:
            return self.content()
        return newest.content()

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
        questions = Question.objects.filter(questionnaire=questionnaire).order_by(
            "dimension__order", "order"
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
        names = {option.key: option.label for option in self.option_list}
        return ", ".join(names.get(key, key) for key in answer.options)

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


# --- Companies, their assessments and what they do about the results.


class Company(models.Model):
    class Industry(models.TextChoices):
        RETAIL = "retail", _("Handel")
        CRAFTS = "crafts", _("Handwerk")
        HOSPITALITY = "hospitality", _("Gastgewerbe & Tourismus")
        SERVICES = "services", _("Dienstleistungen")
        HEALTH = "health", _("Gesundheit & Soziales")
        MANUFACTURING = "manufacturing", _("Industrie & Produktion")
        CONSTRUCTION = "construction", _("Bau")
        TRANSPORT = "transport", _("Verkehr & Logistik")
        OTHER = "other", _("Sonstiges")

    class SizeBand(models.TextChoices):
        SOLO = "1", _("1 Person")
        MICRO = "2-9", _("2-9 Beschäftigte")
        SMALL = "10-49", _("10-49 Beschäftigte")
        MEDIUM = "50-249", _("50-249 Beschäftigte")

    class TurnoverBand(models.TextChoices):
        LE_800K = "le_800k", _("bis 800.000 EUR")
        LE_2M = "le_2m", _("über 800.000 bis 2 Mio. EUR")
        LE_10M = "le_10m", _("über 2 Mio. bis 10 Mio. EUR")
        GT_10M = "gt_10m", _("über 10 Mio. EUR")
        UNKNOWN = "unknown", _("weiß nicht")

    class YesNoUnknown(models.TextChoices):
        YES = "yes", _("ja")
        NO = "no", _("nein")
        UNKNOWN = "unknown", _("weiß nicht")

    class Customer(models.TextChoices):
        CONSUMERS = "consumers", _("Privatkunden (Verbraucher)")
        BUSINESSES = "businesses", _("Geschäftskunden (Unternehmen)")
        PUBLIC = "public", _("öffentliche Auftraggeber")

    class StaffBand(models.TextChoices):
        LT_20 = "lt_20", _("weniger als 20")
        GE_20 = "ge_20", _("20 oder mehr")
        UNKNOWN = "unknown", _("weiß nicht")

    name = models.CharField(_("Name"), max_length=200, blank=True)
    industry = models.CharField(_("Branche"), max_length=20, choices=Industry.choices)
    size_band = models.CharField(_("Größe"), max_length=10, choices=SizeBand.choices)
    region = models.CharField(_("Region"), max_length=100, blank=True)
    monthly_budget_eur = models.PositiveIntegerField(_("Budget pro Monat (EUR)"), default=100)
    monthly_hours = models.PositiveIntegerField(_("Zeit pro Monat (Stunden)"), default=8)
    reassessment_interval_months = models.PositiveSmallIntegerField(
        default=6, verbose_name=_("Neuer Check alle … Monate")
    )
    # Profile facts the legal layer of the roadmap needs (docs/questionnaire-format.md).
    turnover_band = models.CharField(
        _("Umsatz im Vorjahr"),
        max_length=10,
        choices=TurnoverBand.choices,
        default=TurnoverBand.UNKNOWN,
    )
    kleinunternehmer = models.CharField(
        _("Kleinunternehmer (§ 19 UStG)"),
        max_length=8,
        choices=YesNoUnknown.choices,
        default=YesNoUnknown.UNKNOWN,
    )
    # Any of "consumers", "businesses", "public"; empty while not stated.
    customers = models.JSONField(_("Kundschaft"), default=list, blank=True)
    staff_personal_data = models.CharField(
        _("Personen, die ständig personenbezogene Daten verarbeiten"),
        max_length=8,
        choices=StaffBand.choices,
        default=StaffBand.UNKNOWN,
    )
    # Kept by the workflows that change it (finishing a check, changing the interval), so
    # lists can filter and sort by it in SQL.
    reassessment_due_on = models.DateField(
        null=True, blank=True, verbose_name=_("nächster Check fällig am")
    )
    members = models.ManyToManyField(User, through="Membership", related_name="companies")
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("angelegt am"))

    class Meta:
        verbose_name = _("Unternehmen")
        verbose_name_plural = _("Unternehmen")

    def __str__(self) -> str:
        return self.name or f"{self.get_industry_display()} ({self.get_size_band_display()})"

    def profile_facts(self) -> dict[str, object]:
        """The facts the roadmap's conditions read (`unknown` where not stated)."""
        customers = [value for value in self.customers or [] if value in self.Customer.values]
        return {
            "industry": self.industry or roadmap.UNKNOWN,
            "size": self.size_band or roadmap.UNKNOWN,
            "turnover": self.turnover_band or roadmap.UNKNOWN,
            "kleinunternehmer": self.kleinunternehmer or roadmap.UNKNOWN,
            "customers": tuple(sorted(customers)),
            "staff_personal_data": self.staff_personal_data or roadmap.UNKNOWN,
        }

    def budget(self) -> roadmap.Budget:
        return roadmap.Budget(
            monthly_eur=float(self.monthly_budget_eur), monthly_hours=float(self.monthly_hours)
        )


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Inhaber/in")
        MEMBER = "member", _("Mitglied")
        CONSULTANT = "consultant", _("Berater/in")

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("Unternehmen")
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("Konto")
    )
    role = models.CharField(
        max_length=12, choices=Role.choices, default=Role.OWNER, verbose_name=_("Rolle")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("seit"))

    class Meta:
        verbose_name = _("Mitgliedschaft")
        verbose_name_plural = _("Mitgliedschaften")
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company} ({self.role})"


class Assessment(models.Model):
    class Mode(models.TextChoices):
        SELF = "self", _("Selbstcheck")
        CONSULTANT = "consultant", _("Mit Beratung")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        COMPLETED = "completed", _("Abgeschlossen")

    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("öffentliche ID")
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("Unternehmen")
    )
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("Fragebogen"),
    )
    mode = models.CharField(
        max_length=12, choices=Mode.choices, default=Mode.SELF, verbose_name=_("Art")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, verbose_name=_("Status")
    )
    started_at = models.DateTimeField(default=timezone.now, verbose_name=_("begonnen am"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("abgeschlossen am"))
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("vorheriger Check"),
    )
    # Frozen once completed: the scoring result as JSON, so old results never change.
    result = models.JSONField(null=True, blank=True, verbose_name=_("Ergebnis"))
    # SHA-256 of the one-time value of the profile form that started this check: the same
    # form sent twice (a double click, two tabs racing) starts one check, never two.
    submission_hash = models.CharField(
        max_length=64, default="", blank=True, editable=False, verbose_name=_("Formular-Prüfwert")
    )

    class Meta:
        verbose_name = _("Check")
        verbose_name_plural = _("Checks")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_hash"],
                condition=~models.Q(submission_hash=""),
                name="one_check_per_profile_submission",
            ),
            # "Neuen Check beginnen" continues the open draft; concurrent clicks cannot
            # open a second one of the same kind.
            models.UniqueConstraint(
                fields=["company", "mode"],
                condition=models.Q(status="draft"),
                name="one_draft_per_company_and_mode",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.started_at:%Y-%m-%d}"

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED

    def answer_inputs(self) -> dict[str, scoring.AnswerInput]:
        """The answers the score uses, keyed by question key."""
        answers = Answer.objects.filter(assessment=self, respondent__is_primary=True).values_list(
            "question__key", "options", "not_applicable"
        )
        return {
            key: scoring.AnswerInput(options=tuple(options), not_applicable=not_applicable)
            for key, options, not_applicable in answers
        }

    def compute_result(self) -> scoring.Result:
        return scoring.score(self.questionnaire.scoring_spec(), self.answer_inputs())


class ResumeTokenQuerySet(models.QuerySet):
    def active(self) -> ResumeTokenQuerySet:
        return self.filter(revoked_at__isnull=True)

    def find(self, raw_token: str) -> ResumeToken | None:
        """The active token for a secret from a resume link, or None."""
        if not raw_token or len(raw_token) > 200:
            return None
        token = (
            self.active()
            .select_related("assessment")
            .filter(token_hash=ResumeToken.hash(raw_token))
            .first()
        )
        if token is not None and token.is_idle_expired():
            return None
        return token


class ResumeToken(models.Model):
    """A secret link back to an assessment. Only the SHA-256 of the secret is stored."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="resume_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # Set for a team member's own link: they answer on their own, not in the final answers.
    respondent = models.ForeignKey(
        "Respondent", null=True, blank=True, on_delete=models.CASCADE, related_name="tokens"
    )
    # Who made the link while logged in: their links are blocked when they leave the company.
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ResumeTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"token for {self.assessment_id} ({'revoked' if self.revoked_at else 'active'})"

    @staticmethod
    def hash(raw_token: str) -> str:
        return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()

    @classmethod
    def issue(
        cls,
        *,
        assessment: Assessment,
        respondent: Respondent | None = None,
        created_by: User | None = None,
    ) -> tuple[ResumeToken, str]:
        """A new token with 256 random bits; the secret is returned once and never stored."""
        raw_token = secrets.token_urlsafe(32)
        token = cls.objects.create(
            assessment=assessment,
            token_hash=cls.hash(raw_token),
            respondent=respondent,
            created_by=created_by,
        )
        return token, raw_token

    def is_idle_expired(self) -> bool:
        """A resume link of a check without an account, unused for RESUME_LINK_IDLE_DAYS.

        Team members' links are not: the company's people decide about those.
        """
        if self.respondent_id is not None:
            return False
        last_use = self.last_used_at or self.created_at
        if last_use >= timezone.now() - datetime.timedelta(days=settings.RESUME_LINK_IDLE_DAYS):
            return False
        return not Membership.objects.filter(company_id=self.assessment.company_id).exists()

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


class Respondent(models.Model):
    """A person answering an assessment; the primary respondent's answers make the score."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="respondents")
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    name = models.CharField(max_length=200, blank=True)
    # What the person does in the company ("Verkauf", "Buchhaltung"); shown on the team page.
    role = models.CharField(max_length=100, blank=True)
    is_primary = models.BooleanField(default=False)
    # A team member handed in their own answers; from then on their link shows a thank-you.
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment"],
                condition=models.Q(is_primary=True),
                name="one_primary_respondent",
            )
        ]

    def __str__(self) -> str:
        return self.name or (str(self.user) if self.user else f"#{self.pk}")


class Answer(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="answers", verbose_name=_("Check")
    )
    respondent = models.ForeignKey(
        Respondent,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("antwortende Person"),
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("Frage")
    )
    options = models.JSONField(default=list, blank=True, verbose_name=_("gewählte Antworten"))
    not_applicable = models.BooleanField(default=False, verbose_name=_("trifft nicht zu"))
    note = models.TextField(blank=True, max_length=5000, verbose_name=_("Notiz"))
    # A consultant's note that stays out of the report.
    note_private = models.BooleanField(default=False, verbose_name=_("Notiz nur für die Beratung"))
    # Taken from the previous assessment; stays True once confirmed, for the "re-checked" count.
    carried_over = models.BooleanField(default=False, verbose_name=_("übernommen"))
    # A carried-over answer nobody has looked at again yet; blocks completion.
    unconfirmed = models.BooleanField(default=False, verbose_name=_("unbestätigt"))
    # A final answer the consultant chose in the consolidation (a person's answer, the
    # proposal, or an edit there); any later change elsewhere clears it.
    decided = models.BooleanField(default=False, verbose_name=_("im Abgleich entschieden"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("geändert am"))

    class Meta:
        verbose_name = _("Antwort")
        verbose_name_plural = _("Antworten")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "respondent", "question"], name="one_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question.key}: {'N/A' if self.not_applicable else self.options}"


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """The values of one saved answer, as pages, scoring and reports read them."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "question__key",
        "options",
        "not_applicable",
        "note",
        "note_private",
        "carried_over",
        "unconfirmed",
        "decided",
    )

    question_key: str
    options: list[str]
    not_applicable: bool
    note: str
    note_private: bool
    carried_over: bool
    unconfirmed: bool
    decided: bool


class ProposalBatch(models.Model):
    """One "apply all proposals" in the consolidation, kept so that it can be undone.

    `changes` holds one entry per question it changed: the final answer before (or None
    where there was none) and the answer it set, as plain data.
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="proposal_batches"
    )
    changes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{len(self.changes)} proposals for {self.assessment_id}"


class Action(models.Model):
    """A roadmap step the company adopted, with the KPI that tells whether it worked."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Geplant")
        DOING = "doing", _("In Arbeit")
        DONE = "done", _("Erledigt")
        DROPPED = "dropped", _("Verworfen")

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="actions", verbose_name=_("Unternehmen")
    )
    recommendation_key = models.SlugField(max_length=64, verbose_name=_("Empfehlung"))
    title = models.CharField(max_length=200, verbose_name=_("Titel"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PLANNED, verbose_name=_("Status")
    )
    owner = models.CharField(max_length=200, blank=True, verbose_name=_("zuständig"))
    due_date = models.DateField(null=True, blank=True, verbose_name=_("fällig am"))
    kpi_baseline = models.FloatField(null=True, blank=True, verbose_name=_("Kennzahl zu Beginn"))
    kpi_latest = models.FloatField(null=True, blank=True, verbose_name=_("Kennzahl zuletzt"))
    notes = models.TextField(blank=True, verbose_name=_("Notizen"))
    # The trigger's value (percent) when the step was done: it returns only if it falls back.
    trigger_value_when_done = models.FloatField(
        null=True, blank=True, verbose_name=_("Auslöserwert bei Erledigung")
    )
    done_at = models.DateTimeField(null=True, blank=True, verbose_name=_("erledigt am"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("angelegt am"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("geändert am"))

    class Meta:
        verbose_name = _("Schritt")
        verbose_name_plural = _("Schritte")
        ordering = ["due_date", "created_at"]
        constraints = [
            # Adopting a step twice (two tabs, two people at once) gives one open action.
            models.UniqueConstraint(
                fields=["company", "recommendation_key"],
                condition=models.Q(status__in=["planned", "doing"]),
                name="one_open_action_per_step",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return (
            self.due_date is not None
            and self.due_date < timezone.localdate()
            and self.status in (self.Status.PLANNED, self.Status.DOING)
        )


class Measurement(models.Model):
    """One value of an action's KPI on a date: the small history that shows whether it worked."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField(default=timezone.localdate)
    value = models.FloatField()
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["measured_on", "created_at"]

    def __str__(self) -> str:
        return f"{self.action_id}: {self.value:g} ({self.measured_on})"


class Invitation(models.Model):
    """An invitation to become a member of a company; the link's secret is stored hashed."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("Unternehmen")
    )
    email = models.EmailField(verbose_name=_("E-Mail"))
    token_hash = models.CharField(max_length=64, unique=True, verbose_name=_("Link-Prüfwert"))
    role = models.CharField(max_length=12, default="member", verbose_name=_("Rolle"))
    invited_by = models.ForeignKey(
        User,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("eingeladen von"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("angelegt am"))
    accepted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("angenommen am"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("zurückgezogen am"))

    class Meta:
        verbose_name = _("Einladung")
        verbose_name_plural = _("Einladungen")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} -> {self.company_id}"

    @property
    def expires_at(self) -> datetime.datetime:
        return self.created_at + datetime.timedelta(days=settings.INVITATION_DAYS)

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and timezone.now() < self.expires_at
        )

    @classmethod
    def issue(
        cls, *, company: Company, email: str, invited_by: User | None, role: str = "member"
    ) -> tuple[Invitation, str]:
        raw_token = secrets.token_urlsafe(32)
        invitation = cls.objects.create(
            company=company,
            email=email.lower(),
            token_hash=ResumeToken.hash(raw_token),
            invited_by=invited_by,
            role=role,
        )
        return invitation, raw_token

    @classmethod
    def find_open(cls, raw_token: str) -> Invitation | None:
        if not raw_token or len(raw_token) > 200:
            return None
        return (
            cls.objects.select_related("company")
            .filter(
                token_hash=ResumeToken.hash(raw_token),
                accepted_at=None,
                revoked_at=None,
                created_at__gt=timezone.now() - datetime.timedelta(days=settings.INVITATION_DAYS),
            )
            .first()
        )


class TokenMiss(models.Model):
    """A lookup of a secret link (resume, invitation) that found nothing, by client address.

    Counted to throttle guessing; rows older than the throttle window are deleted.
    """

    address = models.CharField(max_length=64)
    missed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["address", "missed_at"], name="token_miss_address_time")]

    def __str__(self) -> str:
        return f"{self.address} at {self.missed_at:%Y-%m-%d %H:%M:%S}"


class ReminderLog(models.Model):
    """A reminder that went out; the unique key makes sending idempotent."""

    class Kind(models.TextChoices):
        REASSESSMENT = "reassessment", _("Neuer Check fällig")
        ACTION = "action", _("Schritt überfällig")

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("Unternehmen")
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("Art"))
    reference = models.CharField(max_length=64, default="", blank=True, verbose_name=_("Bezug"))
    due_date = models.DateField(verbose_name=_("fällig am"))
    recipients = models.PositiveIntegerField(default=0, verbose_name=_("Empfänger"))
    sent_at = models.DateTimeField(default=timezone.now, verbose_name=_("gesendet am"))

    class Meta:
        verbose_name = _("gesendete Erinnerung")
        verbose_name_plural = _("gesendete Erinnerungen")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "reference", "due_date"],
                name="one_reminder_per_due_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.company_id} {self.due_date}"


class MailLog(models.Model):
    """One mail the app sent on somebody's request, counted against the mail limits.

    In the database so every worker and app server counts the same mails; rows older than
    the longest limit window are deleted as new ones are written.
    """

    class Kind(models.TextChoices):
        RESUME_LINK = "resume_link", _("Link zum Check")
        INVITATION = "invitation", _("Einladung")
        RESPONDENT = "respondent", _("Link für Teammitglied")
        PASSWORD_RESET = "password_reset", _("Passwort zurücksetzen")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # SHA-256 of the lower-cased address: the limit needs equality, not the address itself.
    recipient_hash = models.CharField(max_length=64)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient_hash", "sent_at"], name="mail_log_recipient_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.sent_at:%Y-%m-%d %H:%M:%S}"


class RenderedReport(models.Model):
    """The last PDF of an assessment per language, kept until anything it shows changes."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="rendered_reports"
    )
    language = models.CharField(max_length=8)
    revision = models.CharField(max_length=64)
    pdf = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "language"], name="one_pdf_per_language")
        ]

    def __str__(self) -> str:
        return f"PDF {self.assessment_id} {self.language} {self.revision[:8]}"


class ReportRender(models.Model):
    """One PDF render asked for: queued once per report revision and language.

    The unique revision makes two first requests for the same report enqueue one render;
    the row says how far the render has come, so the PDF link can wait for it.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="report_renders"
    )
    language = models.CharField(max_length=8)
    revision = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    # The task's id in the queue (django-tasks), to see whether it ended failed.
    task_id = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=500, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "language", "revision"], name="one_render_per_revision"
            )
        ]

    def __str__(self) -> str:
        return f"Render {self.assessment_id} {self.language} {self.revision[:8]} {self.status}"

    def renders_ahead(self) -> int:
        """Renders asked for before this one and not finished: what the workers do first."""
        return ReportRender.objects.filter(
            status__in=[self.Status.QUEUED, self.Status.RUNNING],
            requested_at__lt=self.requested_at,
        ).count()


def done_steps(actions: Mapping[str, Action] | list[Action]) -> dict[str, float | None]:
    """Recommendation key -> trigger value when done, for the roadmap engine."""
    items = actions.values() if isinstance(actions, Mapping) else actions
    return {
        action.recommendation_key: action.trigger_value_when_done
        for action in items
        if action.status == Action.Status.DONE
    }
