"""Legal citations in English: statute names stay German, the words and dates around them
are English."""

import datetime

import pytest
from django.utils import translation

from assessment.citations import english_citation
from assessment.templatetags.reifegrad import citation


def short(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


@pytest.mark.parametrize(
    ("german", "english"),
    [
        (
            "Art. 13 DSGVO (anwendbar seit 25.05.2018)",
            "Art. 13 DSGVO (applicable since 25 May 2018)",
        ),
        (
            "§ 14 Abs. 1 und § 27 Abs. 38 UStG i. d. F. des Wachstumschancengesetzes; "
            "BMF-Schreiben vom 15.10.2024",
            "§ 14 para. 1 and § 27 para. 38 UStG as amended by the Wachstumschancengesetz; "
            "BMF letter of 15 Oct 2024",
        ),
        (
            "§ 25 TDDDG (seit 01.12.2021, bis 13.05.2024 als TTDSG); Art. 15 bis 22 DSGVO",
            "§ 25 TDDDG (since 1 Dec 2021, until 13 May 2024 as TTDSG); Art. 15 to 22 DSGVO",
        ),
        (
            "§ 356a BGB i. d. F. des Gesetzes zur Änderung des Verbrauchervertrags- und des "
            "Versicherungsvertragsrechts (verkündet im Februar 2026); Richtlinie (EU) 2023/2673",
            "§ 356a BGB as amended by the Gesetz zur Änderung des Verbrauchervertrags- und des "
            "Versicherungsvertragsrechts (promulgated in February 2026); Directive (EU) 2023/2673",
        ),
        ("§ 146a Abs. 4 AO; KassenSichV", "§ 146a para. 4 AO; KassenSichV"),
    ],
)
def test_english_citation_keeps_statute_names_and_translates_the_rest(german, english):
    assert english_citation(german, format_date=short) == english


def test_citation_filter_follows_the_active_language():
    source = "Art. 30 DSGVO (anwendbar seit 25.05.2018)"
    with translation.override("de"):
        assert citation(source) == source
    with translation.override("en"):
        assert citation(source) == "Art. 30 DSGVO (applicable since 25 May 2018)"
