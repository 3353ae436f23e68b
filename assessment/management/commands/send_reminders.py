from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from assessment.reminders import send_due_reminders


class Command(BaseCommand):
    help = (
        "Email members about due reassessments and overdue steps. Sends each reminder once "
        "per due date (recorded in the database), so it is safe to run from cron every hour."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list, send nothing")
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "SITE_URL", "http://127.0.0.1:8000"),
            help="address of the app for the links in the mails",
        )

    def handle(self, *args: object, dry_run: bool, base_url: str, **options: object) -> None:
        reminders = send_due_reminders(base_url=base_url, dry_run=dry_run)
        verb = "would send" if dry_run else "sent"
        for reminder in reminders:
            self.stdout.write(
                f"{verb}: {reminder.kind} for {reminder.company} (due {reminder.due_date}) "
                f"to {len(reminder.recipients)} member(s)"
            )
        self.stdout.write(f"{len(reminders)} reminder(s) {verb}")
