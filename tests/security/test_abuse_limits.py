"""Abuse of the app's own features: gaming the peer benchmark, mail bursts, control
characters in names, huge request bodies, private pages in shared caches."""

from __future__ import annotations

import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from assessment.access import has_verified_account
from assessment.benchmark import MINIMUM_PEERS, peer_position
from assessment.models import (
    Action,
    Assessment,
    Company,
    ConsultantProfile,
    Invitation,
    Membership,
    Respondent,
    User,
)
from assessment.workflows import finish_assessment, start_reassessment
from tests.conftest import verified_user
from tests.factories import PROFILE, answer_all, completed_assessment


def peer_company(questionnaire, index: int, *, owner: User | None = None) -> Company:
    company = Company(name=f"Laden {index}", industry="retail", size_band="2-9")
    assessment = completed_assessment(questionnaire, company=company, level=0.5)
    if owner is not None:
        Membership.objects.create(company=assessment.company, user=owner, role="owner")
    return assessment.company


# --- The peer benchmark


def test_anonymous_throwaway_checks_do_not_count_as_peers(small_questionnaire, owner):
    victim = peer_company(small_questionnaire, 0, owner=owner)
    for index in range(1, MINIMUM_PEERS + 5):
        peer_company(small_questionnaire, index)  # nobody's account: anonymous checks
    assert peer_position(victim, 50.0, small_questionnaire.key) is None


def test_peers_with_verified_accounts_or_a_consultant_session_count_once(
    small_questionnaire, owner, consultant
):
    victim = peer_company(small_questionnaire, 0, owner=owner)
    for index in range(1, MINIMUM_PEERS):
        user = verified_user(f"peer{index}@example.com", "x-Secret-123")
        company = peer_company(small_questionnaire, index, owner=user)
        completed_assessment(small_questionnaire, company=company, level=0.9)  # a second check
    # The tenth peer: a check run with a consultant (a consultant-led latest check).
    client_company = Company.objects.create(name="Kunde", industry="retail", size_band="2-9")
    Membership.objects.create(company=client_company, user=consultant, role="consultant")
    User.objects.filter(pk=consultant.pk).update(is_active=False)
    session = start_reassessment(
        company=client_company, user=consultant, carry_over=False, mode=Assessment.Mode.CONSULTANT
    )
    answer_all(session, level=0.5)
    finish_assessment(assessment=session)
    assert has_verified_account(client_company)
    position = peer_position(victim, 50.0, small_questionnaire.key)
    assert position is not None and position.peers == MINIMUM_PEERS


def test_a_company_without_accounts_has_no_verified_account(small_questionnaire):
    assert not has_verified_account(peer_company(small_questionnaire, 1))


def test_an_account_whose_address_is_not_verified_does_not_count(small_questionnaire):
    unverified = User.objects.create_user(email="wegwerf@example.com")
    EmailAddress.objects.create(user=unverified, email=unverified.email, verified=False)
    assert not has_verified_account(peer_company(small_questionnaire, 1, owner=unverified))


# --- Outgoing mail


def anonymous_check(client) -> tuple[Assessment, str]:
    page = client.get(reverse("profile"))
    submission = page.context["form"]["submission"].value()
    response = client.post(reverse("profile"), {**PROFILE, "submission": submission})
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    return Assessment.objects.latest("started_at"), token


def test_a_burst_of_resume_link_mails_to_one_address_is_cut_off(
    client, small_questionnaire, settings
):
    assessment, token = anonymous_check(client)
    url = reverse("resume_link_email", args=[assessment.public_id])
    statuses = [
        client.post(url, {"email": "opfer@example.com", "token": token}).status_code
        for _ in range(15)
    ]
    assert len(mail.outbox) == settings.MAIL_LIMIT_PER_RECIPIENT
    assert statuses[-1] == 429
    refused = client.post(url, {"email": "opfer@example.com", "token": token})
    assert "schon mehrere E-Mails" in refused.content.decode()


def test_invitations_are_limited_per_company(client, company, owner, settings):
    settings.MAIL_LIMIT_PER_COMPANY = 5
    client.force_login(owner)
    for index in range(15):
        client.post(reverse("invite", args=[company.pk]), {"email": f"ziel{index}@example.com"})
    assert len(mail.outbox) == 5
    assert Invitation.objects.filter(company=company).count() == 5
    page = client.get(reverse("company", args=[company.pk]))
    assert "Für dieses Unternehmen wurden in letzter Zeit" in page.content.decode()


def test_team_member_mails_are_limited_per_check(
    client, default_questionnaire, consultant, settings
):
    settings.MAIL_LIMIT_PER_ASSESSMENT = 3
    company = Company.objects.create(name="Bäckerei", industry="crafts", size_band="2-9")
    Membership.objects.create(company=company, user=consultant, role="consultant")
    assessment = start_reassessment(
        company=company, user=consultant, carry_over=False, mode=Assessment.Mode.CONSULTANT
    )
    client.force_login(consultant)
    for index in range(6):
        response = client.post(
            reverse("team", args=[assessment.public_id]),
            {"name": f"Person {index}", "email": f"team{index}@example.com"},
            follow=True,
        )
        assert response.status_code == 200
    assert len(mail.outbox) == 3
    assert "Zu diesem Check wurden" in response.content.decode()


# --- Names


def test_a_newline_in_the_company_name_is_removed_and_adding_a_team_member_works(
    client, default_questionnaire, consultant
):
    company = Company.objects.create(name="Bäckerei", industry="crafts", size_band="2-9")
    Membership.objects.create(company=company, user=consultant, role="consultant")
    client.force_login(consultant)
    settings_form = {
        "name": "Bäckerei\r\nBcc: alle@example.com\x00\u202e",
        "region": " Köln\t Süd ",
        "monthly_budget_eur": "100",
        "monthly_hours": "8",
        "reassessment_interval_months": "6",
    }
    client.post(reverse("company_settings", args=[company.pk]), settings_form)
    company.refresh_from_db()
    assert company.name == "Bäckerei Bcc: alle@example.com"
    assert company.region == "Köln Süd"

    # A name stored before this rule (straight into the database) still sends its mail.
    Company.objects.filter(pk=company.pk).update(name="Bäckerei\nKorn")
    assessment = start_reassessment(
        company=company, user=consultant, carry_over=False, mode=Assessment.Mode.CONSULTANT
    )
    response = client.post(
        reverse("team", args=[assessment.public_id]),
        {"name": "Anna\nMüller", "email": "anna@example.com"},
        follow=True,
    )
    assert response.status_code == 200
    assert mail.outbox[0].subject.endswith("Bäckerei Korn")
    assert Respondent.objects.get(is_primary=False).name == "Anna Müller"


def test_names_are_cleaned_in_the_profile_and_the_consultant_forms(client, small_questionnaire):
    page = client.get(reverse("profile"))
    submission = page.context["form"]["submission"].value()
    client.post(
        reverse("profile"),
        {**PROFILE, "name": "Blumen\u0007 Mu\u0308ller", "submission": submission},
    )
    assert Company.objects.get().name == "Blumen Müller"  # NFC: one ü
    consultant_page = client.post(
        reverse("consultant_signup"),
        {
            "email": "neu@example.com",
            "password1": "x-Secret-123-lang",
            "password2": "x-Secret-123-lang",
            "name": "Berta\nBeraterin",
            "firm": "\tFirma\x1b[31m ",
        },
    )
    assert consultant_page.status_code == 302
    profile = ConsultantProfile.objects.get()
    assert (profile.name, profile.firm) == ("Berta Beraterin", "Firma[31m")


def test_who_takes_care_of_a_step_is_cleaned(client, owner, company):
    action = Action.objects.create(company=company, recommendation_key="r_x", title="Schritt")
    client.force_login(owner)
    client.post(
        reverse("update_action", args=[company.pk, action.pk]),
        {f"a{action.pk}-status": "doing", f"a{action.pk}-owner": "A\x00nna\n\u202eMeier"},
    )
    action.refresh_from_db()
    assert action.owner == "Anna Meier"


# --- Request bodies


class CountingInput(io.RawIOBase):
    """A request body of `size` bytes that are produced only when somebody reads them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self.size - self.read_bytes if size is None or size < 0 else size
        size = min(size, self.size - self.read_bytes)
        self.read_bytes += size
        return b"x" * size


@pytest.fixture
def consultant_client(client, consultant):
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    client.force_login(consultant)
    return client


def test_a_gigabyte_body_is_refused_before_it_is_read(consultant_client, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    body = CountingInput(10**9)
    response = consultant_client.generic(
        "POST",
        reverse("consultant_profile"),
        content_type="multipart/form-data; boundary=grenze",
        CONTENT_LENGTH=str(10**9),
        **{"wsgi.input": body},
    )
    assert response.status_code == 413
    assert "Anfrage zu groß" in response.content.decode()
    assert body.read_bytes == 0
    assert list(tmp_path.iterdir()) == []


def test_a_logo_over_the_limit_is_refused_and_nothing_reaches_the_view(
    consultant_client, settings, tmp_path
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    big = io.BytesIO(b"\x89PNG" + b"0" * (2 * 1024 * 1024))
    big.name = "logo.png"
    response = consultant_client.post(
        reverse("consultant_profile"), {"name": "Neuer Name", "logo": big}
    )
    assert response.status_code == 413
    assert ConsultantProfile.objects.get().name == "Berta"
    assert list(tmp_path.iterdir()) == []


def test_other_forms_take_far_less(client, small_questionnaire):
    response = client.post(reverse("profile"), {**PROFILE, "name": "x" * 300_000})
    assert response.status_code == 413
    assert not Company.objects.exists()


def test_a_body_without_a_length_is_refused(consultant_client):
    response = consultant_client.generic(
        "POST",
        reverse("consultant_profile"),
        content_type="multipart/form-data; boundary=grenze",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": CountingInput(10**6)},
    )
    assert response.status_code == 411


def test_a_logo_within_the_limit_still_uploads(consultant_client):
    response = consultant_client.post(reverse("consultant_profile"), {"name": "Berta B."})
    assert response.status_code == 302
    assert ConsultantProfile.objects.get().name == "Berta B."


# --- Cache-Control


def assert_private(response) -> None:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, response.get("Cache-Control")


def test_private_pages_are_never_stored_by_caches(client, default_questionnaire, owner, company):
    assessment, token = anonymous_check(client)
    for url in (
        reverse("check_page", args=[assessment.public_id, 1]),
        reverse("finish", args=[assessment.public_id]),
        reverse("results", args=[assessment.public_id]),
        reverse("report_json", args=[assessment.public_id]),
        reverse("report_pdf", args=[assessment.public_id]),
        reverse("resume", args=[token]),
        reverse("profile"),
        reverse("login"),
    ):
        assert_private(client.get(url))
    assert_private(client.post(reverse("resume_link_new", args=[assessment.public_id])))
    member = Client()
    member.force_login(owner)
    for url in (
        reverse("companies"),
        reverse("company", args=[company.pk]),
        reverse("actions", args=[company.pk]),
        reverse("company_export", args=[company.pk, "csv"]),
    ):
        assert_private(member.get(url))
    # A company that is not yours: the 404 is private too.
    assert_private(Client().get(reverse("company", args=[company.pk])))


def test_the_start_page_may_be_cached(client, small_questionnaire):
    assert "private" not in client.get(reverse("home")).get("Cache-Control", "")
