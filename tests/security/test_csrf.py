"""A form sent without its CSRF token, or from a foreign origin, is refused with 403."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from assessment.models import Action, Answer, Assessment, Company, Invitation, Membership, User
from tests.conftest import verified_user
from tests.factories import PROFILE


@dataclass
class Target:
    url: str
    data: dict
    # What the request would have changed: a snapshot that must stay the same when refused.
    state: Callable[[], object]


def browser() -> Client:
    person = Client(enforce_csrf_checks=True)
    person.get(reverse("account_login"))  # sets the CSRF cookie, as any page with a form does
    return person


def token(person: Client) -> str:
    return person.cookies["csrftoken"].value


def anonymous_check(person: Client) -> Assessment:
    response = person.post(reverse("profile"), {**PROFILE, "csrfmiddlewaretoken": token(person)})
    assert response.status_code == 200
    return Assessment.objects.latest("started_at")


def member_of_company(person: Client) -> Company:
    user = verified_user("inhaberin@example.com", "x-Secret-123")
    company = Company.objects.create(name="Blumen Müller", industry="retail", size_band="2-9")
    Membership.objects.create(company=company, user=user)
    person.force_login(user)
    return company


def profile(person: Client) -> Target:
    return Target(reverse("profile"), PROFILE, lambda: Assessment.objects.count())


def save_answer(person: Client) -> Target:
    assessment = anonymous_check(person)
    question = assessment.questionnaire.content().dimensions[0].question_list[0]
    return Target(
        reverse("save_answer", args=[assessment.public_id]),
        {"question": question.key, "option": question.option_list[0].key},
        lambda: list(Answer.objects.values_list("options", flat=True)),
    )


def check_page(person: Client) -> Target:
    assessment = anonymous_check(person)
    question = assessment.questionnaire.content().dimensions[0].question_list[0]
    return Target(
        reverse("check_page", args=[assessment.public_id, 1]),
        {"shown": [question.key], f"q-{question.key}": question.option_list[0].key},
        lambda: list(Answer.objects.values_list("options", flat=True)),
    )


def finish(person: Client) -> Target:
    from tests.factories import answer_all

    assessment = anonymous_check(person)
    answer_all(assessment)
    return Target(
        reverse("finish", args=[assessment.public_id]),
        {},
        lambda: Assessment.objects.get(pk=assessment.pk).status,
    )


def resume_link_new(person: Client) -> Target:
    assessment = anonymous_check(person)
    return Target(
        reverse("resume_link_new", args=[assessment.public_id]),
        {},
        lambda: sorted(assessment.resume_tokens.values_list("pk", "revoked_at")),
    )


def login(person: Client) -> Target:
    verified_user("inhaberin@example.com", "x-Secret-123")
    return Target(
        reverse("account_login"),
        {"login": "inhaberin@example.com", "password": "x-Secret-123"},
        lambda: "_auth_user_id" in person.session,
    )


def logout(person: Client) -> Target:
    member_of_company(person)
    return Target(reverse("account_logout"), {}, lambda: "_auth_user_id" in person.session)


def company_settings(person: Client) -> Target:
    company = member_of_company(person)
    return Target(
        reverse("company_settings", args=[company.pk]),
        {
            "name": "Anderer Name",
            "region": "Bonn",
            "monthly_budget_eur": "10",
            "monthly_hours": "1",
            "reassessment_interval_months": "3",
        },
        lambda: Company.objects.values_list("name", "region").get(pk=company.pk),
    )


def invite(person: Client) -> Target:
    company = member_of_company(person)
    return Target(
        reverse("invite", args=[company.pk]),
        {"email": "neu@example.com"},
        lambda: Invitation.objects.count(),
    )


def update_action(person: Client) -> Target:
    company = member_of_company(person)
    action = Action.objects.create(company=company, recommendation_key="r_x", title="Schritt")
    return Target(
        reverse("update_action", args=[company.pk, action.pk]),
        {f"a{action.pk}-status": "done"},
        lambda: Action.objects.get(pk=action.pk).status,
    )


def signup(person: Client) -> Target:
    return Target(
        reverse("account_signup"),
        {"email": "neu@example.com", "password1": "Blumen-2026-L", "password2": "Blumen-2026-L"},
        lambda: User.objects.count(),
    )


TARGETS = [
    profile,
    save_answer,
    check_page,
    finish,
    resume_link_new,
    login,
    logout,
    company_settings,
    invite,
    update_action,
    signup,
]


@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.__name__)
def test_a_post_without_token_is_refused(small_questionnaire, target):
    person = browser()
    aim = target(person)
    before = aim.state()
    response = person.post(aim.url, aim.data)
    assert response.status_code == 403
    assert aim.state() == before
    allowed = person.post(aim.url, {**aim.data, "csrfmiddlewaretoken": token(person)})
    assert allowed.status_code != 403
    assert aim.state() != before or target is finish  # a check with every answer may finish


@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.__name__)
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "http://testserver"},  # the right host, but not over https
        {"HTTP_ORIGIN": "null"},
        {"HTTP_REFERER": "https://evil.example/form"},
        {},  # over https a same-site request names its origin or at least its referer
    ],
    ids=["foreign origin", "insecure origin", "null origin", "foreign referer", "no referer"],
)
def test_a_post_from_a_foreign_origin_is_refused(small_questionnaire, target, headers):
    person = browser()
    aim = target(person)
    before = aim.state()
    data = {**aim.data, "csrfmiddlewaretoken": token(person)}
    response = person.post(aim.url, data, secure=True, **headers)
    assert response.status_code == 403
    assert aim.state() == before
    allowed = person.post(aim.url, data, secure=True, HTTP_ORIGIN="https://testserver")
    assert allowed.status_code != 403
