from functools import cache

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from assessment.models import Option, Question

register = template.Library()


@register.filter
def signed(value: float | None, decimals: int = 1) -> str:
    """A change with its sign in the active language's number format: +2,5 / −1,0 / ±0."""
    if value is None or value == "":
        return "–"
    rounded = round(float(value), int(decimals))
    text = number_format(abs(rounded), decimal_pos=int(decimals))
    if rounded > 0:
        return f"+{text}"
    if rounded < 0:
        return f"−{text}"
    return f"±{text}"


@register.filter
def subtract(value: float | None, other: float | None) -> float | None:
    if value is None or other is None:
        return None
    return float(value) - float(other)


@register.filter
def get_item(mapping: dict, key: str) -> object:
    return mapping.get(key) if isinstance(mapping, dict) else None


# The questionnaire page and the facilitator view show up to sixty questions with their
# options. Their markup is written here rather than in a template: the template engine
# made it the slowest part of those pages (bench/README.md). Each question is a single
# format_html call, which escapes every value it is given once; its format string is put
# together from the fixed pieces below by the question's shape (how many options, which
# parts it shows) and remembered for that shape.
# The language is looked up once per question, not for each of its texts.
TEXT, HELP, LABEL = Question.text, Question.help, Option.label
NOTHING = mark_safe("")
CHECKED = mark_safe(" checked")
EXCLUSIVE = mark_safe(" data-exclusive")
OPEN = mark_safe(" open")
CLASSES = {
    (False, False): NOTHING,
    (True, False): mark_safe(" border-danger"),
    (False, True): mark_safe(" condition-off"),
    (True, True): mark_safe(" border-danger condition-off"),
}

FIELDSET_START = (
    '<fieldset id="q-{key}" class="question card card-body mb-3{classes}" data-question="{key}"'
    ' data-kind="{kind}"'
)
CONDITION_ATTRIBUTES = ' data-condition-question="{parent}" data-condition-any="{condition_any}"'
DESCRIBED_BY = ' aria-describedby="help-{key}"'
LEGEND = '>\n<legend class="fs-6 fw-semibold">{text}</legend>\n'
UNCONFIRMED = (
    '<p class="small mb-1"><span class="badge text-bg-info" data-unconfirmed-badge>'
    "{unconfirmed}</span></p>\n"
)
SEEN = (
    '<input type="hidden" name="shown" value="{key}">\n'
    '<input type="hidden" name="seen-{key}" value="{seen}">\n'
)
HELP_TEXT = '<p id="help-{key}" class="small text-body-secondary">{help}</p>\n'
CONDITION_HINT = '<p class="small fst-italic condition-hint">{hint}</p>\n'
MULTIPLE = '<p class="small mb-1">{multiple}</p>\n'
ERROR = '<div class="text-danger small mb-2" role="alert">{error}</div>\n'
# One option; "#" stands for its number.
OPTION = (
    '<div class="form-check"><input class="form-check-input" type="{input_type}" name="q-{key}"'
    ' id="q-{key}-{option#}" value="{option#}"{checked#}{exclusive#}>'
    ' <label class="form-check-label" for="q-{key}-{option#}">{label#}</label></div>\n'
)
NOT_APPLICABLE = (
    '<div class="form-check mt-1"><input class="form-check-input"'
    ' type="{input_type}" name="q-{key}" id="q-{key}-na" value="{na_value}"{na_checked}'
    ' data-exclusive> <label class="form-check-label text-body-secondary" for="q-{key}-na">'
    "{not_applicable}</label></div>\n"
)
PRIVATE_NOTE_EXISTS = '<p class="small text-body-secondary mt-2 mb-0">{private_note_exists}</p>\n'
NOTE = (
    '<details class="mt-2"{note_open}>\n'
    '<summary class="small">{note_summary}</summary>\n'
    '<label class="visually-hidden" for="note-{key}">{note_label}</label>\n'
    '<textarea class="form-control form-control-sm mt-1" id="note-{key}" name="note-{key}"'
    ' rows="2" maxlength="{max_note_length}">{note}</textarea>\n'
)
NOTE_PRIVATE_CHOICE = (
    '<input type="hidden" name="note-private-field-{key}" value="1">\n'
    '<div class="form-check mt-1"><input class="form-check-input" type="checkbox"'
    ' id="note-private-{key}" name="note-private-{key}" value="1" data-note-private'
    '{note_private_checked}> <label class="form-check-label small" for="note-private-{key}">'
    "{note_private}</label></div>\n"
)
NOTE_END = "</details>\n"
FIELDSET_END = (
    '<p class="small mb-0 mt-2 save-state" data-save-state aria-live="polite"></p>\n</fieldset>\n'
)

# How a question's note is shown.
EDITABLE, PRIVATE, ADVISOR = "editable", "private", "advisor"


@cache
def fieldset_format(
    *,
    options: int,
    condition: bool,
    help_text: bool,
    unconfirmed: bool,
    multiple: bool,
    error: bool,
    not_applicable: bool,
    note: str,
) -> str:
    """The format string of one question's fieldset, from the pieces it shows.

    `note`: EDITABLE; PRIVATE, a note only the consultant sees; ADVISOR, editable with the
    choice to keep it out of the report.
    """
    pieces = [FIELDSET_START]
    pieces += [CONDITION_ATTRIBUTES] if condition else []
    pieces += [DESCRIBED_BY] if help_text else []
    pieces += [LEGEND]
    pieces += [UNCONFIRMED] if unconfirmed else []
    pieces += [SEEN]
    pieces += [HELP_TEXT] if help_text else []
    pieces += [CONDITION_HINT] if condition else []
    pieces += [MULTIPLE] if multiple else []
    pieces += [ERROR] if error else []
    pieces += [OPTION.replace("#", str(number)) for number in range(options)]
    pieces += [NOT_APPLICABLE] if not_applicable else []
    if note == PRIVATE:
        pieces += [PRIVATE_NOTE_EXISTS]
    elif note == ADVISOR:
        pieces += [NOTE, NOTE_PRIVATE_CHOICE, NOTE_END]
    else:
        pieces += [NOTE, NOTE_END]
    pieces += [FIELDSET_END]
    return "".join(pieces)


@register.simple_tag(takes_context=True)
def question_fieldset(context: template.Context, item: dict) -> SafeString:
    """One question of a questionnaire page: text, help, choices, "does not apply", note."""
    question = item["question"]
    language = get_language()
    help_text = HELP.value(question, language)
    parent = item["condition_parent"]
    error = item["error"]
    unconfirmed = item["unconfirmed"]
    multiple = question.kind == "multiple"
    allow_na = question.allow_na
    if context.get("advisor"):
        note = ADVISOR
    else:
        note = PRIVATE if item["note_private"] else EDITABLE
    values = {
        "key": question.key,
        "classes": CLASSES[bool(error), bool(item["hidden"])],
        "kind": question.kind,
        "text": TEXT.value(question, language),
        "seen": item["seen"],
        "input_type": item["input_type"],
    }
    if parent:
        values["parent"] = parent.key
        values["condition_any"] = " ".join(question.condition_any_of)
        values["hint"] = gettext(
            "Nur zu beantworten, wenn Sie bei „%(question)s“ „%(labels)s“ gewählt haben."
        ) % {
            "question": TEXT.value(parent, language),
            "labels": " / ".join(item["condition_labels"]),
        }
    if unconfirmed:
        values["unconfirmed"] = gettext("aus dem letzten Check – bitte prüfen")
    if help_text:
        values["help"] = help_text
    if multiple:
        values["multiple"] = gettext("Mehrere Antworten möglich.")
    if error:
        values["error"] = error
    chosen = () if item["not_applicable"] else item["chosen"]
    for number, option in enumerate(question.option_list):
        values[f"option{number}"] = option.key
        values[f"checked{number}"] = CHECKED if option.key in chosen else NOTHING
        values[f"exclusive{number}"] = EXCLUSIVE if option.exclusive else NOTHING
        values[f"label{number}"] = LABEL.value(option, language)
    if allow_na:
        values["na_value"] = context["not_applicable_value"]
        values["na_checked"] = CHECKED if item["not_applicable"] else NOTHING
        values["not_applicable"] = gettext("Trifft auf uns nicht zu")
    if note == PRIVATE:
        values["private_note_exists"] = gettext("Hier gibt es eine interne Notiz der Beratung.")
    else:
        values["note_open"] = OPEN if item["note"] else NOTHING
        values["note_summary"] = gettext("Notiz (freiwillig)")
        values["note_label"] = gettext("Notiz zu dieser Frage")
        values["max_note_length"] = int(context["max_note_length"])
        values["note"] = item["note"]
    if note == ADVISOR:
        values["note_private_checked"] = CHECKED if item["note_private"] else NOTHING
        values["note_private"] = gettext("Nur für die Beratung (nicht im Bericht)")
    format_string = fieldset_format(
        options=len(question.option_list),
        condition=bool(parent),
        help_text=bool(help_text),
        unconfirmed=bool(unconfirmed),
        multiple=multiple,
        error=bool(error),
        not_applicable=bool(allow_na),
        note=note,
    )
    return format_html(format_string, **values)
