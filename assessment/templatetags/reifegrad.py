from html import escape

from django import template
from django.utils.formats import number_format
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
# made it the slowest part of those pages (bench/README.md). Every value is escaped.
# The language is looked up once per question, not for each of its texts.
TEXT, HELP, LABEL = Question.text, Question.help, Option.label


def answer_choices(item: dict, language: str | None = None) -> str:
    """The radio buttons or tick boxes of one question."""
    language = language or get_language()
    question = item["question"]
    chosen = () if item["not_applicable"] else item["chosen"]
    input_type = escape(item["input_type"])
    question_key = escape(question.key)
    parts = []
    for option in question.option_list:
        key = escape(option.key)
        checked = " checked" if option.key in chosen else ""
        exclusive = " data-exclusive" if option.exclusive else ""
        parts.append(
            f'<div class="form-check"><input class="form-check-input" type="{input_type}"'
            f' name="q-{question_key}" id="q-{question_key}-{key}" value="{key}"{checked}'
            f'{exclusive}> <label class="form-check-label" for="q-{question_key}-{key}">'
            f"{escape(LABEL.value(option, language))}</label></div>\n"
        )
    return "".join(parts)


def note_field(item: dict, *, advisor: bool, max_note_length: int) -> str:
    """The optional note; a consultant also chooses whether it stays out of the report."""
    key = escape(item["question"].key)
    if item["note_private"] and not advisor:
        text = escape(gettext("Hier gibt es eine interne Notiz der Beratung."))
        return f'<p class="small text-body-secondary mt-2 mb-0">{text}</p>\n'
    parts = [
        f'<details class="mt-2"{" open" if item["note"] else ""}>\n'
        f'<summary class="small">{escape(gettext("Notiz (freiwillig)"))}</summary>\n'
        f'<label class="visually-hidden" for="note-{key}">'
        f"{escape(gettext('Notiz zu dieser Frage'))}</label>\n"
        f'<textarea class="form-control form-control-sm mt-1" id="note-{key}" name="note-{key}"'
        f' rows="2" maxlength="{int(max_note_length)}">{escape(item["note"])}</textarea>\n'
    ]
    if advisor:
        checked = " checked" if item["note_private"] else ""
        parts.append(
            f'<input type="hidden" name="note-private-field-{key}" value="1">\n'
            f'<div class="form-check mt-1"><input class="form-check-input" type="checkbox"'
            f' id="note-private-{key}" name="note-private-{key}" value="1" data-note-private'
            f'{checked}> <label class="form-check-label small" for="note-private-{key}">'
            f"{escape(gettext('Nur für die Beratung (nicht im Bericht)'))}</label></div>\n"
        )
    parts.append("</details>\n")
    return "".join(parts)


@register.simple_tag(takes_context=True)
def question_fieldset(context: template.Context, item: dict) -> SafeString:
    """One question of a questionnaire page: text, help, choices, "does not apply", note."""
    question = item["question"]
    language = get_language()
    help_text = HELP.value(question, language)
    key = escape(question.key)
    parent = item["condition_parent"]
    classes = "question card card-body mb-3"
    if item["error"]:
        classes += " border-danger"
    if item["hidden"]:
        classes += " condition-off"
    attributes = f'id="q-{key}" class="{classes}" data-question="{key}"'
    attributes += f' data-kind="{escape(question.kind)}"'
    if parent:
        condition_any = escape(" ".join(question.condition_any_of))
        attributes += (
            f' data-condition-question="{escape(parent.key)}" data-condition-any="{condition_any}"'
        )
    if help_text:
        attributes += f' aria-describedby="help-{key}"'
    parts = [
        f"<fieldset {attributes}>\n",
        f'<legend class="fs-6 fw-semibold">{escape(TEXT.value(question, language))}</legend>\n',
    ]
    if item["unconfirmed"]:
        badge = escape(gettext("aus dem letzten Check – bitte prüfen"))
        parts.append(
            f'<p class="small mb-1"><span class="badge text-bg-info" data-unconfirmed-badge>'
            f"{badge}</span></p>\n"
        )
    parts.append(
        f'<input type="hidden" name="shown" value="{key}">\n'
        f'<input type="hidden" name="seen-{key}" value="{escape(item["seen"])}">\n'
    )
    if help_text:
        parts.append(
            f'<p id="help-{key}" class="small text-body-secondary">{escape(help_text)}</p>\n'
        )
    if parent:
        hint = gettext(
            "Nur zu beantworten, wenn Sie bei „%(question)s“ „%(labels)s“ gewählt haben."
        ) % {
            "question": escape(TEXT.value(parent, language)),
            "labels": escape(" / ".join(item["condition_labels"])),
        }
        parts.append(f'<p class="small fst-italic condition-hint">{hint}</p>\n')
    if question.kind == "multiple":
        parts.append(f'<p class="small mb-1">{escape(gettext("Mehrere Antworten möglich."))}</p>\n')
    if item["error"]:
        parts.append(
            f'<div class="text-danger small mb-2" role="alert">{escape(str(item["error"]))}</div>\n'
        )
    parts.append(answer_choices(item, language))
    if question.allow_na:
        checked = " checked" if item["not_applicable"] else ""
        parts.append(
            f'<div class="form-check mt-1"><input class="form-check-input"'
            f' type="{escape(item["input_type"])}" name="q-{key}" id="q-{key}-na"'
            f' value="{escape(context["not_applicable_value"])}"{checked} data-exclusive>'
            f' <label class="form-check-label text-body-secondary" for="q-{key}-na">'
            f"{escape(gettext('Trifft auf uns nicht zu'))}</label></div>\n"
        )
    parts.append(
        note_field(
            item,
            advisor=bool(context.get("advisor")),
            max_note_length=context["max_note_length"],
        )
    )
    parts.append(
        '<p class="small mb-0 mt-2 save-state" data-save-state aria-live="polite"></p>\n'
        "</fieldset>\n"
    )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
