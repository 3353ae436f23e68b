"""Records the app keeps about its own work: throttling, mail and reminder logs, PDF renders."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.models.assessment import Assessment
from assessment.models.company import Company


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
