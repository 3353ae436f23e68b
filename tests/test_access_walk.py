"""An outsider walks every URL of the app: someone else's data is always a 404."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessment.models import Action, ConsultantProfile, Invitation, Membership, ResumeToken
from tests.factories import completed_assessment

# Pages that show only the visitor's own things (or nothing personal at all).
OWN_OR_PUBLIC = {
    "home",
    "profile",
    "resume",
    "signup",
    "login",
    "logout",
    "password_reset",
    "account",
    "companies",
    "portfolio",
    "portfolio_export",
    "new_client",
    "consultant_signup",
    "consultant_profile",
    "invitation",
    "set_language",
    "health",
}


def url_names() -> set[str]:
    names = set()

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return names


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
    public_id = assessment.public_id
    company_id = company.pk
    return {
        "check_page": [public_id, 1],
        "save_answer": [public_id],
        "finish": [public_id],
        "results": [public_id],
        "report_pdf": [public_id],
        "report_json": [public_id],
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
        "revoke_invitation": [company_id, invitation.pk],
        "company_export": [company_id, "csv"],
        "team": [public_id],
        "facilitate": [public_id],
        "consolidation": [public_id],
        "apply_proposals": [public_id],
    }


def account_pages() -> set[str]:
    """django-allauth's pages (sign-up, login, addresses, two-factor login): each shows or
    changes only the visitor's own account."""
    return {name for name in url_names() if name.startswith(("account_", "mfa_"))}


def test_every_url_is_either_walked_or_shows_only_own_data(victim):
    assert url_names() - OWN_OR_PUBLIC - account_pages() == set(victim), (
        "a new URL needs an entry in the walk"
    )


@pytest.mark.parametrize("as_user", ["outsider", "other_consultant", "anonymous"])
def test_an_outsider_gets_404_on_every_url_get_and_post(client, victim, outsider, as_user, db):
    from assessment.models import Assessment, User
    from assessment.models import Membership as M

    if as_user == "outsider":
        client.force_login(outsider)
    elif as_user == "other_consultant":
        other = User.objects.create_user(email="andere@beratung.example", password="x")
        ConsultantProfile.objects.create(user=other, name="Andere", approved=True)
        client.force_login(other)
    before = (M.objects.count(), Assessment.objects.count(), Action.objects.count())
    for name, args in victim.items():
        url = reverse(name, args=args)
        get = client.get(url)
        post = client.post(
            url,
            {
                "question": "web_editing",
                "option": "none",
                "start": "fresh",
                "email": "a@b.example",
                "step": "r_sec_2fa",
                "token": "x",
            },
        )
        if as_user == "anonymous" and name in {
            "company",
            "company_settings",
            "new_assessment",
            "comparison",
            "actions",
            "adopt",
            "update_action",
            "add_measurement",
            "invite",
            "remove_member",
            "revoke_invitation",
            "company_export",
            "team",
            "facilitate",
            "consolidation",
            "apply_proposals",
        }:
            # The company space asks anonymous visitors to log in first.
            assert get.status_code == 302 and get.url.startswith(reverse("account_login")), name
            assert post.status_code == 302 and post.url.startswith(reverse("account_login")), name
            continue
        assert get.status_code in (404, 405), (name, get.status_code)
        assert post.status_code in (404, 405), (name, post.status_code)
        assert 404 in (get.status_code, post.status_code), name
    assert (M.objects.count(), Assessment.objects.count(), Action.objects.count()) == before
