"""The markup of one question on the questionnaire page and in the facilitator view.

Golden files (tests/golden/question_fieldset/) fix the exact output for every question kind,
answer state and language, so that a rewrite of the markup shows each change it makes. The
combinations file holds a digest of every combination of kind, answer, note, condition,
"does not apply", error, help and language; the named files hold readable examples.
After a deliberate change of the markup, rewrite them with

    UPDATE_GOLDEN=1 SECRET_KEY=test .venv/bin/python -m pytest tests/test_question_markup.py

and read the diff before committing it.

The semantic checks below them do not depend on the exact markup: hostile text is escaped
in every slot, every question is a fieldset with a legend, and every input has a label.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import Context
from django.utils import translation

from assessment.templatetags.reifegrad import question_fieldset

GOLDEN = Path(__file__).resolve().parent / "golden" / "question_fieldset"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
NOT_APPLICABLE = "_na"
LANGUAGES = ("de", "en")

KINDS = ("single", "multiple", "scale")
ANSWERS = ("unanswered", "answered", "not-applicable", "carried-over")
NOTES = ("none", "note", "note-advisor", "private", "private-advisor")
CONDITIONS = ("none", "shown", "hidden")
HELPS = ("none", "both", "german-only")


def option(key: str, label_de: str, label_en: str = "", *, exclusive: bool = False):
    return SimpleNamespace(key=key, label_de=label_de, label_en=label_en, exclusive=exclusive)


def make_question(kind: str, *, allow_na: bool, help_kind: str, conditional: bool):
    if kind == "scale":
        options = [
            option("s0", "Gar nicht", "Not at all"),
            option("s1", "Selten", "Rarely"),
            option("s2", "Oft & gern", "Often & gladly"),
            option("s3", "Immer", ""),
        ]
    elif kind == "multiple":
        options = [
            option("paper", 'Papier & "Ordner"', "Paper & 'folders'"),
            option("software", "Software <Buchhaltung>", "Software <accounting>"),
            option("none", "Nichts davon", "None of these", exclusive=True),
        ]
    else:
        options = [
            option("yes", "Ja", "Yes"),
            option("no", "Nein", "No"),
        ]
    helps = {
        "none": ("", ""),
        "both": ("Zum Beispiel <Kasse> & Waage", "For example <till> & scales"),
        "german-only": ('Nur auf Deutsch: "Hilfe"', ""),
    }[help_kind]
    return SimpleNamespace(
        key=f"acc-{kind}",
        kind=kind,
        allow_na=allow_na,
        text_de="Wie führen Sie <Bücher> & Belege?",
        text_en='How do you keep "books" & receipts?',
        help_de=helps[0],
        help_en=helps[1],
        condition_any_of=["yes", "maybe"] if conditional else [],
        option_list=options,
    )


PARENT = SimpleNamespace(
    key="web-shop", text_de="Verkaufen Sie <online>?", text_en="Do you sell 'online'?"
)


def make_item(
    *,
    kind: str,
    answer: str,
    note: str,
    condition: str,
    allow_na: bool,
    error: bool,
    help_kind: str,
) -> tuple[dict, bool]:
    """The item as the page view builds it, and whether a consultant looks at it."""
    question = make_question(
        kind, allow_na=allow_na, help_kind=help_kind, conditional=condition != "none"
    )
    chosen = {
        "single": {"no"},
        "multiple": {"paper", "software"},
        "scale": {"s2"},
    }[kind]
    has_answer = answer != "unanswered"
    note_text = "" if note == "none" else 'Kasse von 2019 </textarea> & "alt"'
    item = {
        "question": question,
        "answer": object() if has_answer else None,
        "chosen": chosen if answer in {"answered", "carried-over"} else set(),
        "not_applicable": answer == "not-applicable",
        "unconfirmed": answer == "carried-over",
        "note": note_text,
        "note_private": note.startswith("private"),
        "seen": "0123abcd4567ef89",
        "input_type": "checkbox" if kind == "multiple" else "radio",
        "condition_parent": PARENT if condition != "none" else None,
        "condition_labels": ["Ja & gern", "Vielleicht"] if condition != "none" else [],
        "hidden": condition == "hidden",
        "error": "Bitte wählen Sie <eine> Antwort." if error else None,
    }
    return item, note.endswith("advisor")


def render(item: dict, *, advisor: bool, language: str) -> str:
    context = Context(
        {"advisor": advisor, "not_applicable_value": NOT_APPLICABLE, "max_note_length": 2000}
    )
    with translation.override(language):
        return str(question_fieldset(context, item))


NAMED = {
    "single-unanswered": {},
    "single-answered": {"answer": "answered"},
    "single-not-applicable": {"answer": "not-applicable"},
    "single-carried-over": {"answer": "carried-over"},
    "single-without-not-applicable": {"allow_na": False, "answer": "answered"},
    "multiple-unanswered": {"kind": "multiple"},
    "multiple-answered": {"kind": "multiple", "answer": "answered"},
    "multiple-not-applicable": {"kind": "multiple", "answer": "not-applicable"},
    "multiple-carried-over-with-note": {
        "kind": "multiple",
        "answer": "carried-over",
        "note": "note",
    },
    "scale-unanswered": {"kind": "scale"},
    "scale-answered": {"kind": "scale", "answer": "answered", "allow_na": False},
    "with-note": {"answer": "answered", "note": "note"},
    "with-note-for-the-consultant": {"answer": "answered", "note": "note-advisor"},
    "private-note-for-the-client": {"answer": "answered", "note": "private"},
    "private-note-for-the-consultant": {"answer": "answered", "note": "private-advisor"},
    "condition-met": {"condition": "shown"},
    "condition-not-met": {"condition": "hidden"},
    "error": {"error": True},
    "error-multiple": {"kind": "multiple", "error": True, "answer": "answered"},
    "help-in-german-only": {"help_kind": "german-only"},
    "without-help": {"help_kind": "none"},
}
DEFAULTS = {
    "kind": "single",
    "answer": "unanswered",
    "note": "none",
    "condition": "none",
    "allow_na": True,
    "error": False,
    "help_kind": "both",
}


def check_golden(path: Path, text: str) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing; UPDATE_GOLDEN=1 writes it"
    assert text == path.read_text(encoding="utf-8"), f"the markup differs from {path.name}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", NAMED)
def test_the_markup_of_each_example_matches_its_golden_file(name, language):
    item, advisor = make_item(**{**DEFAULTS, **NAMED[name]})
    html = render(item, advisor=advisor, language=language)
    check_golden(GOLDEN / f"{name}.{language}.html", html)


def combinations():
    for kind, answer, note, condition, allow_na, error, help_kind in itertools.product(
        KINDS, ANSWERS, NOTES, CONDITIONS, (True, False), (False, True), HELPS
    ):
        name = (
            f"{kind} {answer} note={note} condition={condition} na={int(allow_na)}"
            f" error={int(error)} help={help_kind}"
        )
        arguments = {
            "kind": kind,
            "answer": answer,
            "note": note,
            "condition": condition,
            "allow_na": allow_na,
            "error": error,
            "help_kind": help_kind,
        }
        yield name, arguments


def test_every_combination_matches_its_recorded_digest():
    lines = []
    for name, arguments in combinations():
        for language in LANGUAGES:
            item, advisor = make_item(**arguments)
            html = render(item, advisor=advisor, language=language)
            if arguments["answer"] == "not-applicable" and not arguments["allow_na"]:
                continue  # a stored "does not apply" where it is no longer allowed: not shown
            digest = hashlib.sha256(html.encode("utf-8")).hexdigest()[:20]
            lines.append(f"{digest} {language} {name}\n")
    path = GOLDEN / "combinations.txt"
    if UPDATE:
        path.write_text("".join(lines), encoding="utf-8")
    expected = path.read_text(encoding="utf-8").splitlines(keepends=True)
    differing = [line for line in lines if line not in set(expected)]
    assert len(lines) == len(expected)
    assert not differing, f"{len(differing)} combinations differ, first: {differing[0]}"


# Semantic checks: they hold for any markup that is correct, not only for today's.

HOSTILE = "<script>alert('x')</script> & \"quoted\""


class Tree(HTMLParser):
    """Elements with their attributes, parents and text, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.open: list[dict] = []
        self.roots: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = {
            "tag": tag,
            "attrs": {name: value or "" for name, value in attrs},
            "text": "",
            "children": [],
            "parents": list(self.open),
        }
        self.elements.append(element)
        (self.open[-1]["children"] if self.open else self.roots).append(element)
        if tag not in {"input", "br", "img", "meta", "link"}:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1]["tag"] == tag, f"</{tag}> does not close an element"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element["text"] += data

    def find(self, tag: str) -> list[dict]:
        return [element for element in self.elements if element["tag"] == tag]


def parse(html: str) -> Tree:
    tree = Tree()
    tree.feed(html)
    tree.close()
    assert not tree.open, "unclosed elements"
    return tree


def hostile_item(**changes) -> tuple[dict, bool]:
    arguments = {**DEFAULTS, "answer": "answered", "note": "note", "condition": "shown"}
    arguments.update(changes)
    item, advisor = make_item(**arguments)
    question = item["question"]
    for field in ("text_de", "text_en", "help_de", "help_en"):
        setattr(question, field, f"{field} {HOSTILE}")
    for number, choice in enumerate(question.option_list):
        choice.label_de = choice.label_en = f"option {number} {HOSTILE}"
    item["note"] = f"</textarea>{HOSTILE}"
    item["condition_labels"] = [f"label {HOSTILE}"]
    item["error"] = f"error {HOSTILE}"
    return item, advisor


PARENT_HOSTILE = SimpleNamespace(key="web-shop", text_de=f"parent {HOSTILE}", text_en="")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_hostile_text_is_escaped_in_every_slot(kind, language):
    item, advisor = hostile_item(kind=kind, note="note-advisor")
    item["condition_parent"] = PARENT_HOSTILE
    html = render(item, advisor=advisor, language=language)
    tree = parse(html)
    assert not tree.find("script"), "a text became a script element"
    assert "<script" not in html
    # Escaped, not dropped: each text arrives whole where a person reads it.
    texts = {element["tag"]: [] for element in tree.elements}
    for element in tree.elements:
        texts[element["tag"]].append(element["text"])
    suffix = "en" if language == "en" else "de"
    assert texts["legend"] == [f"text_{suffix} {HOSTILE}"]
    assert f"help_{suffix} {HOSTILE}" in [t.strip() for t in texts["p"]]
    labels = [t.strip() for t in texts["label"]]
    for number in range(len(item["question"].option_list)):
        assert f"option {number} {HOSTILE}" in labels
    assert texts["textarea"] == [f"</textarea>{HOSTILE}"]
    hint = next(text for text in texts["p"] if "parent" in text)
    assert f"parent {HOSTILE}" in hint and f"label {HOSTILE}" in hint
    assert any(text == f"error {HOSTILE}" for text in texts["div"])


def test_hostile_keys_and_values_stay_inside_their_attributes():
    item, _advisor = hostile_item(kind="multiple")
    item["question"].key = 'k"><script>x</script>'
    item["question"].condition_any_of = ['a" onclick="x']
    item["question"].option_list[0].key = "o'><b>"
    item["seen"] = '"><i>'
    context = Context({"advisor": True, "not_applicable_value": '"><u>', "max_note_length": 2000})
    html = str(question_fieldset(context, item))
    tree = parse(html)
    assert not tree.find("script") and not tree.find("b") and not tree.find("i")
    assert not tree.find("u")
    fieldset = tree.find("fieldset")[0]
    assert fieldset["attrs"]["data-question"] == 'k"><script>x</script>'
    assert fieldset["attrs"]["data-condition-any"] == 'a" onclick="x'
    assert "onclick" not in fieldset["attrs"]
    values = [element["attrs"].get("value") for element in tree.find("input")]
    assert "o'><b>" in values and '"><i>' in values and '"><u>' in values


def every_item():
    for _name, arguments in combinations():
        if arguments["answer"] == "not-applicable" and not arguments["allow_na"]:
            continue
        for language in LANGUAGES:
            item, advisor = make_item(**arguments)
            yield arguments, language, render(item, advisor=advisor, language=language)


def test_every_question_is_a_fieldset_with_its_text_as_legend():
    for arguments, language, html in every_item():
        tree = parse(html)
        assert [root["tag"] for root in tree.roots] == ["fieldset"], arguments
        fieldset = tree.roots[0]
        first = fieldset["children"][0]
        assert first["tag"] == "legend", arguments
        expected = {"de": "Wie führen Sie <Bücher> & Belege?"}.get(
            language, 'How do you keep "books" & receipts?'
        )
        assert first["text"] == expected


def test_every_input_is_labelled_and_every_id_is_unique():
    for arguments, _language, html in every_item():
        tree = parse(html)
        ids = [element["attrs"]["id"] for element in tree.elements if "id" in element["attrs"]]
        assert len(ids) == len(set(ids)), arguments
        labels = {
            element["attrs"].get("for"): element["text"].strip() for element in tree.find("label")
        }
        fields = [
            element
            for element in tree.elements
            if element["tag"] in {"input", "textarea", "select"}
            and element["attrs"].get("type") != "hidden"
        ]
        choices = len(
            make_question(
                arguments["kind"], allow_na=True, help_kind="none", conditional=False
            ).option_list
        )
        assert len([f for f in fields if f["attrs"].get("name", "").startswith("q-")]) == (
            choices + (1 if arguments["allow_na"] else 0)
        )
        for field in fields:
            field_id = field["attrs"].get("id")
            assert field_id and labels.get(field_id), (arguments, field["attrs"])
        # The help text is tied to the question for screen readers.
        described = tree.roots[0]["attrs"].get("aria-describedby")
        if described:
            assert described in ids
