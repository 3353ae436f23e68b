"""Answer types: what a person sent for one question, checked, and the limits of a note.

Shared by the questionnaire-page form handling, the workflows that save answers and the
views; no form classes here, so that workflows do not depend on forms.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext

from assessment.models import Question

NOT_APPLICABLE = "_na"
MAX_NOTE_LENGTH = 2000


@dataclass(frozen=True)
class AnswerChange:
    question: Question
    options: tuple[str, ...]
    not_applicable: bool
    note: str | None  # None: leave the stored note as it is
    note_private: bool | None = None  # None: leave the note's visibility as it is
    decided: bool = False  # chosen in the consolidation (see Answer.decided)


def note_problem(note: str | None) -> str | None:
    """What keeps a note as sent from being stored, in words for the person; else None."""
    if note is None:
        return None
    if "\x00" in note:  # PostgreSQL stores no NUL characters in text
        return gettext("Die Notiz enthält ein Zeichen, das sich nicht speichern lässt.")
    if len(note.strip()) > MAX_NOTE_LENGTH:
        return gettext("Die Notiz ist zu lang (höchstens %(max)s Zeichen).") % {
            "max": MAX_NOTE_LENGTH
        }
    return None


def parse_answer(
    question: Question, values: list[str], note: str | None, note_private: bool | None = None
) -> AnswerChange | str:
    """Check what a person sent for one question; return the change or a message for them."""
    option_keys = [option.key for option in question.option_list]
    problem = note_problem(note)
    if problem is not None:
        return problem
    if note is not None:
        note = note.strip()
    if not values:
        # An unticked list clears its answer; a question with one answer needs one.
        if question.kind == Question.Kind.MULTIPLE:
            return AnswerChange(question, (), False, note, note_private)
        return gettext("Bitte wählen Sie eine Antwort.")
    if any(len(value) > 64 for value in values) or len(values) > len(option_keys) + 1:
        return gettext("Diese Antwort passt nicht zur Frage.")
    if NOT_APPLICABLE in values:
        if not question.allow_na:
            return gettext("Bei dieser Frage ist „trifft nicht zu“ nicht möglich.")
        return AnswerChange(question, (), True, note, note_private)
    unknown = [value for value in values if value not in option_keys]
    if unknown:
        return gettext("Diese Antwort passt nicht zur Frage.")
    chosen = [key for key in option_keys if key in values]
    if question.kind != Question.Kind.MULTIPLE and len(chosen) > 1:
        return gettext("Bitte wählen Sie nur eine Antwort.")
    exclusive = [o.key for o in question.option_list if o.exclusive and o.key in chosen]
    if exclusive:
        chosen = exclusive[:1]
    return AnswerChange(question, tuple(chosen), False, note, note_private)
