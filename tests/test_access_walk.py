"""Every URL of the project, requested as every role, against the table in access.py.

The table decides: a URL missing from `access.URL_ACTIONS`, or a role of `access.ROLES`
without a way to become it here, fails. Allowed means neither 403, 404 nor a redirect to
the login page; denied means one of those, and the database is left as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessment import access
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
    ResumeToken,
    User,
)
from tests.conftest import verified_user
from tests.factories import answer_all, completed_assessment
from tests.factories import start as start_self_assessment

COMPANY_NAME = "Walkmühle Sieben"
README = Path(__file__).resolve().parent.parent / "README.md"


def url_names() -> set[str]:
    names = set()

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue  # Django's admin has its own staff-only permissions
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return names


@dataclass
class World:
    company: Company
    earlier: Assessment
    draft: Assessment
    owner: User
    member: User
    consultant: User
    removed: User
    promoted: Membership
    bystander: Membership
    invitation: Invitation
    action: Action
    resume_raw: str
    respondent_raw: str
    invitation_raw: str = ""
    links_of_removed: list[int] = field(default_factory=list)


def user(email: str) -> User:
    return verified_user(email, "x-Secret-123")


def build_world(questionnaire) -> World:
    company = Company.objects.create(
        name=COMPANY_NAME, industry="retail", size_band="2-9", region="Köln"
    )
    owner, member = user("chefin@walk.example"), user("mit@walk.example")
    consultant = user("berater@walk.example")
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    Membership.objects.create(company=company, user=owner, role="owner")
    Membership.objects.create(company=company, user=member, role="member")
    Membership.objects.create(company=company, user=consultant, role="consultant")
    promoted = Membership.objects.create(
        company=company, user=user("b1@walk.example"), role="member"
    )
    bystander = Membership.objects.create(
        company=company, user=user("b2@walk.example"), role="member"
    )
    earlier = completed_assessment(questionnaire, company=company)
    draft, resume_raw = start_self_assessment(company=company, questionnaire=questionnaire)
    answer_all(draft, level=0.5)
    respondent = Respondent.objects.create(assessment=draft, name="Verkauf")
    _token, respondent_raw = ResumeToken.issue(assessment=draft, respondent=respondent)
    invitation, _raw = Invitation.issue(company=company, email="x@walk.example", invited_by=owner)
    action = Action.objects.create(company=company, recommendation_key="r_sec_2fa", title="2FA")
    return World(
        company=company,
        earlier=earlier,
        draft=draft,
        owner=owner,
        member=member,
        consultant=consultant,
        removed=user("weg@walk.example"),
        promoted=promoted,
        bystander=bystander,
        invitation=invitation,
        action=action,
        resume_raw=resume_raw,
        respondent_raw=respondent_raw,
    )


def as_removed_member(world: World) -> Client:
    """A member who used everything while she belonged, then was removed by the owner."""
    membership = Membership.objects.create(company=world.company, user=world.removed, role="member")
    client = Client()
    client.force_login(world.removed)
    draft = world.draft.public_id
    assert client.get(reverse("resume", args=[world.resume_raw])).status_code == 302
    own_link = client.post(reverse("resume_link_new", args=[draft])).content.decode()
    team = client.post(reverse("team", args=[draft]), {"name": "Lager"}, follow=True)
    team = team.content.decode()
    team_link = re.search(r'value="http://testserver(/weiter/[^"]+)"', team).group(1)
    assert client.get(team_link).status_code == 302  # her browser holds a team link too
    assert re.search(r"/weiter/", own_link)
    owner = Client()
    owner.force_login(world.owner)
    owner.post(reverse("remove_member", args=[world.company.pk, membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    world.links_of_removed = list(
        ResumeToken.objects.filter(created_by=world.removed).values_list("pk", flat=True)
    )
    return client


def logged_in(who: Callable[[World], User]) -> Callable[[World], Client]:
    def setup(world: World) -> Client:
        client = Client()
        client.force_login(who(world))
        return client

    return setup


def as_client_consultant(world: World) -> Client:
    """A client the consultant created: nobody of the client is an owner yet."""
    Membership.objects.filter(company=world.company, role="owner").update(role="member")
    return logged_in(lambda w: w.consultant)(world)


def holding(raw: Callable[[World], str]) -> Callable[[World], Client]:
    def setup(world: World) -> Client:
        client = Client()
        assert client.get(reverse("resume", args=[raw(world)])).status_code == 302
        return client

    return setup


ROLE_SETUPS: dict[str, Callable[[World], Client]] = {
    access.OWNER: logged_in(lambda w: w.owner),
    access.CLIENT_CONSULTANT: as_client_consultant,
    access.CONSULTANT: logged_in(lambda w: w.consultant),
    access.MEMBER: logged_in(lambda w: w.member),
    access.RESPONDENT: holding(lambda w: w.respondent_raw),
    access.LINK_HOLDER: holding(lambda w: w.resume_raw),
    access.REMOVED: as_removed_member,
    access.OUTSIDER: logged_in(lambda w: user("fremd@walk.example")),
    access.ANONYMOUS: lambda w: Client(),
}


def check(name: str) -> Callable[[World], str]:
    return lambda w: reverse(name, args=[w.draft.public_id])


def of_company(name: str, *extra: Callable[[World], object]) -> Callable[[World], str]:
    return lambda w: reverse(name, args=[w.company.pk, *(e(w) for e in extra)])


def plain(name: str) -> Callable[[World], str]:
    return lambda w: reverse(name)


def extra(world: World) -> int:
    return Respondent.objects.create(assessment=world.draft, name="Lager").pk


# Where each URL name is requested; the public pages come last, since opening a resume
# link or logging out changes who the browser is.
URLS: dict[str, Callable[[World], str]] = {
    "check_page": lambda w: reverse("check_page", args=[w.draft.public_id, 1]),
    "save_answer": check("save_answer"),
    "submit_answers": check("submit_answers"),
    "results": check("results"),
    "roadmap": check("roadmap"),
    "report_pdf": check("report_pdf"),
    "report_json": check("report_json"),
    "report_answers": lambda w: reverse("report_answers", args=[w.draft.public_id, "csv"]),
    "resume_link_email": check("resume_link_email"),
    "resume_link_new": check("resume_link_new"),
    "claim": check("claim"),
    "team": check("team"),
    "facilitate": check("facilitate"),
    "consolidation": check("consolidation"),
    "apply_proposals": check("apply_proposals"),
    "undo_proposals": check("undo_proposals"),
    "consolidation_choose": check("consolidation_choose"),
    "respondent_welcome": check("respondent_welcome"),
    # Each on a team member made for it: the walk's own team member keeps her link.
    "team_reissue": lambda w: reverse("team_reissue", args=[w.draft.public_id, extra(w)]),
    "team_send": lambda w: reverse("team_send", args=[w.draft.public_id, extra(w)]),
    "team_remove": lambda w: reverse("team_remove", args=[w.draft.public_id, extra(w)]),
    "finish": check("finish"),
    "start_full_check": check("start_full_check"),
    "company": of_company("company"),
    "comparison": lambda w: (
        reverse("comparison", args=[w.company.pk])
        + f"?vorher={w.earlier.public_id}&nachher={w.draft.public_id}"
    ),
    "actions": of_company("actions"),
    "company_export": of_company("company_export", lambda w: "csv"),
    "new_assessment": of_company("new_assessment"),
    "adopt": of_company("adopt"),
    "update_action": of_company("update_action", lambda w: w.action.pk),
    "add_measurement": of_company("add_measurement", lambda w: w.action.pk),
    "company_settings": of_company("company_settings"),
    "invite": of_company("invite"),
    "member_role": of_company("member_role", lambda w: w.promoted.pk),
    "revoke_invitation": of_company("revoke_invitation", lambda w: w.invitation.pk),
    "remove_member": of_company("remove_member", lambda w: w.bystander.pk),
    "company_data": of_company("company_data"),
    # Without the typed name (POST_DATA has none) nothing is deleted: the form asks again.
    "company_delete": of_company("company_delete"),
    # Without the confirmation box nothing is deleted; a check of a company answers 409.
    "check_delete": check("check_delete"),
    "account_data": plain("account_data"),
    "account_delete": plain("account_delete"),
    "companies": lambda w: reverse("companies"),
    "portfolio": lambda w: reverse("portfolio"),
    "portfolio_export": lambda w: reverse("portfolio_export", args=["csv"]),
    "consultant_profile": lambda w: reverse("consultant_profile"),
    "new_client": lambda w: reverse("new_client"),
    "home": lambda w: reverse("home"),
    "health": lambda w: reverse("health"),
    "imprint": plain("imprint"),
    "privacy": plain("privacy"),
    "profile": lambda w: reverse("profile"),
    "quick_profile": lambda w: reverse("quick_profile"),
    "sample_report": lambda w: reverse("sample_report"),
    "signup": lambda w: reverse("signup"),
    "consultant_signup": lambda w: reverse("consultant_signup"),
    "login": lambda w: reverse("login"),
    "password_reset": lambda w: reverse("password_reset"),
    "account": lambda w: reverse("account"),
    "account_change_password": plain("account_change_password"),
    "account_confirm_login_code": plain("account_confirm_login_code"),
    "account_confirm_reauthentication_code": lambda w: reverse(
        "account_confirm_reauthentication_code"
    ),
    "account_email": plain("account_email"),
    "account_email_verification_sent": plain("account_email_verification_sent"),
    "account_inactive": plain("account_inactive"),
    "account_login": plain("account_login"),
    "account_reauthenticate": plain("account_reauthenticate"),
    "account_request_reauthentication_code": lambda w: reverse(
        "account_request_reauthentication_code"
    ),
    "account_reset_password": plain("account_reset_password"),
    "account_reset_password_done": plain("account_reset_password_done"),
    "account_reset_password_from_key_done": lambda w: reverse(
        "account_reset_password_from_key_done"
    ),
    "account_set_password": plain("account_set_password"),
    "account_signup": plain("account_signup"),
    "mfa_activate_totp": plain("mfa_activate_totp"),
    "mfa_authenticate": plain("mfa_authenticate"),
    "mfa_deactivate_totp": plain("mfa_deactivate_totp"),
    "mfa_download_recovery_codes": plain("mfa_download_recovery_codes"),
    "mfa_generate_recovery_codes": plain("mfa_generate_recovery_codes"),
    "mfa_index": plain("mfa_index"),
    "mfa_reauthenticate": plain("mfa_reauthenticate"),
    "mfa_view_recovery_codes": plain("mfa_view_recovery_codes"),
    "account_confirm_email": lambda w: reverse("account_confirm_email", args=["x"]),
    "account_reset_password_from_key": lambda w: reverse(
        "account_reset_password_from_key", args=["1", "x-y"]
    ),
    "invitation": lambda w: reverse("invitation", args=[w.invitation_raw]),
    "set_language": lambda w: reverse("set_language"),
    # A link made now: the walk may have blocked the earlier ones ("Neuer Link").
    "resume": lambda w: reverse("resume", args=[ResumeToken.issue(assessment=w.draft)[1]]),
    "logout": lambda w: reverse("logout"),
    "account_logout": plain("account_logout"),
}

POST_DATA = {
    "question": "web_editing",
    "option": "none",
    "start": "fresh",
    "email": "neu@walk.example",
    "role": "member",  # an owner made here would end the client consultant's owner rights
    "name": "Einkauf",
    "step": "r_sec_2fa",
    "token": "x",
    "language": "de",
}


def state() -> tuple:
    """Everything a denied request must leave alone."""
    return (
        list(Membership.objects.order_by("pk").values_list("pk", "user_id", "role")),
        list(Invitation.objects.order_by("pk").values_list("pk", "accepted_at", "revoked_at")),
        list(ResumeToken.objects.order_by("pk").values_list("pk", "revoked_at")),
        list(Answer.objects.order_by("pk").values_list("pk", "options", "updated_at")),
        list(Assessment.objects.order_by("pk").values_list("pk", "status")),
        list(Respondent.objects.order_by("pk").values_list("pk", "submitted_at")),
        list(Action.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        Measurement.objects.count(),
        list(Company.objects.order_by("pk").values_list("pk", "name", "monthly_budget_eur")),
    )


def denied(response) -> bool:
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_every_url_of_the_project_is_in_the_table_and_in_the_walk():
    names = url_names()
    assert names == set(access.URL_ACTIONS), "every URL needs an action in access.URL_ACTIONS"
    assert names == set(URLS), "every URL needs a place in the walk"
    assert set(access.URL_ACTIONS.values()) == set(access.PERMISSIONS)
    for permission in access.PERMISSIONS.values():
        assert permission.roles <= set(access.ROLES)


def test_every_role_of_the_table_is_walked():
    assert set(ROLE_SETUPS) == set(access.ROLES)


def test_nobody_without_a_relation_is_allowed_anything_but_public_pages():
    for role in (access.REMOVED, access.ANONYMOUS):
        allowed = {a for a, p in access.PERMISSIONS.items() if role in p.roles}
        assert allowed <= {"public", "account_pages", "own_account"}, role


@pytest.mark.parametrize("role", list(access.ROLES))
def test_every_url_as_every_role_answers_as_the_table_says(
    role, default_questionnaire, quick_check
):
    world = build_world(default_questionnaire)
    client = ROLE_SETUPS[role](world)
    me = client.session.get("_auth_user_id")
    address = User.objects.get(pk=me).email if me else "jemand@walk.example"
    _invitation, world.invitation_raw = Invitation.issue(
        company=world.company, email=address, invited_by=world.owner
    )
    # An invitation addressed to them names the company; nothing else may.
    strangers = role in (access.REMOVED, access.OUTSIDER, access.ANONYMOUS)
    for name, url_of in URLS.items():
        url = url_of(world)
        allowed = access.url_allows(role, name)
        answered = False
        for method in ("get", "post"):
            before = state()
            if method == "get":
                response = client.get(url)
            else:
                response = client.post(
                    url, {**POST_DATA, "assessment": str(world.earlier.public_id)}
                )
            if response.status_code == 405:
                continue
            answered = True
            assert response.status_code < 500, (role, name, method)
            if access.URL_ACTIONS[name] != "account_pages":  # allauth decides these itself
                assert denied(response) != allowed, (role, name, method, response.status_code)
            if not allowed:
                assert state() == before, (role, name, method, "changed the database")
            if (
                strangers
                and name != "invitation"
                and response.get("Content-Type", "").startswith("text/html")
            ):
                assert COMPANY_NAME not in response.content.decode(), (role, name, method)
        assert answered, name
        if name == "resume":
            strangers = False  # from here on the browser holds a link it opened itself
    if role == access.REMOVED:
        assert world.links_of_removed
        assert not ResumeToken.objects.active().filter(pk__in=world.links_of_removed).exists()


def test_the_readme_holds_the_table_from_access_py():
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- access-matrix:start -->") + len("<!-- access-matrix:start -->")
    end = text.index("<!-- access-matrix:end -->")
    assert text[start:end].strip() == access.matrix_markdown().strip(), (
        "README role matrix is out of date: paste `python manage.py access_matrix`"
    )
