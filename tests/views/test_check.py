"""The anonymous self-assessment: profile, pages, saving, finishing, results, resume links."""

import re
from html import escape

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from assessment.models import Answer, Assessment, Company, Membership, ResumeToken, User
from assessment.workflows import (
    NotClaimable,
    claim_assessment,
    start_reassessment,
    start_self_assessment,
)
from tests.conftest import confirm_address_from_mail
from tests.factories import PROFILE, completed_assessment, hold_link


def start_anonymously(client) -> tuple[Assessment, str]:
    response = client.post(reverse("profile"), PROFILE)
    assert response.status_code == 200
    link = re.search(r'value="(http://testserver/weiter/[^"]+)"', response.content.decode())
    return Assessment.objects.latest("started_at"), link.group(1)


def start_for(client, user, questionnaire) -> Assessment:
    client.force_login(user)
    company = Company(industry="crafts", size_band="10-49", monthly_budget_eur=100)
    assessment, _token = start_self_assessment(
        company=company, questionnaire=questionnaire, user=user
    )
    return assessment


def page_url(assessment, number: int) -> str:
    return reverse("check_page", args=[assessment.public_id, number])


def save(client, assessment, question: str, *options: str, **extra):
    data = {"question": question, "option": list(options), **extra}
    return client.post(reverse("save_answer", args=[assessment.public_id]), data)


def answer_everything(client, assessment, *, best: bool = False) -> None:
    """Answer every visible question (weakest or best option) through the JSON endpoint."""
    spec = assessment.questionnaire.scoring_spec()
    for question in spec.questions:
        if question.scored and best and question.kind == "multiple":
            chosen = [option.key for option in question.options if not option.exclusive]
        elif question.scored:
            ranked = sorted(question.options, key=lambda option: option.points)
            chosen = [ranked[-1].key if best else ranked[0].key]
        else:
            chosen = [question.options[-1].key]  # the gates: "yes, we sell / take cash"
        response = save(client, assessment, question.key, *chosen)
        assert response.status_code == 200, (question.key, response.content)


def rows(assessment) -> int:
    return Answer.objects.filter(assessment=assessment).count()


@pytest.fixture
def questionnaire(default_questionnaire):
    return default_questionnaire


# --- Landing and profile


def test_landing_page_invites_to_start_without_an_account(client, questionnaire):
    body = client.get(reverse("home")).content.decode()
    assert reverse("profile") in body
    assert "ohne Konto" in body
    assert "15 bis 20 Minuten" in body


def test_profile_with_a_non_number_budget_gets_a_clear_message(client, questionnaire):
    response = client.post(reverse("profile"), {**PROFILE, "monthly_budget_eur": "viel"})
    assert response.status_code == 400
    assert "Ganze Zahl" in response.content.decode() or "ganze Zahl" in response.content.decode()
    assert not Assessment.objects.exists()


def test_profile_refuses_unknown_industry_and_huge_names(client, questionnaire):
    response = client.post(reverse("profile"), {**PROFILE, "industry": "mining", "name": "x" * 500})
    assert response.status_code == 400
    assert not Company.objects.exists()


def test_profile_starts_an_assessment_and_shows_the_resume_link(client, questionnaire):
    assessment, link = start_anonymously(client)
    assert assessment.company.name == "Blumen Müller"
    assert assessment.company.monthly_budget_eur == 150
    assert assessment.respondents.get().is_primary
    raw_token = link.rstrip("/").rsplit("/", 1)[1]
    assert len(raw_token) >= 43  # 32 random bytes, base64: 256 bits
    token = ResumeToken.objects.get(assessment=assessment)
    assert token.token_hash != raw_token and raw_token not in token.token_hash
    assert ResumeToken.objects.find(raw_token) == token


def test_the_same_profile_form_sent_twice_starts_one_check(client, questionnaire):
    form_page = client.get(reverse("profile"))
    submission = form_page.context["form"]["submission"].value()
    assert f'name="submission" value="{submission}"' in form_page.content.decode()
    first = client.post(reverse("profile"), {**PROFILE, "submission": submission})
    again = client.post(reverse("profile"), {**PROFILE, "submission": submission})
    assert first.status_code == again.status_code == 200
    assessment = Assessment.objects.get()
    assert Company.objects.count() == 1
    # The second answer shows a working link to the same check.
    link = again.context["link"]
    raw_token = link.rstrip("/").rsplit("/", 1)[1]
    assert ResumeToken.objects.find(raw_token).assessment == assessment


def test_a_new_profile_form_starts_a_new_check(client, questionnaire):
    for _ in range(2):
        submission = client.get(reverse("profile")).context["form"]["submission"].value()
        client.post(reverse("profile"), {**PROFILE, "submission": submission})
    assert Assessment.objects.count() == 2


def test_a_submission_value_from_another_browser_starts_its_own_check(client, questionnaire):
    submission = client.get(reverse("profile")).context["form"]["submission"].value()
    client.post(reverse("profile"), {**PROFILE, "submission": submission})
    stranger = Client()
    stranger.post(reverse("profile"), {**PROFILE, "submission": submission})
    assert Assessment.objects.count() == 2


# --- Pages


def test_question_page_shows_every_question_as_a_fieldset(client, questionnaire):
    assessment, _link = start_anonymously(client)
    body = client.get(page_url(assessment, 1)).content.decode()
    first = questionnaire.content().dimensions[0]
    assert "Seite 1 von 6" in body
    assert "0 von" in body
    for question in first.question_list:
        assert f'id="q-{question.key}"' in body
        assert escape(question.text_de) in body
    assert body.count("<legend") == len(first.question_list)


def test_page_numbers_out_of_range_are_404(client, questionnaire):
    assessment, _link = start_anonymously(client)
    assert client.get(page_url(assessment, 0)).status_code == 404
    assert client.get(page_url(assessment, 7)).status_code == 404


def test_page_submit_saves_and_moves_on(client, questionnaire):
    assessment, _link = start_anonymously(client)
    data = {
        "shown": ["web_editing", "web_legal"],
        "q-web_editing": "self_easy",
        "q-web_legal": ["imprint", "privacy"],
        "nav": "next",
    }
    response = client.post(page_url(assessment, 1), data)
    assert response.status_code == 302 and response.url == page_url(assessment, 2) + "?offen=1"
    stored = {a.question.key: a.options for a in Answer.objects.filter(assessment=assessment)}
    assert stored == {"web_editing": ["self_easy"], "web_legal": ["imprint", "privacy"]}

    again = client.post(page_url(assessment, 1), data)
    assert again.status_code == 302 and again.url == page_url(assessment, 2) + "?offen=1"
    assert rows(assessment) == 2


def test_the_next_page_says_how_many_questions_the_last_one_left_open(client, questionnaire):
    assessment, _link = start_anonymously(client)
    first_page = assessment.questionnaire.content().dimensions[0].question_list
    response = client.post(
        page_url(assessment, 1),
        {"shown": ["web_editing"], "q-web_editing": "self_easy", "nav": "next"},
        follow=True,
    )
    body = response.content.decode()
    # Every question of the first page but the one answered, less those whose condition
    # is not met.
    found = re.search(r"(\d+) Fragen auf der vorigen Seite sind noch offen\.", body)
    assert found and 1 < int(found[1]) < len(first_page)
    assert f'href="{page_url(assessment, 1)}"' in body

    answer_everything(client, assessment)
    after = client.get(page_url(assessment, 2) + "?offen=1").content.decode()
    assert "data-left-open" not in after
    for odd in ("x", "-1", "99999", "2"):
        odd_page = client.get(page_url(assessment, 2) + "?offen=" + odd)
        assert odd_page.status_code == 200 and "data-left-open" not in odd_page.content.decode()


def test_page_back_button_goes_back_after_saving(client, questionnaire):
    assessment, _link = start_anonymously(client)
    response = client.post(
        page_url(assessment, 2),
        {"shown": ["acc_bookkeeping"], "q-acc_bookkeeping": "shoebox", "nav": "back"},
    )
    assert response.url == page_url(assessment, 1)
    assert rows(assessment) == 1


def test_an_invalid_answer_on_a_page_keeps_the_valid_ones(client, questionnaire):
    assessment, _link = start_anonymously(client)
    response = client.post(
        page_url(assessment, 1),
        {
            "shown": ["web_editing", "web_mobile"],
            "q-web_editing": "self_easy",
            "q-web_mobile": "acc_option_from_elsewhere",
            "nav": "next",
        },
    )
    assert response.status_code == 400
    assert "passt nicht zur Frage" in response.content.decode()
    assert rows(assessment) == 1


def test_unticking_every_box_clears_a_list_answer(client, questionnaire):
    assessment, _link = start_anonymously(client)
    save(client, assessment, "web_legal", "imprint")
    client.post(page_url(assessment, 1), {"shown": ["web_legal"], "nav": "next"})
    assert Answer.objects.get(assessment=assessment).options == []


# --- Saving as you go


def test_save_returns_progress_and_visibility(client, questionnaire):
    assessment, _link = start_anonymously(client)
    response = save(client, assessment, "web_online_sales", "shop")
    data = response.json()
    assert data["saved"] and data["answered"] == 1
    assert data["visible"]["web_shop_accessibility"] is True
    data = save(client, assessment, "web_online_sales", "none").json()
    assert data["visible"]["web_shop_accessibility"] is False
    assert rows(assessment) == 1


def test_save_refuses_an_option_of_another_question(client, questionnaire):
    assessment, _link = start_anonymously(client)
    save(client, assessment, "web_mobile", "good")
    response = save(client, assessment, "web_mobile", "self_easy")
    assert response.status_code == 400
    assert "passt nicht zur Frage" in response.json()["error"]
    assert Answer.objects.get(assessment=assessment).options == ["good"]


def test_save_refuses_a_question_of_another_questionnaire(
    client, questionnaire, small_questionnaire
):
    assessment, _link = start_anonymously(client)
    response = save(client, assessment, "proc_orders", "email")
    assert response.status_code == 400
    assert rows(assessment) == 0


def test_save_refuses_not_applicable_where_not_allowed(client, questionnaire):
    assessment, _link = start_anonymously(client)
    response = save(client, assessment, "web_editing", "_na")
    assert response.status_code == 400
    assert save(client, assessment, "web_shop_accessibility", "_na").status_code == 200


def test_save_refuses_a_huge_note_and_keeps_the_answer(client, questionnaire):
    assessment, _link = start_anonymously(client)
    save(client, assessment, "web_mobile", "good", note="Handy geprüft")
    response = save(client, assessment, "web_mobile", "poor", note="x" * 100_000)
    assert response.status_code == 400
    answer = Answer.objects.get(assessment=assessment)
    assert (answer.options, answer.note) == (["good"], "Handy geprüft")


def test_save_of_two_choices_in_a_single_choice_question_is_refused(client, questionnaire):
    assessment, _link = start_anonymously(client)
    assert save(client, assessment, "web_mobile", "good", "poor").status_code == 400


def test_exclusive_option_clears_the_others(client, questionnaire):
    assessment, _link = start_anonymously(client)
    save(client, assessment, "web_legal", "imprint", "none")
    assert Answer.objects.get(assessment=assessment).options == ["none"]


def test_get_on_save_is_not_allowed(client, questionnaire):
    assessment, _link = start_anonymously(client)
    assert client.get(reverse("save_answer", args=[assessment.public_id])).status_code == 405


# --- Finishing and results


def test_finish_lists_open_questions_with_links(client, questionnaire):
    assessment, _link = start_anonymously(client)
    save(client, assessment, "web_editing", "self_easy")
    body = client.get(reverse("finish", args=[assessment.public_id])).content.decode()
    assert f"{page_url(assessment, 1)}#q-web_mobile" in body
    assert "#q-web_editing" not in body
    response = client.post(reverse("finish", args=[assessment.public_id]))
    assert response.status_code == 400
    assessment.refresh_from_db()
    assert not assessment.is_completed


def test_complete_assessment_freezes_its_result(client, questionnaire):
    assessment, _link = start_anonymously(client)
    answer_everything(client, assessment, best=True)
    response = client.post(reverse("finish", args=[assessment.public_id]))
    assert response.url == reverse("results", args=[assessment.public_id])
    assessment.refresh_from_db()
    assert assessment.is_completed
    assert assessment.result["overall"] == 100.0
    assert assessment.result["complete"] is True


def test_a_completed_assessment_cannot_change(client, questionnaire):
    assessment, _link = start_anonymously(client)
    answer_everything(client, assessment)
    client.post(reverse("finish", args=[assessment.public_id]))
    before = list(Answer.objects.values_list("question__key", "options"))
    response = save(client, assessment, "web_editing", "self_easy")
    assert response.status_code == 409
    assert "abgeschlossen" in response.json()["error"]
    stale = client.post(
        page_url(assessment, 1), {"shown": ["web_editing"], "q-web_editing": "self_easy"}
    )
    assert stale.url == reverse("results", args=[assessment.public_id])
    assert list(Answer.objects.values_list("question__key", "options")) == before
    assert client.post(reverse("finish", args=[assessment.public_id])).status_code == 302


def test_results_show_index_level_chart_levers_and_roadmap(client, questionnaire):
    assessment, _link = start_anonymously(client)
    answer_everything(client, assessment)
    client.post(reverse("finish", args=[assessment.public_id]))
    body = client.get(reverse("results", args=[assessment.public_id])).content.decode()
    assert "data-overall-index>0<" in body
    assert "Einstieg" in body
    assert "<svg" in body and 'role="img"' in body
    assert body.count("data-dimension=") == 6
    assert "Die fünf größten Hebel" in body
    assert 'data-phase="now"' in body and 'data-phase="later"' in body
    assert "data-step-count" in body
    assert "Konto anlegen" in body
    steps = client.get(reverse("roadmap", args=[assessment.public_id])).content.decode()
    assert steps.count("data-step=") >= 5


def test_draft_results_are_marked_provisional(client, questionnaire):
    assessment, _link = start_anonymously(client)
    save(client, assessment, "web_editing", "self_easy")
    body = client.get(reverse("results", args=[assessment.public_id])).content.decode()
    assert "Vorläufiges Ergebnis" in body


def test_results_in_english(client, questionnaire):
    assessment, _link = start_anonymously(client)
    answer_everything(client, assessment)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("results", args=[assessment.public_id])).content.decode()
    assert "Your maturity" in body
    assert "Getting started" in body


# --- Resume links


def test_resume_link_continues_in_another_browser(client, questionnaire, django_user_model):
    from django.test import Client

    assessment, link = start_anonymously(client)
    client.post(
        page_url(assessment, 1),
        {"shown": ["web_editing"], "q-web_editing": "self_easy", "nav": "next"},
    )
    other = Client()
    assert other.get(page_url(assessment, 1)).status_code == 404
    response = other.get(link)
    assert response.status_code == 302 and response.url == page_url(assessment, 1)
    body = other.get(page_url(assessment, 1)).content.decode()
    assert 'value="self_easy" checked' in body


def test_resume_link_after_completion_opens_the_results(client, questionnaire):
    assessment, link = start_anonymously(client)
    answer_everything(client, assessment)
    client.post(reverse("finish", args=[assessment.public_id]))
    from django.test import Client

    response = Client().get(link)
    assert response.url == reverse("results", args=[assessment.public_id])


@pytest.mark.parametrize("token", ["nonsense", "a" * 43, "x" * 5000])
def test_wrong_token_gets_a_friendly_404(client, questionnaire, token):
    response = client.get(reverse("resume", args=[token]))
    assert response.status_code == 404
    assert "nicht (mehr) gültig" in response.content.decode()


def test_a_revoked_link_no_longer_works_and_a_new_one_does(client, questionnaire):
    from django.test import Client

    assessment, old_link = start_anonymously(client)
    response = client.post(reverse("resume_link_new", args=[assessment.public_id]))
    new_link = re.search(r'value="(http://testserver/weiter/[^"]+)"', response.content.decode())
    assert Client().get(old_link).status_code == 404
    assert Client().get(new_link.group(1)).status_code == 302


def test_resume_link_can_be_sent_by_email(client, questionnaire):
    assessment, link = start_anonymously(client)
    raw_token = link.rstrip("/").rsplit("/", 1)[1]
    response = client.post(
        reverse("resume_link_email", args=[assessment.public_id]),
        {"email": "inhaberin@example.com", "token": raw_token},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert link in mail.outbox[0].body
    assert mail.outbox[0].to == ["inhaberin@example.com"]


def test_resume_email_with_a_foreign_token_is_refused(client, questionnaire):
    assessment, _link = start_anonymously(client)
    response = client.post(
        reverse("resume_link_email", args=[assessment.public_id]),
        {"email": "a@example.com", "token": "guess"},
    )
    assert response.status_code == 400
    assert not mail.outbox


# --- Access


def test_an_outsider_gets_404_everywhere(client, questionnaire, outsider):
    from django.test import Client

    assessment, _link = start_anonymously(client)
    stranger = Client()
    stranger.force_login(outsider)
    public_id = assessment.public_id
    for url in [
        page_url(assessment, 1),
        reverse("finish", args=[public_id]),
        reverse("results", args=[public_id]),
    ]:
        assert stranger.get(url).status_code == 404
    for url in [
        reverse("save_answer", args=[public_id]),
        reverse("finish", args=[public_id]),
        reverse("resume_link_new", args=[public_id]),
        page_url(assessment, 1),
    ]:
        assert stranger.post(url, {"question": "web_editing", "option": "none"}).status_code == 404
    assert rows(assessment) == 0


# --- Accounts


@pytest.mark.real_password_hashing
def test_signing_up_from_the_results_takes_the_check_along_once_the_address_is_verified(
    client, questionnaire
):
    assessment, _link = start_anonymously(client)
    results = reverse("results", args=[assessment.public_id])
    response = client.post(
        f"{reverse('account_signup')}?next={results}",
        {
            "email": "Neu@Example.com",
            "password1": "Blumen-2026-Laden",
            "password2": "Blumen-2026-Laden",
            "next": results,
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    # Not logged in and nothing claimed before the address is verified.
    assert "_auth_user_id" not in client.session
    assert not Membership.objects.filter(company=assessment.company).exists()
    [message] = mail.outbox
    assert message.to == ["neu@example.com"]

    confirmed = confirm_address_from_mail(client, message)
    assert confirmed.status_code == 302
    user = User.objects.get(email="neu@example.com")
    assert user.password.startswith("argon2")
    assert client.session["_auth_user_id"] == str(user.pk)
    # Verifying takes nothing along by itself: the results offer to, the person confirms.
    assert not Membership.objects.filter(company=assessment.company).exists()
    claim = reverse("claim", args=[assessment.public_id])
    assert claim in client.get(results).content.decode()
    assert "data-claim-confirm" in client.get(claim).content.decode()
    assert client.post(claim).status_code == 200
    assert Membership.objects.get(company=assessment.company).user == user


def test_logging_in_takes_an_anonymous_check_along_once_confirmed(client, questionnaire, owner):
    assessment, link = start_anonymously(client)
    response = client.post(
        reverse("account_login"), {"login": "INHABERIN@example.com", "password": "x-Secret-123"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(company=assessment.company).exists()
    assert client.post(reverse("claim", args=[assessment.public_id])).status_code == 200
    membership = Membership.objects.get(company=assessment.company, user=owner)
    assert membership.role == Membership.Role.OWNER
    # The link from before the claim is blocked; the claimer got a new one.
    assert Client().get(link).status_code == 404


def test_a_check_taken_by_someone_else_meanwhile_is_refused_as_not_claimable(
    client, questionnaire, owner, outsider
):
    """The claim page checks ownership first; a claim that loses a race with another one
    must still be refused with NotClaimable, which the page turns into its 409."""
    client.force_login(owner)
    assessment = start_for(client, owner, questionnaire)
    with pytest.raises(NotClaimable):
        claim_assessment(assessment=assessment, user=outsider)
    assert not Membership.objects.filter(user=outsider).exists()


def test_a_shared_link_does_not_hand_over_an_owned_company(client, questionnaire, owner, outsider):
    from django.test import Client

    client.force_login(owner)
    assessment = start_for(client, owner, questionnaire)
    _token, raw = ResumeToken.issue(assessment=assessment)
    colleague = Client()
    colleague.get(reverse("resume", args=[raw]))
    colleague.post(reverse("account_login"), {"login": outsider.email, "password": "x-Secret-123"})
    assert not Membership.objects.filter(user=outsider).exists()


def test_signup_with_an_existing_email_creates_nothing_and_mails_the_owner(
    client, questionnaire, owner
):
    password_before = owner.password
    response = client.post(
        reverse("account_signup"),
        {"email": owner.email, "password1": "Blumen-2026-Laden", "password2": "Blumen-2026-Laden"},
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    owner.refresh_from_db()
    assert owner.password == password_before
    assert "_auth_user_id" not in client.session
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "/konto/password/reset/" in message.body


def test_password_reset_sends_a_mail_only_for_existing_accounts(client, questionnaire, owner):
    known = client.post(reverse("account_reset_password"), {"email": owner.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "niemand@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert len(mail.outbox) == 1 and "/konto/password/reset/key/" in mail.outbox[0].body


def test_a_member_opens_the_check_after_logging_in_elsewhere(client, questionnaire, owner):
    from django.test import Client

    assessment = start_for(client, owner, questionnaire)
    other = Client()
    other.force_login(owner)
    assert other.get(page_url(assessment, 1)).status_code == 200


# --- Query counts do not grow with the questionnaire


@pytest.mark.parametrize("which", ["small", "default"])
@pytest.mark.parametrize("logged_in", [False, True])
def test_page_and_save_queries_are_constant(
    client,
    owner,
    small_questionnaire,
    default_questionnaire,
    django_assert_max_num_queries,
    django_assert_num_queries,
    which,
    logged_in,
):
    questionnaire = small_questionnaire if which == "small" else default_questionnaire
    if logged_in:
        assessment = start_for(client, owner, questionnaire)
    else:
        assessment, _token = start_self_assessment(
            company=Company(industry="retail", size_band="1"), questionnaire=questionnaire
        )
        hold_link(client, assessment)
    first = questionnaire.content().dimensions[0].question_list[0]
    client.get(page_url(assessment, 1))  # the questionnaire content is loaded once per process
    extra = 2 if logged_in else 0  # the user and the membership check
    # The session, and the check with its answers (`answer_column`).
    with django_assert_num_queries(2 + extra):
        assert client.get(page_url(assessment, 1)).status_code == 200
    # Saving reads the check's status again under a lock, so no answer lands after finishing.
    with django_assert_max_num_queries(6 + extra):
        assert save(client, assessment, first.key, first.option_list[0].key).status_code == 200
    # A browser holding the link without an account is offered to take the check into an
    # account if nobody owns it: one query. Members' links to their company come from their
    # role. Two queries look for team members' own answers, to show where a team disagreed.
    # One finds the newest version of the questionnaire, whose catalogue plans the roadmap.
    # A draft without an account: one more for its last activity, which tells when it is
    # deleted (assessment.privacy).
    with django_assert_max_num_queries(8 + extra + (0 if logged_in else 2)):
        assert client.get(reverse("results", args=[assessment.public_id])).status_code == 200


def test_a_condition_hint_stands_once_for_consecutive_questions_it_covers(client, questionnaire):
    assessment, _link = start_anonymously(client)
    inventory = assessment.questionnaire.content().dimensions[2].question_list
    followers = [q for q in inventory if q.condition_question_key == "inv_sells_goods"]
    body = client.get(page_url(assessment, 3)).content.decode()
    hints = re.findall(r'<p class="small fst-italic condition-hint">([^<]*)</p>', body)
    assert len(followers) > 2
    assert len(hints) < len(followers)

    def covered(hint: str) -> int:
        if hint.startswith("Diese Frage nur"):
            return 1
        if hint.startswith("Diese und die folgende Frage"):
            return 2
        return int(re.match(r"Diese und die (\d+) folgenden Fragen", hint)[1]) + 1

    # Every follow-up question is covered by exactly one hint.
    assert sum(covered(hint) for hint in hints) == len(followers)


def test_a_reassessment_page_with_answers_to_confirm_costs_no_extra_query(
    client, questionnaire, django_assert_max_num_queries
):
    """The page says where carried-over answers came from without asking the database each
    time: the session, and the check with its answers."""
    earlier = completed_assessment(questionnaire, level=0.5)
    reassessment = start_reassessment(company=earlier.company, user=None, carry_over=True)
    hold_link(client, reassessment)
    client.get(page_url(reassessment, 1))
    with django_assert_max_num_queries(2):
        response = client.get(page_url(reassessment, 1))
    assert response.status_code == 200
    assert "data-unconfirmed" in response.content.decode()
