"""A wrong, revoked or almost-right secret link always gets the very same 404.

Each request comes from its own address, so that these tests stay clear of the throttle on
repeated misses (which has its own tests).
"""

from __future__ import annotations

import datetime
import itertools
import re
import secrets

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessment.models import Company, Invitation, Membership, ResumeToken
from assessment.workflows import start_self_assessment

ADDRESSES = (f"198.51.100.{number}" for number in itertools.count(1))


def comparable(response) -> tuple[int, str, bytes]:
    """Status, type and body, without the parts that differ on every request by design: the
    CSRF token, and the address itself (the language switch returns to it)."""
    path = response.request["PATH_INFO"].encode()
    body = response.content.replace(path, b"/the-address/")
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", body)
    body = re.sub(rb'nonce="[^"]*"', b"", body)
    return response.status_code, response["Content-Type"], body


def near_misses(raw: str) -> dict[str, str]:
    def other(character: str) -> str:
        return "A" if character != "A" else "B"

    return {
        "last character changed": raw[:-1] + other(raw[-1]),
        "first character changed": other(raw[0]) + raw[1:],
        "middle character changed": raw[:20] + other(raw[20]) + raw[21:],
        "last character cut": raw[:-1],
        "character appended": raw + "A",
        "upper case": raw.upper() if raw.upper() != raw else raw.lower(),
        "unknown": secrets.token_urlsafe(32),
        "short": "x",
        "very long": "x" * 3000,
    }


@pytest.fixture
def assessment(small_questionnaire):
    assessment, raw = start_self_assessment(
        company=Company(industry="retail", size_band="1"), questionnaire=small_questionnaire
    )
    return assessment, raw


def get_from_new_address(url: str, client: Client | None = None, **extra):
    return (client or Client()).get(url, REMOTE_ADDR=next(ADDRESSES), **extra)


def test_every_wrong_resume_link_gets_the_same_404(assessment):
    the_assessment, raw = assessment
    revoked, revoked_raw = ResumeToken.issue(assessment=the_assessment)
    revoked.revoke()
    wrong = {**near_misses(raw), "revoked": revoked_raw}
    responses = {
        name: comparable(get_from_new_address(reverse("resume", args=[token])))
        for name, token in wrong.items()
    }
    first = responses.pop("unknown")
    assert first[0] == 404
    assert b"nicht (mehr) g\xc3\xbcltig" in first[2]
    assert {name: response == first for name, response in responses.items()} == {
        name: True for name in responses
    }
    assert get_from_new_address(reverse("resume", args=[raw])).status_code == 302


def test_a_link_revoked_by_a_new_one_gets_the_same_404(client, small_questionnaire):
    client.post(
        reverse("profile"),
        {
            "industry": "retail",
            "size_band": "1",
            "monthly_budget_eur": "100",
            "monthly_hours": "5",
        },
    )
    the_assessment = ResumeToken.objects.get().assessment
    old, old_raw = ResumeToken.issue(assessment=the_assessment)
    client.post(reverse("resume_link_new", args=[the_assessment.public_id]))
    old.refresh_from_db()
    assert old.revoked_at is not None
    unknown = comparable(get_from_new_address(reverse("resume", args=["nonsense"])))
    assert comparable(get_from_new_address(reverse("resume", args=[old_raw]))) == unknown


def test_wrong_links_in_the_send_by_mail_form_get_the_same_answer(client, small_questionnaire):
    client.post(
        reverse("profile"),
        {"industry": "retail", "size_band": "1", "monthly_budget_eur": "100", "monthly_hours": "5"},
    )
    the_assessment = ResumeToken.objects.get().assessment
    _token, raw = ResumeToken.issue(assessment=the_assessment)
    _other, other_raw = start_self_assessment(
        company=Company(industry="crafts", size_band="1"),
        questionnaire=the_assessment.questionnaire,
    )
    url = reverse("resume_link_email", args=[the_assessment.public_id])
    wrong = {**near_misses(raw), "another check's link": other_raw}
    responses = {
        name: comparable(
            client.post(
                url, {"email": "a@example.com", "token": token}, REMOTE_ADDR=next(ADDRESSES)
            )
        )
        for name, token in wrong.items()
    }
    first = responses.pop("unknown")
    assert first[0] == 400
    assert all(response == first for response in responses.values()), [
        name for name, response in responses.items() if response != first
    ]


@pytest.fixture
def invitations(owner, company):
    # Addressed to the outsider's account: opened logged in, it is theirs to accept.
    _open, raw = Invitation.issue(company=company, email="fremd@example.com", invited_by=owner)
    revoked, revoked_raw = Invitation.issue(
        company=company, email="b@example.com", invited_by=owner
    )
    revoked.revoked_at = timezone.now()
    revoked.save()
    accepted, accepted_raw = Invitation.issue(
        company=company, email="c@example.com", invited_by=owner
    )
    accepted.accepted_at = timezone.now()
    accepted.save()
    expired, expired_raw = Invitation.issue(
        company=company, email="d@example.com", invited_by=owner
    )
    expired.created_at = timezone.now() - datetime.timedelta(days=15)
    expired.save()
    return raw, {"revoked": revoked_raw, "accepted": accepted_raw, "expired": expired_raw}


@pytest.mark.parametrize("logged_in", [False, True])
def test_every_wrong_invitation_link_gets_the_same_404(invitations, outsider, logged_in, company):
    raw, closed = invitations
    person = Client()
    if logged_in:
        person.force_login(outsider)
    wrong = {**near_misses(raw), **closed}
    for method in ("get", "post"):
        responses = {
            name: comparable(
                getattr(person, method)(
                    reverse("invitation", args=[token]), REMOTE_ADDR=next(ADDRESSES)
                )
            )
            for name, token in wrong.items()
        }
        first = responses.pop("unknown")
        assert first[0] == 404, method
        assert "Diese Einladung ist nicht (mehr) gültig".encode() in first[2]
        assert all(response == first for response in responses.values()), [
            name for name, response in responses.items() if response != first
        ]
    assert not Membership.objects.filter(user=outsider).exists()
    opened = person.get(reverse("invitation", args=[raw]), REMOTE_ADDR=next(ADDRESSES))
    assert opened.status_code == 200 and company.name in opened.content.decode()


def test_a_resume_link_is_no_invitation_and_the_other_way_round(assessment, invitations):
    _assessment, resume_raw = assessment
    invitation_raw, _closed = invitations
    unknown_invitation = comparable(
        get_from_new_address(reverse("invitation", args=[secrets.token_urlsafe(32)]))
    )
    unknown_resume = comparable(
        get_from_new_address(reverse("resume", args=[secrets.token_urlsafe(32)]))
    )
    assert (
        comparable(get_from_new_address(reverse("invitation", args=[resume_raw])))
        == unknown_invitation
    )
    assert (
        comparable(get_from_new_address(reverse("resume", args=[invitation_raw]))) == unknown_resume
    )
