"""An outsider who sends a complete, valid form to every URL of someone else's data gets a 404
and changes nothing at all. (tests/test_access_walk.py walks every URL with GET and a
generic POST; here each POST carries every field the real forms send.)"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from assessment.models import Company, ConsultantProfile, Questionnaire, User
from assessment.workflows import start_self_assessment
from tests.test_access_walk import victim  # noqa: F401  (the fixture)

# Only GET: these show data and change nothing, so a POST is refused by its method.
READ_ONLY = {
    "results",
    "report_pdf",
    "report_json",
    "comparison",
    "actions",
    "company",
    "company_export",
    "consolidation",
}


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
    }


@pytest.mark.parametrize("as_user", ["outsider", "other_consultant", "team_member_elsewhere"])
def test_a_complete_form_from_an_outsider_changes_nothing(victim, outsider, as_user):  # noqa: F811
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
