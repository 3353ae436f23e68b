"""What a company does about its results: actions with their KPI measurements."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.models.company import Company


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


def done_steps(actions: Mapping[str, Action] | list[Action]) -> dict[str, float | None]:
    """Recommendation key -> trigger value when done, for the roadmap engine."""
    items = actions.values() if isinstance(actions, Mapping) else actions
    return {
        action.recommendation_key: action.trigger_value_when_done
        for action in items
        if action.status == Action.Status.DONE
    }
