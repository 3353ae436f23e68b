"""A consultant's first steps: sign-up tells the operators, approval tells the consultant,
and a new client's pages speak about the client."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from assessment.models import Assessment, Company, ConsultantProfile, User


@pytest.fixture
def admin_client(client, db):
    user = User.objects.create_superuser(email="admin@example.com", password="x-Secret-123")
    client.force_login(user)
    return client


def sign_up(client) -> ConsultantProfile:
    client.post(
        reverse("consultant_signup"),
        {
            "email": "neu@beratung.example",
            "password1": "Beratung-2026-Start",
            "password2": "Beratung-2026-Start",
            "name": "Neue Beraterin",
            "firm": "Start GmbH",
        },
    )
    return ConsultantProfile.objects.get(user__email="neu@beratung.example")


def test_a_sign_up_notifies_the_managers(client, settings, default_questionnaire):
    settings.MANAGERS = [("Betrieb", "betrieb@reifegrad.example")]
    profile = sign_up(client)
    to_managers = [m for m in mail.outbox if m.to == ["betrieb@reifegrad.example"]]
    assert len(to_managers) == 1
    assert "Neue Beraterin" in to_managers[0].subject
    assert f"/assessment/consultantprofile/{profile.pk}/change/" in to_managers[0].body


def test_managers_come_from_the_environment(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.settings import env_addresses

    monkeypatch.setenv("MANAGERS", "Betrieb <betrieb@x.example>, zwei@x.example")
    assert env_addresses("MANAGERS") == [
        ("Betrieb", "betrieb@x.example"),
        ("zwei@x.example", "zwei@x.example"),
    ]
    monkeypatch.setenv("MANAGERS", "kein-Komma-aber-keine-Adresse")
    with pytest.raises(ImproperlyConfigured):
        env_addresses("MANAGERS")


def test_approving_in_the_admin_mails_the_consultant_and_says_so(
    client, admin_client, default_questionnaire
):
    profile = sign_up(client)
    mail.outbox.clear()
    response = admin_client.post(
        reverse("admin:assessment_consultantprofile_changelist"),
        {"action": "approve", "_selected_action": [profile.pk]},
        follow=True,
    )
    profile.refresh_from_db()
    assert profile.approved
    assert [m.to for m in mail.outbox] == [["neu@beratung.example"]]
    assert "freigegeben" in mail.outbox[0].subject
    assert "/berater/" in mail.outbox[0].body
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("freigegeben" in m and "E-Mail" in m for m in shown)
    # Approving again sends nothing more.
    admin_client.post(
        reverse("admin:assessment_consultantprofile_changelist"),
        {"action": "approve", "_selected_action": [profile.pk]},
    )
    assert len(mail.outbox) == 1


def test_the_admin_speaks_german_for_the_approval(client, admin_client, default_questionnaire):
    sign_up(client)
    page = admin_client.get(reverse("admin:assessment_consultantprofile_changelist"))
    text = page.content.decode()
    assert "Ausgewählte Beraterkonten freigeben" in text
    assert "created at" not in text.lower()


def test_a_new_clients_pages_speak_about_the_client(client, consultant, default_questionnaire):
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    client.force_login(consultant)
    form = client.get(reverse("new_client")).content.decode()
    assert "Was kann der Kunde pro Monat" in form
    assert "Was können Sie pro Monat" not in form
    client.post(
        reverse("new_client"),
        {
            "industry": "crafts",
            "size_band": "2-9",
            "name": "Tischlerei Holz",
            "monthly_budget_eur": "100",
            "monthly_hours": "8",
            "turnover_band": "unknown",
            "kleinunternehmer": "unknown",
            "staff_personal_data": "unknown",
        },
    )
    company = Company.objects.get(name="Tischlerei Holz")
    page = client.get(reverse("company", args=[company.pk])).content.decode()
    assert "Antworten vom letzten Check übernehmen" not in page
    assert "Ersten Check beginnen" in page
    assert reverse("portfolio") in page.split("<h1", 1)[0].split("<main", 1)[-1]
    response = client.post(reverse("new_assessment", args=[company.pk]), {"start": "fresh"})
    assessment = Assessment.objects.get(company=company)
    assert response.url == reverse("facilitate", args=[assessment.public_id])
