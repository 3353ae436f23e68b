"""The quick check: one page, its own bands and steps, and carry-over into the full check."""

from fractions import Fraction

import pytest
import yaml
from django.urls import reverse

from assessment.models import Answer, Assessment, Question
from tests.conftest import DEFAULT_QUESTIONNAIRE, QUICK_CHECK
from tests.factories import PROFILE

# One answer set and its score, worked out by hand from the quick check's file: every area is
# a group with an equal share; inside a group, questions weigh the same.
ANSWERS = {
    "web_editing": ["external"],  # 1 of 3
    "web_findability": ["google_profile", "search_terms"],  # 2 points, capped at 3: 2/3
    "acc_bookkeeping": ["upload"],  # 2 of 3
    "acc_einvoice_receive": ["mailbox"],  # 2 of 3
    "inv_sells_goods": ["store"],  # the gate, not scored
    "inv_stock_knowledge": ["spreadsheet"],  # 2 of 3
    "com_reviews": ["read"],  # 1 of 3
    "com_social": ["monthly"],  # scale step 2 of 4
    "str_owner": ["nobody"],  # 0 of 3
    "str_plan": ["list"],  # 2 of 3
    "sec_backup": ["auto_onsite"],  # 2 of 4
    "sec_2fa": ["email", "banking"],  # 2 + 2 of 2+2+1+1+1 = 7
}
GROUPS = [
    (Fraction(1, 3) + Fraction(2, 3)) / 2,  # website
    (Fraction(2, 3) + Fraction(2, 3)) / 2,  # accounting
    Fraction(2, 3),  # inventory
    (Fraction(1, 3) + Fraction(1, 2)) / 2,  # communication
    (Fraction(0) + Fraction(2, 3)) / 2,  # strategy
    (Fraction(1, 2) + Fraction(4, 7)) / 2,  # security
]
EXPECTED_OVERALL = float(100 * sum(GROUPS) / len(GROUPS))  # 51.98...: shown as 52, "Auf dem Weg"


@pytest.fixture
def both(default_questionnaire, quick_check):
    return default_questionnaire, quick_check


def run_quick_check(client, language: str) -> Assessment:
    client.cookies["django_language"] = language
    home = client.get(reverse("home")).content.decode()
    assert reverse("quick_profile") in home
    form_page = client.get(reverse("quick_profile"))
    assert form_page.status_code == 200
    submission = form_page.context["form"]["submission"].value()
    response = client.post(reverse("quick_profile"), {**PROFILE, "submission": submission})
    assert response.status_code == 200
    quick = Assessment.objects.latest("started_at")
    assert quick.questionnaire.key == "reifegrad-schnellcheck"
    # One page holds every question.
    page = client.get(reverse("check_page", args=[quick.public_id, 1]))
    assert page.context["page_count"] == 1
    data = {"shown": list(ANSWERS), "nav": "next"}
    data.update({f"q-{key}": options for key, options in ANSWERS.items()})
    saved = client.post(reverse("check_page", args=[quick.public_id, 1]), data)
    assert saved.status_code == 302
    assert Answer.objects.filter(assessment=quick).count() == len(ANSWERS)
    finished = client.post(reverse("finish", args=[quick.public_id]))
    assert finished.status_code == 302
    quick.refresh_from_db()
    assert quick.is_completed
    return quick


@pytest.mark.parametrize(
    ("language", "heading", "level", "invitation"),
    [
        ("de", "Ihre drei wichtigsten nächsten Schritte", "Auf dem Weg", "Ausführlichen Check"),
        ("en", "Your three most important next steps", "On the way", "Start the full check"),
    ],
)
def test_quick_check_end_to_end_with_carry_over_into_the_full_check(
    client, both, language, heading, level, invitation, django_assert_max_num_queries
):
    full, _quick = both
    quick = run_quick_check(client, language)
    assert quick.result["overall"] == pytest.approx(EXPECTED_OVERALL)
    assert quick.result["level"] == "unterwegs"

    results = client.get(reverse("results", args=[quick.public_id]))
    body = results.content.decode()
    assert results.status_code == 200
    assert heading in body
    assert level in body
    assert ">52<" in body.replace(" ", "")
    steps = [item["step"].key for item in results.context["next_steps"]]
    assert len(steps) == 3
    catalogue = {step.key for step in quick.questionnaire.content().recommendations}
    assert set(steps) <= catalogue
    # No working off-site backup is an existential risk: it comes first.
    assert steps[0].startswith("r_sec_backup")
    assert invitation in body

    started = client.post(reverse("start_full_check", args=[quick.public_id]))
    assert started.status_code == 200
    full_check = Assessment.objects.exclude(pk=quick.pk).get(company=quick.company)
    assert full_check.questionnaire == full
    assert full_check.previous == quick
    carried = {
        answer.question.key: answer
        for answer in Answer.objects.filter(assessment=full_check).select_related("question")
    }
    assert set(carried) == set(ANSWERS)
    for key, answer in carried.items():
        assert answer.options == ANSWERS[key]
        assert answer.carried_over and answer.unconfirmed
    # The full check's first page says where its answers came from.
    page = client.get(reverse("check_page", args=[full_check.public_id, 1]))
    assert page.status_code == 200
    marker = "Schnellcheck" if language == "de" else "quick check"
    assert marker in page.content.decode()
    # Where the answers came from is looked up once per process, not on every page.
    with django_assert_max_num_queries(3):
        page = client.get(reverse("check_page", args=[full_check.public_id, 2]))
    assert marker in page.content.decode()


def test_the_full_check_cannot_start_from_an_unfinished_quick_check(client, both):
    client.get(reverse("quick_profile"))
    submission = client.get(reverse("quick_profile")).context["form"]["submission"].value()
    client.post(reverse("quick_profile"), {**PROFILE, "submission": submission})
    quick = Assessment.objects.latest("started_at")
    response = client.post(reverse("start_full_check", args=[quick.public_id]))
    assert response.status_code == 400
    assert Assessment.objects.count() == 1


def test_starting_the_full_check_needs_the_quick_checks_link(client, both):
    quick = run_quick_check(client, "de")
    client.cookies.clear()
    client.session.flush()
    other = client.__class__()
    response = other.post(reverse("start_full_check", args=[quick.public_id]))
    assert response.status_code == 404
    assert Assessment.objects.count() == 1


def test_quick_check_questions_are_the_full_checks_questions():
    """Same keys, kinds, options and texts: otherwise answers could not carry over."""
    full = yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))
    quick = yaml.safe_load(QUICK_CHECK.read_text(encoding="utf-8"))
    full_questions = {q["key"]: q for d in full["dimensions"] for q in d.get("questions", [])}
    (page,) = quick["dimensions"]
    groups = {group["key"]: group["questions"] for group in page["groups"]}
    assert set(groups) == {d["key"] for d in full["dimensions"]}  # every dimension touched
    count = 0
    for dimension_key, questions in groups.items():
        for question in questions:
            count += 1
            original = full_questions[question["key"]]
            assert question["kind"] == original["kind"]
            assert question["options"] == original["options"]
            assert question["text"] == original["text"]
            assert question["key"] in {
                q["key"]
                for d in full["dimensions"]
                if d["key"] == dimension_key
                for q in d.get("questions", [])
            }
    assert 10 <= count <= 14


def test_quick_check_has_its_own_bands_and_catalogue(quick_check):
    content = quick_check.content()
    assert [band.key for band in content.bands] == [
        "einstieg",
        "grundlagen",
        "unterwegs",
        "gut_aufgestellt",
    ]
    assert quick_check.whole_point_bands
    assert 3 <= len(content.recommendations) <= 25
    assert all(q.kind in Question.Kind.values for q in content.questions.values())
