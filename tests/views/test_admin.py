import pytest
from django.urls import reverse

from assessment.models import User


@pytest.fixture
def admin_client(client, db):
    user = User.objects.create_superuser(email="admin@example.com", password="x-Secret-123")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model", ["questionnaire", "question", "dimension", "recommendation", "company", "assessment"]
)
def test_admin_can_browse_questionnaires_and_catalogue(admin_client, small_questionnaire, model):
    response = admin_client.get(reverse(f"admin:assessment_{model}_changelist"))
    assert response.status_code == 200


def test_admin_shows_a_questionnaire_with_its_levels_and_dimensions(
    admin_client, small_questionnaire
):
    url = reverse("admin:assessment_questionnaire_change", args=[small_questionnaire.pk])
    body = admin_client.get(url).content.decode()
    assert "Analog" in body and "Prozesse" in body


def test_questionnaire_content_cannot_be_edited_in_the_admin(admin_client, small_questionnaire):
    url = reverse("admin:assessment_questionnaire_change", args=[small_questionnaire.pk])
    response = admin_client.post(url, {"title_de": "Geändert"})
    assert response.status_code == 403
    small_questionnaire.refresh_from_db()
    assert small_questionnaire.title_de == "Mini-Check Digitalisierung"


def test_admin_is_closed_to_ordinary_users(client, owner):
    client.force_login(owner)
    response = client.get(reverse("admin:assessment_questionnaire_changelist"))
    assert response.status_code == 302


def test_admin_shows_question_groups_and_empty_lists(admin_client, db):
    from assessment.questionnaire_file import load_questionnaire_file
    from tests.conftest import ROOT

    questionnaire = load_questionnaire_file(
        path=ROOT / "tests" / "data" / "published-style-check.yaml"
    ).questionnaire
    business = questionnaire.dimensions.get(key="business")
    page = admin_client.get(reverse("admin:assessment_dimension_change", args=[business.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "investments" in text and "readiness" in text
    listing = admin_client.get(
        reverse("admin:assessment_question_changelist"),
        {"questionnaire__id__exact": questionnaire.pk},
    )
    assert listing.status_code == 200
    assert "column-empty_zero" in listing.content.decode()
    assert "column-group" in listing.content.decode()
