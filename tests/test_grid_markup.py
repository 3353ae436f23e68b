"""The markup of a grid question on the questionnaire page and in the facilitator view.

Golden files next to those of the other question kinds (tests/golden/question_fieldset/
grid-*.html) fix the exact output; rewrite them after a deliberate change with

    UPDATE_GOLDEN=1 SECRET_KEY=test .venv/bin/python -m pytest tests/test_grid_markup.py

and read the diff. The semantic checks do not depend on the exact markup: a table with a
column header per step and a row header per row, one radio group per row with the same
field names as a scale question, every input labelled "row: step", hostile text escaped.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import Context
from django.utils import translation

from assessment.templatetags.reifegrad import question_list
from tests.test_question_markup import (
    GOLDEN,
    HOSTILE,
    LANGUAGES,
    NOT_APPLICABLE,
    PARENT,
    check_golden,
    parse,
)


def step(key: str, de: str, en: str) -> SimpleNamespace:
    return SimpleNamespace(key=key, label_de=de, label_en=en, exclusive=False)


def make_grid(*, allow_na: bool = True, help_text: bool = True) -> SimpleNamespace:
    return SimpleNamespace(
        key="technologien",
        text_de="Wie weit nutzen Sie <Technik> & Software?",
        text_en='How far do you use "technology" & software?',
        help_de="Eine Antwort pro Zeile." if help_text else "",
        help_en="One answer per row." if help_text else "",
        allow_na=allow_na,
    )


def make_rows(grid: SimpleNamespace, *, conditional: bool = False) -> list[SimpleNamespace]:
    steps = [
        step("none", "nicht genutzt", "not used"),
        step("trial", "im Test", "on trial"),
        step("running", "im Betrieb", "operational"),
    ]
    labels = [
        ("tech-erp", "Warenwirtschaft (ERP)", "Merchandise management (ERP)"),
        ("tech-crm", "Kundendatenbank & Co.", "Customer database & co."),
    ]
    return [
        SimpleNamespace(
            key=key,
            kind="scale",
            text_de=de,
            text_en=en,
            help_de="",
            help_en="",
            allow_na=grid.allow_na,
            condition_any_of=["yes"] if conditional else [],
            option_list=steps,
            grid_id=7,
            grid=grid,
        )
        for key, de, en in labels
    ]


def row_item(question, **changes) -> dict:
    item = {
        "question": question,
        "answer": None,
        "chosen": set(),
        "not_applicable": False,
        "unconfirmed": False,
        "note": "",
        "note_private": False,
        "seen": "0123abcd4567ef89",
        "input_type": "radio",
        "condition_parent": None,
        "condition_labels": [],
        "hidden": False,
        "error": None,
        "condition_hint": 0,
    }
    item.update(changes)
    return item


def plain_item() -> dict:
    question = SimpleNamespace(
        key="plan",
        kind="single",
        text_de="Gibt es einen Plan?",
        text_en="Is there a plan?",
        help_de="",
        help_en="",
        allow_na=False,
        condition_any_of=[],
        option_list=[step("no", "Nein", "No"), step("yes", "Ja", "Yes")],
        grid_id=None,
    )
    return row_item(question)


def grid_items(example: str) -> tuple[list[dict], bool]:
    """The items of one example, and whether a consultant looks at them."""
    grid = make_grid(allow_na=example != "grid-without-not-applicable")
    conditional = example == "grid-condition"
    erp, crm = make_rows(grid, conditional=conditional)
    first, second = row_item(erp), row_item(crm)
    if example == "grid-answered":
        first.update(answer=object(), chosen={"running"})
        second.update(answer=object(), not_applicable=True)
    elif example == "grid-carried-over-with-note":
        first.update(answer=object(), chosen={"trial"}, unconfirmed=True, note="Seit 2021")
    elif example == "grid-error":
        second.update(error="Bitte wählen Sie eine Antwort.")
    elif example == "grid-condition":
        for item in (first, second):
            item.update(condition_parent=PARENT, condition_labels=["Ja"])
        first["condition_hint"] = 1
    elif example == "grid-private-note-for-the-consultant":
        first.update(answer=object(), chosen={"none"}, note="intern", note_private=True)
        return [first, second], True
    return [first, second], False


def render(items: list[dict], *, advisor: bool, language: str) -> str:
    context = Context(
        {"advisor": advisor, "not_applicable_value": NOT_APPLICABLE, "max_note_length": 2000}
    )
    with translation.override(language):
        return str(question_list(context, items))


EXAMPLES = (
    "grid-unanswered",
    "grid-answered",
    "grid-without-not-applicable",
    "grid-carried-over-with-note",
    "grid-error",
    "grid-condition",
    "grid-private-note-for-the-consultant",
)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_the_grid_markup_matches_its_golden_file(example, language):
    items, advisor = grid_items(example)
    check_golden(
        GOLDEN / f"{example}.{language}.html", render(items, advisor=advisor, language=language)
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_a_grid_is_a_table_with_headers_and_every_input_labelled_row_and_step(example, language):
    items, advisor = grid_items(example)
    tree = parse(render(items, advisor=advisor, language=language))
    (fieldset,) = tree.roots
    assert fieldset["tag"] == "fieldset"
    legend = fieldset["children"][0]
    assert legend["tag"] == "legend"
    expected_text = (
        'How far do you use "technology" & software?'
        if language == "en"
        else "Wie weit nutzen Sie <Technik> & Software?"
    )
    assert legend["text"] == expected_text
    (table,) = tree.find("table")
    assert table["attrs"]["aria-labelledby"] == legend["attrs"]["id"]
    columns = [th["text"] for th in tree.find("th") if th["attrs"].get("scope") == "col"]
    steps = (
        ["not used", "on trial", "operational"]
        if language == "en"
        else [
            "nicht genutzt",
            "im Test",
            "im Betrieb",
        ]
    )
    with_na = example != "grid-without-not-applicable"
    na_label = "Does not apply to us" if language == "en" else "Trifft auf uns nicht zu"
    assert columns == steps + ([na_label] if with_na else [])
    row_headers = [th for th in tree.find("th") if th["attrs"].get("scope") == "row"]
    row_labels = (
        ["Merchandise management (ERP)", "Customer database & co."]
        if language == "en"
        else ["Warenwirtschaft (ERP)", "Kundendatenbank & Co."]
    )
    assert [
        next(c for c in th["children"] if c["attrs"].get("class") == "grid-row-label")["text"]
        for th in row_headers
    ] == row_labels
    ids = [element["attrs"]["id"] for element in tree.elements if "id" in element["attrs"]]
    assert len(ids) == len(set(ids))
    labels = {label["attrs"]["for"]: label["text"] for label in tree.find("label")}
    for row, row_label in zip(("tech-erp", "tech-crm"), row_labels, strict=True):
        radios = [
            element for element in tree.find("input") if element["attrs"].get("name") == f"q-{row}"
        ]
        assert {radio["attrs"]["type"] for radio in radios} == {"radio"}
        assert [radio["attrs"]["value"] for radio in radios] == ["none", "trial", "running"] + (
            [NOT_APPLICABLE] if with_na else []
        )
        for radio, step_label in zip(radios, [*steps, na_label], strict=False):
            assert labels[radio["attrs"]["id"]] == f"{row_label}: {step_label}"
        tr = next(
            element for element in tree.find("tr") if element["attrs"].get("id") == f"q-{row}"
        )
        assert tr["attrs"]["data-question"] == row
    for field in tree.elements:
        if field["tag"] in {"input", "textarea"} and field["attrs"].get("type") != "hidden":
            assert labels.get(field["attrs"]["id"]), field["attrs"]
    shown = [e["attrs"]["value"] for e in tree.find("input") if e["attrs"].get("name") == "shown"]
    assert shown == ["tech-erp", "tech-crm"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_hostile_text_in_a_grid_is_escaped_in_every_slot(language):
    items, _advisor = grid_items("grid-condition")
    grid = items[0]["question"].grid
    for field in ("text_de", "text_en", "help_de", "help_en"):
        setattr(grid, field, f"{field} {HOSTILE}")
    for number, item in enumerate(items):
        item["question"].text_de = item["question"].text_en = f"row {number} {HOSTILE}"
        item["note"] = f"</textarea>{HOSTILE}"
        item["error"] = f"error {HOSTILE}"
        item["condition_labels"] = [f"label {HOSTILE}"]
    for number, choice in enumerate(items[0]["question"].option_list):
        choice.label_de = choice.label_en = f"step {number} {HOSTILE}"
    html = render(items, advisor=True, language=language)
    tree = parse(html)
    assert not tree.find("script") and "<script" not in html
    suffix = "en" if language == "en" else "de"
    assert tree.find("legend")[0]["text"] == f"text_{suffix} {HOSTILE}"
    paragraphs = [p["text"].strip() for p in tree.find("p")]
    assert f"help_{suffix} {HOSTILE}" in paragraphs
    assert any(f"label {HOSTILE}" in text for text in paragraphs)
    assert [t["text"] for t in tree.find("textarea")] == [f"</textarea>{HOSTILE}"] * 2
    labels = [label["text"] for label in tree.find("label")]
    assert f"row 0 {HOSTILE}: step 2 {HOSTILE}" in labels
    assert [d["text"] for d in tree.find("div") if d["attrs"].get("role") == "alert"] == [
        f"error {HOSTILE}"
    ] * 2


def test_plain_questions_and_grids_keep_their_order():
    items, _ = grid_items("grid-unanswered")
    html = render(
        [plain_item(), *items, plain_item()],
        advisor=False,
        language="de",
    )
    tree = parse(html)
    kinds = [
        root["attrs"].get("data-grid") or root["attrs"]["data-question"] for root in tree.roots
    ]
    assert kinds == ["plan", "technologien", "plan"]


def test_the_condition_of_a_grid_is_on_its_fieldset():
    items, _ = grid_items("grid-condition")
    tree = parse(render(items, advisor=False, language="de"))
    fieldset = tree.roots[0]
    assert fieldset["attrs"]["data-condition-question"] == PARENT.key
    assert fieldset["attrs"]["data-condition-any"] == "yes"
    hints = [p for p in tree.find("p") if "condition-hint" in p["attrs"].get("class", "")]
    assert len(hints) == 1 and "Diese Frage nur beantworten" in hints[0]["text"]
