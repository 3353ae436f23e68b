"""People: user accounts and consultants' profiles."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
