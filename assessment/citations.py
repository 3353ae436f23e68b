"""Legal citations in the reader's language: statute names stay, the words around them move.

A questionnaire file cites its sources once, in German ("Art. 13 DSGVO (anwendbar seit
25.05.2018)"), as a German lawyer would. An English reader gets the same citation with the
connecting words and dates in English ("Art. 13 DSGVO (applicable since 25 May 2018)"); the
names of statutes, regulations and letters are proper names and are not translated.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

# Longest phrases first, so that "gilt seit" wins over "seit".
ENGLISH_PHRASES: list[tuple[str, str]] = [
    ("i. d. F. des Gesetzes", "as amended by the Gesetz"),
    ("i. d. F. des Vierten", "as amended by the Viertes"),
    ("i. d. F. des", "as amended by the"),
    ("i. d. F.", "as amended by"),
    ("i. V. m.", "in conjunction with"),
    ("anwendbar seit", "applicable since"),
    ("in Kraft seit", "in force since"),
    ("gilt seit", "in force since"),
    ("zuletzt geändert am", "last amended on"),
    ("verkündet im", "promulgated in"),
    ("eingestellt am", "closed on"),
    ("Aufhebung der", "repealing"),
    ("BMF-Schreiben vom", "BMF letter of"),
    ("BMF-Schreiben", "BMF letter"),
    ("OS-Plattform", "ODR platform"),
    ("Verordnung (EU)", "Regulation (EU)"),
    ("Richtlinie (EU)", "Directive (EU)"),
    ("Schwelle von", "threshold of"),
    ("Personen", "persons"),
    ("Abs.", "para."),
    ("Nr.", "no."),
    ("Satz", "sentence"),
    ("davor", "previously"),
    ("seit", "since"),
    ("bis", "to"),
    ("als", "as"),
    ("vom", "of"),
]
# "und" joins citations ("§ 33 und § 34a UStDV") but is part of a name after a hyphen
# ("Verbrauchervertrags- und des Versicherungsvertragsrechts"), which stays as it is.
AND = re.compile(r"(?<!-) und (?!des )")
UNTIL_DATE = re.compile(r"\bbis (?=\d{2}\.\d{2}\.\d{4})")
GERMAN_DATE = re.compile(r"\b(\d{2})\.(\d{2})\.(\d{4})\b")
GERMAN_MONTHS = {
    "Januar": "January",
    "Februar": "February",
    "März": "March",
    "Mai": "May",
    "Juni": "June",
    "Juli": "July",
    "Oktober": "October",
    "Dezember": "December",
}
# A statute named in the genitive after "as amended by the" goes back to its name.
GENITIVE_NAME = re.compile(r"(as amended by the (?:Viertes )?\w*gesetz)es\b")


def english_citation(source: str, *, format_date: Callable[[datetime.date], str]) -> str:
    """The citation with English connecting words and dates written by `format_date`."""
    text = UNTIL_DATE.sub("until ", source)
    text = GERMAN_DATE.sub(
        lambda found: format_date(
            datetime.date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        ),
        text,
    )
    for german, english in ENGLISH_PHRASES:
        text = re.sub(r"(?<![\w-])" + re.escape(german) + r"(?![\w-])", english, text)
    for german, english in GERMAN_MONTHS.items():
        text = re.sub(rf"\b{german}\b", english, text)
    text = AND.sub(" and ", text)
    return GENITIVE_NAME.sub(r"\1", text)
