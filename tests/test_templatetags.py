"""The questions of a questionnaire page, written in Python rather than as a template."""

from types import SimpleNamespace

from django.template import Context

from assessment.templatetags.reifegrad import question_fieldset


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
