"""Write the sample report (German and English) as PDF files: `make sample-report`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessment.sample import NoQuestionnaire, render_sample


class Command(BaseCommand):
    help = "Write the sample report, computed from built-in sample answers, in German and English."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output-dir", default="build", help="folder for the PDF files")

    def handle(self, *args, output_dir: str, **options) -> None:
        folder = Path(output_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for language, name in (
            ("de", "Reifegrad_Beispielbericht.pdf"),
            ("en", "Reifegrad_sample_report.pdf"),
        ):
            try:
                content = render_sample(language=language)
            except NoQuestionnaire:
                raise CommandError(
                    "No questionnaire loaded: run `manage.py load_questionnaire` first."
                ) from None
            path = folder / name
            path.write_bytes(content)
            self.stdout.write(f"{path} ({len(content) // 1024} KiB)")
