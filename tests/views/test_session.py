"""A workshop: several people of the client answer, the consultant consolidates."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

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
        reverse("team", args=[assessment.public_id]),
        {"name": name, "email": email},
        follow=True,
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
    assert "Anmelden" not in thanks.content.decode()
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
    # "nobody" against "self_easy" has no majority: no proposal, never an average.
    assert "web_editing" not in final
    results = advisor.get(reverse("results", args=[workshop.public_id])).content.decode()
    assert "Nicht gemeinsam festgelegt" in results

    owner_id = Respondent.objects.get(name="Inhaberin").pk
    choose = reverse("consolidation_choose", args=[workshop.public_id])
    assert (
        advisor.post(choose, {"question": "web_editing", "take": f"r{owner_id}"}).status_code == 302
    )
    chosen = Answer.objects.get(
        assessment=workshop, respondent__is_primary=True, question__key="web_editing"
    )
    assert chosen.options == ["self_easy"] and chosen.decided

    results = advisor.get(reverse("results", args=[workshop.public_id])).content.decode()
    assert "Wo Ihr Team uneins war" in results
    assert "Inhaberin: Wir ändern es selbst" in results
    assert "Gemeinsam festgelegt:" in results


def final_answer(assessment, key):
    answer = Answer.objects.filter(
        assessment=assessment, respondent__is_primary=True, question__key=key
    ).first()
    return None if answer is None else answer.options


def test_apply_all_asks_first_and_can_be_undone_except_rows_changed_since(advisor, workshop):
    link = invite(advisor, workshop, "Verkauf")
    other = invite(advisor, workshop, "Buchhaltung")
    save = reverse("save_answer", args=[workshop.public_id])
    for person_link in (link, other):
        person = Client()
        person.get(person_link)
        person.post(save, {"question": "web_editing", "option": "nobody"})
        person.post(save, {"question": "web_mobile", "option": "good"})
    advisor.post(save, {"question": "web_editing", "option": "self_easy"})
    apply_all = reverse("apply_proposals", args=[workshop.public_id])
    confirm = advisor.get(apply_all)
    assert confirm.status_code == 200
    assert 'data-pending-count="2"' in confirm.content.decode()
    # Asking changed nothing.
    assert final_answer(workshop, "web_editing") == ["self_easy"]
    assert final_answer(workshop, "web_mobile") is None

    advisor.post(apply_all)
    assert final_answer(workshop, "web_editing") == ["nobody"]
    assert final_answer(workshop, "web_mobile") == ["good"]
    # Changed after "apply all": undo names it and leaves it.
    advisor.post(save, {"question": "web_mobile", "option": "ok"})
    undone = advisor.post(reverse("undo_proposals", args=[workshop.public_id]), follow=True)
    page = undone.content.decode()
    assert "Seitdem geändert und deshalb so gelassen" in page
    assert final_answer(workshop, "web_editing") == ["self_easy"]
    assert final_answer(workshop, "web_mobile") == ["ok"]
    # Undone once; a second undo has nothing left.
    again = advisor.post(reverse("undo_proposals", args=[workshop.public_id]), follow=True)
    assert "nichts rückgängig" in again.content.decode()


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


def test_team_page_redirects_after_creating_a_link_and_shows_it_once(advisor, workshop):
    team = reverse("team", args=[workshop.public_id])
    response = advisor.post(team, {"name": "Inhaberin", "role": "Geschäftsführung"})
    assert response.status_code == 302 and response.url == team
    shown = advisor.get(team).content.decode()
    link = re.search(r'value="(http://testserver/weiter/[^"]+)"', shown).group(1)
    assert "Geschäftsführung" in shown and "noch nicht begonnen" in shown
    # A reload neither shows the secret again nor makes a second person.
    again = advisor.get(team).content.decode()
    assert link not in again and "Inhaberin" in again
    assert Respondent.objects.filter(assessment=workshop, is_primary=False).count() == 1
    # Only the hash is stored.
    assert link.rsplit("/", 2)[-2] not in str(
        list(workshop.resume_tokens.values_list("token_hash", flat=True))
    )


def test_reissuing_a_link_blocks_the_old_one(advisor, workshop):
    old_link = invite(advisor, workshop, "Verkauf")
    respondent = Respondent.objects.get(assessment=workshop, name="Verkauf")
    page = advisor.post(
        reverse("team_reissue", args=[workshop.public_id, respondent.pk]), follow=True
    ).content.decode()
    new_link = re.search(r'value="(http://testserver/weiter/[^"]+)"', page).group(1)
    assert new_link != old_link
    assert Client().get(old_link).status_code == 404
    person = Client()
    welcome = person.get(new_link, follow=True).content.decode()
    assert "Bäckerei Korn" in welcome and "Berta" in welcome
    assert "nur die Beratung" in welcome
    assert "Anmelden" not in welcome


def test_sending_a_link_mails_a_new_one_and_removing_deletes_the_person(advisor, workshop):
    old_link = invite(advisor, workshop, "Lager")
    respondent = Respondent.objects.get(assessment=workshop, name="Lager")
    advisor.post(
        reverse("team_send", args=[workshop.public_id, respondent.pk]),
        {"email": "lager@korn.example"},
    )
    assert mail.outbox[-1].to == ["lager@korn.example"]
    sent = re.search(r"http://testserver/weiter/\S+", mail.outbox[-1].body).group(0)
    assert sent != old_link and Client().get(old_link).status_code == 404
    assert Client().get(sent).status_code == 302
    bad = advisor.post(
        reverse("team_send", args=[workshop.public_id, respondent.pk]), {"email": "kein"}
    )
    assert bad.status_code == 302 and len(mail.outbox) == 1
    advisor.post(reverse("team_remove", args=[workshop.public_id, respondent.pk]))
    assert not Respondent.objects.filter(pk=respondent.pk).exists()
    assert Client().get(sent).status_code == 404


def test_a_consultant_cannot_touch_team_members_of_another_check(advisor, workshop, owner):
    other_company = Company.objects.create(name="Fremd", industry="retail", size_band="2-9")
    Membership.objects.create(company=other_company, user=owner, role="owner")
    other = start_reassessment(
        company=other_company, user=owner, carry_over=False, mode=Assessment.Mode.CONSULTANT
    )
    stranger = Respondent.objects.create(assessment=other, name="Fremde")
    # Their person through our check, or through theirs: both 404, nothing changes.
    for check in (workshop, other):
        for name in ("team_reissue", "team_remove"):
            response = advisor.post(reverse(name, args=[check.public_id, stranger.pk]))
            assert response.status_code == 404
    assert Respondent.objects.filter(pk=stranger.pk).exists()
    assert not stranger.tokens.exists()


def test_choosing_per_row_takes_a_person_the_proposal_or_an_edit(advisor, workshop):
    links = [invite(advisor, workshop, name) for name in ("A", "B", "C")]
    save = reverse("save_answer", args=[workshop.public_id])
    for person_link, option in zip(links, ("nobody", "nobody", "self_easy"), strict=True):
        person = Client()
        person.get(person_link)
        person.post(save, {"question": "web_editing", "option": option})
    choose = reverse("consolidation_choose", args=[workshop.public_id])
    b, c = (Respondent.objects.get(assessment=workshop, name=n).pk for n in ("B", "C"))
    advisor.post(choose, {"question": "web_editing", "take": f"r{c}"})
    assert final_answer(workshop, "web_editing") == ["self_easy"]
    advisor.post(choose, {"question": "web_editing", "take": "proposal"})
    assert final_answer(workshop, "web_editing") == ["nobody"]  # two of three
    advisor.post(choose, {"question": "web_editing", "take": "edit", "answer": "self_some"})
    assert final_answer(workshop, "web_editing") == ["self_some"]
    page = advisor.get(reverse("consolidation", args=[workshop.public_id])).content.decode()
    assert 'data-state="decided"' in page
    # Tampered choices: a 400 or a message, never a changed answer.
    assert advisor.post(choose, {"question": "nope", "take": "proposal"}).status_code == 400
    assert advisor.post(choose, {"question": "web_editing", "take": "r999999"}).status_code == 400
    assert advisor.post(choose, {"question": "web_editing", "take": "x"}).status_code == 400
    advisor.post(choose, {"question": "web_editing", "take": "edit", "answer": "invented"})
    assert final_answer(workshop, "web_editing") == ["self_some"]
    advisor.post(choose, {"question": "web_editing", "take": f"r{b}"})
    assert final_answer(workshop, "web_editing") == ["nobody"]


def test_every_team_change_on_a_check_completed_meanwhile_says_so_and_changes_nothing(
    advisor, workshop
):
    invite(advisor, workshop, "Lager")
    respondent = Respondent.objects.get(assessment=workshop, name="Lager")
    Assessment.objects.filter(pk=workshop.pk).update(
        status=Assessment.Status.COMPLETED, completed_at=timezone.now()
    )
    check_id = workshop.public_id
    team_page = reverse("team", args=[check_id])
    consolidation_page = reverse("consolidation", args=[check_id])
    posts = [
        (team_page, {"name": "Verkauf"}, team_page),
        (reverse("team_reissue", args=[check_id, respondent.pk]), {}, team_page),
        (
            reverse("team_send", args=[check_id, respondent.pk]),
            {"email": "lager@korn.example"},
            team_page,
        ),
        (reverse("team_remove", args=[check_id, respondent.pk]), {}, team_page),
        (
            reverse("consolidation_choose", args=[check_id]),
            {"question": "web_editing", "take": "edit", "answer": "self_some"},
            consolidation_page,
        ),
    ]
    tokens = set(respondent.tokens.values_list("pk", flat=True))
    for url, data, page in posts:
        response = advisor.post(url, data)
        assert response.status_code == 302 and response.url == page, url
        shown = advisor.get(page, follow=True).content.decode()
        assert "Dieser Check ist bereits abgeschlossen." in shown, url
    assert list(Respondent.objects.filter(assessment=workshop, is_primary=False)) == [respondent]
    assert set(respondent.tokens.values_list("pk", flat=True)) == tokens
    assert final_answer(workshop, "web_editing") is None
    assert len(mail.outbox) == 0
