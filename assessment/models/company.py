"""Companies, their members and invitations to join them."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.engine import roadmap
from assessment.models.accounts import User
from assessment.models.common import secret_hash


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
        """The facts the roadmap's conditions read (`unknown` where not stated).

        With fewer than ten staff, twenty people constantly processing personal data (the
        threshold for a data protection officer, § 38 BDSG) is not possible in practice: an
        unknown `staff_personal_data` counts as "fewer than 20" there. An explicit answer
        always wins.
        """
        customers = [value for value in self.customers or [] if value in self.Customer.values]
        staff_personal_data = self.staff_personal_data or roadmap.UNKNOWN
        if staff_personal_data == roadmap.UNKNOWN and self.size_band in (
            self.SizeBand.SOLO,
            self.SizeBand.MICRO,
        ):
            staff_personal_data = self.StaffBand.LT_20
        return {
            "industry": self.industry or roadmap.UNKNOWN,
            "size": self.size_band or roadmap.UNKNOWN,
            "turnover": self.turnover_band or roadmap.UNKNOWN,
            "kleinunternehmer": self.kleinunternehmer or roadmap.UNKNOWN,
            "customers": tuple(sorted(customers)),
            "staff_personal_data": staff_personal_data,
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
            token_hash=secret_hash(raw_token),
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
                token_hash=secret_hash(raw_token),
                accepted_at=None,
                revoked_at=None,
                created_at__gt=timezone.now() - datetime.timedelta(days=settings.INVITATION_DAYS),
            )
            .first()
        )
