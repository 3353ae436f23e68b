"""Grid questions in the questionnaire file: how they are read, and each loader error."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from django.utils import translation

from assessment.engine.scoring import AnswerInput, score
from assessment.models import QuestionGrid
from assessment.questionnaire_file import (
    QuestionnaireFileError,
    content_hash,
    hashed_form,
    load_questionnaire_file,
    parse_data,
    parse_file,
    parse_text,
)

ROOT = Path(__file__).resolve().parent.parent
GRID_CHECK = ROOT / "tests" / "data" / "grid-check.yaml"

GRID_YAML = """\
key: probe
version: 1
title: {de: Probe, en: Probe}
levels:
  - key: low
    min: 0
    max: 50
    name: {de: Niedrig, en: Low}
  - key: high
    min: 50
    max: 100
    name: {de: Hoch, en: High}
dimensions:
  - key: tech
    title: {de: Technik, en: Technology}
    questions:
      - key: plan
        kind: single
        text: {de: Plan, en: Plan}
        options:
          - key: none
            label: {de: Nein, en: "No"}
            points: 0
          - key: written
            label: {de: Ja, en: "Yes"}
            points: 1
      - key: technologien
        kind: grid
        weight: 2
        allow_na: true
        text: {de: Technik im Einsatz, en: Technology in use}
        scale:
          - key: none
            label: {de: nicht genutzt, en: not used}
            points: 0
          - key: trial
            label: {de: im Test, en: on trial}
            points: 1
          - key: running
            label: {de: im Betrieb, en: operational}
            points: 2
        rows:
          - key: tech-erp
            label: {de: Warenwirtschaft, en: Merchandise management}
          - key: tech-crm
            label: {de: Kundendatenbank, en: Customer database}
      - key: after
        kind: single
        text: {de: Danach, en: After}
        options:
          - key: a
            label: {de: A, en: A}
            points: 0
          - key: b
            label: {de: B, en: B}
            points: 1
"""


def line_number(fragment: str, text: str = GRID_YAML) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def grid_errors(replace: str, by: str, text: str = GRID_YAML) -> list[str]:
    assert replace in text, replace
    with pytest.raises(QuestionnaireFileError) as caught:
        parse_text(text.replace(replace, by, 1), "probe.yaml")
    return caught.value.errors


def parsed() -> dict:
    return parse_text(GRID_YAML, "probe.yaml")


def test_a_grid_becomes_one_question_per_row_in_the_file_order():
    dimension = parsed()["dimensions"][0]
    assert [question["key"] for question in dimension["questions"]] == [
        "plan",
        "tech-erp",
        "tech-crm",
        "after",
    ]
    erp = dimension["questions"][1]
    assert erp["grid"] == "technologien"
    assert erp["text"] == {"de": "Warenwirtschaft", "en": "Merchandise management"}
    assert erp["weight"] == 2 and erp["allow_na"] is True
    assert [option["key"] for option in erp["options"]] == ["none", "trial", "running"]
    assert dimension["questions"][0]["grid"] == "" == dimension["questions"][3]["grid"]
    (grid,) = dimension["grids"]
    assert grid["key"] == "technologien"
    assert grid["rows"] == ["tech-erp", "tech-crm"]
    assert grid["text"]["en"] == "Technology in use"


def test_rows_are_scale_questions_when_the_steps_count_up_and_single_choice_otherwise():
    rows = parsed()["dimensions"][0]["questions"][1:3]
    assert {row["kind"] for row in rows} == {"scale"}
    two_steps = GRID_YAML.replace(
        "          - key: running\n            label: {de: im Betrieb, en: operational}\n"
        "            points: 2\n",
        "",
    )
    rows = parse_text(two_steps, "probe.yaml")["dimensions"][0]["questions"][1:3]
    assert {row["kind"] for row in rows} == {"single"}
    uneven = GRID_YAML.replace("            points: 2\n", "            points: 10\n", 1)
    rows = parse_text(uneven, "probe.yaml")["dimensions"][0]["questions"][1:3]
    assert {row["kind"] for row in rows} == {"single"}


def test_the_grid_condition_applies_to_every_row_and_steps_name_rows():
    text = GRID_YAML.replace(
        "        allow_na: true\n",
        "        allow_na: true\n        condition: {question: plan, any_of: [written]}\n",
    )
    rows = parse_text(text, "probe.yaml")["dimensions"][0]["questions"][1:3]
    assert [row["condition"] for row in rows] == [{"question": "plan", "any_of": ["written"]}] * 2


def test_a_grid_without_rows_is_an_error_at_its_line():
    text = GRID_YAML.replace(
        "        rows:\n          - key: tech-erp\n"
        "            label: {de: Warenwirtschaft, en: Merchandise management}\n"
        "          - key: tech-crm\n"
        "            label: {de: Kundendatenbank, en: Customer database}\n",
        "        rows: []\n",
    )
    with pytest.raises(QuestionnaireFileError) as caught:
        parse_text(text, "probe.yaml")
    line = line_number("rows: []", text)
    assert caught.value.errors == [
        f"probe.yaml, line {line}: grid technologien: needs 'rows', a list of at least one row "
        "(each with a 'key' and a 'label')"
    ]


def test_a_grid_with_one_scale_option_is_an_error():
    text = GRID_YAML.replace(
        "          - key: trial\n            label: {de: im Test, en: on trial}\n"
        "            points: 1\n"
        "          - key: running\n            label: {de: im Betrieb, en: operational}\n"
        "            points: 2\n",
        "",
    )
    with pytest.raises(QuestionnaireFileError) as caught:
        parse_text(text, "probe.yaml")
    assert caught.value.errors == [
        f"probe.yaml, line {line_number('scale:', text)}: grid technologien: 'scale' needs a "
        "list of at least two options (the answers every row shares)"
    ]


def test_a_duplicate_row_key_names_the_first_row():
    errors = grid_errors("          - key: tech-crm", "          - key: tech-erp")
    assert errors == [
        f"probe.yaml, line {line_number('- key: tech-crm')}: grid technologien rows[1]: "
        f"duplicate row key 'tech-erp' (first at line {line_number('- key: tech-erp')})"
    ]


def test_a_row_key_that_is_a_question_key_names_the_question():
    errors = grid_errors("          - key: tech-crm", "          - key: plan")
    assert errors == [
        f"probe.yaml, line {line_number('- key: tech-crm')}: grid technologien rows[1]: "
        f"row key 'plan' is already the key of a question (first at line "
        f"{line_number('- key: plan')}); a row is a question, and question, grid and row keys "
        "must be unique in the whole file"
    ]


def test_a_later_question_with_a_row_key_names_the_row():
    errors = grid_errors("      - key: after", "      - key: tech-erp")
    assert errors == [
        f"probe.yaml, line {line_number('- key: after')}: question tech-erp: duplicate key "
        "(question, grid and row keys must be unique in the whole file; first at line "
        f"{line_number('- key: tech-erp')})"
    ]


def test_a_question_with_the_grid_key_names_the_grid():
    errors = grid_errors("      - key: after", "      - key: technologien")
    assert errors == [
        f"probe.yaml, line {line_number('- key: after')}: question technologien: duplicate key "
        "(question, grid and row keys must be unique in the whole file; first at line "
        f"{line_number('- key: technologien')})"
    ]


def test_a_row_key_equal_to_its_grid_key_is_refused():
    errors = grid_errors("          - key: tech-crm", "          - key: technologien")
    assert len(errors) == 1
    assert "row key 'technologien' is already the key of a grid (first at line" in errors[0]


def test_options_written_instead_of_scale_is_named():
    errors = grid_errors("        scale:\n", "        options:\n")
    line = line_number("scale:")
    assert (
        f"probe.yaml, line {line}: grid technologien: a grid writes the answers its rows share "
        "under 'scale', not 'options'"
    ) in errors
    assert not any("unknown field 'options'" in error for error in errors)


def test_a_condition_on_the_grid_itself_asks_for_a_row():
    errors = grid_errors(
        "        text: {de: Danach, en: After}\n",
        "        text: {de: Danach, en: After}\n"
        "        condition: {question: technologien, any_of: [running]}\n",
    )
    assert errors == [
        f"probe.yaml, line {line_number('- key: after')}: question after: names the grid "
        "'technologien'; a condition names one of its rows (tech-erp, tech-crm)"
    ]


def test_a_step_triggered_by_the_grid_itself_asks_for_a_row():
    step = """\
recommendations:
  - key: r_erp
    dimension: tech
    title: {de: ERP, en: ERP}
    description: {de: ERP, en: ERP}
    trigger: {question: technologien, below: 50}
    effort_hours: 1
    cost_once: 0
    cost_monthly: 0
    impact: 2
    kpi: {metric: {de: Zahl, en: Number}, unit: count, direction: up}
"""
    with pytest.raises(QuestionnaireFileError) as caught:
        parse_text(GRID_YAML + step, "probe.yaml")
    (error,) = caught.value.errors
    assert error.endswith(
        "recommendation r_erp trigger: names the grid 'technologien'; a condition names one "
        "of its rows (tech-erp, tech-crm)"
    )
    rows_step = step.replace("question: technologien", "question: tech-erp")
    content = parse_text(GRID_YAML + rows_step, "probe.yaml")
    assert content["recommendations"][0]["trigger"]["question"] == "tech-erp"


def test_grid_and_row_fields_are_checked():
    errors = grid_errors("        weight: 2\n", "        weight: 2\n        empty: zero\n")
    assert errors == [
        f"probe.yaml, line {line_number('weight: 2') + 1}: grid technologien: unknown field 'empty'"
    ]
    errors = grid_errors(
        "            label: {de: Kundendatenbank, en: Customer database}\n",
        "            label: {de: Kundendatenbank}\n",
    )
    assert errors == [
        f"probe.yaml, line {line_number('label: {de: Kundendatenbank')}: grid technologien row "
        "tech-crm: missing translation label.en"
    ]


def test_a_grid_needs_a_scale_step_with_points():
    text = GRID_YAML.replace("points: 1\n          - key: running", "points: 0\n          - key: x")
    text = text.replace("            points: 2\n", "            points: 0\n", 1)
    with pytest.raises(QuestionnaireFileError) as caught:
        parse_text(text, "probe.yaml")
    assert any(
        "grid technologien: a scored question needs at least one option with points above 0" in e
        for e in caught.value.errors
    )


def test_without_lines_errors_name_positions():
    data = yaml.safe_load(GRID_YAML)
    data["dimensions"][0]["questions"][1]["rows"][1]["key"] = "tech-erp"
    with pytest.raises(QuestionnaireFileError) as caught:
        parse_data(data, "probe.yaml")
    assert caught.value.errors == [
        "probe.yaml: grid technologien rows[1]: duplicate row key 'tech-erp' "
        "(first at grid technologien rows[0])"
    ]


def test_a_file_without_grids_keeps_its_hash_and_grids_change_it():
    data = yaml.safe_load(GRID_YAML)
    plain = copy.deepcopy(data)
    plain["dimensions"][0]["questions"].pop(1)
    hashed = parse_data(copy.deepcopy(plain), "probe.yaml")
    form = hashed_form(hashed)
    assert "grids" not in form["dimensions"][0]
    assert all("grid" not in question for question in form["dimensions"][0]["questions"])
    with_grid = parse_data(copy.deepcopy(data), "probe.yaml")
    changed = copy.deepcopy(data)
    changed["dimensions"][0]["questions"][1]["rows"][0]["label"]["en"] = "ERP"
    assert content_hash(with_grid) != content_hash(parse_data(changed, "probe.yaml"))
    assert content_hash(with_grid) != content_hash(hashed)


def test_the_grid_test_instrument_is_valid():
    content = parse_file(GRID_CHECK)
    keys = [q["key"] for d in content["dimensions"] for q in d["questions"]]
    assert keys == [
        "tech_plan",
        "tech-erp",
        "tech-crm",
        "tech-cloud",
        "sells_goods",
        "chan-shop",
        "chan-market",
        "sales_figures",
    ]


@pytest.mark.django_db
def test_a_stored_grid_holds_its_rows_and_they_read_with_its_text():
    questionnaire = load_questionnaire_file(path=GRID_CHECK).questionnaire
    grid = QuestionGrid.objects.get(questionnaire=questionnaire, key="technologien")
    assert (grid.weight, grid.allow_na, grid.order, grid.dimension.key) == (2.0, True, 1, "tech")
    assert grid.help_en == "One answer per row."
    rows = list(grid.rows.order_by("order"))
    assert [(row.key, row.order, row.kind, row.weight, row.allow_na) for row in rows] == [
        ("tech-erp", 1, "scale", 2.0, True),
        ("tech-crm", 2, "scale", 2.0, True),
        ("tech-cloud", 3, "scale", 2.0, True),
    ]
    assert [option.key for option in rows[0].options.order_by("order")] == [
        "none",
        "planned",
        "trial",
        "partly",
        "running",
    ]
    channels = QuestionGrid.objects.get(questionnaire=questionnaire, key="channels")
    shop = channels.rows.get(key="chan-shop")
    assert (shop.kind, shop.condition_question_key, shop.condition_any_of) == (
        "single",
        "sells_goods",
        ["yes"],
    )
    content = questionnaire.content()
    erp = content.questions["tech-erp"]
    with translation.override("de"):
        assert erp.display_text == "Wie weit nutzen Sie diese Technik? – Warenwirtschaft (ERP)"
        assert content.questions["tech_plan"].display_text == "Gibt es einen Plan für neue Technik?"
    with translation.override("en"):
        assert erp.display_text == (
            "How far do you use these technologies? – Merchandise management (ERP)"
        )
    spec = {question.key: question for question in content.spec.questions}
    assert spec["tech-erp"].grid == "technologien" and spec["tech_plan"].grid == ""
    assert spec["chan-market"].grid == "channels"
    # No grid parent among the questions: code iterating questions sees only rows.
    assert "technologien" not in content.questions


@pytest.mark.django_db
def test_reading_the_display_text_of_every_row_costs_no_query(django_assert_num_queries):
    questionnaire = load_questionnaire_file(path=GRID_CHECK).questionnaire
    content = questionnaire.content()
    with django_assert_num_queries(0):
        texts = [question.display_text for question in content.questions.values()]
    assert len(texts) == 8


@pytest.mark.django_db
def test_the_worked_example_of_the_docs():
    """docs/questionnaire-format.md, "Grid questions": 58.3 points, a lever of 25."""
    questionnaire = load_questionnaire_file(path=GRID_CHECK).questionnaire
    answers = {
        "tech_plan": AnswerInput(options=("ideas",)),  # 50 %, weight 1
        "tech-erp": AnswerInput(options=("running",)),
        "tech-crm": AnswerInput(options=("planned",)),
        "tech-cloud": AnswerInput(not_applicable=True),
    }
    result = score(questionnaire.scoring_spec(), answers)
    assert result.dimension("tech").score == pytest.approx(100 * (0.5 + 2 * 0.625) / 3)
    assert round(result.dimension("tech").score, 1) == 58.3
    assert result.question("tech-crm").dimension_lever == pytest.approx(25.0)
    assert result.question("tech-erp").weight == 1.0  # the grid's 2 shared by two rows


def test_later_questions_may_depend_on_a_row():
    text = GRID_YAML.replace(
        "        text: {de: Danach, en: After}\n",
        "        text: {de: Danach, en: After}\n"
        "        condition: {question: tech-erp, any_of: [running]}\n",
    )
    after = parse_text(text, "probe.yaml")["dimensions"][0]["questions"][3]
    assert after["condition"] == {"question": "tech-erp", "any_of": ["running"]}


HEAD, QUESTIONS = GRID_YAML.split("    questions:\n")
GROUPED_GRID_YAML = (
    HEAD
    + """\
    groups:
      - key: planning
        weight: 1
        questions:
          - key: plan_b
            kind: single
            text: {de: Plan B, en: Plan B}
            options:
              - {key: none, label: {de: Nein, en: "No"}, points: 0}
              - {key: yes_b, label: {de: Ja, en: "Yes"}, points: 1}
      - key: tools
        weight: 3
        questions:
"""
    + "".join(f"    {line}" for line in QUESTIONS.splitlines(keepends=True))
)


@pytest.mark.django_db
def test_a_grid_in_a_question_group_counts_there_as_one_question(tmp_path):
    path = tmp_path / "grouped.yaml"
    path.write_text(GROUPED_GRID_YAML, encoding="utf-8")
    questionnaire = load_questionnaire_file(path=path).questionnaire
    grid = QuestionGrid.objects.get(questionnaire=questionnaire)
    assert grid.group == "tools"
    assert set(grid.rows.values_list("group", flat=True)) == {"tools"}
    result = score(
        questionnaire.scoring_spec(),
        {
            "plan_b": AnswerInput(options=("yes_b",)),  # planning: 1.0, share 1/4
            "plan": AnswerInput(options=("none",)),  # tools: plan 0 (weight 1)
            "tech-erp": AnswerInput(options=("running",)),  # grid (weight 2): mean 0.5
            "tech-crm": AnswerInput(options=("none",)),
            "after": AnswerInput(options=("b",)),  # 1.0 (weight 1)
        },
    )
    tools = (0 + 2 * 0.5 + 1.0) / 4
    assert result.dimension("tech").score == pytest.approx(100 * (0.25 * 1.0 + 0.75 * tools))
