"""Every page of the journeys in one language shows no text of the other.

In English, no German UI string (a msgid of the catalogue, or a part of one between its
placeholders) and no German questionnaire text may appear verbatim in what a person reads:
pages, the PDF's text and the e-mails. In German, likewise no English translation
(msgstr) and no English questionnaire text. Statute names ("UStG", "DSGVO", ...) are the
same in both languages and allowed; so are words both languages use (a German fragment that
also appears in an English text, or the other way round) and fragments of fewer than
MIN_LETTERS letters.

New pages and strings are caught as they are added: the catalogues and the questionnaire
file are read afresh on every run.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessment.models import (
    Action,
    Assessment,
    Company,
    ConsultantProfile,
    Measurement,
    Membership,
    Respondent,
)
from assessment.workflows import start_reassessment
from tests.conftest import DEFAULT_QUESTIONNAIRE, verified_user
from tests.factories import PROFILE, answer_all, completed_assessment
from tests.test_translations import LOCALE, po_entries

# Names of statutes, regulations and official systems: German in both languages.
STATUTE_NAMES = {
    "AO",
    "BDSG",
    "BFSG",
    "BGB",
    "BSIG",
    "DDG",
    "DSGVO",
    "EGAO",
    "EGBGB",
    "ELSTER",
    "GoBD",
    "HGB",
    "KassenSichV",
    "TDDDG",
    "TTDSG",
    "UStDV",
    "UStG",
    "UWG",
    "VSBG",
    "XRechnung",
    "ZUGFeRD",
}
# The German words of legal citations ("Art. 13 DSGVO (anwendbar seit 25.05.2018)"): the
# statute names stay, these are translated. Checked although some are short.
GERMAN_CITATION_WORDS = [
    "anwendbar seit",
    "gilt seit",
    "in Kraft seit",
    "Abs.",
    "i. d. F.",
    "i. V. m.",
    "BMF-Schreiben",
    "zuletzt geändert",
    "verkündet im",
    "eingestellt am",
    "Verordnung (EU)",
    "Richtlinie (EU)",
]
# Fragments with fewer letters are not checked: "Nr.", "EUR", "h", "ok".
MIN_LETTERS = 4
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\{[^}]*\}\}|<[^>]+>|\n")
LETTER = re.compile(r"[^\W\d_]")


def squeeze(text: str) -> str:
    return " ".join(text.split())


def fragments(text: str) -> list[str]:
    """The literal parts of a catalogue entry between its placeholders and markup."""
    found = []
    for part in PLACEHOLDER.split(text):
        part = squeeze(part).strip(" ,.:;–-()„“\"'/·")
        if len(LETTER.findall(part)) >= MIN_LETTERS and part not in STATUTE_NAMES:
            found.append(part)
    return found


def catalogue_texts() -> tuple[set[str], set[str]]:
    """(German sources, English translations) that differ between the languages."""
    german, english = set(), set()
    for entry in po_entries(LOCALE / "en" / "LC_MESSAGES" / "django.po"):
        pairs = [(entry["msgid"], entry.get("msgstr", ""))]
        if "msgid_plural" in entry:
            pairs = [
                (entry["msgid"], entry.get("msgstr[0]", "")),
                (entry["msgid_plural"], entry.get("msgstr[1]", "")),
            ]
        for source, translation in pairs:
            if source and translation and squeeze(source) != squeeze(translation):
                german.update(fragments(source))
                english.update(fragments(translation))
    return german, english


def content_texts(path: Path) -> tuple[set[str], set[str]]:
    """(German, English) texts of the questionnaire file: every {de, en} pair that differs."""
    german, english = set(), set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if set(node) == {"de", "en"} and all(isinstance(v, str) for v in node.values()):
                if squeeze(node["de"]) != squeeze(node["en"]):
                    german.update(fragments(node["de"]))
                    english.update(fragments(node["en"]))
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return german, english


def whole_word(fragment: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(fragment) + r"(?!\w)")


@dataclass
class Vocabulary:
    """The texts of each language that must not appear in the other."""

    german: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    english: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)


def build_vocabulary() -> Vocabulary:
    german_ui, english_ui = catalogue_texts()
    german_content, english_content = content_texts(DEFAULT_QUESTIONNAIRE)
    german, english = german_ui | german_content, english_ui | english_content
    english_corpus = "\n".join(english)
    german_corpus = "\n".join(german)
    # A word both languages use ("Online-Shop", "Newsletter", "Team") is nobody's leftover.
    only_german = sorted(g for g in german if not whole_word(g).search(english_corpus))
    only_english = sorted(e for e in english if not whole_word(e).search(german_corpus))
    return Vocabulary(
        german=[(text, re.compile(re.escape(text))) for text in GERMAN_CITATION_WORDS]
        + [(text, whole_word(text)) for text in only_german],
        english=[(text, whole_word(text)) for text in only_english],
    )


class VisibleText(HTMLParser):
    """The text a person reads: text nodes and the attributes that are shown or read aloud."""

    SHOWN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label"}
    HIDDEN = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden_depth += 1
        for name, value in attrs:
            if value and (
                name in self.SHOWN_ATTRIBUTES
                or (tag == "input" and name == "value" and ("type", "submit") in attrs)
            ):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return squeeze(" ".join(parser.parts))


# A web address printed in the PDF (the roadmap page, the Impressum) is the same in both
# languages ("/check/<id>/fahrplan/"); a line may break it after a slash or a hyphen.
ADDRESS = re.compile(r"https?:/(?:(?:-\s|[^\s/])*/\s?)+")


def pdf_text(content: bytes) -> str:
    text = squeeze(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))
    return ADDRESS.sub(" ", text)


def leftovers(text: str, forbidden: Iterable[tuple[str, re.Pattern[str]]]) -> list[str]:
    return [
        fragment for fragment, pattern in forbidden if fragment in text and pattern.search(text)
    ]


# --- The journeys: one company with history, an anonymous self-assessment, a consultant.


def speaking(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def visit(pages: dict[str, str], name: str, response) -> None:
    assert response.status_code == 200, (name, response.status_code)
    if response["Content-Type"].startswith("application/pdf"):
        pages[name] = pdf_text(response.content)
    else:
        pages[name] = visible_text(response.content.decode())


def walk_journeys(language: str, questionnaire) -> dict[str, str]:
    """Every page of the journeys in `language`, by name, as visible text; e-mails too."""
    pages: dict[str, str] = {}
    content = questionnaire.content()
    page_count = len(content.dimensions)

    # Journey 1: an anonymous self-assessment, from the landing page to the PDF.
    person = speaking(Client(), language)
    for name in ("home", "profile", "account_login", "account_signup", "account_reset_password"):
        visit(pages, name, person.get(reverse(name)))
    visit(pages, "consultant_signup", person.get(reverse("consultant_signup")))
    started = person.post(reverse("profile"), PROFILE, follow=True)
    visit(pages, "resume_link", started)
    assessment = Assessment.objects.order_by("-pk").first()
    assert assessment is not None
    raw_token = re.search(r"/weiter/([^/\"]+)/", started.content.decode()).group(1)
    person.post(
        reverse("resume_link_email", args=[assessment.public_id]),
        {"email": "ich@example.com", "token": raw_token},
    )
    for number in range(1, page_count + 1):
        page = person.get(reverse("check_page", args=[assessment.public_id, number]))
        visit(pages, f"check_page_{number}", page)
    answer_all(assessment, level=0.4, notes={next(iter(content.questions)): "Kasse 2: 17:30"})
    visit(pages, "finish", person.get(reverse("finish", args=[assessment.public_id])))
    finished = person.post(reverse("finish", args=[assessment.public_id]), follow=True)
    visit(pages, "results", finished)
    visit(pages, "roadmap", person.get(reverse("roadmap", args=[assessment.public_id])))
    visit(pages, "report_pdf", person.get(reverse("report_pdf", args=[assessment.public_id])))

    # Journeys 2 and 3: a company with two checks, actions, a team and a consultant.
    company = Company.objects.create(
        name="Walkmühle Sieben", industry="retail", size_band="2-9", region="Köln"
    )
    owner = verified_user("chefin@walk.example", "x-Secret-123")
    consultant = verified_user("berater@walk.example", "x-Secret-123")
    ConsultantProfile.objects.create(
        user=consultant, name="Berta Beispiel", firm="Beispiel Beratung", approved=True
    )
    Membership.objects.create(company=company, user=owner, role=Membership.Role.OWNER)
    person.post(reverse("account_reset_password"), {"email": "chefin@walk.example"})
    Membership.objects.create(company=company, user=consultant, role=Membership.Role.CONSULTANT)
    earlier = completed_assessment(questionnaire, company=company, level=0.2)
    Assessment.objects.filter(pk=earlier.pk).update(
        completed_at=timezone.now() - timezone.timedelta(days=190)
    )
    later = start_reassessment(company=company, user=owner, carry_over=True)
    answer_all(later, level=0.6)
    from assessment.workflows import finish_assessment

    finish_assessment(assessment=later)
    step = next(iter(later.questionnaire.content().recommendations))
    action = Action.objects.create(
        company=company, recommendation_key=step.key, title=step.title, status="done"
    )
    Measurement.objects.create(action=action, value=3.5, note="")

    boss = speaking(Client(), language)
    boss.force_login(owner)
    for name, url in {
        "companies": reverse("companies"),
        "company": reverse("company", args=[company.pk]),
        "actions": reverse("actions", args=[company.pk]),
        "comparison": reverse("comparison", args=[company.pk])
        + f"?vorher={earlier.public_id}&nachher={later.public_id}",
        "results_reassessment": reverse("results", args=[later.public_id]),
        "roadmap_reassessment": reverse("roadmap", args=[later.public_id]),
        "report_pdf_reassessment": reverse("report_pdf", args=[later.public_id]),
        "account": reverse("account"),
        "account_email": reverse("account_email"),
        "account_change_password": reverse("account_change_password"),
        "mfa_index": reverse("mfa_index"),
    }.items():
        visit(pages, name, boss.get(url))
    boss.post(reverse("invite", args=[company.pk]), {"email": "neu@walk.example"})

    advisor = speaking(Client(), language)
    advisor.force_login(consultant)
    for name in ("portfolio", "new_client", "consultant_profile"):
        visit(pages, name, advisor.get(reverse(name)))
    session = start_reassessment(
        company=company, user=consultant, carry_over=False, mode=Assessment.Mode.CONSULTANT
    )
    answer_all(session, level=0.5)
    Respondent.objects.create(assessment=session, name="Lager")
    visit(pages, "team", advisor.get(reverse("team", args=[session.public_id])))
    visit(pages, "facilitate", advisor.get(reverse("facilitate", args=[session.public_id])))
    visit(pages, "consolidation", advisor.get(reverse("consolidation", args=[session.public_id])))
    visit(pages, "results_draft", advisor.get(reverse("results", args=[session.public_id])))
    visit(pages, "roadmap_draft", advisor.get(reverse("roadmap", args=[session.public_id])))

    assert len(mail.outbox) >= 3, [message.subject for message in mail.outbox]
    for number, message in enumerate(mail.outbox):
        bodies = [message.subject, message.body]
        for alternative, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                bodies.append(visible_text(str(alternative)))
        pages[f"mail_{number}"] = squeeze(" ".join(bodies))
    return pages


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return build_vocabulary()


def test_the_vocabulary_is_not_empty_and_knows_the_known_leftovers(vocabulary):
    german = {text for text, _pattern in vocabulary.german}
    english = {text for text, _pattern in vocabulary.english}
    assert {"Mehrere Antworten möglich", "Notiz (freiwillig", "Trifft auf uns nicht zu"} <= german
    assert len(german) > 500 and len(english) > 500
    assert not STATUTE_NAMES & (german | english)


# Texts each walk must have seen, so that a walk that silently misses pages cannot pass.
SEEN = {
    "en": {
        "check_page_1": ["Does not apply to us", "Note (optional)"],
        "results": ["Every step with effort, cost, KPI and legal notes"],
        "roadmap": ["applicable since", "Back to the result"],
        "report_pdf": ["applicable since"],
        "mail_0": ["Reifegrad"],
    },
    "de": {
        "check_page_1": ["Trifft auf uns nicht zu", "Notiz (freiwillig)"],
        "results": ["Alle Schritte mit Aufwand, Kosten, Messgröße und Rechtshinweisen"],
        "roadmap": ["anwendbar seit", "Zurück zum Ergebnis"],
        "report_pdf": ["anwendbar seit"],
        "mail_0": ["Reifegrad"],
    },
}
EXPECTED_PAGES = {
    "home",
    "profile",
    "resume_link",
    "finish",
    "results",
    "roadmap",
    "report_pdf",
    "companies",
    "company",
    "actions",
    "comparison",
    "results_reassessment",
    "roadmap_reassessment",
    "report_pdf_reassessment",
    "account",
    "portfolio",
    "new_client",
    "team",
    "facilitate",
    "consolidation",
}


def assert_walked(pages: dict[str, str], language: str) -> None:
    assert EXPECTED_PAGES <= set(pages)
    assert any(name.startswith("mail_") for name in pages)
    for name, texts in SEEN[language].items():
        for text in texts:
            assert text in pages[name], (name, text)


@pytest.mark.django_db
def test_english_pages_show_no_german_text(vocabulary, default_questionnaire):
    pages = walk_journeys("en", default_questionnaire)
    assert_walked(pages, "en")
    found = {name: leftovers(text, vocabulary.german) for name, text in pages.items()}
    assert {name: texts for name, texts in found.items() if texts} == {}
    assert foreign_dates(pages, "en") == {}
    today = timezone.localdate()
    assert f"{today.day} {today:%b %Y}" in pages["company"]  # "1 Dec 2026"


@pytest.mark.django_db
def test_german_pages_show_no_english_text(vocabulary, default_questionnaire):
    pages = walk_journeys("de", default_questionnaire)
    assert_walked(pages, "de")
    found = {name: leftovers(text, vocabulary.english) for name, text in pages.items()}
    assert {name: texts for name, texts in found.items() if texts} == {}
    assert foreign_dates(pages, "de") == {}
    assert f"{timezone.localdate():%d.%m.%Y}" in pages["company"]


# Numeric dates: "05/25/2018" (US) or "25.05.2018" (German) in an English page, or a US
# date in a German one, are dates not formatted for the reader's language.
NUMERIC_DATE = {
    "en": re.compile(r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b"),
    "de": re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
}


def foreign_dates(pages: dict[str, str], language: str) -> dict[str, list[str]]:
    found = {name: NUMERIC_DATE[language].findall(text) for name, text in pages.items()}
    return {name: dates for name, dates in found.items() if dates}


def test_a_leftover_is_found_in_visible_text_but_not_in_markup(vocabulary):
    html = (
        '<p title="x">Your answers <em>Mehrere Antworten möglich.</em></p>'
        "<script>var t = 'Trifft auf uns nicht zu';</script>"
    )
    found = leftovers(visible_text(html), vocabulary.german)
    assert "Mehrere Antworten möglich" in found
    assert "Trifft auf uns nicht zu" not in found
    assert leftovers("UStG, GoBD, DSGVO and KassenSichV", vocabulary.german) == []
