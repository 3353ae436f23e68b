"""Several instruments in one company: history, trend, index, comparison and peers never mix
checks of different questionnaires; consultants choose the questionnaire of a client's check."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment.benchmark import MINIMUM_PEERS, peer_position
from assessment.consultants import portfolio
from assessment.models import Assessment, Company, ConsultantProfile, Membership, Questionnaire
from assessment.reports.data import build_report, history_facts
from tests.conftest import ROOT, verified_user
from tests.factories import completed_assessment

INSTRUMENT = ROOT / "tests" / "data" / "published-style-check.yaml"


@pytest.fixture
def mixed(default_questionnaire, small_questionnaire, owner):
    """A company with a full check, then a check on another instrument, then a full check."""
    first = completed_assessment(default_questionnaire, level=0.3)
    company = first.company
    Membership.objects.create(company=company, user=owner, role=Membership.Role.OWNER)
    other = completed_assessment(small_questionnaire, company=company, level=1.0)
    latest = completed_assessment(default_questionnaire, company=company, level=0.6)
    return first, other, latest


def test_company_page_keeps_other_instruments_in_their_own_rows(client, owner, mixed):
    first, other, latest = mixed
    client.force_login(owner)
    response = client.get(reverse("company", args=[first.company_id]))
    body = response.content.decode()
    assert [row.assessment for row in response.context["history"]] == [latest, first]
    assert [row.assessment for row in response.context["other_history"]] == [other]
    assert body.count("data-history-row") == 2
    assert body.count("data-other-history-row") == 1
    assert "Mini-Check Digitalisierung" in body
    assert response.context["last"] == latest


def test_trend_points_come_from_one_instrument(mixed, default_questionnaire):
    from assessment.history import main_instrument, of_instrument, trend_data

    first, _other, latest = mixed
    completed = list(
        first.company.assessments.select_related("questionnaire").order_by("completed_at")
    )
    key = main_instrument(completed)
    assert key == "reifegrad-kmu"
    points, series = trend_data(of_instrument(completed, key), default_questionnaire.content())
    assert [value for _label, value in points] == [
        first.result["overall"],
        latest.result["overall"],
    ]
    assert all(len(values) == 2 for values in series.values())


def test_results_compare_only_with_the_last_check_of_the_same_instrument(mixed):
    first, other, latest = mixed
    facts = history_facts(build_report(assessment=latest))
    assert facts is not None
    assert facts["previous"]["public_id"] == first.public_id
    # The other instrument's check has no earlier check of its own.
    assert history_facts(build_report(assessment=other)) is None


def test_comparison_of_checks_on_different_instruments_is_refused(client, owner, mixed):
    first, other, _latest = mixed
    client.force_login(owner)
    response = client.get(
        reverse("comparison", args=[first.company_id]),
        {"vorher": first.public_id, "nachher": other.public_id},
    )
    assert response.status_code == 400
    assert "verschiedenen Fragebögen" in response.content.decode()


def test_portfolio_trend_compares_with_the_previous_check_of_the_same_instrument(
    approved_consultant, mixed
):
    first, _other, latest = mixed
    Membership.objects.create(
        company=first.company, user=approved_consultant, role=Membership.Role.CONSULTANT
    )
    (client_row,) = portfolio(consultant=approved_consultant)
    assert client_row.last_overall == pytest.approx(latest.result["overall"])
    assert client_row.previous_overall == pytest.approx(first.result["overall"])


def test_peers_are_counted_on_the_same_instrument_only(
    default_questionnaire, small_questionnaire, owner
):
    victim = completed_assessment(default_questionnaire, level=0.5).company
    for index in range(MINIMUM_PEERS):
        user = verified_user(f"peer{index}@example.com", "x-Secret-123")
        company = Company(name=f"Laden {index}", industry="retail", size_band="2-9")
        done = completed_assessment(small_questionnaire, company=company, level=0.2)
        Membership.objects.create(company=done.company, user=user, role="owner")
    assert peer_position(victim, 50.0, "reifegrad-kmu") is None
    position = peer_position(victim, 50.0, "mini-check")
    assert position is not None and position.peers == MINIMUM_PEERS


# --- Consultants choose the questionnaire


@pytest.fixture
def approved_consultant(consultant):
    ConsultantProfile.objects.create(user=consultant, name="Dr. Berta Beispiel", approved=True)
    return consultant


@pytest.fixture
def client_of(approved_consultant):
    company = Company.objects.create(name="Bäckerei Korn", industry="crafts", size_band="2-9")
    Membership.objects.create(
        company=company, user=approved_consultant, role=Membership.Role.CONSULTANT
    )
    return company


def test_consultant_is_offered_every_published_questionnaire_with_the_full_check_first(
    client, approved_consultant, client_of, default_questionnaire, small_questionnaire
):
    client.force_login(approved_consultant)
    response = client.get(reverse("company", args=[client_of.pk]))
    field = response.context["reassessment_form"]["questionnaire"]
    offered = [value for value, _label in field.field.choices]
    assert offered == [str(default_questionnaire.pk), str(small_questionnaire.pk)]
    assert field.initial == str(default_questionnaire.pk)
    assert "Mini-Check Digitalisierung (v1)" in response.content.decode()


def test_consultant_starts_a_clients_check_on_the_chosen_questionnaire(
    client, approved_consultant, client_of, default_questionnaire, small_questionnaire
):
    client.force_login(approved_consultant)
    response = client.post(
        reverse("new_assessment", args=[client_of.pk]),
        {"start": "fresh", "questionnaire": small_questionnaire.pk},
    )
    assessment = Assessment.objects.get(company=client_of)
    assert response.status_code == 302
    assert assessment.questionnaire == small_questionnaire
    assert assessment.mode == Assessment.Mode.CONSULTANT


def test_consultant_without_a_choice_gets_the_full_check(
    client, approved_consultant, client_of, default_questionnaire, small_questionnaire
):
    client.force_login(approved_consultant)
    client.post(reverse("new_assessment", args=[client_of.pk]), {"start": "fresh"})
    assert Assessment.objects.get(company=client_of).questionnaire == default_questionnaire


def test_consultant_cannot_pick_an_unpublished_questionnaire(
    client, admin_client, approved_consultant, client_of, default_questionnaire
):
    # An operator previews a file in the admin but does not publish it.
    file = SimpleUploadedFile("check.yaml", INSTRUMENT.read_bytes())
    preview = admin_client.post(reverse("admin:assessment_questionnaire_upload"), {"file": file})
    assert preview.status_code == 200
    assert not Questionnaire.objects.filter(key="published-style").exists()
    client.force_login(approved_consultant)
    page = client.get(reverse("company", args=[client_of.pk]))
    assert "published-style" not in str(page.context["reassessment_form"]["questionnaire"])
    # A forged choice: an id that is no published questionnaire, and an older version.
    older = Questionnaire.objects.create(
        key="reifegrad-kmu", version=0, title_de="Alt", title_en="Old", content_hash="x"
    )
    for forged in ("999999", str(older.pk), "preview"):
        response = client.post(
            reverse("new_assessment", args=[client_of.pk]),
            {"start": "fresh", "questionnaire": forged},
            follow=True,
        )
        assert "nicht veröffentlicht" in response.content.decode()
    assert not Assessment.objects.filter(company=client_of).exists()


def test_owners_are_not_offered_a_choice(client, owner, mixed):
    first, _other, _latest = mixed
    client.force_login(owner)
    response = client.get(reverse("company", args=[first.company_id]))
    assert "questionnaire" not in response.context["reassessment_form"].fields
