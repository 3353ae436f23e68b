import copy
import datetime
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from assessment.models import (
    Assessment,
    Company,
    Option,
    Question,
    Questionnaire,
    Recommendation,
)
from assessment.questionnaire_file import (
    QuestionnaireFileError,
    QuestionnaireInUse,
    content_hash,
    hashed_form,
    load_questionnaire_file,
    parse_data,
    parse_text,
)


def text(de: str, en: str | None = None) -> dict:
    return {"de": de, "en": en or f"{de} (en)"}


VALID = {
    "key": "probe",
    "version": 1,
    "title": text("Probe"),
    "levels": [
        {"key": "low", "min": 0, "max": 50, "name": text("Niedrig")},
        {"key": "high", "min": 50, "max": 100, "name": text("Hoch")},
    ],
    "dimensions": [
        {
            "key": "web",
            "title": text("Webseite"),
            "questions": [
                {
                    "key": "shop",
                    "kind": "single",
                    "text": text("Verkaufen Sie online?"),
                    "options": [
                        {"key": "none", "label": text("Nein"), "points": 0},
                        {"key": "shop", "label": text("Ja"), "points": 2},
                    ],
                },
                {
                    "key": "shop_access",
                    "kind": "scale",
                    "text": text("Barrierefrei?"),
                    "allow_na": True,
                    "condition": {"question": "shop", "any_of": ["shop"]},
                    "options": [
                        {"key": f"s{i}", "label": text(f"Stufe {i}"), "points": i} for i in range(4)
                    ],
                },
            ],
        }
    ],
    "recommendations": [
        {
            "key": "start_shop",
            "dimension": "web",
            "title": text("Shop starten"),
            "description": text("Einen kleinen Shop starten."),
            "trigger": {"question": "shop", "below": 100},
            "effort_hours": 10,
            "cost_once": 200,
            "cost_monthly": 20,
            "impact": 3,
            "kpi": {"metric": text("Bestellungen"), "unit": "count", "direction": "up"},
        }
    ],
}


def errors_for(mutate) -> list[str]:
    data = copy.deepcopy(VALID)
    mutate(data)
    with pytest.raises(QuestionnaireFileError) as caught:
        parse_data(data, "probe.yaml")
    return caught.value.errors


def write(tmp_path: Path, data: dict, name: str = "probe.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def first_question(data: dict) -> dict:
    return data["dimensions"][0]["questions"][0]


def test_valid_file_parses():
    parsed = parse_data(copy.deepcopy(VALID), "probe.yaml")
    assert parsed["dimensions"][0]["questions"][1]["condition"] == {
        "question": "shop",
        "any_of": ["shop"],
    }


def test_duplicate_question_key_is_reported_with_file_and_key():
    def mutate(data):
        data["dimensions"][0]["questions"][1]["key"] = "shop"
        data["dimensions"][0]["questions"][1].pop("condition")

    errors = errors_for(mutate)
    assert any(e.startswith("probe.yaml: question shop: duplicate key") for e in errors)


def test_unknown_dimension_in_a_recommendation():
    errors = errors_for(lambda d: d["recommendations"][0].update(dimension="lager"))
    assert "probe.yaml: recommendation start_shop: unknown dimension 'lager'" in errors


def test_condition_on_an_unknown_question():
    def mutate(data):
        data["dimensions"][0]["questions"][1]["condition"]["question"] = "sells_goods"

    errors = errors_for(mutate)
    assert any(
        "question shop_access: condition on an unknown question 'sells_goods'" in e for e in errors
    )


def test_condition_on_a_later_question_is_refused():
    def mutate(data):
        questions = data["dimensions"][0]["questions"]
        questions.reverse()

    errors = errors_for(mutate)
    assert any("condition on an unknown question 'shop'" in e for e in errors)


def test_option_points_out_of_range():
    errors = errors_for(lambda d: first_question(d)["options"][1].update(points=250))
    assert any("question shop option shop: 'points' is 250, out of range" in e for e in errors)


def test_negative_points_are_out_of_range():
    errors = errors_for(lambda d: first_question(d)["options"][0].update(points=-1))
    assert any("'points' is -1, out of range" in e for e in errors)


def test_missing_translation():
    errors = errors_for(lambda d: first_question(d)["text"].pop("en"))
    assert "probe.yaml: question shop: missing translation text.en" in errors


def test_bad_level_bands_gap_overlap_and_range():
    gap = errors_for(lambda d: d["levels"][1].update(min=60))
    assert any("bad level bands: gap between low" in e for e in gap)
    overlap = errors_for(lambda d: d["levels"][1].update(min=40))
    assert any("bad level bands: overlap" in e for e in overlap)
    start = errors_for(lambda d: d["levels"][0].update(min=10))
    assert any("first band must start at 0" in e for e in start)
    single = errors_for(lambda d: d["levels"].pop())
    assert any("at least two level bands" in e for e in single)


def test_scale_points_must_count_up_from_zero():
    def mutate(data):
        data["dimensions"][0]["questions"][1]["options"][2]["points"] = 5

    errors = errors_for(mutate)
    assert any("scale options must have points 0, 1, 2" in e for e in errors)


def test_trigger_on_unknown_question_and_cyclic_requirements():
    def mutate(data):
        first = data["recommendations"][0]
        second = copy.deepcopy(first)
        second["key"] = "second"
        first["requires"] = ["second"]
        second["requires"] = ["start_shop"]
        second["trigger"] = {"question": "nope", "below": 50}
        data["recommendations"].append(second)

    errors = errors_for(mutate)
    assert "probe.yaml: recommendation second trigger: unknown question 'nope'" in errors
    assert any("'requires' forms a cycle" in e for e in errors)


def test_every_error_in_a_file_is_reported_at_once():
    def mutate(data):
        first_question(data)["options"][1]["points"] = 500
        first_question(data)["text"].pop("de")
        data["recommendations"][0]["dimension"] = "x"

    assert len(errors_for(mutate)) >= 3


def test_unknown_fields_are_reported():
    errors = errors_for(lambda d: first_question(d).update(wieght=2))
    assert "probe.yaml: question shop: unknown field 'wieght'" in errors


def test_yaml_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(QuestionnaireFileError) as caught:
        load_questionnaire_file(path=path)
    assert f"{path}: top level: must be a mapping" in caught.value.errors


def test_invalid_yaml_syntax_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("key: [unclosed\n", encoding="utf-8")
    with pytest.raises(QuestionnaireFileError) as caught:
        load_questionnaire_file(path=path)
    assert "is not valid YAML" in caught.value.errors[0]


@pytest.mark.django_db
def test_loading_stores_everything(tmp_path):
    outcome = load_questionnaire_file(path=write(tmp_path, VALID))
    assert outcome.action == "created"
    questionnaire = outcome.questionnaire
    assert (questionnaire.key, questionnaire.version) == ("probe", 1)
    assert Question.objects.filter(questionnaire=questionnaire).count() == 2
    assert Option.objects.filter(question__questionnaire=questionnaire).count() == 6
    step = Recommendation.objects.get(questionnaire=questionnaire)
    assert step.trigger_question.key == "shop"
    assert questionnaire.bands.count() == 2


@pytest.mark.django_db
def test_reloading_the_same_file_changes_nothing(tmp_path):
    path = write(tmp_path, VALID)
    first = load_questionnaire_file(path=path).questionnaire
    question_ids = list(Question.objects.values_list("pk", flat=True))
    again = load_questionnaire_file(path=path)
    assert again.action == "unchanged"
    assert again.questionnaire.pk == first.pk
    assert list(Question.objects.values_list("pk", flat=True)) == question_ids


@pytest.mark.django_db
def test_an_unused_version_can_be_replaced(tmp_path):
    load_questionnaire_file(path=write(tmp_path, VALID))
    changed = copy.deepcopy(VALID)
    first_question(changed)["text"]["de"] = "Verkaufen Sie im Internet?"
    outcome = load_questionnaire_file(path=write(tmp_path, changed))
    assert outcome.action == "replaced"
    assert Questionnaire.objects.count() == 1
    assert Question.objects.get(key="shop").text_de == "Verkaufen Sie im Internet?"


@pytest.mark.django_db
def test_changing_a_version_in_use_is_refused_and_says_to_bump_it(tmp_path):
    questionnaire = load_questionnaire_file(path=write(tmp_path, VALID)).questionnaire
    company = Company.objects.create(industry="retail", size_band="1")
    Assessment.objects.create(company=company, questionnaire=questionnaire)
    changed = copy.deepcopy(VALID)
    first_question(changed)["options"][1]["points"] = 3
    with pytest.raises(QuestionnaireInUse) as caught:
        load_questionnaire_file(path=write(tmp_path, changed))
    assert "bump 'version' to 2" in str(caught.value)
    assert Option.objects.get(key="shop", question__key="shop").points == 2

    changed["version"] = 2
    outcome = load_questionnaire_file(path=write(tmp_path, changed))
    assert outcome.action == "created"
    assert Questionnaire.objects.filter(key="probe").count() == 2


@pytest.mark.django_db
def test_command_reports_errors_and_loads_nothing(tmp_path):
    data = copy.deepcopy(VALID)
    first_question(data)["options"][1]["points"] = 101
    path = write(tmp_path, data)
    stderr = StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_questionnaire", str(path), stderr=stderr)
    assert "question shop option shop: 'points' is 101" in stderr.getvalue()
    assert not Questionnaire.objects.exists()


@pytest.mark.django_db
def test_command_says_what_it_did(tmp_path):
    path = write(tmp_path, VALID)
    stdout = StringIO()
    call_command("load_questionnaire", str(path), stdout=stdout)
    call_command("load_questionnaire", str(path), stdout=stdout)
    lines = stdout.getvalue().splitlines()
    assert lines[0].startswith("probe v1: created (1 dimensions, 2 questions, 1 recommendations)")
    assert lines[1].startswith("probe v1: unchanged")


def test_yaml_booleans_in_texts_get_a_hint():
    errors = errors_for(
        lambda d: first_question(d)["options"][0].update(label={"de": "Nein", "en": False})
    )
    assert any("label.en must be text, not False (quote it" in e for e in errors)


def test_kpi_units_come_from_a_fixed_list_so_they_can_be_translated():
    errors = errors_for(lambda d: d["recommendations"][0]["kpi"].update(unit="Stück"))
    assert any("kpi 'unit' must be one of %, EUR" in e for e in errors)


# --- Conditions, legal kinds and variants (roadmap catalogue format 2)


def first_step(data: dict) -> dict:
    return data["recommendations"][0]


def step_errors(**fields) -> list[str]:
    return errors_for(lambda data: first_step(data).update(fields))


def parsed_step(**fields) -> dict:
    data = copy.deepcopy(VALID)
    first_step(data).update(fields)
    return parse_data(data, "probe.yaml")["recommendations"][0]


WHERE = "probe.yaml: recommendation start_shop"


def test_conditions_on_options_dimensions_and_profile_facts_are_stored():
    parsed = parsed_step(
        trigger={"question": "shop", "any_of": ["none"]},
        when=[{"profile": "customers", "any_of": ["consumers"]}, {"dimension": "web", "below": 80}],
        unless=[{"question": "shop_access", "none_of": ["s0"]}],
    )
    assert parsed["trigger"] == {
        "question": "shop",
        "dimension": None,
        "below": 100.0,
        "any_of": ["none"],
        "none_of": [],
    }
    assert parsed["when"] == [
        {"profile": "customers", "any_of": ["consumers"]},
        {"dimension": "web", "below": 80.0},
    ]
    assert parsed["unless"] == [{"question": "shop_access", "none_of": ["s0"]}]


def test_a_condition_names_an_option_the_question_does_not_have():
    errors = step_errors(when=[{"question": "shop", "any_of": ["sometimes"]}])
    assert f"{WHERE} when[0]: question shop has no option 'sometimes'" in errors


def test_a_trigger_names_an_option_the_question_does_not_have():
    errors = step_errors(trigger={"question": "shop", "none_of": ["never"]})
    assert f"{WHERE} trigger: question shop has no option 'never'" in errors


def test_a_condition_on_an_unknown_dimension_or_question():
    errors = step_errors(
        unless=[{"dimension": "nope", "below": 10}, {"question": "nope", "any_of": ["x"]}]
    )
    assert f"{WHERE} unless[0]: unknown dimension 'nope'" in errors
    assert f"{WHERE} unless[1]: unknown question 'nope'" in errors


def test_a_condition_on_an_unknown_profile_fact_or_value():
    errors = step_errors(
        when=[
            {"profile": "revenue", "any_of": ["high"]},
            {"profile": "turnover", "any_of": ["le_1m"]},
            {"profile": "turnover", "any_of": ["unknown"]},
        ]
    )
    assert any(e.startswith(f"{WHERE} when[0]: unknown profile fact 'revenue'") for e in errors)
    assert any(
        e.startswith(f"{WHERE} when[1]: profile fact turnover has no value 'le_1m'") for e in errors
    )
    assert any(
        e.startswith(f"{WHERE} when[2]: profile fact turnover has no value 'unknown'")
        for e in errors
    )


def test_a_condition_needs_exactly_one_subject_and_something_to_test():
    errors = step_errors(
        when=[
            {"question": "shop", "profile": "turnover", "any_of": ["none"]},
            {"question": "shop"},
            {"dimension": "web"},
            {"profile": "turnover", "below": 50},
        ]
    )
    assert f"{WHERE} when[0]: needs exactly one of 'question', 'dimension', 'profile'" in errors
    assert (
        f"{WHERE} when[1]: condition on question shop needs 'any_of', 'none_of' or 'below'"
        in errors
    )
    assert f"{WHERE} when[2]: condition on dimension web needs 'below'" in errors
    assert f"{WHERE} when[3]: 'below' is for questions and dimensions, not profile facts" in errors


def test_a_trigger_on_a_profile_fact_is_refused():
    errors = step_errors(trigger={"profile": "turnover", "any_of": ["le_2m"]})
    assert f"{WHERE} trigger: needs exactly one of 'question', 'dimension'" in errors


def test_conditions_must_be_a_list():
    assert f"{WHERE}: 'when' must be a list of conditions" in step_errors(when={"question": "shop"})


LEGAL = {
    "source": "§ 14 UStG",
    "checked": datetime.date(2026, 11, 1),
    "note": text("Ausnahmen."),
}


def test_legal_kinds_are_stored():
    dated = parsed_step(
        legal={
            **LEGAL,
            "kind": "dated",
            "deadlines": [
                {
                    "date": datetime.date(2027, 1, 1),
                    "if": [{"profile": "turnover", "any_of": ["le_2m", "le_10m", "gt_10m"]}],
                },
                {
                    "date": datetime.date(2028, 1, 1),
                    "if": [{"profile": "turnover", "any_of": ["le_800k"]}],
                },
            ],
            "applies_if": [{"profile": "kleinunternehmer", "any_of": ["no"]}],
        }
    )["legal"]
    assert dated["kind"] == "dated" and dated["deadline"] is None
    assert [rule["date"] for rule in dated["deadlines"]] == ["2027-01-01", "2028-01-01"]
    assert dated["applies_if"] == [{"profile": "kleinunternehmer", "any_of": ["no"]}]
    assert dated["checked"] == "2026-11-01"
    ongoing = parsed_step(legal={**LEGAL, "kind": "ongoing", "since": datetime.date(2018, 5, 25)})
    assert ongoing["legal"]["since"] == "2018-05-25"


def test_an_old_legal_entry_without_kind_is_a_dated_duty_and_needs_no_check_date():
    legal = parsed_step(
        legal={"deadline": datetime.date(2025, 1, 1), "source": "§ 14 UStG", "note": text("N.")}
    )["legal"]
    assert legal["kind"] == "dated" and legal["deadline"] == "2025-01-01"
    assert legal["checked"] is None


def test_legal_kind_errors():
    errors = step_errors(
        legal={**LEGAL, "kind": "sometimes", "deadline": datetime.date(2027, 1, 1)}
    )
    assert f"{WHERE}: legal 'kind' must be one of dated, ongoing, not 'sometimes'" in errors
    errors = step_errors(legal={**LEGAL, "kind": "dated"})
    assert f"{WHERE}: a dated legal duty needs either 'deadline' or 'deadlines'" in errors
    errors = step_errors(
        legal={
            **LEGAL,
            "kind": "dated",
            "deadline": datetime.date(2027, 1, 1),
            "deadlines": [
                {"date": datetime.date(2028, 1, 1), "if": [{"profile": "size", "any_of": ["1"]}]}
            ],
        }
    )
    assert f"{WHERE}: a dated legal duty needs either 'deadline' or 'deadlines'" in errors
    errors = step_errors(legal={**LEGAL, "kind": "ongoing"})
    assert f"{WHERE}: an ongoing legal duty needs 'since'" in errors
    errors = step_errors(
        legal={
            **LEGAL,
            "kind": "ongoing",
            "since": datetime.date(2018, 5, 25),
            "deadline": datetime.date(2025, 1, 1),
        }
    )
    assert f"{WHERE}: an ongoing legal duty has 'since', not 'deadline'" in errors


def test_a_legal_entry_with_kind_needs_a_check_date_and_a_source():
    legal = {key: value for key, value in LEGAL.items() if key not in ("checked", "source")}
    errors = step_errors(legal={**legal, "kind": "ongoing", "since": datetime.date(2018, 5, 25)})
    assert f"{WHERE}: legal needs 'checked' (the date the fact was last checked)" in errors
    assert f"{WHERE}: legal needs a 'source' (the law or letter the date comes from)" in errors
    errors = step_errors(
        legal={**LEGAL, "kind": "ongoing", "since": "seit 2018", "checked": "gestern"}
    )
    assert f"{WHERE}: legal 'since' must be a date YYYY-MM-DD, not 'seit 2018'" in errors
    assert f"{WHERE}: legal 'checked' must be a date YYYY-MM-DD, not 'gestern'" in errors


def test_deadline_rules_need_conditions_with_valid_references():
    errors = step_errors(
        legal={
            **LEGAL,
            "kind": "dated",
            "deadlines": [
                {"date": datetime.date(2027, 1, 1)},
                {
                    "date": datetime.date(2028, 1, 1),
                    "if": [{"profile": "turnover", "any_of": ["lots"]}],
                },
            ],
            "applies_if": [{"question": "shop", "any_of": ["maybe"]}],
        }
    )
    assert f"{WHERE} legal deadlines[0]: needs 'if', a list of conditions" in errors
    assert any(
        e.startswith(f"{WHERE} legal deadlines[1] if[0]: profile fact turnover has no value 'lots'")
        for e in errors
    )
    assert f"{WHERE} legal applies_if[0]: question shop has no option 'maybe'" in errors


def test_groups_need_two_variants_of_one_dimension():
    errors = step_errors(group="backup")
    assert (
        f"{WHERE}: group 'backup' has only this step; a group needs at least two variants" in errors
    )

    def two_dimensions(data):
        data["dimensions"].append(copy.deepcopy(data["dimensions"][0]))
        other = data["dimensions"][1]
        other["key"] = "money"
        for index, question in enumerate(other["questions"]):
            question["key"] = f"money_{index}"
        other["questions"][1]["condition"] = {"question": "money_0", "any_of": ["shop"]}
        first_step(data)["group"] = "backup"
        second = copy.deepcopy(first_step(data))
        second.update(key="second", dimension="money")
        data["recommendations"].append(second)

    errors = errors_for(two_dimensions)
    assert any("group 'backup' mixes dimensions money, web" in e for e in errors)
    assert (
        f"{WHERE}: 'group' must be a key of lowercase letters, digits, '-' or '_', not 'Bad Group'"
        in step_errors(group="Bad Group")
    )


def test_existential_must_be_true_or_false():
    assert f"{WHERE}: 'existential' must be true or false" in step_errors(existential="yes")
    assert parsed_step(existential=True)["existential"] is True


@pytest.mark.django_db
def test_the_new_fields_are_stored_and_read_back_as_the_engine_sees_them(tmp_path):
    from assessment.models import Recommendation

    data = copy.deepcopy(VALID)
    first_step(data).update(
        trigger={"question": "shop", "any_of": ["none"]},
        when=[{"profile": "customers", "any_of": ["consumers"]}],
        unless=[{"question": "shop_access", "any_of": ["s3"]}],
        existential=True,
        legal={
            **LEGAL,
            "kind": "dated",
            "deadlines": [
                {
                    "date": datetime.date(2027, 1, 1),
                    "if": [{"profile": "turnover", "any_of": ["le_2m"]}],
                }
            ],
            "applies_if": [{"profile": "kleinunternehmer", "any_of": ["no"]}],
        },
    )
    questionnaire = load_questionnaire_file(path=write(tmp_path, data)).questionnaire
    stored = Recommendation.objects.get(questionnaire=questionnaire)
    assert stored.legal_kind == "dated" and stored.legal_checked == datetime.date(2026, 11, 1)
    spec = questionnaire.content().catalogue[0]
    assert spec.trigger.any_of == ("none",) and spec.trigger.below == 100.0
    assert spec.when[0].profile == "customers" and spec.unless[0].any_of == ("s3",)
    assert spec.existential
    assert spec.legal.deadlines[0].date == datetime.date(2027, 1, 1)
    assert spec.legal.applies_if[0].profile == "kleinunternehmer"


def test_a_file_without_the_new_fields_keeps_its_content_hash():
    """A file written before conditions and legal kinds must load as 'unchanged' after them."""
    from assessment.questionnaire_file import content_hash, hashed_form

    parsed = parse_data(copy.deepcopy(VALID), "probe.yaml")
    step = parsed["recommendations"][0]
    assert "when" not in hashed_form(parsed)["recommendations"][0]
    with_condition = copy.deepcopy(parsed)
    with_condition["recommendations"][0]["when"] = [{"profile": "size", "any_of": ["1"]}]
    assert content_hash(with_condition) != content_hash(parsed)
    assert step["trigger"]["below"] == 100


# --- Format 3: line numbers, duplicates, YAML booleans, groups, empty lists, whole points

PROBE_YAML = """\
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
  - key: web
    title: {de: Webseite, en: Website}
    questions:
      - key: shop
        kind: single
        text: {de: Shop, en: Shop}
        options:
          - key: none
            label: {de: Nein, en: "No"}
            points: 0
          - key: shop
            label: {de: Ja, en: "Yes"}
            points: 2
      - key: channels
        kind: multiple
        text: {de: Kanäle, en: Channels}
        options:
          - key: mail
            label: {de: E-Mail, en: E-mail}
            points: 1
          - key: chat
            label: {de: Chat, en: Chat}
            points: 1
"""


def text_errors(replace: str = "", by: str = "", text: str = PROBE_YAML) -> list[str]:
    if replace:
        assert replace in text, replace
        text = text.replace(replace, by, 1)
    with pytest.raises(QuestionnaireFileError) as caught:
        parse_text(text, "probe.yaml")
    return caught.value.errors


def line_number(fragment: str, text: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_probe_text_is_valid():
    assert parse_text(PROBE_YAML, "probe.yaml")["key"] == "probe"


def test_errors_name_the_line_of_the_field():
    errors = text_errors("            points: 2", "            points: 200")
    line = line_number("points: 2", PROBE_YAML)
    assert f"probe.yaml, line {line}: question shop option shop: 'points' is 200, out of range" in (
        " ".join(errors)
    )


def test_an_unknown_field_is_reported_at_its_line():
    errors = text_errors("        kind: multiple\n", "        kind: multiple\n        wieght: 2\n")
    assert errors == ["probe.yaml, line 29: question channels: unknown field 'wieght'"]


def test_a_duplicate_question_key_names_the_line_of_the_first():
    errors = text_errors("      - key: channels", "      - key: shop")
    first, second = (
        line_number("- key: shop", PROBE_YAML),
        line_number("- key: channels", PROBE_YAML),
    )
    assert errors == [
        f"probe.yaml, line {second}: question shop: duplicate key (question, grid and row "
        f"keys must be unique in the whole file; first at line {first})"
    ]


def test_a_duplicate_option_key_names_the_first_and_the_second_place():
    errors = text_errors("          - key: chat", "          - key: mail")
    first, second = line_number("- key: mail", PROBE_YAML), line_number("- key: chat", PROBE_YAML)
    assert errors == [
        f"probe.yaml, line {second}: question channels options[1]: duplicate option key "
        f"'mail' (first at line {first})"
    ]


def test_without_lines_a_duplicate_names_the_position_of_the_first():
    def mutate(data):
        first_question(data)["options"][1]["key"] = "none"

    assert (
        "probe.yaml: question shop options[1]: duplicate option key 'none' "
        "(first at question shop options[0])"
    ) in errors_for(mutate)


def test_a_field_written_twice_in_one_place_is_reported():
    errors = text_errors("        kind: single\n", "        kind: single\n        kind: scale\n")
    assert any(
        e.startswith(
            "probe.yaml, line 19: field 'kind' is written twice in one place (first at line 18)"
        )
        for e in errors
    )


def test_an_unquoted_yes_as_option_key_gets_a_hint():
    errors = text_errors("          - key: none", "          - key: no")
    assert errors == [
        "probe.yaml, line 21: question shop options[0]: 'key' must be text, not False: YAML "
        "reads unquoted yes, no, on, off, true and false as true/false; put the key in "
        'quotes, e.g. "yes"'
    ]


def test_an_unquoted_yes_in_a_condition_gets_the_same_hint():
    errors = text_errors(
        "        kind: multiple\n",
        "        kind: multiple\n        condition: {question: shop, any_of: [yes]}\n",
    )
    assert len(errors) == 1
    assert "'any_of' holds true/false instead of option keys: YAML reads unquoted yes" in errors[0]
    assert errors[0].startswith("probe.yaml, line 29: question channels condition:")


def test_positions_are_written_one_way():
    errors = text_errors("      - key: channels\n", "      - kind_of: channels\n")
    assert any(
        e.startswith("probe.yaml, line 27: dimension web questions[1]: needs a 'key'")
        for e in errors
    )
    errors = text_errors("          - key: chat\n", "          - name: chat\n")
    assert any(
        e.startswith("probe.yaml, line 34: question channels options[1]: needs a 'key'")
        for e in errors
    )


GROUPED = {
    "key": "web",
    "title": text("Webseite"),
    "groups": [
        {"key": "basics", "weight": 50, "questions": [copy.deepcopy(first_question(VALID))]},
        {
            "key": "extras",
            "weight": 50,
            "questions": [copy.deepcopy(VALID["dimensions"][0]["questions"][1])],
        },
    ],
}


def grouped_errors(mutate) -> list[str]:
    def apply(data):
        data["dimensions"][0] = copy.deepcopy(GROUPED)
        mutate(data["dimensions"][0])

    return errors_for(apply)


def test_groups_are_parsed_with_their_weights_and_questions():
    data = copy.deepcopy(VALID)
    data["dimensions"][0] = copy.deepcopy(GROUPED)
    parsed = parse_data(data, "probe.yaml")["dimensions"][0]
    assert [(g["key"], g["weight"]) for g in parsed["groups"]] == [("basics", 50), ("extras", 50)]
    assert [(q["key"], q["group"]) for q in parsed["questions"]] == [
        ("shop", "basics"),
        ("shop_access", "extras"),
    ]


def test_group_errors():
    both = grouped_errors(lambda d: d.update(questions=[]))
    assert any("dimension web: has both 'questions' and 'groups'" in e for e in both)
    single = grouped_errors(lambda d: d["groups"].pop())
    assert "probe.yaml: dimension web: 'groups' needs a list of at least two groups" in single
    empty = grouped_errors(lambda d: d["groups"][1].update(questions=[]))
    assert "probe.yaml: dimension web group extras: needs a list of at least one question" in empty
    weight = grouped_errors(lambda d: d["groups"][1].update(weight=0))
    assert any("dimension web group extras: 'weight' is 0, out of range" in e for e in weight)
    twice = grouped_errors(lambda d: d["groups"][1].update(key="basics"))
    assert (
        "probe.yaml: dimension web groups[1]: duplicate key 'basics' "
        "(first at dimension web groups[0])"
    ) in twice


def test_empty_zero_is_only_for_tick_lists_and_takes_two_values():
    assert (
        parse_data({**copy.deepcopy(VALID)}, "probe.yaml")["dimensions"][0]["questions"][0][
            "empty_zero"
        ]
        is False
    )
    single = errors_for(lambda d: first_question(d).update(empty="zero"))
    assert "probe.yaml: question shop: 'empty: zero' is only for kind 'multiple' (a tick list)" in (
        single
    )
    wrong = errors_for(lambda d: first_question(d).update(empty="null"))
    assert "probe.yaml: question shop: 'empty' must be 'zero' or 'unanswered', not 'null'" in wrong


def whole_point_levels(*starts) -> list[dict]:
    return [{"key": f"l{start}", "from": start, "name": text(f"Stufe {start}")} for start in starts]


def test_whole_point_bands_run_to_the_point_before_the_next():
    data = copy.deepcopy(VALID)
    data["levels"] = whole_point_levels(0, 26, 51, 76)
    parsed = parse_data(data, "probe.yaml")
    assert parsed["whole_point_bands"] is True
    assert [(b["min"], b["max"]) for b in parsed["levels"]] == [
        (0, 25),
        (26, 50),
        (51, 75),
        (76, 100),
    ]


def test_whole_point_band_errors():
    start = errors_for(lambda d: d.update(levels=whole_point_levels(5, 50)))
    assert "probe.yaml: level l5: bad level bands: the first band must start at 0" in start
    order = errors_for(lambda d: d.update(levels=whole_point_levels(0, 60, 40)))
    assert any(
        "level l40: bad level bands: 'from' 40 must be above the 'from' 60" in e for e in order
    )
    fraction = errors_for(lambda d: d.update(levels=whole_point_levels(0, 25.5)))
    assert any("'from' must be a whole number from 0 to 100, not 25.5" in e for e in fraction)

    def mixed(data):
        data["levels"][1] = {"key": "high", "from": 50, "max": 100, "name": text("Hoch")}

    assert any(
        "either with 'from' (whole points) or with 'min' and 'max'" in e for e in errors_for(mixed)
    )


def test_files_without_the_new_fields_keep_their_hash():
    """Groups, empty lists and whole-point bands left at their defaults are not hashed, so a
    file loaded before they existed is unchanged when loaded again."""
    content = parse_data(copy.deepcopy(VALID), "probe.yaml")
    hashed = hashed_form(content)
    assert "whole_point_bands" not in hashed
    assert "groups" not in hashed["dimensions"][0]
    assert not {"group", "empty_zero"} & set(hashed["dimensions"][0]["questions"][0])
    with_empty, without = copy.deepcopy(VALID), copy.deepcopy(VALID)
    first_question(with_empty).update(kind="multiple", empty="zero")
    first_question(without).update(kind="multiple")
    assert content_hash(parse_data(with_empty, "probe.yaml")) != content_hash(
        parse_data(without, "probe.yaml")
    )


def test_invalid_yaml_names_its_line():
    errors = text_errors("        text: {de: Shop, en: Shop}", "        text: {de: Shop?, en: Shop")
    assert len(errors) == 1
    assert errors[0].startswith("probe.yaml, line 19: is not valid YAML:")
