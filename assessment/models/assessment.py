"""Assessments, the people who answer them, their answers and resume links."""

from __future__ import annotations

import datetime
import secrets
import uuid
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.engine import scoring
from assessment.models.accounts import User
from assessment.models.common import secret_hash
from assessment.models.company import Company, Membership
from assessment.models.questionnaire import Question, Questionnaire


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
        return secret_hash(raw_token)

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


class StoredAnswer(NamedTuple):
    """The values of one saved answer, as pages, scoring and reports read them.

    A named tuple: a questionnaire page builds some sixty from its query's rows and a results
    page unpickles as many from the cache, each in a quarter of a frozen dataclass's time.
    """

    question_key: str
    options: list[str]
    not_applicable: bool
    note: str
    note_private: bool
    carried_over: bool
    unconfirmed: bool
    decided: bool


# The columns of `StoredAnswer`'s fields, in order, for `values_list`.
STORED_ANSWER_COLUMNS = (
    "question__key",
    "options",
    "not_applicable",
    "note",
    "note_private",
    "carried_over",
    "unconfirmed",
    "decided",
)


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
