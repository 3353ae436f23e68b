"""Fields a form does not offer are ignored: a tampered POST changes only what the form allows."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessment.models import (
    Action,
    Answer,
    Assessment,
    Company,
    ConsultantProfile,
    Invitation,
    Measurement,
    Membership,
    Respondent,
    User,
)
from assessment.workflows import start_reassessment, start_self_assessment
from tests.conftest import confirm_address_from_mail
from tests.factories import PROFILE, answer_all

# Names a form might be tricked with: every one must be ignored wherever it is sent.
FOREIGN_ID = "999999"
EXTRA = {
    "company": FOREIGN_ID,
    "company_id": FOREIGN_ID,
    "assessment": FOREIGN_ID,
    "score": "100",
    "result": '{"overall": 100}',
    "status": "completed",
    "completed_at": "2001-01-01T00:00:00Z",
    "owner": FOREIGN_ID,
    "consultant": FOREIGN_ID,
    "is_primary": "1",
    "public_id": "00000000-0000-0000-0000-000000000001",
    "questionnaire": FOREIGN_ID,
    "mode": "consultant",
    "approved": "on",
    "is_staff": "on",
    "is_superuser": "on",
    "role": "owner",
    "reassessment_due_on": "2001-01-01",
    "created_at": "2001-01-01",
    "carried_over": "1",
    "unconfirmed": "1",
    "respondent": FOREIGN_ID,
    "user": FOREIGN_ID,
    "id": FOREIGN_ID,
    "pk": FOREIGN_ID,
}


@pytest.fixture
def questionnaire(small_questionnaire):
    return small_questionnaire


@pytest.fixture
def other_company(db) -> Company:
    return Company.objects.create(name="Fremd", industry="crafts", size_band="1")


@pytest.fixture
def member(client, owner, company):
    client.force_login(owner)
    return client


def test_the_profile_form_takes_only_the_profile(client, questionnaire, other_company):
    response = client.post(reverse("profile"), {**PROFILE, **EXTRA})
    assert response.status_code == 200
    assessment = Assessment.objects.get()
    assert assessment.company_id != other_company.pk
    assert str(assessment.public_id) != EXTRA["public_id"]
    assert assessment.status == Assessment.Status.DRAFT
    assert assessment.mode == Assessment.Mode.SELF
    assert assessment.result is None and assessment.completed_at is None
    assert assessment.questionnaire_id == questionnaire.pk
    company = assessment.company
    assert (company.name, company.region, company.industry) == ("Blumen Müller", "Köln", "retail")
    assert company.reassessment_due_on is None
    assert not company.memberships.exists()
    assert list(assessment.respondents.values_list("is_primary", "user")) == [(True, None)]
    other_company.refresh_from_db()
    assert other_company.name == "Fremd" and not other_company.assessments.exists()


def start(client, questionnaire) -> Assessment:
    client.post(reverse("profile"), PROFILE)
    return Assessment.objects.latest("started_at")


def test_an_answer_save_takes_only_question_option_and_note(client, questionnaire):
    assessment = start(client, questionnaire)
    other, _token = start_self_assessment(
        company=Company(industry="crafts", size_band="1"), questionnaire=questionnaire
    )
    extra = {**EXTRA, "assessment": str(other.public_id), "public_id": str(other.public_id)}
    response = client.post(
        reverse("save_answer", args=[assessment.public_id]),
        {**extra, "question": "proc_orders", "option": "email", "note": "per Mail"},
    )
    assert response.status_code == 200
    answer = Answer.objects.get()
    assert answer.assessment_id == assessment.pk
    assert answer.respondent.is_primary and answer.respondent.assessment_id == assessment.pk
    assert (answer.options, answer.note) == (["email"], "per Mail")
    assert not answer.carried_over and not answer.unconfirmed and not answer.note_private
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT and assessment.result is None
    assert not other.answers.exists()


def test_a_page_saves_only_the_questions_it_showed(client, questionnaire):
    assessment = start(client, questionnaire)
    content = questionnaire.content()
    page_one = content.dimensions[0].question_list
    later = content.dimensions[1].question_list[0]
    response = client.post(
        reverse("check_page", args=[assessment.public_id, 1]),
        {
            **EXTRA,
            "shown": [page_one[0].key, later.key],
            f"q-{page_one[0].key}": page_one[0].option_list[0].key,
            f"q-{later.key}": later.option_list[-1].key,
        },
    )
    assert response.status_code == 302
    assert list(Answer.objects.values_list("question__key", flat=True)) == [page_one[0].key]


def test_finish_computes_the_result_itself(client, questionnaire):
    assessment = start(client, questionnaire)
    finish = reverse("finish", args=[assessment.public_id])
    assert client.post(finish, EXTRA).status_code == 400
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT and assessment.result is None
    answer_all(assessment, level=0.0)
    before = timezone.now()
    assert client.post(finish, EXTRA).status_code == 302
    assessment.refresh_from_db()
    assert assessment.result == json.loads(json.dumps(assessment.compute_result().to_dict()))
    assert assessment.result["overall"] < 100
    assert assessment.completed_at >= before


def test_company_settings_change_only_their_fields(member, company, other_company):
    response = member.post(
        reverse("company_settings", args=[company.pk]),
        {
            **EXTRA,
            "name": "Blumen Meier",
            "region": "Bonn",
            "monthly_budget_eur": "80",
            "monthly_hours": "4",
            "reassessment_interval_months": "12",
            "industry": "health",
            "size_band": "50-249",
            "members": FOREIGN_ID,
        },
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.region, company.monthly_budget_eur) == (
        "Blumen Meier",
        "Bonn",
        80,
    )
    assert company.reassessment_interval_months == 12
    assert (company.industry, company.size_band) == ("retail", "2-9")
    assert company.reassessment_due_on is None  # no completed check yet
    assert company.created_at.year > 2001
    assert list(company.memberships.values_list("role", flat=True)) == ["owner"]
    other_company.refresh_from_db()
    assert other_company.name == "Fremd"


def test_an_action_update_changes_only_its_form_fields(member, company, other_company):
    action = Action.objects.create(company=company, recommendation_key="r_x", title="Schritt")
    foreign = Action.objects.create(company=other_company, recommendation_key="r_y", title="Y")
    prefix = f"a{action.pk}"
    response = member.post(
        reverse("update_action", args=[company.pk, action.pk]),
        {
            **EXTRA,
            f"{prefix}-status": "doing",
            f"{prefix}-owner": "Anna",
            f"{prefix}-due_date": "2031-03-01",
            f"{prefix}-kpi_baseline": "2",
            f"{prefix}-notes": "läuft",
            f"{prefix}-title": "Anderer Titel",
            f"{prefix}-company": str(other_company.pk),
            f"{prefix}-recommendation_key": "r_other",
            f"{prefix}-kpi_latest": "99",
            f"{prefix}-done_at": "2001-01-01T00:00:00Z",
            f"{prefix}-trigger_value_when_done": "1",
            f"a{foreign.pk}-status": "done",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.owner, action.notes) == ("doing", "Anna", "läuft")
    assert action.due_date == datetime.date(2031, 3, 1) and action.kpi_baseline == 2
    assert (action.title, action.company_id, action.recommendation_key) == (
        "Schritt",
        company.pk,
        "r_x",
    )
    assert action.kpi_latest is None and action.done_at is None
    assert action.trigger_value_when_done is None
    foreign.refresh_from_db()
    assert foreign.status == "planned"


def test_a_measurement_goes_to_the_action_in_the_address(member, company, other_company):
    action = Action.objects.create(company=company, recommendation_key="r_x", title="Schritt")
    foreign = Action.objects.create(company=other_company, recommendation_key="r_y", title="Y")
    prefix = f"m{action.pk}"
    response = member.post(
        reverse("add_measurement", args=[company.pk, action.pk]),
        {
            **EXTRA,
            f"{prefix}-measured_on": "2030-05-01",
            f"{prefix}-value": "7",
            f"{prefix}-note": "gezählt",
            f"{prefix}-action": str(foreign.pk),
            f"{prefix}-created_at": "2001-01-01",
            "action": str(foreign.pk),
        },
    )
    assert response.status_code == 302
    measurement = Measurement.objects.get()
    assert measurement.action_id == action.pk and measurement.value == 7
    assert measurement.created_at.year > 2001
    assert not foreign.measurements.exists()


def test_adopting_a_step_takes_its_title_from_the_catalogue(member, company, questionnaire):
    from tests.factories import completed_assessment

    assessment = completed_assessment(questionnaire, company=company, level=0.0)
    step = assessment.questionnaire.content().recommendations[0]
    response = member.post(
        reverse("adopt", args=[company.pk]),
        {
            **EXTRA,
            "assessment": str(assessment.public_id),
            "step": step.key,
            "title": "<b>Anderer Titel</b>",
        },
    )
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.title, action.status, action.company_id) == (step.title, "planned", company.pk)


def test_an_owner_cannot_start_a_consultant_session(member, company, questionnaire):
    response = member.post(
        reverse("new_assessment", args=[company.pk]), {**EXTRA, "start": "fresh"}
    )
    assert response.status_code == 302
    assert company.assessments.get().mode == Assessment.Mode.SELF


def test_an_invitation_carries_only_an_offered_role(member, company):
    member.post(reverse("invite", args=[company.pk]), {"email": "neu@example.com", "role": "admin"})
    assert not Invitation.objects.exists()
    extra = {key: value for key, value in EXTRA.items() if key != "role"}
    member.post(reverse("invite", args=[company.pk]), {**extra, "email": "neu@example.com"})
    invitation = Invitation.objects.get()
    assert invitation.role == "member" and invitation.company_id == company.pk


def test_sign_up_cannot_make_staff(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            **EXTRA,
            "email": "neu@example.com",
            "password1": "Blumen-2026-Laden",
            "password2": "Blumen-2026-Laden",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="neu@example.com")
    assert not user.is_staff and not user.is_superuser
    assert not Membership.objects.filter(user=user).exists()


def test_a_consultant_cannot_approve_themselves(client, db):
    response = client.post(
        reverse("consultant_signup"),
        {
            **EXTRA,
            "email": "neu@beratung.example",
            "password1": "Beratung-2026-Start",
            "password2": "Beratung-2026-Start",
            "name": "Neu",
        },
    )
    assert response.status_code == 302
    profile = ConsultantProfile.objects.get()
    assert not profile.approved and not profile.user.is_staff
    confirm_address_from_mail(client, mail.outbox[-1])
    response = client.post(
        reverse("consultant_profile"),
        {**EXTRA, "name": "Neu", "logo_png": "AAAA", "user": FOREIGN_ID},
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert not profile.approved and profile.logo_png is None
    assert profile.user.email == "neu@beratung.example"
    assert client.get(reverse("portfolio")).status_code == 403


def test_a_team_member_is_never_the_primary_respondent(client, consultant, questionnaire):
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    company = Company.objects.create(name="Korn", industry="crafts", size_band="2-9")
    Membership.objects.create(company=company, user=consultant, role="consultant")
    assessment = start_reassessment(
        company=company, user=consultant, carry_over=False, mode=Assessment.Mode.CONSULTANT
    )
    client.force_login(consultant)
    response = client.post(reverse("team", args=[assessment.public_id]), {**EXTRA, "name": "Lager"})
    assert response.status_code == 302
    member = Respondent.objects.get(name="Lager")
    assert not member.is_primary and member.user is None
    assert assessment.respondents.filter(is_primary=True).count() == 1


@pytest.fixture
def consultant_session(consultant, owner, questionnaire):
    """A consultant-led check with a private note of the consultant on the first question."""
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    company = Company.objects.create(name="Korn", industry="crafts", size_band="2-9")
    Membership.objects.create(company=company, user=consultant, role="consultant")
    Membership.objects.create(company=company, user=owner, role="owner")
    assessment = start_reassessment(
        company=company, user=consultant, carry_over=False, mode=Assessment.Mode.CONSULTANT
    )
    advisor = Client()
    advisor.force_login(consultant)
    question = questionnaire.content().dimensions[0].question_list[0]
    response = advisor.post(
        reverse("save_answer", args=[assessment.public_id]),
        {
            "question": question.key,
            "option": question.option_list[0].key,
            "note": "Chefin zögert",
            "note_private_field": "1",
            "note_private": "1",
        },
    )
    assert response.status_code == 200
    return assessment, question


def test_a_client_cannot_change_or_uncover_a_private_note(client, owner, consultant_session):
    assessment, question = consultant_session
    client.force_login(owner)
    response = client.post(
        reverse("save_answer", args=[assessment.public_id]),
        {
            "question": question.key,
            "option": question.option_list[1].key,
            "note": "",
            "note_private_field": "1",
        },
    )
    assert response.status_code == 200
    response = client.post(
        reverse("check_page", args=[assessment.public_id, 1]),
        {
            "shown": [question.key],
            f"q-{question.key}": question.option_list[1].key,
            f"note-{question.key}": "überschrieben",
            f"note-private-field-{question.key}": "1",
        },
    )
    assert response.status_code == 302
    answer = Answer.objects.get(assessment=assessment, question=question)
    assert answer.options == [question.option_list[1].key]  # the answer itself is theirs to give
    assert (answer.note, answer.note_private) == ("Chefin zögert", True)


def test_a_client_cannot_make_a_note_private(client, owner, consultant_session):
    assessment, _question = consultant_session
    question = assessment.questionnaire.content().dimensions[0].question_list[1]
    client.force_login(owner)
    response = client.post(
        reverse("save_answer", args=[assessment.public_id]),
        {
            "question": question.key,
            "option": question.option_list[0].key,
            "note": "Für alle sichtbar",
            "note_private_field": "1",
            "note_private": "1",
        },
    )
    assert response.status_code == 200
    answer = Answer.objects.get(assessment=assessment, question=question)
    assert (answer.note, answer.note_private) == ("Für alle sichtbar", False)


def test_unknown_ids_in_the_address_are_404_not_500(member, company):
    assert member.get(f"/check/{uuid.uuid4()}/seite/1/").status_code == 404
    assert member.get("/check/not-a-uuid/seite/1/").status_code == 404
    assert member.get(f"/firmen/{2**63}/").status_code == 404
    assert member.post(reverse("update_action", args=[company.pk, 2**31])).status_code == 404
    response = member.get(reverse("comparison", args=[company.pk]), {"vorher": "x' OR 1=1"})
    assert response.status_code == 404
