import datetime
import itertools
from functools import lru_cache
from typing import NamedTuple

from django import template
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from assessment.citations import english_citation
from assessment.engine import scoring
from assessment.engine.roadmap import PhasePlan
from assessment.models import Dimension, LevelBand, Option, Question
from assessment.reports.context import date_in

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


def shown_number(value: float) -> int:
    """A score as the pages print it: a whole number, rounded half up (62.5 shows as 63)."""
    return scoring.whole_points(float(value))


@register.filter
def shown(value: float | None) -> int | None:
    return None if value is None or value == "" else shown_number(value)


@register.filter
def shown_change(after: float | None, before: float | None) -> str:
    """The change between two scores as shown (whole numbers), so that "32 → 41" says +9."""
    if after is None or before is None or after == "" or before == "":
        return "–"
    return signed(shown_number(after) - shown_number(before), 0)


@register.filter
def cost(step: object) -> str:
    """One-off and monthly cost of a step (or a recommendation) as a person reads it."""
    once = getattr(step, "cost_once", 0) or 0
    monthly = getattr(step, "cost_monthly", 0) or 0
    parts = []
    if once:
        parts.append(f"{number_format(once, decimal_pos=0, force_grouping=True)} €")
    if monthly:
        amount = number_format(monthly, decimal_pos=0, force_grouping=True)
        parts.append(gettext("%(amount)s € pro Monat") % {"amount": amount})
    return " + ".join(parts) if parts else gettext("kostenlos")


@register.filter
def dimension_before(rows: list[dict], key: str) -> float | None:
    """The previous check's score of one dimension, from the history rows."""
    return next((row["before"] for row in rows if row["dimension"].key == key), None)


@register.filter
def points(value: float | None) -> int | str:
    """A score as whole points, rounded half up: the number the level bands are read on."""
    if value is None or value == "":
        return ""
    return scoring.whole_points(float(value))


@register.filter
def subtract(value: float | None, other: float | None) -> float | None:
    if value is None or other is None:
        return None
    return float(value) - float(other)


@register.filter
def citation(source: str) -> str:
    """A legal source as the questionnaire cites it, in the active language."""
    if (get_language() or "de")[:2] != "en":
        return source
    return english_citation(source, format_date=lambda day: date_format(day, "DATE_FORMAT"))


@register.filter
def shown_date(value: datetime.date | None, format_name: str = "DATE_FORMAT") -> str:
    """Django's `date` filter for a format setting's name, remembered by value: a datetime
    shows as its day in the current time zone."""
    if not isinstance(value, datetime.date):
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return date_in(value, format_name, get_language())


@register.filter
def get_item(mapping: dict, key: str) -> object:
    return mapping.get(key) if isinstance(mapping, dict) else None


# The questionnaire page and the facilitator view show up to sixty questions with their
# options. Their markup is written here rather than in a template: the template engine
# made it the slowest part of those pages (bench/README.md). Every piece is built with
# format_html, which escapes each value it is given. What a question shows regardless of
# its answer (texts, options in both states, note field) is built once per question,
# language and page setting and remembered by value; a page then only fills in the
# answer: which pieces, the seen-state, the note and an error.
TEXT, HELP, LABEL = Question.text, Question.help, Option.label
DIMENSION_TITLE, BAND_NAME = Dimension.title, LevelBand.name
NOTHING = mark_safe("")
CLASSES = {
    (False, False): NOTHING,
    (True, False): mark_safe(" border-danger"),
    (False, True): mark_safe(" condition-off"),
    (True, True): mark_safe(" border-danger condition-off"),
}

FIELDSET_START = '<fieldset id="q-{}" class="question card card-body mb-3'
FIELDSET_ATTRIBUTES = '" data-question="{key}" data-kind="{kind}"{condition}{described}>\n'
CONDITION_ATTRIBUTES = ' data-condition-question="{}" data-condition-any="{}"'
DESCRIBED_BY = ' aria-describedby="help-{}"'
LEGEND = '<legend class="fs-6 fw-semibold">{}</legend>\n'
UNCONFIRMED = (
    '<p class="small mb-1"><span class="badge text-bg-info" data-unconfirmed-badge>{}</span></p>\n'
)
SEEN_START = (
    '<input type="hidden" name="shown" value="{key}">\n'
    '<input type="hidden" name="seen-{key}" value="'
)
HELP_TEXT = '<p id="help-{}" class="small text-body-secondary">{}</p>\n'
CONDITION_HINT = '<p class="small fst-italic condition-hint">{}</p>\n'
MULTIPLE = '<p class="small mb-1">{}</p>\n'
ERROR = '<div class="text-danger small mb-2" role="alert">{}</div>\n'
OPTION = (
    '<div class="form-check"><input class="form-check-input" type="{type}" name="q-{question}"'
    ' id="q-{question}-{key}" value="{key}"{checked}{exclusive}>'
    ' <label class="form-check-label" for="q-{question}-{key}">{label}</label></div>\n'
)
NOT_APPLICABLE = (
    '<div class="form-check mt-1"><input class="form-check-input"'
    ' type="{type}" name="q-{key}" id="q-{key}-na" value="{value}"{checked}'
    ' data-exclusive> <label class="form-check-label text-body-secondary" for="q-{key}-na">'
    "{label}</label></div>\n"
)
PRIVATE_NOTE_EXISTS = '<p class="small text-body-secondary mt-2 mb-0">{}</p>\n'
NOTE_START = (
    '<details class="mt-2"{open}>\n'
    '<summary class="small">{summary}</summary>\n'
    '<label class="visually-hidden" for="note-{key}">{label}</label>\n'
    '<textarea class="form-control form-control-sm mt-1" id="note-{key}" name="note-{key}"'
    ' rows="2" maxlength="{max_length}">'
)
NOTE_PRIVATE_CHOICE = (
    '<input type="hidden" name="note-private-field-{key}" value="1">\n'
    '<div class="form-check mt-1"><input class="form-check-input" type="checkbox"'
    ' id="note-private-{key}" name="note-private-{key}" value="1" data-note-private'
    '{checked}> <label class="form-check-label small" for="note-private-{key}">'
    "{label}</label></div>\n"
)
NOTE_END = "</textarea>\n{private_choice}</details>\n"
FIELDSET_END = (
    '<p class="small mb-0 mt-2 save-state" data-save-state aria-live="polite"></p>\n</fieldset>\n'
)
# A page fills in one question: pieces built beforehand and the values of the answer.
QUESTION = (
    '{start}{classes}{attributes}{badge}{seen_start}{seen}">\n{texts}{error}{choices}'
    "{not_applicable}{note_start}{note}{note_end}" + FIELDSET_END
)


class QuestionPieces(NamedTuple):
    """The markup of one question that does not depend on its answer."""

    start: SafeString
    attributes: SafeString  # the rest of the fieldset tag and the legend
    badge: SafeString  # "carried over from the last check"
    seen_start: SafeString
    texts: SafeString  # help, condition hint, "several answers possible"
    options: tuple[tuple[SafeString, SafeString], ...]  # each option unticked, ticked
    choices_format: str  # "{}" per option
    not_applicable: tuple[SafeString, SafeString]  # unticked, ticked; or nothing
    private_note_exists: SafeString  # what the client sees instead of a private note
    note_start: tuple[SafeString, SafeString]  # closed, open
    note_end: tuple[SafeString, SafeString, SafeString]  # client; consultant: public, private


def on_off(format_string: str, **values: object) -> tuple[SafeString, SafeString]:
    """A piece without and with its "checked" (or "open") attribute."""
    return (
        format_html(format_string, **values, checked=NOTHING, open=NOTHING),
        format_html(
            format_string, **values, checked=mark_safe(" checked"), open=mark_safe(" open")
        ),
    )


@lru_cache(maxsize=4096)
def question_pieces(
    *,
    key: str,
    kind: str,
    text: str,
    help_text: str,
    options: tuple[tuple[str, str, bool], ...],
    input_type: str,
    allow_na: bool,
    not_applicable_value: str,
    max_note_length: int,
    condition: tuple[str, str, str, tuple[str, ...]] | None,
    language: str,
) -> QuestionPieces:
    """Everything of one question that its answer does not change, in the active language.

    `options`: (key, label, exclusive) each; `condition`: the key and text of the question
    it depends on, the option keys that show it and their labels.
    """
    texts = []
    if help_text:
        texts.append(format_html(HELP_TEXT, key, help_text))
    condition_attributes = NOTHING
    if condition:
        parent_key, _parent_text, any_of, _labels = condition
        condition_attributes = format_html(CONDITION_ATTRIBUTES, parent_key, any_of)
    if kind == "multiple":
        texts.append(format_html(MULTIPLE, gettext("Mehrere Antworten möglich.")))
    attributes = format_html(
        FIELDSET_ATTRIBUTES,
        key=key,
        kind=kind,
        condition=condition_attributes,
        described=format_html(DESCRIBED_BY, key) if help_text else NOTHING,
    ) + format_html(LEGEND, text)
    not_applicable = (NOTHING, NOTHING)
    if allow_na:
        not_applicable = on_off(
            NOT_APPLICABLE,
            type=input_type,
            key=key,
            value=not_applicable_value,
            label=gettext("Trifft auf uns nicht zu"),
        )
    note_private = gettext("Nur für die Beratung (nicht im Bericht)")
    private_off, private_on = on_off(NOTE_PRIVATE_CHOICE, key=key, label=note_private)
    return QuestionPieces(
        start=format_html(FIELDSET_START, key),
        attributes=attributes,
        badge=format_html(UNCONFIRMED, gettext("aus dem letzten Check – bitte prüfen")),
        seen_start=format_html(SEEN_START, key=key),
        texts=format_html("{}" * len(texts), *texts) if texts else NOTHING,
        options=tuple(
            on_off(
                OPTION,
                type=input_type,
                question=key,
                key=option_key,
                exclusive=mark_safe(" data-exclusive") if exclusive else NOTHING,
                label=label,
            )
            for option_key, label, exclusive in options
        ),
        choices_format="{}" * len(options),
        not_applicable=not_applicable,
        private_note_exists=format_html(
            PRIVATE_NOTE_EXISTS, gettext("Hier gibt es eine interne Notiz der Beratung.")
        ),
        note_start=on_off(
            NOTE_START,
            summary=gettext("Notiz (freiwillig)"),
            key=key,
            label=gettext("Notiz zu dieser Frage"),
            max_length=max_note_length,
        ),
        note_end=(
            format_html(NOTE_END, private_choice=NOTHING),
            format_html(NOTE_END, private_choice=private_off),
            format_html(NOTE_END, private_choice=private_on),
        ),
    )


def condition_hint(parent_text: str, labels: list[str], covered: int) -> str:
    """What a page without JavaScript says above the questions that follow from an answer."""
    # Quotation marks follow the language: „Ja“ in German, “Yes” in English.
    quoted = [gettext("„%(text)s“") % {"text": label} for label in labels]
    if len(quoted) > 1:
        answer = gettext("eine der Antworten %(first)s oder %(last)s") % {
            "first": ", ".join(quoted[:-1]),
            "last": quoted[-1],
        }
    else:
        answer = gettext("die Antwort %(label)s") % {"label": quoted[0] if quoted else ""}
    values = {"question": parent_text, "answer": answer, "count": covered}
    if covered > 1:
        return ngettext(
            "Diese und die folgende Frage nur beantworten, wenn Sie bei „%(question)s“ "
            "%(answer)s gewählt haben.",
            "Diese und die %(count)s folgenden Fragen nur beantworten, wenn Sie bei "
            "„%(question)s“ %(answer)s gewählt haben.",
            covered - 1,
        ) % {**values, "count": covered - 1}
    return (
        gettext(
            "Diese Frage nur beantworten, wenn Sie bei „%(question)s“ %(answer)s gewählt haben."
        )
        % values
    )


@register.simple_tag(takes_context=True)
def question_fieldset(context: template.Context, item: dict) -> SafeString:
    """One question of a questionnaire page: text, help, choices, "does not apply", note."""
    question = item["question"]
    language = get_language()
    parent = item["condition_parent"]
    pieces = question_pieces(
        key=question.key,
        kind=question.kind,
        text=TEXT.value(question, language),
        help_text=HELP.value(question, language),
        options=tuple(
            (option.key, LABEL.value(option, language), bool(option.exclusive))
            for option in question.option_list
        ),
        input_type=item["input_type"],
        allow_na=bool(question.allow_na),
        not_applicable_value=context["not_applicable_value"],
        max_note_length=int(context["max_note_length"]),
        condition=(
            (
                parent.key,
                TEXT.value(parent, language),
                " ".join(question.condition_any_of),
                tuple(item["condition_labels"]),
            )
            if parent
            else None
        ),
        language=language,
    )
    error = item["error"]
    covered = int(item.get("condition_hint", 1)) if parent else 0
    texts = pieces.texts
    if covered:
        texts = format_html(
            "{}{}",
            format_html(
                CONDITION_HINT,
                condition_hint(TEXT.value(parent, language), item["condition_labels"], covered),
            ),
            texts,
        )
    not_applicable = bool(item["not_applicable"])
    chosen = () if not_applicable else item["chosen"]
    choices = format_html(
        pieces.choices_format,
        *(
            ticked if option.key in chosen else unticked
            for option, (unticked, ticked) in zip(question.option_list, pieces.options, strict=True)
        ),
    )
    note_start, note, note_end = note_parts(context, item, pieces)
    return format_html(
        QUESTION,
        start=pieces.start,
        classes=CLASSES[bool(error), bool(item["hidden"])],
        attributes=pieces.attributes,
        badge=pieces.badge if item["unconfirmed"] else NOTHING,
        seen_start=pieces.seen_start,
        seen=item["seen"],
        texts=texts,
        error=format_html(ERROR, error) if error else NOTHING,
        choices=choices,
        not_applicable=pieces.not_applicable[not_applicable] if question.allow_na else NOTHING,
        note_start=note_start,
        note=note,
        note_end=note_end,
    )


def note_parts(
    context: template.Context, item: dict, pieces: QuestionPieces
) -> tuple[SafeString, str, SafeString]:
    """The note field of one question as this person may see it: the consultant sees and
    sets private notes, the client only learns that one exists."""
    note_private = bool(item["note_private"])
    if context.get("advisor"):
        return (
            pieces.note_start[bool(item["note"])],
            item["note"],
            pieces.note_end[2 if note_private else 1],
        )
    if note_private:
        return pieces.private_note_exists, "", NOTHING
    return pieces.note_start[bool(item["note"])], item["note"], pieces.note_end[0]


# A grid question (docs/questionnaire-format.md, "Grid questions"): one fieldset with the
# grid's text as legend and a table with a column per scale step and a row per row question.
# Each row is an ordinary question of the form (the same field names as a scale question),
# so saving needs nothing of its own. On a phone the same table is laid out as a list of
# rows by CSS, each step label visible beside its input.
GRID_START = (
    '<fieldset id="grid-{key}" class="question question-grid card card-body mb-3{classes}"'
    ' data-grid="{key}"{condition}{described}>\n'
    '<legend id="grid-{key}-legend" class="fs-6 fw-semibold">{text}</legend>\n'
)
GRID_TABLE = (
    '<table class="grid-table" aria-labelledby="grid-{key}-legend">\n'
    '<thead><tr><td class="grid-corner"></td>{columns}</tr></thead>\n<tbody>\n'
)
GRID_COLUMN = '<th scope="col" class="grid-step">{}</th>'
GRID_NA_COLUMN = '<th scope="col" class="grid-step grid-na">{}</th>'
GRID_ROW = (
    '<tr id="q-{key}" class="grid-row{classes}" data-question="{key}" data-kind="{kind}">\n'
    '<th scope="row" class="grid-label"><span class="grid-row-label">{label}</span>{badge}'
    "{error}\n"
    '<input type="hidden" name="shown" value="{key}">\n'
    '<input type="hidden" name="seen-{key}" value="{seen}">\n'
    "{note_start}{note}{note_end}"
    '<p class="small mb-0 mt-1 save-state" data-save-state aria-live="polite"></p>\n'
    "</th>\n{cells}</tr>\n"
)
GRID_CELL = (
    '<td class="grid-cell{na}"><input class="form-check-input" type="radio" name="q-{key}"'
    ' id="q-{key}-{value_id}" value="{value}"{checked}{exclusive}>'
    ' <label class="grid-choice" for="q-{key}-{value_id}"><span class="visually-hidden">'
    '{label}: </span><span class="grid-step-label">{step}</span></label></td>\n'
)
GRID_ROW_CLASSES = {False: NOTHING, True: mark_safe(" grid-row-error")}
GRID_END = mark_safe("</tbody>\n</table>\n</fieldset>\n")


def grid_cell(
    *, key: str, label: str, value: str, value_id: str, step: str, checked: bool, na: bool
) -> SafeString:
    return format_html(
        GRID_CELL,
        na=mark_safe(" grid-na") if na else NOTHING,
        key=key,
        value_id=value_id,
        value=value,
        checked=mark_safe(" checked") if checked else NOTHING,
        exclusive=mark_safe(" data-exclusive") if na else NOTHING,
        label=label,
        step=step,
    )


def grid_fieldset(context: template.Context, items: list[dict]) -> SafeString:
    """One grid: its rows' items (as `page_context` builds them, consecutive, of one grid)."""
    language = get_language()
    first = items[0]["question"]
    grid = first.grid
    parent = items[0]["condition_parent"]
    not_applicable_value = context["not_applicable_value"]
    help_text = HELP.value(grid, language)
    texts = []
    if help_text:
        texts.append(format_html(HELP_TEXT, f"grid-{grid.key}", help_text))
    covered = int(items[0].get("condition_hint", 1)) if parent else 0
    if covered:
        texts.insert(
            0,
            format_html(
                CONDITION_HINT,
                condition_hint(TEXT.value(parent, language), items[0]["condition_labels"], covered),
            ),
        )
    errors = any(item["error"] for item in items)
    steps = [(option.key, LABEL.value(option, language)) for option in first.option_list]
    allow_na = bool(first.allow_na)
    not_applicable_label = gettext("Trifft auf uns nicht zu")
    columns = [format_html(GRID_COLUMN, label) for _key, label in steps]
    if allow_na:
        columns.append(format_html(GRID_NA_COLUMN, not_applicable_label))
    parts = [
        format_html(
            GRID_START,
            key=grid.key,
            classes=CLASSES[errors, bool(items[0]["hidden"])],
            condition=(
                format_html(CONDITION_ATTRIBUTES, parent.key, " ".join(first.condition_any_of))
                if parent
                else NOTHING
            ),
            described=format_html(DESCRIBED_BY, f"grid-{grid.key}") if help_text else NOTHING,
            text=TEXT.value(grid, language),
        ),
        *texts,
        format_html(GRID_TABLE, key=grid.key, columns=format_html("{}" * len(columns), *columns)),
    ]
    for item in items:
        question = item["question"]
        label = TEXT.value(question, language)
        pieces = question_pieces(
            key=question.key,
            kind=question.kind,
            text=label,
            help_text="",
            options=(),
            input_type="radio",
            allow_na=False,
            not_applicable_value=not_applicable_value,
            max_note_length=int(context["max_note_length"]),
            condition=None,
            language=language,
        )
        not_applicable = bool(item["not_applicable"])
        chosen = () if not_applicable else item["chosen"]
        cells = [
            grid_cell(
                key=question.key,
                label=label,
                value=option_key,
                value_id=option_key,
                step=step,
                checked=option_key in chosen,
                na=False,
            )
            for option_key, step in steps
        ]
        if allow_na:
            cells.append(
                grid_cell(
                    key=question.key,
                    label=label,
                    value=not_applicable_value,
                    value_id="na",
                    step=not_applicable_label,
                    checked=not_applicable,
                    na=True,
                )
            )
        note_start, note, note_end = note_parts(context, item, pieces)
        error = item["error"]
        parts.append(
            format_html(
                GRID_ROW,
                key=question.key,
                classes=GRID_ROW_CLASSES[bool(error)],
                kind=question.kind,
                label=label,
                badge=pieces.badge if item["unconfirmed"] else NOTHING,
                error=format_html(ERROR, error) if error else NOTHING,
                seen=item["seen"],
                note_start=note_start,
                note=note,
                note_end=note_end,
                cells=format_html("{}" * len(cells), *cells),
            )
        )
    parts.append(GRID_END)
    return format_html("{}" * len(parts), *parts)


def grid_key(item: dict) -> object:
    """What groups consecutive items into one grid: the row's grid, None for a question."""
    return getattr(item["question"], "grid_id", None) or None


@register.simple_tag(takes_context=True)
def question_list(context: template.Context, items: list[dict]) -> SafeString:
    """The questions of a page in order, each row of a grid inside its grid's table."""
    parts: list[SafeString] = []
    for grid, group in itertools.groupby(items, key=grid_key):
        if grid is None:
            parts.extend(question_fieldset(context, item) for item in group)
        else:
            parts.append(grid_fieldset(context, list(group)))
    return format_html("{}" * len(parts), *parts) if parts else NOTHING


# The results page's tables and lists, written here for the same reason as the question
# markup: rendered by the template engine, their loops (a row per dimension, a list per
# dimension, five levers, three phases) took about a third of the page's time. Every value
# goes through format_html; the texts are the templates' former message ids.
def joined(parts: list[SafeString]) -> SafeString:
    return format_html("{}" * len(parts), *parts) if parts else NOTHING


DIMENSION_ROW = (
    '<tr><th scope="row" class="fw-normal">{title}</th>\n'
    '          <td class="text-end fw-semibold">{score}</td>\n'
    "          <td>{band}</td>\n"
    "          {change}</tr>\n"
)
NOT_APPLICABLE_BAND = '<span class="text-body-secondary">{}</span>'
CHANGE_CELL = '<td class="text-end">{}</td>'


@register.simple_tag
def dimension_table_rows(rows: list[dict], history: dict | None) -> SafeString:
    """The rows of the results page's table of dimensions: score, level, change."""
    language = get_language()
    return dimension_table_in(
        tuple(
            (
                DIMENSION_TITLE.value(row["dimension"], language),
                row["result"].score,
                BAND_NAME.value(row["band"], language) if row["band"] else None,
                dimension_before(history["rows"], row["dimension"].key) if history else None,
            )
            for row in rows
        ),
        bool(history),
        language,
    )


# The results page's tables and lists below are remembered by what they show, like the
# question pieces: a completed check's page shows the same ones on every visit.
@lru_cache(maxsize=1024)
def dimension_table_in(
    rows: tuple[tuple[str, float | None, str | None, float | None], ...],
    history: bool,
    language: str | None,
) -> SafeString:
    """`dimension_table_rows` from each row's title, score, level name and score before, in
    `language` (the active language)."""
    not_applicable = gettext("trifft nicht zu")
    parts = []
    for title, score, band, before in rows:
        parts.append(
            format_html(
                DIMENSION_ROW,
                title=title,
                score=points(score) if score is not None else "–",
                band=band if band else format_html(NOT_APPLICABLE_BAND, not_applicable),
                change=format_html(CHANGE_CELL, shown_change(score, before))
                if history
                else NOTHING,
            )
        )
    return joined(parts)


DIMENSION_SECTION = (
    '<section class="list-group-item py-2" data-dimension="{key}">\n'
    '      <h3 class="h6 mb-1">{title}: {score}</h3>\n'
    "      {details}\n"
    "    </section>\n"
)
HOLDING_BACK = (
    '<p class="small fw-semibold mb-1">{}</p>\n        <ul class="small mb-0">\n{}        </ul>'
)
HOLDING_BACK_ITEM = (
    '            <li>{text} <span class="text-body-secondary">– {your_answer} {answer}'
    "</span></li>\n"
)
NOTHING_HOLDS_BACK = '<p class="small text-body-secondary mb-0">{}</p>'


@register.simple_tag
def dimension_sections(rows: list[dict]) -> SafeString:
    """Each dimension of the results page: score, level and the questions that hold it back."""
    language = get_language()
    return dimension_sections_in(
        tuple(
            (
                row["dimension"].key,
                DIMENSION_TITLE.value(row["dimension"], language),
                row["result"].score,
                BAND_NAME.value(row["band"], language) if row["band"] else None,
                tuple(
                    (item["question"].display_text_in(language), item["answer"])
                    for item in row["holding_back"]
                ),
            )
            for row in rows
        ),
        language,
    )


@lru_cache(maxsize=1024)
def dimension_sections_in(
    rows: tuple[tuple[str, str, float | None, str | None, tuple[tuple[str, str], ...]], ...],
    language: str | None,
) -> SafeString:
    """`dimension_sections` from each dimension's key, title, score, level name and the
    questions holding it back with their answers, in `language` (the active language)."""
    your_answer = gettext("Ihre Antwort:")
    parts = []
    for key, title, score, band, holding_back in rows:
        if score is None:
            shown_score = format_html("{}", gettext("trifft nicht zu"))
        elif band:
            shown_score = format_html("{} – {}", points(score), band)
        else:
            shown_score = format_html("{}", points(score))
        details = NOTHING
        if holding_back:
            items = [
                format_html(HOLDING_BACK_ITEM, text=text, your_answer=your_answer, answer=answer)
                for text, answer in holding_back
            ]
            details = format_html(HOLDING_BACK, gettext("Was Sie bremst"), joined(items))
        elif score is not None:
            details = format_html(NOTHING_HOLDS_BACK, gettext("Nichts Wesentliches – weiter so."))
        parts.append(
            format_html(DIMENSION_SECTION, key=key, title=title, score=shown_score, details=details)
        )
    return joined(parts)


LEVER = (
    '<li class="mb-2"><strong>+{lever}</strong> – {text}\n'
    '        <span class="small text-body-secondary">({dimension}; {your_answer} {answer})</span>'
    "</li>\n"
)


@register.simple_tag
def lever_items(levers: list[dict]) -> SafeString:
    """The five biggest levers of the overall index, each with the question and the answer."""
    language = get_language()
    return lever_items_in(
        tuple(
            (
                lever["lever"],
                lever["question"].display_text_in(language),
                DIMENSION_TITLE.value(lever["dimension"], language),
                lever["answer"],
            )
            for lever in levers
        ),
        language,
    )


@lru_cache(maxsize=1024)
def lever_items_in(
    levers: tuple[tuple[float, str, str, str], ...], language: str | None
) -> SafeString:
    """`lever_items` from each lever's value, question text, dimension title and answer, in
    `language` (the active language)."""
    your_answer = gettext("Ihre Antwort:")
    return joined(
        [
            format_html(
                LEVER,
                lever=floatformat(lever, 1),
                text=text,
                dimension=dimension,
                your_answer=your_answer,
                answer=answer,
            )
            for lever, text, dimension, answer in levers
        ]
    )


PHASE_HEAD = (
    '<h3 class="h6 mb-1">{title}</h3>\n'
    '<p class="small text-body-secondary mb-2">{dates} · {planned}</p>\n'
)


@register.simple_tag
def phase_head(plan: PhasePlan) -> SafeString:
    """A roadmap phase's heading: its name, its dates, the hours and money planned in it."""
    return phase_head_in(
        plan.key,
        plan.starts,
        plan.ends,
        plan.hours_used,
        plan.hours_available,
        plan.money_used,
        plan.money_available,
        get_language(),
    )


# Remembered by value, like the question pieces: six dates and twelve numbers formatted
# anew on every results page cost more than the rest of its roadmap section.
@lru_cache(maxsize=1024)
def phase_head_in(
    key: str,
    starts: datetime.date,
    ends: datetime.date,
    hours_used: float,
    hours_available: float,
    money_used: float,
    money_available: float,
    language: str | None,
) -> SafeString:
    """`phase_head` in `language`, which is the active language."""
    if key == "now":
        title = gettext("Jetzt (0–3 Monate)")
    elif key == "next":
        title = gettext("Als Nächstes (3–6 Monate)")
    else:
        title = gettext("Später (6–12 Monate)")
    dates = gettext("%(starts)s bis %(ends)s") % {
        "starts": date_in(starts, "SHORT_DATE_FORMAT", language),
        "ends": date_in(ends, "SHORT_DATE_FORMAT", language),
    }
    planned = gettext(
        "Eingeplant: %(hours)s von %(hours_available)s Stunden, %(money)s von "
        "%(money_available)s EUR"
    ) % {
        "hours": floatformat(hours_used, "-1"),
        "hours_available": floatformat(hours_available, "-1"),
        "money": floatformat(money_used, "0g"),
        "money_available": floatformat(money_available, "0g"),
    }
    return format_html(PHASE_HEAD, title=title, dates=dates, planned=planned)
