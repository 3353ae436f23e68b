from django import template
from django.utils.formats import number_format

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
