from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessment.questionnaire_file import (
    QuestionnaireFileError,
    QuestionnaireInUse,
    load_questionnaire_file,
)


class Command(BaseCommand):
    help = "Validate a questionnaire YAML file and store it as a questionnaire version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="questionnaire YAML file(s)")

    def handle(self, *args: object, files: list[Path], **options: object) -> None:
        for path in files:
            try:
                outcome = load_questionnaire_file(path=path)
            except QuestionnaireFileError as error:
                for line in error.errors:
                    self.stderr.write(line)
                raise CommandError(
                    f"{path}: {len(error.errors)} error(s); nothing was loaded"
                ) from None
            except QuestionnaireInUse as error:
                raise CommandError(str(error)) from None
            questionnaire = outcome.questionnaire
            counts = (
                f"{questionnaire.dimensions.count()} dimensions, "
                f"{questionnaire.questions.count()} questions, "
                f"{questionnaire.recommendations.count()} recommendations"
            )
            self.stdout.write(f"{questionnaire}: {outcome.action} ({counts})")
