"""The questions of a questionnaire page, written in Python rather than as a template."""

import datetime
from types import SimpleNamespace

from django.template import Context
from django.utils import translation

from assessment.models import Dimension, LevelBand, Question
from assessment.templatetags.reifegrad import (
    dimension_sections,
    dimension_table_rows,
    lever_items,
    phase_head,
    question_fieldset,
    shown_date,
)


def choice_item(*, chosen: set[str], not_applicable: bool = False) -> dict:
    options = [
        SimpleNamespace(
            key="paper", label_de='Papier & "Ordner" <b>', label_en="Paper", exclusive=False
        ),
        SimpleNamespace(key="none", label_de="Gar nicht", label_en="", exclusive=True),
    ]
    question = SimpleNamespace(key="acc-books", option_list=options)
    return {
        "question": question,
        "chosen": chosen,
        "not_applicable": not_applicable,
        "input_type": "checkbox",
    }


def fieldset_item(**changes) -> dict:
    item = choice_item(chosen=set())
    item["question"].text_de = "Wie <i>führen</i> Sie Bücher?"
    item["question"].text_en = "How do you keep your books?"
    item["question"].help_de = ""
    item["question"].help_en = "Only the English help"
    item["question"].kind = "multiple"
    item["question"].allow_na = True
    item["question"].condition_any_of = []
    item.update(
        unconfirmed=False,
        note='Notiz </textarea><script>alert("x")</script>',
        note_private=False,
        seen="0123abcd",
        condition_parent=None,
        condition_labels=[],
        hidden=False,
        error=None,
    )
    item.update(changes)
    return item


def render_fieldset(item: dict, *, advisor: bool = False) -> str:
    context = Context(
        {"advisor": advisor, "not_applicable_value": "__na__", "max_note_length": 2000}
    )
    return question_fieldset(context, item)


def test_labels_are_escaped_and_each_input_has_its_label():
    html = render_fieldset(fieldset_item())
    assert "Papier &amp; &quot;Ordner&quot; &lt;b&gt;" in html
    assert "<b>" not in html
    assert html.count('<input class="form-check-input" type="checkbox"') == 3  # with "n/a"
    assert 'id="q-acc-books-paper" value="paper"' in html
    assert '<label class="form-check-label" for="q-acc-books-paper">' in html


def test_chosen_options_are_checked_and_exclusive_ones_marked():
    html = render_fieldset(fieldset_item(chosen={"none"}))
    assert 'value="none" checked data-exclusive>' in html
    assert 'value="paper">' in html


def test_nothing_is_checked_when_the_question_does_not_apply():
    html = render_fieldset(fieldset_item(chosen={"paper"}, not_applicable=True))
    assert 'value="paper">' in html and 'value="__na__" checked data-exclusive>' in html
    assert html.count(" checked") == 1


def test_question_text_and_note_are_escaped_and_the_note_stays_in_its_textarea():
    html = render_fieldset(fieldset_item())
    assert "Wie &lt;i&gt;führen&lt;/i&gt; Sie Bücher?" in html
    assert "<script>" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;" in html
    assert 'name="seen-acc-books" value="0123abcd"' in html
    assert 'value="__na__" data-exclusive>' in html


def test_a_private_note_is_hidden_from_the_client_and_editable_by_the_consultant():
    item = fieldset_item(note="nur intern", note_private=True)
    client_view = render_fieldset(item)
    assert "nur intern" not in client_view
    assert "interne Notiz der Beratung" in client_view
    consultant_view = render_fieldset(item, advisor=True)
    assert ">nur intern</textarea>" in consultant_view
    assert "data-note-private checked>" in consultant_view


def test_a_follow_up_question_names_its_condition_escaped():
    parent = SimpleNamespace(key="web-shop", text_de="Verkaufen Sie <online>?")
    item = fieldset_item(condition_parent=parent, condition_labels=["Ja & gern"], hidden=True)
    html = render_fieldset(item)
    assert 'data-condition-question="web-shop"' in html
    assert "condition-off" in html
    assert (
        "Diese Frage nur beantworten, wenn Sie bei „Verkaufen Sie &lt;online&gt;?“ "
        "die Antwort „Ja &amp; gern“ gewählt haben." in html
    )


def test_a_condition_hint_stands_once_for_the_questions_it_covers():
    parent = SimpleNamespace(key="web-shop", text_de="Verkaufen Sie online?")
    labels = ["Ja, eigener Shop", "Ja, Marktplatz"]
    first = render_fieldset(
        fieldset_item(condition_parent=parent, condition_labels=labels, condition_hint=3)
    )
    later = render_fieldset(
        fieldset_item(condition_parent=parent, condition_labels=labels, condition_hint=0)
    )
    assert (
        "Diese und die 2 folgenden Fragen nur beantworten, wenn Sie bei „Verkaufen Sie "
        "online?“ eine der Antworten „Ja, eigener Shop“ oder „Ja, Marktplatz“ gewählt haben."
    ) in first
    assert "condition-hint" not in later


def test_texts_follow_the_active_language_with_german_where_english_is_missing():
    from django.utils import translation

    with translation.override("en"):
        html = render_fieldset(fieldset_item())
    assert '<legend class="fs-6 fw-semibold">How do you keep your books?</legend>' in html
    assert ">Paper</label>" in html
    assert ">Gar nicht</label>" in html  # no English label: the German one
    assert "Only the English help" in html
    with translation.override("de"):
        html = render_fieldset(fieldset_item())
    assert "Wie &lt;i&gt;führen&lt;/i&gt; Sie Bücher?" in html
    assert "Only the English help" not in html and "aria-describedby" not in html


# --- The results page's lists


def results_row(*, score: float | None, holding_back: list[dict]) -> dict:
    return {
        "dimension": Dimension(key="web", title_de='Web & "Shop" <script>', title_en="Web <en>"),
        "result": SimpleNamespace(score=score),
        "band": LevelBand(name_de="<b>Einsteiger</b>", name_en="<b>Beginner</b>")
        if score is not None
        else None,
        "holding_back": holding_back,
    }


def test_the_results_page_lists_escape_every_text():
    question = Question(text_de="Wer pflegt <i>die</i> Seite?", text_en="Who <i>runs</i> it?")
    hostile = results_row(score=42.5, holding_back=[{"question": question, "answer": "<img>"}])
    history = {"rows": [{"dimension": hostile["dimension"], "before": 30.0}]}
    with translation.override("de"):
        rows = dimension_table_rows([hostile], history)
        sections = dimension_sections([hostile])
    for html in (rows, sections):
        assert "<script>" not in html and "<b>" not in html
        assert "Web &amp; &quot;Shop&quot; &lt;script&gt;" in html
    assert "&lt;b&gt;Einsteiger&lt;/b&gt;" in rows
    assert ">43<" in rows  # 42.5 shows as 43, rounded half up
    assert ">+13<" in rows  # 43 against 30
    assert "Wer pflegt &lt;i&gt;die&lt;/i&gt; Seite?" in sections and "&lt;img&gt;" in sections
    lever = {
        "lever": 2.25,
        "question": question,
        "dimension": hostile["dimension"],
        "answer": "<x>",
    }
    with translation.override("de"):
        levers = lever_items([lever])
    assert "<i>" not in levers and "&lt;x&gt;" in levers and "Web &amp;" in levers
    # Every text in the reader's language.
    with translation.override("en"):
        english = dimension_table_rows([hostile], history) + dimension_sections([hostile])
        english += lever_items([lever])
    assert "Web &lt;en&gt;" in english and "&lt;b&gt;Beginner&lt;/b&gt;" in english
    assert "Who &lt;i&gt;runs&lt;/i&gt; it?" in english and "Wer pflegt" not in english


def test_a_dimension_that_does_not_apply_says_so_and_one_with_nothing_holding_back_praises():
    with translation.override("de"):
        absent = dimension_sections([results_row(score=None, holding_back=[])])
        fine = dimension_sections([results_row(score=90.0, holding_back=[])])
        row = dimension_table_rows([results_row(score=None, holding_back=[])], None)
    assert "trifft nicht zu" in absent and "weiter so" not in absent
    assert "Nichts Wesentliches – weiter so." in fine
    # No change column without an earlier check.
    assert "trifft nicht zu" in row and ">–<" in row and row.count("<td") == 2


def phase_plan(key: str, starts: datetime.date, ends: datetime.date, *amounts: float):
    """A phase of a roadmap as `phase_head` reads it: hours used and available, money used
    and available."""
    names = ("hours_used", "hours_available", "money_used", "money_available")
    return SimpleNamespace(
        key=key, starts=starts, ends=ends, **dict(zip(names, amounts, strict=True))
    )


def test_a_phase_head_gives_name_dates_hours_and_money_in_the_active_language():
    plan = phase_plan(
        "next", datetime.date(2027, 3, 1), datetime.date(2027, 5, 31), 7.5, 12.0, 1234.0, 3000.0
    )
    with translation.override("de"):
        german = phase_head(plan)
    with translation.override("en"):
        english = phase_head(plan)
    assert "Als Nächstes (3–6 Monate)" in german
    assert "Eingeplant: 7,5 von 12 Stunden, 1.234 von 3.000 EUR" in german
    assert "Next (3–6 months)" in english


def test_the_remembered_results_lists_follow_every_value_they_show():
    question = Question(text_de="Wer pflegt die Seite?", text_en="Who runs it?")
    row = results_row(score=42.5, holding_back=[{"question": question, "answer": "Niemand"}])
    history = {"rows": [{"dimension": row["dimension"], "before": 30.0}]}
    lever = {"lever": 2.25, "question": question, "dimension": row["dimension"], "answer": "A"}
    plan = phase_plan(
        "now", datetime.date(2027, 1, 1), datetime.date(2027, 3, 31), 4.0, 10.0, 100.0, 450.0
    )
    with translation.override("de"):
        first = (
            dimension_table_rows([row], history),
            dimension_sections([row]),
            lever_items([lever]),
            phase_head(plan),
        )
        again = (
            dimension_table_rows([row], history),
            dimension_sections([row]),
            lever_items([lever]),
            phase_head(plan),
        )
        changed_row = results_row(
            score=60.0, holding_back=[{"question": question, "answer": "Ich"}]
        )
        changed = (
            dimension_table_rows([changed_row], {"rows": [{**history["rows"][0], "before": 55.0}]}),
            dimension_sections([changed_row]),
            lever_items([{**lever, "lever": 3.5, "answer": "B"}]),
            phase_head(SimpleNamespace(**{**vars(plan), "money_used": 250.0})),
        )
    assert first == again
    assert ">43<" in first[0] and ">+13<" in first[0]
    assert ">60<" in changed[0] and ">+5<" in changed[0]
    assert "Niemand" in first[1] and "Ich" in changed[1] and "Niemand" not in changed[1]
    assert "+2,3" in first[2] and "Ihre Antwort: A)" in first[2]
    assert "+3,5" in changed[2] and "Ihre Antwort: B)" in changed[2]
    assert "100 von 450 EUR" in first[3] and "250 von 450 EUR" in changed[3]


def test_a_shown_date_is_the_day_in_the_current_time_zone_and_the_active_language():
    # 23:30 UTC on 31 December is already New Year's Day in Berlin.
    late = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)
    with translation.override("de"):
        assert shown_date(late) == "1. Januar 2027"
        assert shown_date(datetime.date(2027, 3, 5), "SHORT_DATE_FORMAT") == "05.03.2027"
        assert shown_date(None) == ""
    with translation.override("en"):
        assert shown_date(late) == "1 January 2027"
        assert shown_date(datetime.date(2027, 3, 5), "SHORT_DATE_FORMAT") == "5 Mar 2027"
