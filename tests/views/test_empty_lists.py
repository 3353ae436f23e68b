"""A tick list with `empty: zero`: saving the page on which it was shown with nothing ticked
is an answer worth 0; a list the person never saw, or one its condition hides, stays open."""

import copy
import re
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from assessment.models import Answer
from assessment.page_form import form_state
from assessment.questionnaire_file import load_questionnaire_file
from tests.conftest import ROOT
from tests.views.test_check import start_for

INSTRUMENT = ROOT / "tests" / "data" / "published-style-check.yaml"


def page_url(assessment, number: int) -> str:
    return reverse("check_page", args=[assessment.public_id, number])


def untouched(key: str) -> dict:
    """The page's fields for one question as it shows them with no answer."""
    return {f"seen-{key}": form_state([], "", None), f"note-{key}": ""}


@pytest.fixture
def instrument(db):
    return load_questionnaire_file(path=INSTRUMENT).questionnaire


def test_a_shown_list_saved_with_nothing_ticked_scores_zero(client, owner, instrument):
    assessment = start_for(client, owner, instrument)
    response = client.post(
        page_url(assessment, 1),
        {"shown": ["invest_areas"], **untouched("invest_areas"), "nav": "next"},
    )
    assert response.status_code == 302
    answer = Answer.objects.get(assessment=assessment, question__key="invest_areas")
    assert (answer.options, answer.not_applicable) == ([], False)
    result = assessment.compute_result()
    assert result.question("invest_areas").status == "answered"
    assert result.question("invest_areas").score == 0.0
    assert result.dimension("business").score == 0.0


def test_a_list_on_a_page_never_saved_stays_open(client, owner, instrument):
    assessment = start_for(client, owner, instrument)
    client.post(
        page_url(assessment, 2),
        {"shown": ["idx_website"], **untouched("idx_website"), "q-idx_website": "yes"},
    )
    result = assessment.compute_result()
    assert "invest_areas" in result.missing
    assert not Answer.objects.filter(assessment=assessment, question__key="invest_areas")


def test_an_ordinary_list_saved_empty_stays_open(client, owner, default_questionnaire):
    assessment = start_for(client, owner, default_questionnaire)
    client.post(page_url(assessment, 1), {"shown": ["web_legal"], **untouched("web_legal")})
    assert not Answer.objects.filter(assessment=assessment, question__key="web_legal")
    assert assessment.compute_result().question("web_legal").status != "answered"


def test_saving_again_keeps_ticks_given_meanwhile_in_another_tab(client, owner, instrument):
    assessment = start_for(client, owner, instrument)
    save_url = reverse("save_answer", args=[assessment.public_id])
    client.post(save_url, {"question": "invest_areas", "option": ["sales"]})
    # The first tab still shows the list empty and is saved now.
    client.post(page_url(assessment, 1), {"shown": ["invest_areas"], **untouched("invest_areas")})
    answer = Answer.objects.get(assessment=assessment, question__key="invest_areas")
    assert answer.options == ["sales"]


def test_a_list_its_condition_hides_is_not_saved_as_zero(client, owner, tmp_path):
    data = yaml.safe_load(INSTRUMENT.read_text(encoding="utf-8"))
    data["key"] = "published-style-gated"
    questions = data["dimensions"][0]["groups"][0]["questions"]
    gate = copy.deepcopy(questions[1])
    gate.update(key="invests", scored=False)
    questions[0]["condition"] = {"question": "invests", "any_of": ["yes"]}
    questions.insert(0, gate)
    path = Path(tmp_path) / "gated.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    questionnaire = load_questionnaire_file(path=path).questionnaire
    assessment = start_for(client, owner, questionnaire)
    fields = {"shown": ["invests", "invest_areas"], **untouched("invests")}
    client.post(page_url(assessment, 1), {**fields, **untouched("invest_areas"), "q-invests": "no"})
    assert not Answer.objects.filter(assessment=assessment, question__key="invest_areas")
    # Once the condition holds, the list is shown and an empty save is a zero.
    client.post(
        page_url(assessment, 1), {**fields, **untouched("invest_areas"), "q-invests": "yes"}
    )
    answer = Answer.objects.get(assessment=assessment, question__key="invest_areas")
    assert answer.options == []
    assert assessment.compute_result().question("invest_areas").score == 0.0


# --- Whole-point bands: the shown number and the level follow one rounding rule


def test_results_show_whole_points_and_the_level_of_that_number(client, owner, instrument):
    assessment = start_for(client, owner, instrument)
    save_url = reverse("save_answer", args=[assessment.public_id])
    answers = {
        "invest_areas": ["it_infra", "sales"],
        "invest_plan": ["no"],
        "tech_cloud": ["s3"],
        "tech_crm": ["s0"],
        "tech_erp": ["_na"],
        "idx_website": ["yes"],
        "idx_einvoice": ["no"],
        "idx_backup": ["no"],
        "idx_2fa": ["no"],
    }
    for key, options in answers.items():
        assert client.post(save_url, {"question": key, "option": options}).status_code == 200
    response = client.get(reverse("results", args=[assessment.public_id]))
    page = response.content.decode()
    # Overall 26.25 -> 26, in the band from 26 ("Fortgeschritten"); business 27.5 -> 28.
    assert re.search(r"data-overall-index>26<", page)
    assert "Fortgeschritten" in page
    assert ">28<" in page


def test_the_points_filter_rounds_half_up_like_the_bands():
    from assessment.templatetags.reifegrad import points

    assert points(0.285 * 100) == 29  # 28.499999999999996 stands for 28.5
    assert points(25.5) == 26
    assert points(25.49) == 25
    assert points(None) == ""
