from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand, CommandParser

from assessment.models import User

DEMO_EMAIL = "demo@reifegrad.example"
DEMO_PASSWORD = "reifegrad-demo"  # noqa: S105 - printed on purpose, for local trials only


class Command(BaseCommand):
    help = "Create (or reset) the demo login for local trials and print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default=DEMO_EMAIL)
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args: object, email: str, password: str, **options: object) -> None:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_superuser(email=email, password=password)
        else:
            user.set_password(password)
            user.is_staff = user.is_superuser = True
            user.save()
        # The demo login works at once: its address counts as verified.
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: {email} / {password}  (admin: http://127.0.0.1:8000/admin/)"
            )
        )
