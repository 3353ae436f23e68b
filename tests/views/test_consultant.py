"""Consultants: approval, clients, portfolio, exports with neutralised cells, logos, branding."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from assessment.benchmark import peer_group_key, peer_position
from assessment.consultants import neutralise
from assessment.models import Action, Assessment, Company, ConsultantProfile, Membership
from tests.conftest import confirm_address_from_mail, verified_user
from tests.factories import completed_assessment


def image_bytes(fmt: str, size=(200, 80)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 85, 99)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def approved(consultant):
    ConsultantProfile.objects.create(
        user=consultant, name="Dr. Berta Beispiel", firm="Beispiel Beratung", approved=True
    )
    return consultant


@pytest.fixture
def consultant_client(client, approved):
    client.force_login(approved)
    return client


def client_company(consultant, name="Bäckerei Korn", **fields) -> Company:
    company = Company.objects.create(name=name, industry="crafts", size_band="2-9", **fields)
    Membership.objects.create(company=company, user=consultant, role=Membership.Role.CONSULTANT)
    return company


def test_consultant_signup_waits_for_approval(client, default_questionnaire):
    response = client.post(
        reverse("consultant_signup"),
        {
            "email": "neu@beratung.example",
            "password1": "Beratung-2026-Start",
            "password2": "Beratung-2026-Start",
            "name": "Neue Beraterin",
            "firm": "Start GmbH",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    profile = ConsultantProfile.objects.get(user__email="neu@beratung.example")
    assert not profile.approved
    # Logged in only once the address is verified, from the link in the mail.
    assert client.get(reverse("portfolio")).status_code == 302
    [verification] = mail.outbox
    confirmed = confirm_address_from_mail(client, verification)
    assert confirmed.status_code == 302 and confirmed.url == reverse("portfolio")
    waiting = client.get(reverse("portfolio"))
    assert waiting.status_code == 403
    assert "wartet auf die Freigabe" in waiting.content.decode()
    assert client.get(reverse("new_client")).status_code == 403
    profile.approved = True
    profile.save()
    assert client.get(reverse("portfolio")).status_code == 200


def test_ordinary_users_have_no_portfolio(client, owner):
    client.force_login(owner)
    assert client.get(reverse("portfolio")).status_code == 403


def test_consultant_creates_a_client_and_invites_its_people(consultant_client, approved):
    response = consultant_client.post(
        reverse("new_client"),
        {
            "industry": "crafts",
            "size_band": "10-49",
            "name": "Tischlerei Holz",
            "region": "Bremen",
            "monthly_budget_eur": "300",
            "monthly_hours": "12",
        },
    )
    company = Company.objects.get(name="Tischlerei Holz")
    assert response.url == reverse("company", args=[company.pk])
    assert Membership.objects.get(company=company).role == "consultant"
    consultant_client.post(reverse("invite", args=[company.pk]), {"email": "chef@holz.example"})
    assert mail.outbox[-1].to == ["chef@holz.example"]


def test_portfolio_shows_index_trend_due_and_actions(
    consultant_client, approved, default_questionnaire
):
    company = client_company(approved)
    older = completed_assessment(default_questionnaire, company=company, level=0.2)
    Assessment.objects.filter(pk=older.pk).update(
        completed_at=timezone.now() - datetime.timedelta(days=300)
    )
    newer = completed_assessment(default_questionnaire, company=company, level=0.5)
    Action.objects.create(
        company=company,
        recommendation_key="x",
        title="X",
        due_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    body = consultant_client.get(reverse("portfolio")).content.decode()
    assert "Bäckerei Korn" in body
    assert f">{round(newer.result['overall'])}<" in body
    level = default_questionnaire.content().band(newer.result["level"]).name_de
    assert f'text-body-secondary">{level}</div>' in body
    delta = newer.result["overall"] - older.result["overall"]
    assert f"+{delta:.1f}".replace(".", ",") in body
    assert "1 überfällig" in body


def test_portfolio_search_filter_sort_and_pages(consultant_client, approved):
    for index in range(30):
        client_company(approved, name=f"Kunde {index:02d}", region="Köln" if index % 2 else "Bonn")
    body = consultant_client.get(reverse("portfolio"), {"suche": "Kunde 07"}).content.decode()
    assert body.count("data-client=") == 1
    bonn = consultant_client.get(reverse("portfolio"), {"suche": "Bonn"}).content.decode()
    assert bonn.count("data-client=") == 15
    first_page = consultant_client.get(reverse("portfolio")).content.decode()
    assert first_page.count("data-client=") == 25 and "Seite 1 von 2" in first_page
    second = consultant_client.get(reverse("portfolio"), {"seite": "2"}).content.decode()
    assert second.count("data-client=") == 5
    nonsense = consultant_client.get(reverse("portfolio"), {"seite": "x", "sortierung": "';drop"})
    assert nonsense.status_code == 200


def test_a_consultant_sees_only_their_own_clients(consultant_client, approved, outsider):
    mine = client_company(approved, name="Meine Firma")
    other_consultant = outsider
    ConsultantProfile.objects.create(user=other_consultant, name="Andere", approved=True)
    theirs = client_company(other_consultant, name="Fremde Firma")
    body = consultant_client.get(reverse("portfolio")).content.decode()
    assert "Meine Firma" in body and "Fremde Firma" not in body
    assert consultant_client.get(reverse("company", args=[theirs.pk])).status_code == 404
    assert consultant_client.get(reverse("company", args=[mine.pk])).status_code == 200


@pytest.mark.parametrize("count", [5, 500])
def test_portfolio_queries_do_not_grow_with_clients(
    consultant_client, approved, count, django_assert_max_num_queries
):
    companies = Company.objects.bulk_create(
        Company(name=f"Kunde {i}", industry="retail", size_band="1") for i in range(count)
    )
    Membership.objects.bulk_create(
        Membership(company=c, user=approved, role="consultant") for c in companies
    )
    consultant_client.get(reverse("portfolio"))
    with django_assert_max_num_queries(8):
        response = consultant_client.get(reverse("portfolio"))
    assert response.status_code == 200


@pytest.mark.parametrize("payload", ["=1+1", "+49 30 123", "-2", "@SUM(A1)", "\tx", "\x01y"])
def test_formula_cells_are_neutralised(payload):
    assert neutralise(payload) == "'" + payload
    assert neutralise("Bäckerei") == "Bäckerei"
    assert neutralise(42) == 42


def test_portfolio_exports_neutralise_formulas(consultant_client, approved):
    client_company(approved, name='=HYPERLINK("http://evil.example","x")', region="@Köln")
    csv_response = consultant_client.get(reverse("portfolio_export", args=["csv"]))
    text = csv_response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == "Unternehmen"
    assert rows[1][0].startswith("'=HYPERLINK")
    assert rows[1][3] == "'@Köln"
    xlsx_response = consultant_client.get(reverse("portfolio_export", args=["xlsx"]))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert sheet["A2"].value.startswith("'=HYPERLINK")
    assert sheet["A2"].data_type == "s"
    assert sheet["H1"].value == "Veränderung"
    consultant_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    xlsx_response = consultant_client.get(reverse("portfolio_export", args=["xlsx"]))
    header = [cell.value for cell in load_workbook(io.BytesIO(xlsx_response.content)).active[1]]
    assert header == [
        "Company",
        "Industry",
        "Size",
        "Region",
        "Last check",
        "Index",
        "Level",
        "Change",
        "Next check",
        "Open steps",
        "Overdue steps",
    ]


def test_client_history_export(consultant_client, approved, default_questionnaire):
    company = client_company(approved)
    completed_assessment(default_questionnaire, company=company)
    response = consultant_client.get(reverse("company_export", args=[company.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Datum", "Art", "Fragebogen", "Index"]
    assert "Webseite & Online-Auftritt" in rows[0]
    assert len(rows) == 2
    consultant_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = consultant_client.get(reverse("company_export", args=[company.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=","))
    assert rows[0][:5] == ["Date", "Type", "Questionnaire", "Index", "Level"]
    assert consultant_client.get(f"/firmen/{company.pk}/verlauf.exe").status_code == 404


def test_exports_of_foreign_data_are_404(client, outsider, approved):
    company = client_company(approved)
    client.force_login(outsider)
    assert client.get(reverse("company_export", args=[company.pk, "xlsx"])).status_code == 404
    assert client.get(reverse("portfolio_export", args=["csv"])).status_code == 403


def test_logo_upload_accepts_png_and_jpeg_and_reencodes(consultant_client, approved):
    for fmt, name in (("PNG", "logo.png"), ("JPEG", "logo.jpg")):
        upload = SimpleUploadedFile(name, image_bytes(fmt), content_type="image/" + fmt.lower())
        response = consultant_client.post(
            reverse("consultant_profile"), {"name": "Dr. Berta Beispiel", "logo": upload}
        )
        assert response.status_code == 302
        logo = bytes(ConsultantProfile.objects.get(user=approved).logo_png)
        assert logo.startswith(b"\x89PNG")
        assert Image.open(io.BytesIO(logo)).size[0] <= 600


@pytest.mark.parametrize(
    "content",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"GIF89a" + b"\x00" * 100,
        b"%PDF-1.7 not an image",
        b"\x89PNG\r\n\x1a\n" + b"broken" * 10,
    ],
)
def test_logo_upload_refuses_other_files(consultant_client, approved, content):
    upload = SimpleUploadedFile("logo.png", content, content_type="image/png")
    response = consultant_client.post(
        reverse("consultant_profile"), {"name": "Dr. Berta Beispiel", "logo": upload}
    )
    assert response.status_code == 400
    assert "echtes PNG- oder JPEG-Bild" in response.content.decode()
    assert ConsultantProfile.objects.get(user=approved).logo_png is None


def test_huge_pixel_dimensions_are_refused(consultant_client, approved):
    upload = SimpleUploadedFile(
        "wide.png", image_bytes("PNG", (5000, 20)), content_type="image/png"
    )
    response = consultant_client.post(reverse("consultant_profile"), {"name": "X", "logo": upload})
    assert response.status_code == 400


def test_client_reports_carry_the_consultants_name_and_contact(approved, default_questionnaire):
    from pypdf import PdfReader

    from assessment.reports.pdf import assessment_pdf

    profile = ConsultantProfile.objects.get(user=approved)
    profile.contact_email = "berta@beratung.example"
    profile.phone = "+49 421 1234"
    profile.logo_png = image_bytes("PNG")
    profile.save()
    company = client_company(approved)
    assessment = completed_assessment(default_questionnaire, company=company)
    content = assessment_pdf(assessment=assessment).content
    cover = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "Begleitet von" in cover
    assert "Dr. Berta Beispiel" in cover and "Beispiel Beratung" in cover
    assert "berta@beratung.example" in cover


def test_a_company_can_invite_and_remove_its_consultant(client, owner, approved):
    company = Company.objects.create(name="Eigene Firma", industry="retail", size_band="1")
    Membership.objects.create(company=company, user=owner)
    client.force_login(owner)
    client.post(
        reverse("invite", args=[company.pk]), {"email": approved.email, "role": "consultant"}
    )
    link = mail.outbox[-1].body.split("http://testserver", 1)[1].split()[0]
    advisor = Client()
    advisor.force_login(approved)
    advisor.post(link)
    membership = Membership.objects.get(company=company, user=approved)
    assert membership.role == "consultant"
    assert "Eigene Firma" in advisor.get(reverse("portfolio")).content.decode()
    client.post(reverse("remove_member", args=[company.pk, membership.pk]))
    assert advisor.get(reverse("company", args=[company.pk])).status_code == 404


def make_peers(questionnaire, count, *, industry="crafts", size_band="2-9", level=0.5):
    """Companies with an account each: only those count as peers."""
    for index in range(count):
        company = Company.objects.create(
            name=f"Peer {index}", industry=industry, size_band=size_band
        )
        peer = verified_user(f"peer-{industry}-{level}-{index}@example.com", "x-Secret-123")
        Membership.objects.create(company=company, user=peer, role="owner")
        completed_assessment(questionnaire, company=company, level=level)


def test_percentile_is_shown_only_with_ten_peers(
    client, owner, default_questionnaire, django_capture_on_commit_callbacks
):
    company = Company.objects.create(name="Meine", industry="crafts", size_band="2-9")
    Membership.objects.create(company=company, user=owner)
    mine = completed_assessment(default_questionnaire, company=company, level=0.7)
    client.force_login(owner)
    make_peers(default_questionnaire, 9)
    make_peers(default_questionnaire, 5, industry="retail")
    body = client.get(reverse("results", args=[mine.public_id])).content.decode()
    assert "data-peers" not in body
    with django_capture_on_commit_callbacks(execute=True):  # the group is forgotten then
        make_peers(default_questionnaire, 1, level=0.9)
    body = client.get(reverse("results", args=[mine.public_id])).content.decode()
    assert "Unter 10 anderen Unternehmen Ihrer Branche und Größe" in body
    assert "über dem von 90 %" in body  # nine peers lower, one higher


def test_portfolio_shows_the_distribution_of_its_clients(
    consultant_client, approved, default_questionnaire
):
    for level in (0.0, 0.0, 1.0):
        completed_assessment(default_questionnaire, company=client_company(approved), level=level)
    body = consultant_client.get(reverse("portfolio")).content.decode()
    assert "data-distribution" in body
    assert 'aria-valuenow="67"' in body and 'aria-valuenow="33"' in body


def test_peer_indexes_are_cached_and_a_finished_check_renews_them(
    client,
    owner,
    default_questionnaire,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    company = Company.objects.create(name="Meine", industry="crafts", size_band="2-9")
    Membership.objects.create(company=company, user=owner)
    mine = completed_assessment(default_questionnaire, company=company, level=0.7)
    make_peers(default_questionnaire, 10, level=0.5)
    key = peer_group_key(
        questionnaire_key=default_questionnaire.key, industry="crafts", size_band="2-9"
    )
    assert cache.get(key) is None  # every finished check forgot the group
    position = peer_position(company, mine.result["overall"], default_questionnaire.key)
    assert position is not None and position.peers == 10
    assert len(cache.get(key)) == 11  # the group, this company included
    with django_assert_max_num_queries(1):  # the cache read only
        assert peer_position(company, mine.result["overall"], default_questionnaire.key) == position
    # A peer that joins by finishing a check counts at once (once that is committed), not
    # after the cache's minute.
    with django_capture_on_commit_callbacks(execute=True):
        make_peers(default_questionnaire, 1, level=0.9)
    position = peer_position(company, mine.result["overall"], default_questionnaire.key)
    assert position is not None and position.peers == 11


def test_taking_a_check_into_an_account_forgets_its_peer_group_after_the_commit(
    owner, default_questionnaire, django_capture_on_commit_callbacks
):
    from assessment.workflows import claim_assessment

    anonymous = completed_assessment(
        default_questionnaire,
        company=Company(name="Ohne Konto", industry="crafts", size_band="2-9"),
    )
    key = peer_group_key(
        questionnaire_key=default_questionnaire.key, industry="crafts", size_band="2-9"
    )
    cache.set(key, {1: 50.0})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        claim_assessment(assessment=anonymous, user=owner)
        # Not before the commit: a page built in between would cache the old group again.
        assert cache.get(key) == {1: 50.0}
    for callback in callbacks:
        callback()
    assert cache.get(key) is None
