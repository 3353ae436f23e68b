"""Dates and numbers in the active language's format: "1 Dec 2026" / "01.12.2026"."""

import datetime

import pytest
from django.utils import formats, translation

DAY = datetime.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("language", "short", "long", "number"),
    [
        ("de", "01.12.2026", "1. Dezember 2026", "41,5"),
        ("en", "1 Dec 2026", "1 December 2026", "41.5"),
    ],
)
def test_dates_and_numbers_follow_the_language(language, short, long, number):
    with translation.override(language):
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == short
        assert formats.date_format(DAY, "DATE_FORMAT") == long
        assert formats.number_format(41.5, decimal_pos=1) == number


def test_english_dates_are_never_in_us_order():
    with translation.override("en"):
        for name in ("SHORT_DATE_FORMAT", "DATE_FORMAT", "SHORT_DATETIME_FORMAT"):
            text = formats.date_format(datetime.datetime(2018, 5, 25, 9, 30), name)
            assert text.startswith("25 "), (name, text)
