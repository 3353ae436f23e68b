"""Print the role matrix from assessment/access.py, as the README shows it."""

from django.core.management.base import BaseCommand

from assessment.access import matrix_markdown


class Command(BaseCommand):
    help = "Print who may do what (the permission table of assessment/access.py) as Markdown."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(matrix_markdown(), ending="")
