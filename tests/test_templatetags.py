"""The answer choices written in Python rather than as a template loop."""

from types import SimpleNamespace

from assessment.templatetags.reifegrad import answer_choices


def choice_item(*, chosen: set[str], not_applicable: bool = False) -> dict:
    options = [
        SimpleNamespace(key="paper", label='Papier & "Ordner" <b>', exclusive=False),
        SimpleNamespace(key="none", label="Gar nicht", exclusive=True),
    ]
    question = SimpleNamespace(key="acc-books", option_list=options)
    return {
        "question": question,
        "chosen": chosen,
        "not_applicable": not_applicable,
        "input_type": "checkbox",
    }


def test_labels_are_escaped_and_each_input_has_its_label():
    html = answer_choices(choice_item(chosen=set()))
    assert "Papier &amp; &quot;Ordner&quot; &lt;b&gt;" in html
    assert "<b>" not in html
    assert html.count('<input class="form-check-input" type="checkbox"') == 2
    assert 'id="q-acc-books-paper" value="paper"' in html
    assert '<label class="form-check-label" for="q-acc-books-paper">' in html


def test_chosen_options_are_checked_and_exclusive_ones_marked():
    html = answer_choices(choice_item(chosen={"none"}))
    assert 'value="none" checked data-exclusive>' in html
    assert 'value="paper">' in html


def test_nothing_is_checked_when_the_question_does_not_apply():
    html = answer_choices(choice_item(chosen={"paper"}, not_applicable=True))
    assert " checked" not in html
