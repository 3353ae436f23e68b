"""Huge and odd text: saved as sent or refused with a clear 4xx, never a 500, and an answer
already saved is never lost. PostgreSQL refuses NUL characters in text, so every field that
reaches the database must refuse them first; run this file on PostgreSQL too."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse

from assessment.models import (
    Action,
    Answer,
    Assessment,
    Company,
    ConsultantProfile,
    Measurement,
    Membership,
    Respondent,
)
from assessment.workflows import start_reassessment
from tests.factories import PROFILE

MEGABYTE = 1_000_000
LONG_NOTE = "x" * 20_000  # longer than a note may be, well within the request size limit
RTL = "Rechnung\u202egnunhceR"  # a right-to-left override turns the rest around on screen
EMOJI = "Blumen 🌷 Müller 👩🏽‍🌾 数字化"
NUL_NOTE = "vorher\x00nachher"


@pytest.fixture
def questionnaire(small_questionnaire):
    return small_questionnaire


@pytest.fixture
def anonymous(client, questionnaire):
    """A browser with a check of its own and one answer already saved, with its note."""
    assert client.post(reverse("profile"), PROFILE).status_code == 200
    assessment = Assessment.objects.get()
    response = client.post(
        reverse("save_answer", args=[assessment.public_id]),
        {"question": "proc_orders", "option": "email", "note": "erste Notiz"},
    )
    assert response.status_code == 200
    return client, assessment


def saved(assessment, key: str = "proc_orders") -> tuple[list[str], str]:
    answer = Answer.objects.get(assessment=assessment, question__key=key)
    return answer.options, answer.note


def save(client, assessment, **data):
    return client.post(reverse("save_answer", args=[assessment.public_id]), data)


@pytest.mark.parametrize(
    "note, message",
    [
        (LONG_NOTE, "Die Notiz ist zu lang"),
        (NUL_NOTE, "Die Notiz enthält ein Zeichen, das sich nicht speichern lässt."),
    ],
    ids=["too long", "NUL"],
)
@pytest.mark.parametrize(
    "question, option",
    [("proc_orders", "system"), ("proc_tools", None)],  # a choice; an emptied list
    ids=["single choice", "emptied list"],
)
def test_a_note_that_cannot_be_kept_is_refused_and_the_answer_stays(
    anonymous, note, message, question, option
):
    client, assessment = anonymous
    save(client, assessment, question="proc_tools", option="crm", note="Liste")
    before = {key: saved(assessment, key) for key in ("proc_orders", "proc_tools")}
    data = {"question": question, "note": note}
    if option:
        data["option"] = option
    response = save(client, assessment, **data)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert {key: saved(assessment, key) for key in before} == before


@pytest.mark.parametrize(
    "note, message",
    [
        (LONG_NOTE, "Die Notiz ist zu lang"),
        (NUL_NOTE, "Die Notiz enthält ein Zeichen, das sich nicht speichern lässt."),
    ],
    ids=["too long", "NUL"],
)
@pytest.mark.parametrize("with_option", [True, False], ids=["with answer", "note only"])
def test_a_page_with_such_a_note_says_so_and_keeps_the_answer(
    anonymous, note, message, with_option
):
    client, assessment = anonymous
    data = {"shown": ["proc_orders"], "note-proc_orders": note}
    if with_option:
        data["q-proc_orders"] = "system"
    response = client.post(reverse("check_page", args=[assessment.public_id, 1]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert saved(assessment) == (["email"], "erste Notiz")


def test_a_request_larger_than_the_body_limit_is_a_413(anonymous):
    client, assessment = anonymous
    response = save(
        client, assessment, question="proc_orders", option="system", note="x" * 3 * MEGABYTE
    )
    assert response.status_code == 413
    assert saved(assessment) == (["email"], "erste Notiz")


@pytest.mark.parametrize("text", [RTL, EMOJI, "Zeile 1\r\nZeile 2", "\u200b\ufeff", "<b>fett</b>"])
def test_unusual_but_valid_text_is_saved_as_sent(anonymous, text):
    client, assessment = anonymous
    response = save(client, assessment, question="proc_orders", option="system", note=text)
    assert response.status_code == 200
    assert saved(assessment) == (["system"], text.strip())


def test_invalid_utf8_becomes_replacement_characters(anonymous):
    client, assessment = anonymous
    response = client.post(
        reverse("save_answer", args=[assessment.public_id]),
        b"question=proc_orders&option=system&note=Gr%FC%DFe%C3",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert saved(assessment) == (["system"], "Gr\ufffd\ufffde\ufffd")


def test_a_page_with_invalid_utf8_in_a_field_name_keeps_the_answers(anonymous):
    client, assessment = anonymous
    response = client.post(
        reverse("check_page", args=[assessment.public_id, 1]),
        b"shown=proc_orders&q-proc_orders=%FF&%FF%FE=1",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "Diese Antwort passt nicht zur Frage." in response.content.decode()
    assert saved(assessment) == (["email"], "erste Notiz")


@pytest.mark.parametrize(
    "name, status, shown",
    [
        (EMOJI, 200, EMOJI),
        # Names lose control characters and overrides (forms.clean_name_text).
        (RTL, 200, "RechnunggnunhceR"),
        ("Blumen\x00Müller", 200, "BlumenMüller"),
        ("B" * 201, 400, "höchstens 200 Zeichen"),
        ("B" * MEGABYTE, 413, "Anfrage zu groß"),
    ],
    ids=["emoji", "right-to-left", "NUL", "201 characters", "one megabyte"],
)
def test_odd_company_names_on_the_profile_form(client, questionnaire, name, status, shown):
    response = client.post(reverse("profile"), {**PROFILE, "name": name})
    assert response.status_code == status
    if status == 200:
        assert Company.objects.get().name == shown
    else:
        assert shown in response.content.decode()
        assert not Assessment.objects.exists()


def test_emoji_and_right_to_left_text_reach_the_pdf(client, questionnaire):
    from pypdf import PdfReader

    from tests.factories import answer_all

    client.post(reverse("profile"), {**PROFILE, "name": EMOJI, "region": RTL})
    assessment = Assessment.objects.get()
    answer_all(assessment, notes={"proc_orders": RTL + " " + EMOJI})
    response = client.get(reverse("report_pdf", args=[assessment.public_id]))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.metadata.title == f"Digitaler Reifegrad – {EMOJI}"
    assert len(reader.pages) >= 4


@pytest.fixture
def member(client, owner, company):
    client.force_login(owner)
    return client


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "B" * 10_000, "höchstens 200 Zeichen"),
        ("region", "K" * 101, "höchstens 100 Zeichen"),
    ],
)
def test_odd_company_settings_are_refused_with_a_message(member, company, field, value, message):
    data = {
        "name": "Blumen Müller",
        "region": "Köln",
        "monthly_budget_eur": "100",
        "monthly_hours": "8",
        "reassessment_interval_months": "6",
        field: value,
    }
    response = member.post(reverse("company_settings", args=[company.pk]), data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    company.refresh_from_db()
    assert (company.name, company.region) == ("Blumen Müller", "Köln")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("notes", "n" * 5000, "Höchstens 2000 Zeichen."),
        ("notes", "a\x00b", "Nullzeichen"),
        ("owner", "o" * 201, "höchstens 200 Zeichen"),
    ],
)
def test_odd_action_fields_are_refused_with_a_message(member, company, field, value, message):
    action = Action.objects.create(
        company=company, recommendation_key="r_x", title="Schritt", notes="alt", owner="Anna"
    )
    data = {f"a{action.pk}-status": "doing", f"a{action.pk}-{field}": value}
    response = member.post(
        reverse("update_action", args=[company.pk, action.pk]), data, follow=True
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    action.refresh_from_db()
    assert (action.status, action.notes, action.owner) == ("planned", "alt", "Anna")


@pytest.mark.parametrize(
    "value, note, message",
    [
        ("1", "m" * 301, "höchstens 300 Zeichen"),
        ("1", "a\x00b", "Nullzeichen"),
        ("1e400", "", "Bitte eine Zahl eingeben."),
        ("nan", "", "Bitte eine Zahl eingeben."),
    ],
)
def test_odd_measurements_are_refused_with_a_message(member, company, value, note, message):
    action = Action.objects.create(company=company, recommendation_key="r_x", title="Schritt")
    prefix = f"m{action.pk}"
    data = {f"{prefix}-measured_on": "2030-01-01", f"{prefix}-value": value, f"{prefix}-note": note}
    response = member.post(
        reverse("add_measurement", args=[company.pk, action.pk]), data, follow=True
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("name, message", [("T" * 201, "höchstens 200 Zeichen")])
def test_odd_team_member_names_are_refused(client, consultant, questionnaire, name, message):
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    company = Company.objects.create(name="Korn", industry="crafts", size_band="2-9")
    Membership.objects.create(company=company, user=consultant, role="consultant")
    assessment = start_reassessment(
        company=company, user=consultant, carry_over=False, mode=Assessment.Mode.CONSULTANT
    )
    client.force_login(consultant)
    response = client.post(reverse("team", args=[assessment.public_id]), {"name": name})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Respondent.objects.filter(is_primary=False).exists()


def test_nul_in_names_is_removed(member, company):
    data = {
        "name": "Blumen\x00Müller",
        "region": "K\x00ln",
        "monthly_budget_eur": "100",
        "monthly_hours": "8",
        "reassessment_interval_months": "6",
    }
    member.post(reverse("company_settings", args=[company.pk]), data)
    company.refresh_from_db()
    assert (company.name, company.region) == ("BlumenMüller", "Kln")


def test_nul_in_search_and_login_fields_is_no_500(client, consultant, owner):
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    login = Client().post(
        reverse("account_login"), {"login": "inhaber\x00in@example.com", "password": "x"}
    )
    assert login.status_code == 200
    reset = Client().post(reverse("account_reset_password"), {"email": "a\x00@example.com"})
    assert reset.status_code == 200
    client.force_login(consultant)
    assert client.get(reverse("portfolio"), {"suche": "Korn\x00"}).status_code == 200
    for file_format in ("csv", "xlsx"):
        response = client.get(reverse("portfolio_export", args=[file_format]), {"suche": "\x00"})
        assert response.status_code == 200
    assert Client().get("/weiter/abc%00def/").status_code == 404
    assert Client().get("/einladung/abc%00def/").status_code == 404


def test_an_odd_logo_file_name_is_no_500(client, consultant):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    client.force_login(consultant)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40)).save(buffer, format="PNG")
    upload = SimpleUploadedFile(
        "\u202egnp.exe\x00.png", buffer.getvalue(), content_type="image/png"
    )
    response = client.post(reverse("consultant_profile"), {"name": "Berta", "logo": upload})
    assert response.status_code == 302
    assert ConsultantProfile.objects.get(user=consultant).logo_png is not None
