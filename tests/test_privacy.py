"""Data protection by the app itself: Impressum and privacy notice, deleting an account, a
company or a check without an account, downloading everything, and retention (`purge`).

After each deletion path every text column of every table, the session table and the cache
table are searched for the deleted addresses and names: none may be left.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import pickle

import pytest
from axes.models import AccessAttempt, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core import mail as django_mail
from django.core.management import call_command
from django.db import connection, models
from django.db.models.functions import Cast
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from assessment import mail as mail_module
from assessment import privacy
from assessment.mail_limits import recipient_hash
from assessment.models import (
    Action,
    Answer,
    Assessment,
    Company,
    ConsultantProfile,
    Invitation,
    MailLog,
    Measurement,
    Membership,
    RenderedReport,
    Respondent,
    ResumeToken,
    TokenMiss,
    User,
)
from assessment.reports.data import recent_results
from assessment.workflows import claim_assessment
from tests.conftest import verified_user
from tests.factories import answer_all, completed_assessment, hold_link
from tests.factories import start as start_check

PASSWORD = "x-Secret-123"


# --- The search for what must be gone


def text_columns(model: type[models.Model]) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
    ]


def rows_mentioning(needle: str) -> list[str]:
    """Every table, session and cache entry whose text holds `needle` (case-insensitive)."""
    found = []
    for model in apps.get_models():
        for field in text_columns(model):
            if isinstance(field, models.JSONField):
                queryset = model._meta.default_manager.annotate(
                    as_text=Cast(field.name, models.TextField())
                ).filter(as_text__icontains=needle)
            else:
                queryset = model._meta.default_manager.filter(
                    **{f"{field.name}__icontains": needle}
                )
            if queryset.exists():
                found.append(f"{model._meta.label}.{field.name}")
    for session in Session.objects.all():
        if needle.lower() in repr(session.get_decoded()).lower():
            found.append(f"session {session.session_key}")
    table = connection.ops.quote_name(settings.CACHES["default"]["LOCATION"])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key, value FROM {table}")  # noqa: S608
        for key, value in cursor.fetchall():
            decoded = base64.b64decode(value)
            if needle.lower().encode() in (key.encode() + decoded).lower():
                found.append(f"cache {key}")
    # The results facts this process keeps besides the shared cache.
    for recent_key, facts in recent_results.entries.items():
        if needle.lower().encode() in pickle.dumps(facts).lower():
            found.append(f"recent results {recent_key[:2]}")
    return found


def assert_gone(*needles: str) -> None:
    for needle in needles:
        assert rows_mentioning(needle) == [], needle


def test_the_search_finds_what_is_there(company):
    """The search itself works: a name in a JSON column, a note and the cache are found."""
    from django.core.cache import cache

    Company.objects.filter(pk=company.pk).update(customers=["Zebulon"])
    cache.set("probe", {"who": "ziggy@example.com"})
    assert rows_mentioning("Zebulon") == ["assessment.Company.customers"]
    assert rows_mentioning("ziggy@example.com") == ["cache :1:probe"]
    assert rows_mentioning("inhaberin@example.com")  # the owner's account


# --- Impressum and privacy notice


def test_every_page_links_imprint_and_privacy_notice(client, db):
    page = client.get(reverse("home")).content.decode()
    assert reverse("imprint") in page and reverse("privacy") in page


def test_imprint_shows_the_operator_from_the_settings(client, settings, db):
    settings.OPERATOR_NAME = "Digitalberatung Nord GmbH"
    settings.OPERATOR_ADDRESS = ["Hafenstraße 3", "20457 Hamburg"]
    settings.OPERATOR_EMAIL = "kontakt@nord.example"
    settings.OPERATOR_VAT_ID = "DE123456789"
    page = client.get(reverse("imprint")).content.decode()
    for text in ("Digitalberatung Nord GmbH", "Hafenstraße 3", "kontakt@nord.example", "DE123456"):
        assert text in page
    assert "data-operator-missing" not in page


def test_imprint_says_when_the_operator_has_not_filled_it_in(client, settings, db):
    settings.OPERATOR_NAME = ""
    page = client.get(reverse("imprint")).content.decode()
    assert "data-operator-missing" in page


def test_privacy_notice_states_the_configured_retention_and_hosting(client, settings, db):
    settings.RETENTION_ANONYMOUS_DRAFT_DAYS = 47
    settings.RESUME_LINK_IDLE_DAYS = 23
    settings.RETENTION_LOGIN_ATTEMPT_DAYS = 11
    settings.HOSTING_PROVIDER = "Hetzner Online GmbH"
    settings.HOSTING_LOCATION = "Falkenstein, Deutschland"
    settings.PRIVACY_CONTACT_EMAIL = "datenschutz@nord.example"
    page = client.get(reverse("privacy")).content.decode()
    for text in ("47 Tage", "23 Tagen", "nach 11", "Hetzner Online GmbH", "Falkenstein"):
        assert text in page, text
    assert "datenschutz@nord.example" in page


def test_privacy_notice_in_english(client, db):
    client.cookies["django_language"] = "en"
    page = client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Privacy notice" in page
    assert "Your rights" in page


def test_the_pdf_names_imprint_and_privacy_addresses(client, small_questionnaire, settings):
    from pypdf import PdfReader

    settings.SITE_URL = "https://reifegrad.nord.example"
    settings.OPERATOR_NAME = "Digitalberatung Nord GmbH"
    assessment = completed_assessment(small_questionnaire)
    hold_link(client, assessment)
    response = client.get(reverse("report_pdf", args=[assessment.public_id]))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = "".join(text.split())  # a long address may wrap
    assert "https://reifegrad.nord.example/impressum/" in text
    assert "https://reifegrad.nord.example/datenschutz/" in text
    assert "DigitalberatungNordGmbH" in text


# --- Deleting an account


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def company_of(owner: User, name: str, *others: tuple[User, str]) -> Company:
    company = Company.objects.create(name=name, industry="retail", size_band="2-9")
    Membership.objects.create(company=company, user=owner, role="owner")
    for user, role in others:
        Membership.objects.create(company=company, user=user, role=role)
    return company


def test_deleting_the_account_is_refused_until_ownership_is_handed_over(db):
    owner = verified_user("anna@nord.example", PASSWORD)
    colleague = verified_user("ben@nord.example", PASSWORD)
    company = company_of(owner, "Anna Blumen", (colleague, "member"))
    client = logged_in(owner)
    page = client.get(reverse("account_delete")).content.decode()
    assert "data-handover-first" in page and "Anna Blumen" in page
    response = client.post(reverse("account_delete"), {"confirm": "delete"})
    assert response.status_code == 400
    assert User.objects.filter(pk=owner.pk).exists()
    # Handed over: Ben is an owner now, Anna may go and the company stays.
    Membership.objects.filter(company=company, user=colleague).update(role="owner")
    response = client.post(reverse("account_delete"), {"confirm": "delete"})
    assert response.status_code == 200
    assert not User.objects.filter(pk=owner.pk).exists()
    assert Company.objects.filter(pk=company.pk).exists()
    assert list(company.memberships.values_list("user__email", flat=True)) == ["ben@nord.example"]


def test_companies_only_i_belong_to_go_with_my_account_once_confirmed_by_name(
    small_questionnaire,
):
    owner = verified_user("carla@nord.example", PASSWORD)
    alone = company_of(owner, "Carlas Werkstatt")
    client = logged_in(owner)
    page = client.get(reverse("account_delete")).content.decode()
    assert "Carlas Werkstatt" in page and "data-deleted-with-it" in page
    # Confirming the account without naming the company deletes nothing.
    response = client.post(reverse("account_delete"), {"confirm": "delete"})
    assert response.status_code == 400
    assert User.objects.filter(pk=owner.pk).exists() and Company.objects.filter(pk=alone.pk)
    response = client.post(
        reverse("account_delete"), {"confirm": "delete", "company": str(alone.pk)}
    )
    assert response.status_code == 200
    assert not Company.objects.filter(pk=alone.pk).exists()
    assert not User.objects.filter(email="carla@nord.example").exists()


def test_a_deleted_account_leaves_no_address_or_name_anywhere(small_questionnaire):
    """A consultant with a profile, companies of their own and with others, invitations to
    and from them, login attempts, mail counters, admin history and two open sessions."""
    person = verified_user("dora.consult@nord.example", PASSWORD)
    User.objects.filter(pk=person.pk).update(first_name="Dorothea", last_name="Quasthoff")
    ConsultantProfile.objects.create(
        user=person,
        name="Dorothea Quasthoff",
        firm="Quasthoff Beratung",
        contact_email="kontakt@quasthoff.example",
        phone="+49 40 555 0199",
        approved=True,
    )
    client_owner = verified_user("eva@kunde.example", PASSWORD)
    client_company = company_of(client_owner, "Kunde Eva", (person, "consultant"))
    own = company_of(person, "Quasthoff intern")
    check = completed_assessment(small_questionnaire, company=own, notes={"proc_orders": "Doro"})
    Respondent.objects.filter(assessment=check).update(user=person)
    RenderedReport.objects.create(
        assessment=completed_assessment(small_questionnaire, company=client_company),
        language="de",
        revision="x",
        pdf=b"%PDF Dorothea Quasthoff",
    )
    Invitation.issue(company=client_company, email="dora.consult@nord.example", invited_by=None)
    Invitation.issue(company=client_company, email="neu@kunde.example", invited_by=person)
    MailLog.objects.create(kind="invitation", recipient_hash=recipient_hash(person.email))
    AccessAttempt.objects.create(
        username="dora.consult@nord.example", ip_address="10.0.0.9", failures_since_start=2
    )
    AccessLog.objects.create(username="dora.consult@nord.example", ip_address="10.0.0.9")
    LogEntry.objects.log_actions(
        user_id=client_owner.pk, queryset=[person], action_flag=ADDITION, single_object=True
    )
    other_browser = logged_in(person)
    other_browser.get(reverse("companies"))
    client = logged_in(person)
    response = client.post(reverse("account_delete"), {"confirm": "delete", "company": own.pk})
    assert response.status_code == 200
    assert not Session.objects.filter(session_key=other_browser.session.session_key).exists()
    assert other_browser.get(reverse("companies")).status_code == 302  # to the login
    assert Company.objects.filter(pk=client_company.pk).exists()
    assert not MailLog.objects.filter(recipient_hash=recipient_hash(person.email)).exists()
    assert_gone(
        "dora.consult@nord.example",
        "Dorothea",
        "Quasthoff",
        "kontakt@quasthoff.example",
        "555 0199",
    )


def test_deleting_an_account_needs_a_login(client, db):
    response = client.post(reverse("account_delete"), {"confirm": "delete"})
    assert response.status_code == 302 and reverse("account_login") in response.url


# --- Deleting a company


@pytest.fixture
def full_company(small_questionnaire):
    """A company with everything a company can hold, and its people."""
    owner = verified_user("frieda@laden.example", PASSWORD)
    member = verified_user("gustav@laden.example", PASSWORD)
    advisor = verified_user("hanna@beratung.example", PASSWORD)
    ConsultantProfile.objects.create(user=advisor, name="Hanna", approved=True)
    company = company_of(owner, "Friedas Feinkost", (member, "member"), (advisor, "consultant"))
    Company.objects.filter(pk=company.pk).update(region="Quedlinburg")
    done = completed_assessment(
        small_questionnaire, company=company, notes={"proc_orders": "Lieferant Xaverius"}
    )
    draft, _raw = start_check(company=company, questionnaire=small_questionnaire)
    Assessment.objects.filter(pk=draft.pk).update(previous=done)
    team = Respondent.objects.create(assessment=draft, name="Ingolf aus dem Lager")
    ResumeToken.issue(assessment=draft, respondent=team)
    action = Action.objects.create(
        company=company, recommendation_key="r1", title="Shop", owner="Jolanda", notes="Kasse"
    )
    Measurement.objects.create(action=action, value=3, note="Jolanda misst")
    Invitation.issue(company=company, email="karl@laden.example", invited_by=owner)
    MailLog.objects.create(
        kind="invitation", recipient_hash="0" * 64, company=company, assessment=draft
    )
    RenderedReport.objects.create(assessment=done, language="de", revision="r", pdf=b"%PDF")
    LogEntry.objects.log_actions(
        user_id=owner.pk, queryset=[company], action_flag=ADDITION, single_object=True
    )
    return {
        "company": company,
        "owner": owner,
        "member": member,
        "advisor": advisor,
        "draft": draft,
        "team": team,
    }


def test_an_owner_deletes_a_company_after_typing_its_name_and_nothing_is_left(full_company):
    company = full_company["company"]
    client = logged_in(full_company["owner"])
    # The results page keeps the check's answers and notes in the shared cache.
    done = company.assessments.get(status="completed")
    assert client.get(reverse("results", args=[done.public_id])).status_code == 200
    assert any(place.startswith("cache ") for place in rows_mentioning("Xaverius"))
    assert any(place.startswith("recent results") for place in rows_mentioning("Xaverius"))
    assert client.get(reverse("company_delete", args=[company.pk])).status_code == 200
    response = client.post(
        reverse("company_delete", args=[company.pk]), {"confirm_name": "Friedas"}
    )
    assert response.status_code == 400
    assert Company.objects.filter(pk=company.pk).exists()
    response = client.post(
        reverse("company_delete", args=[company.pk]), {"confirm_name": "Friedas Feinkost"}
    )
    assert response.status_code == 302
    assert not Company.objects.filter(pk=company.pk).exists()
    assert not Assessment.objects.filter(company_id=company.pk).exists()
    assert_gone(
        "Friedas Feinkost",
        "Quedlinburg",
        "Xaverius",
        "Ingolf",
        "Jolanda",
        "karl@laden.example",
    )
    # The people keep their accounts; only their membership is gone.
    assert User.objects.filter(email="gustav@laden.example").exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 403), ("advisor", 403), ("outsider", 404), ("team_link", 404), ("anon", 404)],
)
def test_only_owners_delete_or_download_a_company(full_company, who, status):
    company = full_company["company"]
    if who in ("member", "advisor"):
        client = logged_in(full_company[who])
    elif who == "outsider":
        client = logged_in(verified_user("fremd@nord.example", PASSWORD))
    else:
        client = Client()
        if who == "team_link":
            hold_link(client, full_company["draft"], respondent=full_company["team"])
    logged_out = who in ("team_link", "anon")
    delete_url = reverse("company_delete", args=[company.pk])
    data_url = reverse("company_data", args=[company.pk])
    for response in (
        client.get(delete_url),
        client.post(delete_url, {"confirm_name": "Friedas Feinkost"}),
        client.get(data_url),
    ):
        if logged_out:
            assert response.status_code == 302 and reverse("account_login") in response.url
        else:
            assert response.status_code == status
            assert "Friedas Feinkost" not in response.content.decode()
    assert Company.objects.filter(pk=company.pk).exists()


def test_the_company_download_holds_everything_of_the_company(full_company):
    company = full_company["company"]
    response = logged_in(full_company["owner"]).get(reverse("company_data", args=[company.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["format"] == "reifegrad-company-data"
    assert data["company"][0]["name"] == "Friedas Feinkost"
    assert {m["email"] for m in data["members"]} == {
        "frieda@laden.example",
        "gustav@laden.example",
        "hanna@beratung.example",
    }
    assert any(a["note"] == "Lieferant Xaverius" for a in data["answers"])
    assert {r["name"] for r in data["respondents"]} >= {"Ingolf aus dem Lager"}
    assert data["actions"][0]["owner"] == "Jolanda"
    assert data["measurements"][0]["note"] == "Jolanda misst"
    assert data["invitations"][0]["email"] == "karl@laden.example"
    text = response.content.decode()
    assert "token_hash" not in text and "submission_hash" not in text


def test_my_download_holds_my_account_and_memberships_without_secrets(full_company):
    response = logged_in(full_company["member"]).get(reverse("account_data"))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["account"][0]["email"] == "gustav@laden.example"
    assert data["email_addresses"][0]["email"] == "gustav@laden.example"
    assert data["memberships"] == [
        {
            "company_id": full_company["company"].pk,
            "company": "Friedas Feinkost",
            "role": "member",
            "since": data["memberships"][0]["since"],
        }
    ]
    assert "password" not in data["account"][0]
    assert "frieda@laden.example" not in response.content.decode()


# --- Deleting a check without an account


@pytest.fixture
def anonymous_check(small_questionnaire):
    company = Company(name="Ludwigs Laden", industry="retail", size_band="1", region="Zwickau")
    check, raw = start_check(company=company, questionnaire=small_questionnaire)
    answer_all(check, level=0.5, notes={"proc_orders": "Ludwig schreibt auf"})
    return check, raw


def test_a_check_without_an_account_is_deleted_through_its_resume_link(client, anonymous_check):
    check, raw = anonymous_check
    assert client.get(reverse("resume", args=[raw])).status_code == 302
    url = reverse("check_delete", args=[check.public_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 400  # not confirmed
    assert Assessment.objects.filter(pk=check.pk).exists()
    response = client.post(url, {"confirm": "delete"})
    assert response.status_code == 200
    assert not Assessment.objects.filter(pk=check.pk).exists()
    assert not Company.objects.filter(pk=check.company_id).exists()
    assert client.get(reverse("resume", args=[raw])).status_code == 404
    assert_gone("Ludwigs Laden", "Zwickau", "Ludwig schreibt")


def test_a_team_members_link_cannot_delete_the_check(client, anonymous_check):
    check, _raw = anonymous_check
    team = Respondent.objects.create(assessment=check, name="Mia")
    hold_link(client, check, respondent=team)
    url = reverse("check_delete", args=[check.public_id])
    assert client.get(url).status_code == 403
    assert client.post(url, {"confirm": "delete"}).status_code == 403
    assert Assessment.objects.filter(pk=check.pk).exists()


def test_strangers_cannot_delete_a_check_without_an_account(anonymous_check, outsider):
    check, _raw = anonymous_check
    url = reverse("check_delete", args=[check.public_id])
    for client in (Client(), logged_in(outsider)):
        assert client.post(url, {"confirm": "delete"}).status_code == 404
    assert Assessment.objects.filter(pk=check.pk).exists()


def test_a_resume_link_cannot_delete_a_check_that_belongs_to_a_company(client, full_company):
    draft = full_company["draft"]
    hold_link(client, draft)
    response = client.post(reverse("check_delete", args=[draft.public_id]), {"confirm": "delete"})
    assert response.status_code == 409
    assert Assessment.objects.filter(pk=draft.pk).exists()


def test_owners_delete_checks_only_with_the_whole_company(full_company):
    draft = full_company["draft"]
    client = logged_in(full_company["owner"])
    response = client.post(reverse("check_delete", args=[draft.public_id]), {"confirm": "delete"})
    assert response.status_code == 403
    assert Assessment.objects.filter(pk=draft.pk).exists()


# --- Retention


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def age_check(check: Assessment, days: float) -> None:
    """Make every trace of activity of the check `days` old."""
    Assessment.objects.filter(pk=check.pk).update(started_at=days_ago(days))
    Answer.objects.filter(assessment=check).update(updated_at=days_ago(days))
    ResumeToken.objects.filter(assessment=check).update(
        created_at=days_ago(days), last_used_at=None
    )


def test_purge_deletes_untouched_anonymous_drafts_and_old_unclaimed_results(
    small_questionnaire, owner
):
    old_draft, _ = start_check(
        company=Company(name="Alt", industry="retail", size_band="1"),
        questionnaire=small_questionnaire,
    )
    age_check(old_draft, 91)
    recent_draft, _ = start_check(
        company=Company(name="Neu", industry="retail", size_band="1"),
        questionnaire=small_questionnaire,
    )
    age_check(recent_draft, 89)
    touched, _ = start_check(
        company=Company(name="Berührt", industry="retail", size_band="1"),
        questionnaire=small_questionnaire,
    )
    age_check(touched, 200)
    answer_all(touched)  # answered today: not untouched
    old_result = completed_assessment(small_questionnaire)
    Assessment.objects.filter(pk=old_result.pk).update(completed_at=days_ago(366))
    young_result = completed_assessment(small_questionnaire)
    Assessment.objects.filter(pk=young_result.pk).update(completed_at=days_ago(300))
    claimed = completed_assessment(small_questionnaire)
    claim_assessment(assessment=claimed, user=owner)
    Assessment.objects.filter(pk=claimed.pk).update(completed_at=days_ago(900))

    counts = privacy.purge(dry_run=True)
    assert (counts.anonymous_drafts, counts.anonymous_completed) == (1, 1)
    assert Assessment.objects.count() == 6  # a dry run deletes nothing

    counts = privacy.purge()
    assert (counts.anonymous_drafts, counts.anonymous_completed) == (1, 1)
    left = set(Assessment.objects.values_list("pk", flat=True))
    assert left == {recent_draft.pk, touched.pk, young_result.pk, claimed.pk}
    assert not Company.objects.filter(pk__in=[old_draft.company_id, old_result.company_id])
    again = privacy.purge()
    assert (again.anonymous_drafts, again.anonymous_completed) == (0, 0)


def test_retention_follows_the_settings(small_questionnaire, settings):
    settings.RETENTION_ANONYMOUS_DRAFT_DAYS = 10
    draft, _ = start_check(
        company=Company(name="Kurz", industry="retail", size_band="1"),
        questionnaire=small_questionnaire,
    )
    age_check(draft, 11)
    assert privacy.purge().anonymous_drafts == 1


def test_resume_links_of_anonymous_checks_expire_when_idle_but_workshop_links_do_not(
    client, small_questionnaire, full_company, settings
):
    settings.RESUME_LINK_IDLE_DAYS = 30
    anonymous, raw = start_check(
        company=Company(name="Idle", industry="retail", size_band="1"),
        questionnaire=small_questionnaire,
    )
    ResumeToken.objects.filter(assessment=anonymous).update(created_at=days_ago(31))
    assert client.get(reverse("resume", args=[raw])).status_code == 404
    # Used 29 days ago: still works, and counts as a use again.
    token, fresh = ResumeToken.issue(assessment=anonymous)
    ResumeToken.objects.filter(pk=token.pk).update(
        created_at=days_ago(100), last_used_at=days_ago(29)
    )
    assert client.get(reverse("resume", args=[fresh])).status_code == 302
    # A team member's link of a company's open workshop works however long it rested.
    _token, team_raw = ResumeToken.issue(
        assessment=full_company["draft"], respondent=full_company["team"]
    )
    ResumeToken.objects.filter(respondent=full_company["team"]).update(created_at=days_ago(400))
    assert Client().get(reverse("resume", args=[team_raw])).status_code == 302
    # purge blocks the idle links for good.
    stale, _stale_raw = ResumeToken.issue(assessment=anonymous)
    ResumeToken.objects.filter(pk=stale.pk).update(created_at=days_ago(31))
    assert privacy.purge().idle_links == 2  # the first link and this one
    assert ResumeToken.objects.get(pk=stale.pk).revoked_at is not None
    assert ResumeToken.objects.get(pk=token.pk).revoked_at is None


def test_the_resume_page_says_when_a_check_without_an_account_is_deleted(
    client, anonymous_check, settings
):
    _check, raw = anonymous_check
    response = client.get(reverse("resume", args=[raw]), follow=True)
    expected = timezone.localdate() + datetime.timedelta(
        days=settings.RETENTION_ANONYMOUS_DRAFT_DAYS
    )
    assert expected.strftime("%d.%m.%Y") in response.content.decode()


def test_results_say_shortly_before_when_an_unclaimed_result_is_deleted(
    client, small_questionnaire, settings
):
    check = completed_assessment(small_questionnaire)
    hold_link(client, check)
    url = reverse("results", args=[check.public_id])
    assert "data-deletion-notice" not in client.get(url).content.decode()
    Assessment.objects.filter(pk=check.pk).update(completed_at=days_ago(350))
    page = client.get(url).content.decode()
    assert "data-deletion-notice" in page
    date = timezone.localtime(days_ago(350)).date() + datetime.timedelta(days=365)
    assert date.strftime("%d.%m.%Y") in page


def test_purge_deletes_old_misses_login_records_pdfs_and_mail_counters(small_questionnaire):
    TokenMiss.objects.create(address="10.0.0.1", missed_at=days_ago(31))
    TokenMiss.objects.create(address="10.0.0.2", missed_at=days_ago(1))
    old = AccessAttempt.objects.create(
        username="a@x.example", ip_address="10.0.0.1", failures_since_start=1
    )
    AccessAttempt.objects.filter(pk=old.pk).update(attempt_time=days_ago(31))
    AccessAttempt.objects.create(
        username="b@x.example", ip_address="10.0.0.2", failures_since_start=1
    )
    log = AccessLog.objects.create(username="a@x.example", ip_address="10.0.0.1")
    AccessLog.objects.filter(pk=log.pk).update(attempt_time=days_ago(40))
    check = completed_assessment(small_questionnaire)
    RenderedReport.objects.create(
        assessment=check, language="de", revision="old", pdf=b"%PDF", created_at=days_ago(1)
    )
    RenderedReport.objects.create(assessment=check, language="en", revision="new", pdf=b"%PDF")
    MailLog.objects.create(kind="invitation", recipient_hash="1" * 64, sent_at=days_ago(1))
    MailLog.objects.create(kind="invitation", recipient_hash="2" * 64)

    counts = privacy.purge()
    assert (counts.token_misses, counts.login_records, counts.old_pdfs) == (1, 2, 1)
    assert counts.mail_counters == 1
    assert list(TokenMiss.objects.values_list("address", flat=True)) == ["10.0.0.2"]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["b@x.example"]
    assert not AccessLog.objects.exists()
    assert list(RenderedReport.objects.values_list("language", flat=True)) == ["en"]
    assert list(MailLog.objects.values_list("recipient_hash", flat=True)) == ["2" * 64]
    assert privacy.purge().lines() == [(name, 0) for name, _ in counts.lines()]


def test_purge_command_lists_counts_in_a_dry_run_and_deletes_without(db):
    TokenMiss.objects.create(address="10.0.0.1", missed_at=days_ago(31))
    out = io.StringIO()
    call_command("purge", "--dry-run", stdout=out)
    assert "token_misses: 1 would delete" in out.getvalue()
    assert TokenMiss.objects.count() == 1
    out = io.StringIO()
    call_command("purge", stdout=out)
    assert "token_misses: 1 deleted" in out.getvalue()
    assert TokenMiss.objects.count() == 0


def test_the_admin_history_of_a_deleted_company_goes_too(full_company):
    company = full_company["company"]
    content_type = ContentType.objects.get_for_model(Company)
    assert LogEntry.objects.filter(content_type=content_type, object_id=str(company.pk))
    privacy.delete_company(company=company)
    assert not LogEntry.objects.filter(content_type=content_type, object_id=str(company.pk))


def test_a_check_deleted_by_retention_leaves_nothing(client, small_questionnaire):
    check = completed_assessment(
        small_questionnaire,
        company=Company(name="Olgas Obst", industry="retail", size_band="1", region="Pirna"),
        notes={"proc_orders": "Olga notiert alles"},
    )
    hold_link(client, check)
    assert client.get(reverse("results", args=[check.public_id])).status_code == 200
    MailLog.objects.create(kind="resume_link", recipient_hash="3" * 64, assessment=check)
    Assessment.objects.filter(pk=check.pk).update(completed_at=days_ago(400))
    assert privacy.purge().anonymous_completed == 1
    assert not Company.objects.filter(pk=check.company_id).exists()
    assert_gone("Olgas Obst", "Pirna", "Olga notiert")


# --- Queued and finished background tasks (mails, PDF renders)

queue = pytest.mark.task_queue


def queued_tasks(task_name: str) -> list[DBTaskResult]:
    return [row for row in DBTaskResult.objects.all() if row.task_path.endswith(task_name)]


def run_worker() -> None:
    call_command("run_worker", batch=True, verbosity=0)


def finish_first_task() -> None:
    """One queued task as a worker leaves it after running: finished, arguments kept."""
    first = DBTaskResult.objects.order_by("enqueued_at").first()
    DBTaskResult.objects.filter(pk=first.pk).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now(), return_value=1
    )


@queue
@pytest.mark.django_db(transaction=True)  # the worker closes its connection when done
def test_a_deleted_account_leaves_no_queued_or_sent_mail_to_it():
    person = verified_user("pia.post@nord.example", PASSWORD)
    own = company_of(person, "Pias Post")
    mail_module.send(subject="Erste", body="Hallo", recipients=[person.email])
    finish_first_task()
    mail_module.send(subject="Zweite", body="Hallo", recipients=[person.email])
    mail_module.send(
        subject="Einladung", body="pia.post@nord.example lädt Sie ein", recipients=["x@y.example"]
    )
    mail_module.send(subject="Andere", body="Hallo", recipients=["rest@nord.example"])
    client = logged_in(person)
    response = client.post(reverse("account_delete"), {"confirm": "delete", "company": own.pk})
    assert response.status_code == 200
    assert_gone("pia.post@nord.example")
    # A pending mail to the deleted account is not sent; another person's mail still is.
    run_worker()
    assert [message.to for message in django_mail.outbox] == [["rest@nord.example"]]


@queue
def test_a_deleted_company_leaves_no_queued_invitation_or_pdf_render(full_company):
    company = full_company["company"]
    client = logged_in(full_company["owner"])
    response = client.post(reverse("invite", args=[company.pk]), {"email": "lore@laden.example"})
    assert response.status_code == 302
    done = company.assessments.get(status="completed")
    assert client.get(reverse("report_pdf", args=[done.public_id])).status_code == 202
    finish_first_task()
    assert queued_tasks("deliver") and queued_tasks("render_report")
    response = client.post(
        reverse("company_delete", args=[company.pk]), {"confirm_name": "Friedas Feinkost"}
    )
    assert response.status_code == 302
    assert_gone("lore@laden.example", "Friedas Feinkost")
    assert queued_tasks("render_report") == []


def anonymous_result_with_queued_tasks(client: Client, questionnaire) -> Assessment:
    """A finished check without an account whose person asked for the link by mail and for
    the PDF; neither has run yet."""
    check = completed_assessment(
        questionnaire,
        company=Company(name="Rosis Rosen", industry="retail", size_band="1", region="Gera"),
    )
    raw = hold_link(client, check)
    response = client.post(
        reverse("resume_link_email", args=[check.public_id]),
        {"email": "rosi@rosen.example", "token": raw},
    )
    assert response.status_code == 302
    assert client.get(reverse("report_pdf", args=[check.public_id])).status_code == 202
    assert len(queued_tasks("deliver")) == 1 and len(queued_tasks("render_report")) == 1
    return check


@queue
@pytest.mark.django_db(transaction=True)  # the worker closes its connection when done
def test_a_deleted_check_without_an_account_leaves_no_queued_mail_or_render(
    client, small_questionnaire
):
    check = anonymous_result_with_queued_tasks(client, small_questionnaire)
    response = client.post(reverse("check_delete", args=[check.public_id]), {"confirm": "delete"})
    assert response.status_code == 200
    assert_gone("rosi@rosen.example", "Rosis Rosen")
    assert DBTaskResult.objects.count() == 0
    run_worker()
    assert django_mail.outbox == []


@queue
def test_a_check_purged_by_retention_leaves_no_queued_mail_or_render(client, small_questionnaire):
    check = anonymous_result_with_queued_tasks(client, small_questionnaire)
    Assessment.objects.filter(pk=check.pk).update(completed_at=days_ago(400))
    assert privacy.purge().anonymous_completed == 1
    assert_gone("rosi@rosen.example", "Rosis Rosen")
    assert DBTaskResult.objects.count() == 0


@queue
def test_purge_deletes_finished_task_rows_after_the_retention_period(db, settings):
    settings.RETENTION_TASK_RESULT_DAYS = 30
    for subject in ("alt", "neu", "wartet"):
        mail_module.send(subject=subject, body="Hallo", recipients=["sam@nord.example"])
    rows = {row.args_kwargs["kwargs"]["subject"]: row for row in DBTaskResult.objects.all()}
    DBTaskResult.objects.filter(pk=rows["alt"].pk).update(
        status=TaskResultStatus.FAILED, finished_at=days_ago(31)
    )
    DBTaskResult.objects.filter(pk=rows["neu"].pk).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=days_ago(29)
    )
    assert privacy.purge(dry_run=True).finished_tasks == 1
    assert DBTaskResult.objects.count() == 3
    assert privacy.purge().finished_tasks == 1
    left = {row.args_kwargs["kwargs"]["subject"] for row in DBTaskResult.objects.all()}
    assert left == {"neu", "wartet"}  # a queued mail waits however old it is
    assert privacy.purge().finished_tasks == 0


def test_the_privacy_notice_states_how_long_task_records_are_kept(client, settings, db):
    settings.RETENTION_TASK_RESULT_DAYS = 17
    page = client.get(reverse("privacy")).content.decode()
    assert "17 Tagen" in page
