from django.core.management.base import BaseCommand, CommandParser

from assessment.privacy import purge


class Command(BaseCommand):
    help = (
        "Delete what the retention settings say is due: checks without an account, idle "
        "resume links (blocked), secret-link misses, login attempts, stored PDFs of past "
        "days, expired mail counters and sessions, finished background tasks. Idempotent; "
        "run it daily from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args: object, dry_run: bool, **options: object) -> None:
        counts = purge(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        for name, count in counts.lines():
            action = verb
            if name == "idle_links":
                action = "would block" if dry_run else "blocked"
            self.stdout.write(f"{name}: {count} {action}")
