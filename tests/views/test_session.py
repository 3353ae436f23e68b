"""A workshop: several people of the client answer, the consultant consolidates."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from assessment.models import (
    Answer,
    Assessment,
    Company,
    ConsultantProfile,
    Membership,
    Respondent,
)
from assessment.workflows import start_reassessment


@pytest.fixture
def workshop(default_questionnaire, consultant):
    ConsultantProfile.objects.create(user=consultant, name="Berta", firm="Beratung", approved=True)
    company = Company.objects.create(name="Bäckerei Korn", industry="crafts", size_band="2-9")
    Membership.objects.create(company=company, user=consultant, role="consultant")
    assessment = start_reassessment(
        company=company, user=consultant, carry_over=False, mode=Assessment.Mode.CONSULTANT
    )
    return assessment


@pytest.fixture
def advisor(client, consultant):
    client.force_login(consultant)
    return client


def invite(advisor, assessment, name, email=""):
    response = advisor.post(
        reverse("team", args=[assessment.public_id]), {"name": name, "email": email}
    )
    return re.search(r'value="(http://testserver/weiter/[^"]+)"', response.content.decode()).group(
        1
    )


def test_team_members_answer_on_their_own_and_disagreement_shows(advisor, workshop):
    owner_link = invite(advisor, workshop, "Inhaberin", "chefin@korn.example")
    sales_link = invite(advisor, workshop, "Verkauf")
    assert mail.outbox[-1].to == ["chefin@korn.example"]
    assert owner_link in mail.outbox[-1].body

    save = reverse("save_answer", args=[workshop.public_id])
    owner, sales = Client(), Client()
    owner.get(owner_link)
    sales.get(sales_link)
    assert owner.post(save, {"question": "web_editing", "option": "self_easy"}).status_code == 200
    assert sales.post(save, {"question": "web_editing", "option": "nobody"}).status_code == 200
    owner.post(save, {"question": "web_mobile", "option": "good"})
    sales.post(save, {"question": "web_mobile", "option": "good"})
    # Their answers are their own: the final answers are still empty.
    assert not Answer.objects.filter(assessment=workshop, respondent__is_primary=True).exists()
    assert Answer.objects.filter(assessment=workshop, respondent__is_primary=False).count() == 4
    # A team member cannot complete the check; they hand in their own answers.
    assert owner.get(reverse("finish", args=[workshop.public_id])).status_code == 403
    submit = reverse("submit_answers", args=[workshop.public_id])
    assert "data-submit-answers" in owner.get(submit).content.decode()
    thanks = owner.post(submit)
    assert "Vielen Dank" in thanks.content.decode()
    assert Respondent.objects.get(name="Inhaberin").submitted_at is not None

    page = advisor.get(reverse("consolidation", args=[workshop.public_id])).content.decode()
    assert page.count("data-disagreement") == 1
    assert "Inhaberin" in page and "Verkauf" in page

    advisor.post(reverse("apply_proposals", args=[workshop.public_id]))
    final = {
        a.question.key: a.options
        for a in Answer.objects.filter(assessment=workshop, respondent__is_primary=True)
    }
    assert final["web_mobile"] == ["good"]
    assert final["web_editing"] == ["self_some"]  # the middle of "nobody" and "self_easy"

    results = advisor.get(reverse("results", args=[workshop.public_id])).content.decode()
    assert "Wo Ihr Team uneins war" in results
    assert "Inhaberin: Wir ändern es selbst" in results


def test_proposals_do_not_overwrite_final_answers_unless_asked(advisor, workshop):
    link = invite(advisor, workshop, "Verkauf")
    other = invite(advisor, workshop, "Buchhaltung")
    save = reverse("save_answer", args=[workshop.public_id])
    for person_link, option in ((link, "nobody"), (other, "nobody")):
        person = Client()
        person.get(person_link)
        person.post(save, {"question": "web_editing", "option": option})
    advisor.post(save, {"question": "web_editing", "option": "self_easy"})
    advisor.post(reverse("apply_proposals", args=[workshop.public_id]))
    assert Answer.objects.get(
        assessment=workshop, respondent__is_primary=True, question__key="web_editing"
    ).options == ["self_easy"]
    advisor.post(reverse("apply_proposals", args=[workshop.public_id]), {"overwrite": "1"})
    assert Answer.objects.get(
        assessment=workshop, respondent__is_primary=True, question__key="web_editing"
    ).options == ["nobody"]


def test_private_notes_stay_out_of_the_report_and_away_from_the_client(advisor, workshop, owner):
    from assessment.reports.pdf import assessment_pdf
    from tests.test_pdf import flat, pdf_text

    page = advisor.get(reverse("check_page", args=[workshop.public_id, 1])).content.decode()
    assert "Nur für die Beratung" in page
    advisor.post(
        reverse("check_page", args=[workshop.public_id, 1]),
        {
            "shown": ["web_editing", "web_mobile"],
            "q-web_editing": "nobody",
            "note-web_editing": "Inhaberin wirkt unsicher",
            "note-private-field-web_editing": "1",
            "note-private-web_editing": "1",
            "q-web_mobile": "good",
            "note-web_mobile": "Handy-Test gemacht",
            "note-private-field-web_mobile": "1",
        },
    )
    private = Answer.objects.get(assessment=workshop, question__key="web_editing")
    public = Answer.objects.get(assessment=workshop, question__key="web_mobile")
    assert private.note_private and not public.note_private
    text = flat(pdf_text(assessment_pdf(assessment=workshop).content))
    assert "Handy-Test gemacht" in text
    assert "Inhaberin wirkt unsicher" not in text

    Membership.objects.create(company=workshop.company, user=owner)
    client_owner = Client()
    client_owner.force_login(owner)
    page = client_owner.get(reverse("check_page", args=[workshop.public_id, 1])).content.decode()
    assert "Inhaberin wirkt unsicher" not in page
    assert "interne Notiz der Beratung" in page
    # The client saving the page leaves the consultant's note untouched.
    client_owner.post(
        reverse("check_page", args=[workshop.public_id, 1]),
        {"shown": ["web_editing"], "q-web_editing": "external"},
    )
    private.refresh_from_db()
    assert private.note == "Inhaberin wirkt unsicher" and private.note_private
    assert private.options == ["external"]


def test_only_members_reach_team_and_consolidation(client, workshop, outsider):
    client.force_login(outsider)
    for name in ("team", "consolidation"):
        assert client.get(reverse(name, args=[workshop.public_id])).status_code == 404
    assert client.post(reverse("apply_proposals", args=[workshop.public_id])).status_code == 404


def test_facilitator_view_shows_every_question_and_saves_them(advisor, workshop):
    url = reverse("facilitate", args=[workshop.public_id])
    body = advisor.get(url).content.decode()
    content = workshop.questionnaire.content()
    visible_first = [
        q for d in content.dimensions for q in d.question_list if not q.condition_question_key
    ]
    assert all(f'id="q-{q.key}"' in body for q in visible_first)
    response = advisor.post(
        url,
        {
            "shown": ["web_editing", "sec_backup"],
            "q-web_editing": "external",
            "q-sec_backup": "none",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("finish", args=[workshop.public_id])
    saved = {
        a.question.key: a.options
        for a in Answer.objects.filter(assessment=workshop, respondent__is_primary=True)
    }
    assert saved == {"web_editing": ["external"], "sec_backup": ["none"]}
    bad = advisor.post(url, {"shown": ["web_mobile"], "q-web_mobile": "nonsense"})
    assert bad.status_code == 400


def test_a_consultant_starting_a_check_gets_a_consultant_session(advisor, workshop):
    company = workshop.company
    Assessment.objects.filter(pk=workshop.pk).delete()
    response = advisor.post(reverse("new_assessment", args=[company.pk]), {"start": "fresh"})
    new = Assessment.objects.get(company=company)
    assert new.mode == "consultant"
    assert response.url == reverse("facilitate", args=[new.public_id])
