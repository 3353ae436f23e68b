from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("Reifegrad-Check")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(secret_key_configured, checks.Tags.security, deploy=True)


def secret_key_configured(app_configs: object = None, **kwargs: object) -> list[checks.Error]:
    if getattr(settings, "SECRET_KEY_MISSING", False):
        return [
            checks.Error(
                "SECRET_KEY is not set; the app would sign sessions with a throw-away key.",
                hint="Set the SECRET_KEY environment variable.",
                id="reifegrad.E001",
            )
        ]
    return []
