from html import escape

from django import template
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe

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


@register.simple_tag
def answer_choices(item: dict) -> SafeString:
    """The radio buttons or tick boxes of one question on a questionnaire page, escaped.

    Written in Python rather than as a template loop: with up to sixty options on a page,
    the loop was the slowest part of rendering it.
    """
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
            f"{escape(option.label)}</label></div>\n"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
