import copy
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
    load_questionnaire_file,
    parse_data,
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
    assert "probe.yaml: recommendation second: trigger on an unknown question 'nope'" in errors
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
