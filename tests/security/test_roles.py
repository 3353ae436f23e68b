"""The attacks of the access review, one test each: roles, removal, invitations, claiming.

Each test does what the attacker did and asserts that it no longer works.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessment.models import (
    Answer,
    Assessment,
    Company,
    ConsultantProfile,
    Invitation,
    Membership,
    Respondent,
    ResumeToken,
    User,
)
from tests.conftest import verified_user
from tests.factories import PROFILE, answer_all
from tests.factories import start as start_self_assessment

pytestmark = pytest.mark.django_db


def person(email: str) -> User:
    return verified_user(email, "x-Secret-123")


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def link_in(response) -> str:
    return re.search(r'value="http://testserver(/weiter/[^"]+)"', response.content.decode()).group(
        1
    )


def invitation_link() -> str:
    return re.search(r"http://testserver(/einladung/[^/\s]+/)", mail.outbox[-1].body).group(1)


@pytest.fixture
def shop(small_questionnaire, owner) -> Company:
    company = Company.objects.create(name="Kornladen Süd", industry="retail", size_band="2-9")
    Membership.objects.create(company=company, user=owner, role="owner")
    return company


@pytest.fixture
def workshop(shop, small_questionnaire, consultant) -> Assessment:
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    Membership.objects.create(company=shop, user=consultant, role="consultant")
    assessment, _raw = start_self_assessment(company=shop, questionnaire=small_questionnaire)
    assessment.mode = Assessment.Mode.CONSULTANT
    assessment.save()
    answer_all(assessment, level=0.5)
    return assessment


def urls(assessment: Assessment) -> dict[str, str]:
    public_id = assessment.public_id
    return {
        name: reverse(name, args=[public_id])
        for name in ("results", "report_pdf", "report_json", "save_answer", "resume_link_new")
    } | {"page": reverse("check_page", args=[public_id, 1])}


def test_a_team_members_link_opens_only_their_own_answers(workshop, consultant):
    advisor = logged_in(consultant)
    team_link = link_in(
        advisor.post(reverse("team", args=[workshop.public_id]), {"name": "Ina"}, follow=True)
    )
    advisor.post(reverse("team", args=[workshop.public_id]), {"name": "Verkauf Bernd"})
    final_before = list(
        Answer.objects.filter(respondent__is_primary=True).values_list("options", flat=True)
    )
    links_before = ResumeToken.objects.active().count()

    member = Client()
    assert member.get(team_link).status_code == 302
    paths = urls(workshop)
    assert member.get(paths["page"]).status_code == 200
    for name in ("results", "report_pdf", "report_json"):
        response = member.get(paths[name])
        assert response.status_code == 403, name
        assert b"Verkauf Bernd" not in response.content
    assert member.post(paths["resume_link_new"]).status_code == 403
    assert ResumeToken.objects.active().count() == links_before
    assert member.post(reverse("finish", args=[workshop.public_id])).status_code in (302, 403)
    for name in ("consolidation", "team", "facilitate"):
        response = member.get(reverse(name, args=[workshop.public_id]))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    # Her answer is her own: the final answers stay as the consultant left them.
    question = workshop.questionnaire.content().dimensions[0].question_list[0]
    other = question.option_list[0].key
    assert member.post(paths["save_answer"], {"question": question.key, "option": other})
    workshop.refresh_from_db()
    assert workshop.status == Assessment.Status.DRAFT
    assert final_before == list(
        Answer.objects.filter(respondent__is_primary=True).values_list("options", flat=True)
    )
    assert Answer.objects.filter(respondent__name="Ina").exists()


def test_a_removed_member_is_out_of_her_draft_at_once(shop, owner, small_questionnaire):
    colleague = person("kollegin@korn.example")
    membership = Membership.objects.create(company=shop, user=colleague, role="member")
    browser = logged_in(colleague)
    started = browser.post(reverse("new_assessment", args=[shop.pk]), {"start": "fresh"})
    assert started.status_code == 302
    draft = shop.assessments.get()
    paths = urls(draft)
    assert browser.get(paths["page"]).status_code == 200

    logged_in(owner).post(reverse("remove_member", args=[shop.pk, membership.pk]))

    question = small_questionnaire.content().dimensions[0].question_list[0]
    save = {"question": question.key, "option": question.option_list[0].key}
    assert browser.get(paths["page"]).status_code == 404
    assert browser.post(paths["save_answer"], save).status_code == 404
    assert browser.get(paths["report_pdf"]).status_code == 404
    assert browser.get(paths["report_json"]).status_code == 404
    assert browser.post(paths["resume_link_new"]).status_code == 404
    assert not Answer.objects.filter(assessment=draft).exists()


def test_links_a_removed_member_made_stop_working(workshop, owner):
    colleague = person("kollegin@korn.example")
    membership = Membership.objects.create(company=workshop.company, user=colleague, role="member")
    browser = logged_in(colleague)
    resume_link = link_in(browser.post(reverse("resume_link_new", args=[workshop.public_id])))
    team_link = link_in(
        browser.post(reverse("team", args=[workshop.public_id]), {"name": "X"}, follow=True)
    )
    elsewhere = Client()  # her phone, without logging in
    assert elsewhere.get(resume_link).status_code == 302
    assert elsewhere.get(urls(workshop)["report_json"]).status_code == 200

    logged_in(owner).post(reverse("remove_member", args=[workshop.company.pk, membership.pk]))

    assert elsewhere.get(urls(workshop)["report_json"]).status_code == 404
    assert elsewhere.get(urls(workshop)["page"]).status_code == 404
    assert Client().get(resume_link).status_code == 404
    assert Client().get(team_link).status_code == 404


def test_a_removed_consultant_cannot_read_write_or_make_links(shop, owner, consultant):
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    membership = Membership.objects.create(company=shop, user=consultant, role="consultant")
    advisor = logged_in(consultant)
    started = advisor.post(reverse("new_assessment", args=[shop.pk]), {"start": "fresh"})
    workshop = shop.assessments.get()
    assert started.url == reverse("facilitate", args=[workshop.public_id])
    assert advisor.get(reverse("facilitate", args=[workshop.public_id])).status_code == 200

    logged_in(owner).post(reverse("remove_member", args=[shop.pk, membership.pk]))

    paths = urls(workshop)
    assert advisor.get(paths["page"]).status_code == 404
    assert advisor.get(paths["results"]).status_code == 404
    assert advisor.post(reverse("facilitate", args=[workshop.public_id])).status_code == 404
    assert advisor.post(paths["resume_link_new"]).status_code == 404
    assert advisor.post(reverse("team", args=[workshop.public_id]), {"name": "Y"}).status_code == (
        404
    )
    assert not Respondent.objects.filter(name="Y").exists()


def test_an_invitation_sent_before_removal_cannot_be_accepted_after(shop, owner):
    partner = person("partnerin@korn.example")
    membership = Membership.objects.create(company=shop, user=partner, role="owner")
    logged_in(partner).post(reverse("invite", args=[shop.pk]), {"email": "freund@example.com"})
    link = invitation_link()

    logged_in(owner).post(reverse("remove_member", args=[shop.pk, membership.pk]))

    friend = logged_in(person("freund@example.com"))
    friend.post(link)
    assert not Membership.objects.filter(company=shop, user__email="freund@example.com").exists()
    assert friend.get(reverse("company", args=[shop.pk])).status_code == 404


def test_a_plain_member_cannot_remove_the_owner(shop, owner):
    colleague = person("kollegin@korn.example")
    Membership.objects.create(company=shop, user=colleague, role="member")
    owner_membership = Membership.objects.get(company=shop, user=owner)
    response = logged_in(colleague).post(
        reverse("remove_member", args=[shop.pk, owner_membership.pk])
    )
    assert response.status_code == 403
    assert Membership.objects.filter(pk=owner_membership.pk).exists()
    assert logged_in(owner).get(reverse("company", args=[shop.pk])).status_code == 200


def test_a_member_cannot_change_settings_invite_or_withdraw(shop, owner):
    colleague = person("kollegin@korn.example")
    Membership.objects.create(company=shop, user=colleague, role="member")
    invitation, _raw = Invitation.issue(company=shop, email="neu@example.com", invited_by=owner)
    browser = logged_in(colleague)
    settings = browser.post(
        reverse("company_settings", args=[shop.pk]),
        {"name": "Übernommen", "industry": "retail", "size_band": "2-9"},
    )
    invite = browser.post(reverse("invite", args=[shop.pk]), {"email": "komplize@example.com"})
    withdraw = browser.post(reverse("revoke_invitation", args=[shop.pk, invitation.pk]))
    assert (settings.status_code, invite.status_code, withdraw.status_code) == (403, 403, 403)
    shop.refresh_from_db()
    invitation.refresh_from_db()
    assert shop.name == "Kornladen Süd"
    assert invitation.revoked_at is None
    assert not Invitation.objects.filter(email="komplize@example.com").exists()
    assert not mail.outbox


def test_an_invitation_cannot_be_accepted_by_another_account(shop, owner, outsider):
    logged_in(owner).post(reverse("invite", args=[shop.pk]), {"email": "neu@example.com"})
    link = invitation_link()
    thief = logged_in(outsider)
    assert thief.post(link).status_code == 403
    assert not Membership.objects.filter(company=shop, user=outsider).exists()
    assert thief.get(reverse("company", args=[shop.pk])).status_code == 404
    export = reverse("company_export", args=[shop.pk, "csv"])
    assert thief.get(export).status_code == 404
    # The invited person can still accept it, once.
    invited = logged_in(person("Neu@Example.com"))
    assert invited.post(link).status_code == 302
    assert Membership.objects.filter(company=shop, user__email="neu@example.com").exists()
    assert logged_in(person("zweiter@example.com")).post(link).status_code == 404


def test_an_invitation_expires(shop, owner, settings):
    settings.INVITATION_DAYS = 3
    invitation, raw = Invitation.issue(company=shop, email="neu@example.com", invited_by=owner)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3, minutes=1)
    )
    invited = logged_in(person("neu@example.com"))
    assert invited.post(reverse("invitation", args=[raw])).status_code == 404
    assert not Membership.objects.filter(company=shop, user__email="neu@example.com").exists()


def test_a_planted_check_is_not_taken_over_by_logging_in(client, small_questionnaire, owner):
    attacker = Client()
    page = attacker.post(reverse("profile"), {**PROFILE, "name": "Falle GmbH"})
    planted = link_in(page)
    assessment = Assessment.objects.get(company__name="Falle GmbH")

    victim = client
    assert victim.get(planted).status_code == 302
    victim.post(reverse("account_login"), {"login": owner.email, "password": "x-Secret-123"})
    assert victim.session.get("_auth_user_id") == str(owner.pk)
    assert not Membership.objects.filter(company=assessment.company).exists()
    assert victim.get(reverse("companies")).content.decode().count("Falle GmbH") == 0

    # Only an explicit confirmation takes it, and then the attacker is out.
    claim = reverse("claim", args=[assessment.public_id])
    assert victim.post(claim).status_code == 200
    assert Membership.objects.filter(company=assessment.company, user=owner).exists()
    assert attacker.get(reverse("results", args=[assessment.public_id])).status_code == 404
    assert Client().get(planted).status_code == 404


def test_the_last_owner_cannot_be_removed_or_made_a_member(shop, owner):
    browser = logged_in(owner)
    own = Membership.objects.get(company=shop, user=owner)
    Membership.objects.create(company=shop, user=person("mit@example.com"), role="member")
    browser.post(reverse("remove_member", args=[shop.pk, own.pk]))
    assert Membership.objects.filter(pk=own.pk).exists()
    browser.post(reverse("member_role", args=[shop.pk, own.pk]), {"role": "member"})
    own.refresh_from_db()
    assert own.role == "owner"


def test_a_consultant_holds_the_owner_rights_of_a_new_client_until_an_owner_accepts(
    consultant, small_questionnaire
):
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    advisor = logged_in(consultant)
    advisor.post(reverse("new_client"), {**PROFILE, "name": "Neukunde"})
    client_company = Company.objects.get(name="Neukunde")
    settings_url = reverse("company_settings", args=[client_company.pk])
    own = Membership.objects.get(company=client_company, user=consultant)
    # Never zero owners: the consultant is the owner for now and cannot leave.
    advisor.post(reverse("remove_member", args=[client_company.pk, own.pk]))
    assert Membership.objects.filter(pk=own.pk).exists()
    advisor.post(
        reverse("invite", args=[client_company.pk]), {"email": "chef@neu.example", "role": "owner"}
    )
    chef = logged_in(person("chef@neu.example"))
    assert chef.post(invitation_link()).status_code == 302
    assert Membership.objects.get(company=client_company, user__email="chef@neu.example").role == (
        "owner"
    )
    assert advisor.post(settings_url, {"name": "Umbenannt"}).status_code == 403
    assert advisor.get(reverse("company", args=[client_company.pk])).status_code == 200
