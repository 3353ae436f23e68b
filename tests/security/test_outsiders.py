"""An outsider who sends a complete, valid form to every URL of someone else's data gets a 404
and changes nothing at all. (tests/test_access_walk.py walks every URL as every role with GET
and a generic POST; here each POST carries every field the real forms send.)"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from assessment import access
from assessment.models import (
    Action,
    Company,
    ConsultantProfile,
    Invitation,
    Membership,
    Questionnaire,
    Respondent,
    ResumeToken,
    User,
)
from assessment.workflows import start_self_assessment
from tests.factories import completed_assessment

# Only GET: these show data and change nothing, so a POST is refused by its method.
READ_ONLY = {
    "results",
    "roadmap",
    "report_pdf",
    "report_json",
    "report_answers",
    "comparison",
    "actions",
    "company",
    "company_export",
    "company_data",
    "consolidation",
    "respondent_welcome",
}


@pytest.fixture
def victim(default_questionnaire, owner, consultant):
    assessment = completed_assessment(default_questionnaire)
    company = assessment.company
    owner_membership = Membership.objects.create(company=company, user=owner)
    Membership.objects.create(company=company, user=consultant, role="consultant")
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    action = Action.objects.create(company=company, recommendation_key="r_sec_2fa", title="2FA")
    invitation, _raw = Invitation.issue(company=company, email="x@example.com", invited_by=owner)
    ResumeToken.issue(assessment=assessment)
    member = Respondent.objects.create(assessment=assessment, name="Verkauf")
    public_id = assessment.public_id
    company_id = company.pk
    return {
        "check_page": [public_id, 1],
        "save_answer": [public_id],
        "finish": [public_id],
        "start_full_check": [public_id],
        "submit_answers": [public_id],
        "claim": [public_id],
        "results": [public_id],
        "roadmap": [public_id],
        "report_pdf": [public_id],
        "report_json": [public_id],
        "report_answers": [public_id, "xlsx"],
        "resume_link_new": [public_id],
        "resume_link_email": [public_id],
        "company": [company_id],
        "company_settings": [company_id],
        "new_assessment": [company_id],
        "comparison": [company_id],
        "actions": [company_id],
        "adopt": [company_id],
        "update_action": [company_id, action.pk],
        "add_measurement": [company_id, action.pk],
        "invite": [company_id],
        "remove_member": [company_id, owner_membership.pk],
        "member_role": [company_id, owner_membership.pk],
        "revoke_invitation": [company_id, invitation.pk],
        "company_export": [company_id, "csv"],
        "team": [public_id],
        "facilitate": [public_id],
        "consolidation": [public_id],
        "apply_proposals": [public_id],
        "undo_proposals": [public_id],
        "consolidation_choose": [public_id],
        "respondent_welcome": [public_id],
        "team_reissue": [public_id, member.pk],
        "team_send": [public_id, member.pk],
        "team_remove": [public_id, member.pk],
        "company_data": [company_id],
        "company_delete": [company_id],
        "check_delete": [public_id],
    }


def test_the_victim_covers_every_url_that_is_not_public(victim):
    own_or_public = {"public", "account_pages", "own_account", "consultant_account"}
    names = {name for name, action in access.URL_ACTIONS.items() if action not in own_or_public}
    assert set(victim) == names


def database() -> dict[str, list[dict]]:
    """Every row the app keeps, to compare before and after."""
    models = [*apps.get_app_config("assessment").get_models()]
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in models
        if model.__name__ != "TokenMiss"  # the throttle's own bookkeeping
    }


def full_form(action_id: int) -> dict:
    """Every field that any form of the app sends, filled with valid values."""
    return {
        "question": "web_editing",
        "option": "self_easy",
        "note": "übernommen",
        "shown": ["web_editing"],
        "q-web_editing": "self_easy",
        "note-web_editing": "übernommen",
        "start": "fresh",
        "name": "Übernommen GmbH",
        "region": "Irgendwo",
        "monthly_budget_eur": "1",
        "monthly_hours": "1",
        "reassessment_interval_months": "1",
        "email": "angreifer@example.com",
        "role": "member",
        "step": "r_sec_2fa",
        "overwrite": "1",
        f"a{action_id}-status": "done",
        f"a{action_id}-owner": "Angreifer",
        f"a{action_id}-notes": "übernommen",
        f"m{action_id}-measured_on": "2030-01-01",
        f"m{action_id}-value": "1",
        f"m{action_id}-note": "übernommen",
        # The confirmations of the deletion pages, as the victim would give them.
        "confirm": "delete",
        "confirm_name": "Blumen Müller & Töchter",
    }


@pytest.mark.parametrize("as_user", ["outsider", "other_consultant", "team_member_elsewhere"])
def test_a_complete_form_from_an_outsider_changes_nothing(victim, outsider, as_user):
    person = Client()
    if as_user == "outsider":
        person.force_login(outsider)
    elif as_user == "other_consultant":
        other = User.objects.create_user(email="andere@beratung.example", password="x")
        ConsultantProfile.objects.create(user=other, name="Andere", approved=True)
        person.force_login(other)
    else:
        # Somebody with a resume link to a check of their own, in another company.
        _own, raw = start_self_assessment(
            company=Company(industry="retail", size_band="1"),
            questionnaire=Questionnaire.objects.current(),
        )
        assert person.get(reverse("resume", args=[raw])).status_code == 302
        person.force_login(outsider)
    action_id = victim["update_action"][1]
    data = full_form(action_id)
    data["assessment"] = str(victim["results"][0])
    before = database()
    for name, args in victim.items():
        response = person.post(reverse(name, args=args), data)
        expected = 405 if name in READ_ONLY else 404
        assert response.status_code == expected, (name, response.status_code)
    assert database() == before
