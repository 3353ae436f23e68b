"""The company space: reassessment, comparison, actions, members, versions over time."""

import copy
import datetime
import json
import math
import re
from html import escape
from pathlib import Path

import pytest
import yaml
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessment.models import (
    Action,
    Answer,
    Assessment,
    Invitation,
    Measurement,
    Membership,
    Questionnaire,
)
from assessment.questionnaire_file import load_questionnaire_file
from assessment.reports.data import build_report
from assessment.workflows import start_reassessment
from tests.conftest import DEFAULT_QUESTIONNAIRE
from tests.factories import completed_assessment


@pytest.fixture
def history(default_questionnaire, owner):
    """A company of the owner with one completed assessment."""
    first = completed_assessment(default_questionnaire, level=0.3)
    Membership.objects.create(company=first.company, user=owner, role=Membership.Role.OWNER)
    return first


@pytest.fixture
def member(client, owner):
    client.force_login(owner)
    return client


def page_post(client, assessment, number: int) -> None:
    """Submit a page as the browser form would, with every stored answer shown."""
    content = assessment.questionnaire.content()
    dimension = content.dimensions[number - 1]
    stored = {a.question.key: a for a in Answer.objects.filter(assessment=assessment)}
    data = {"shown": [], "nav": "next"}
    for question in dimension.question_list:
        data["shown"].append(question.key)
        answer = stored.get(question.key)
        if answer is not None:
            data[f"q-{question.key}"] = ["_na"] if answer.not_applicable else answer.options
    response = client.post(reverse("check_page", args=[assessment.public_id, number]), data)
    assert response.status_code == 302, response.content.decode()[:500]


def test_members_see_their_companies_with_index_and_due_date(member, history):
    body = member.get(reverse("companies")).content.decode()
    assert "Blumen Müller" in body
    assert f"{round(history.result['overall'])} / 100" in body
    assert "Nächster Check ab" in body


def test_company_page_shows_history_trend_roadmap_and_members(member, history, owner):
    response = member.get(reverse("company", args=[history.company_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("data-history-row") == 1
    assert 'id="trend' in body or "trend-title" in body
    assert "Aktueller Fahrplan" in body and "data-step=" in body
    assert owner.email in body


def test_reassessment_is_due_after_the_interval(member, history):
    Assessment.objects.filter(pk=history.pk).update(
        completed_at=timezone.now() - datetime.timedelta(days=200)
    )
    body = member.get(reverse("company", args=[history.company_id])).content.decode()
    assert "Fällig seit" in body


def test_carry_over_marks_answers_unconfirmed_until_each_page_is_confirmed(member, history):
    response = member.post(reverse("new_assessment", args=[history.company_id]), {"start": "carry"})
    new = Assessment.objects.exclude(pk=history.pk).get()
    assert response.url == reverse("check_page", args=[new.public_id, 1])
    assert new.previous_id == history.pk
    copied = Answer.objects.filter(assessment=new)
    assert copied.count() == Answer.objects.filter(assessment=history).count()
    assert all(a.carried_over and a.unconfirmed for a in copied)

    page = member.get(reverse("check_page", args=[new.public_id, 1])).content.decode()
    assert "aus dem letzten Check – bitte prüfen" in page

    refused = member.post(reverse("finish", args=[new.public_id]))
    assert refused.status_code == 400
    new.refresh_from_db()
    assert not new.is_completed
    finish_page = member.get(reverse("finish", args=[new.public_id])).content.decode()
    assert "data-unconfirmed-pages" in finish_page

    for number in range(1, 7):
        page_post(member, new, number)
    assert not Answer.objects.filter(assessment=new, unconfirmed=True).exists()
    member.post(reverse("finish", args=[new.public_id]))
    new.refresh_from_db()
    assert new.is_completed


def test_carrying_over_and_confirming_without_changes_gives_the_same_scores(member, history):
    member.post(reverse("new_assessment", args=[history.company_id]), {"start": "carry"})
    new = Assessment.objects.exclude(pk=history.pk).get()
    for number in range(1, 7):
        page_post(member, new, number)
    member.post(reverse("finish", args=[new.public_id]))
    new.refresh_from_db()
    assert new.result == history.result
    results = member.get(reverse("results", args=[new.public_id])).content.decode()
    # Counted over the answers the score uses, never more than there are.
    found = re.search(r"(\d+) von (\d+) Antworten wurden aus dem letzten Check übernommen", results)
    assert found
    rechecked, answered = int(found[1]), int(found[2])
    assert 0 < rechecked <= answered <= len(new.questionnaire.content().questions)


def test_a_fresh_start_has_no_answers(member, history):
    member.post(reverse("new_assessment", args=[history.company_id]), {"start": "fresh"})
    new = Assessment.objects.exclude(pk=history.pk).get()
    assert not Answer.objects.filter(assessment=new).exists()


def test_a_second_start_continues_the_open_draft(member, history):
    member.post(reverse("new_assessment", args=[history.company_id]), {"start": "fresh"})
    member.post(reverse("new_assessment", args=[history.company_id]), {"start": "carry"})
    assert Assessment.objects.filter(company=history.company, status="draft").count() == 1


def test_comparison_shows_deltas_changed_answers_and_actions_in_between(member, history):
    company = history.company
    action = Action.objects.create(
        company=company, recommendation_key="r_web_google_profile", title="Google-Profil"
    )
    member.post(
        reverse("update_action", args=[company.pk, action.pk]),
        {f"a{action.pk}-status": "done", f"a{action.pk}-owner": "Anna"},
    )
    new = start_reassessment(company=company, user=None, carry_over=True)
    Answer.objects.filter(assessment=new).update(unconfirmed=False)
    Answer.objects.filter(assessment=new, question__key="web_editing").update(options=["self_easy"])
    findability = new.questionnaire.content().questions["web_findability"]
    Answer.objects.filter(assessment=new, question__key="web_findability").update(
        options=[o.key for o in findability.option_list if not o.exclusive]
    )
    from assessment.workflows import finish_assessment

    finish_assessment(assessment=new)
    response = member.get(
        reverse("comparison", args=[company.pk]),
        {"vorher": str(history.public_id), "nachher": str(new.public_id)},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "2 geänderte Antworten" in body
    # The change is the difference of the whole numbers shown, so "32 → 41" reads "+9".
    before, after = history.result["dimensions"][0]["score"], new.result["dimensions"][0]["score"]
    shown_before, shown_after = math.floor(before + 0.5), math.floor(after + 0.5)
    row = re.search(r'data-dimension-delta="website">(.*?)</tr>', body, re.S)[1]
    cells = re.findall(r'<td class="text-end[^"]*">([^<]*)</td>', row)
    assert cells == [str(shown_before), str(shown_after), f"+{shown_after - shown_before}"]
    overall_shown = [
        math.floor(new.result["overall"] + 0.5),
        math.floor(history.result["overall"] + 0.5),
    ]
    assert f"+{overall_shown[0] - overall_shown[1]} Punkte" in body
    # web_editing went from its weakest to its best answer; the percent says what it means.
    assert "Punkte dieser Frage: 0 → 100 % der möglichen" in body
    # The step's title as the catalogue words it, not the words it was adopted with.
    assert "Google-Unternehmensprofil beanspruchen und pflegen" in body
    # The action's question moved, and the page says by how much.
    assert re.search(r"Frage „[^“]+“: \+\d+ Prozentpunkte ihrer Höchstpunktzahl", body)


def test_comparison_of_someone_elses_assessment_is_404(member, history, default_questionnaire):
    foreign = completed_assessment(default_questionnaire)
    response = member.get(
        reverse("comparison", args=[history.company_id]),
        {"vorher": str(foreign.public_id), "nachher": str(history.public_id)},
    )
    assert response.status_code == 404
    bad = member.get(
        reverse("comparison", args=[history.company_id]), {"vorher": "nonsense", "nachher": "x"}
    )
    assert bad.status_code == 404


def test_adopting_a_step_and_marking_it_done_takes_it_off_the_roadmap(member, history):
    company = history.company
    report = build_report(assessment=history)
    step = report.roadmap.phases[0].steps[0]
    member.post(
        reverse("adopt", args=[company.pk]),
        {"assessment": str(history.public_id), "step": step.key},
    )
    member.post(
        reverse("adopt", args=[company.pk]),
        {"assessment": str(history.public_id), "step": step.key},
    )
    action = Action.objects.get(company=company)
    assert action.recommendation_key == step.key
    member.post(
        reverse("update_action", args=[company.pk, action.pk]),
        {
            f"a{action.pk}-status": "done",
            f"a{action.pk}-owner": "Anna",
            f"a{action.pk}-due_date": "2026-12-31",
            f"a{action.pk}-kpi_baseline": "0",
        },
    )
    action.refresh_from_db()
    assert action.status == "done" and action.done_at is not None
    assert action.trigger_value_when_done == pytest.approx(step.current)
    assert step.key not in [s.key for s in build_report(assessment=history).roadmap.steps]


def test_kpi_values_build_a_small_history(member, history):
    company = history.company
    action = Action.objects.create(company=company, recommendation_key="r_sec_2fa", title="2FA")
    url = reverse("add_measurement", args=[company.pk, action.pk])
    member.post(url, {f"m{action.pk}-measured_on": "2026-10-01", f"m{action.pk}-value": "1"})
    member.post(url, {f"m{action.pk}-measured_on": "2026-11-01", f"m{action.pk}-value": "4"})
    member.post(url, {f"m{action.pk}-measured_on": "2026-11-02", f"m{action.pk}-value": "viel"})
    assert list(Measurement.objects.values_list("value", flat=True)) == [1.0, 4.0]
    action.refresh_from_db()
    assert action.kpi_latest == 4.0
    action.kpi_baseline = 0.0
    action.save()
    board = member.get(reverse("actions", args=[company.pk]), {"status": "planned"})
    body = board.content.decode()
    assert "data-measurements" in body
    # The form names the measure and its unit; the baseline reads "0", not "0.0".
    recommendation = build_report(assessment=history).advice.recommendation("r_sec_2fa")
    measure = f"{recommendation.kpi_metric} ({recommendation.kpi_unit_label})"
    assert escape(f"Messwert: {measure}") in body
    assert escape(f"Ausgangswert: {measure}") in body
    assert f'name="a{action.pk}-kpi_baseline" value="0"' in body
    # The values as a line chart: two points joined, the unit written on it.
    chart = re.search(r"<figure[^>]*data-kpi-chart>(.*?)</figure>", body, re.S)[1]
    assert chart.count("<circle") == 2 and "<polyline" in chart
    assert escape(recommendation.kpi_unit_label) in chart


def test_action_board_filters(member, history):
    company = history.company
    Action.objects.create(company=company, recommendation_key="a", title="Geplant A")
    Action.objects.create(
        company=company, recommendation_key="b", title="Erledigt B", status="done"
    )
    Action.objects.create(
        company=company,
        recommendation_key="c",
        title="Überfällig C",
        due_date=timezone.localdate() - datetime.timedelta(days=2),
    )
    url = reverse("actions", args=[company.pk])
    done = member.get(url, {"status": "done"}).content.decode()
    assert "Erledigt B" in done and "Geplant A" not in done
    overdue = member.get(url, {"status": "overdue"}).content.decode()
    assert "Überfällig C" in overdue and "Geplant A" not in overdue


def test_steps_adopted_in_german_read_in_english_for_an_english_reader(member, history):
    """The action keeps the words it was adopted with; pages show the catalogue's title in
    the reader's language (a step dropped from the catalogue keeps its stored title)."""
    company = history.company
    Action.objects.create(
        company=company,
        recommendation_key="r_web_google_profile",
        title="Google-Unternehmensprofil beanspruchen und pflegen",
        status="done",
        done_at=timezone.now(),
    )
    Action.objects.create(company=company, recommendation_key="r_gone", title="Alter Schritt")
    member.cookies["django_language"] = "en"
    board = member.get(reverse("actions", args=[company.pk])).content.decode()
    assert "Claim and maintain your Google Business Profile" in board
    assert "Google-Unternehmensprofil" not in board
    assert "Alter Schritt" in board
    new = start_reassessment(company=company, user=None, carry_over=True)
    Answer.objects.filter(assessment=new).update(unconfirmed=False)
    from assessment.workflows import finish_assessment

    finish_assessment(assessment=new)
    results = member.get(reverse("results", args=[new.public_id])).content.decode()
    assert "Claim and maintain your Google Business Profile" in results
    assert "Google-Unternehmensprofil" not in results
    comparison = member.get(
        reverse("comparison", args=[company.pk]),
        {"vorher": str(history.public_id), "nachher": str(new.public_id)},
    ).content.decode()
    assert "Claim and maintain your Google Business Profile" in comparison
    assert "Google-Unternehmensprofil" not in comparison


def test_invite_accept_and_remove_members(member, history, outsider):
    company = history.company
    member.post(reverse("invite", args=[company.pk]), {"email": outsider.email})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/einladung/[^/\s]+/)", mail.outbox[0].body).group(1)
    colleague = Client()
    colleague.force_login(outsider)
    assert colleague.get(reverse("company", args=[company.pk])).status_code == 404
    assert colleague.get(link).status_code == 200
    colleague.post(link)
    assert colleague.get(reverse("company", args=[company.pk])).status_code == 200
    assert colleague.post(link).status_code == 404  # used up

    colleague_membership = Membership.objects.get(company=company, user=outsider)
    assert colleague_membership.role == "member"
    member.post(reverse("remove_member", args=[company.pk, colleague_membership.pk]))
    assert not Membership.objects.filter(pk=colleague_membership.pk).exists()
    assert colleague.get(reverse("company", args=[company.pk])).status_code == 404
    last = Membership.objects.get(company=company)
    member.post(reverse("remove_member", args=[company.pk, last.pk]))
    assert Membership.objects.filter(pk=last.pk).exists()


def test_revoked_invitation_no_longer_works(member, history):
    company = history.company
    member.post(reverse("invite", args=[company.pk]), {"email": "neu@example.com"})
    invitation = Invitation.objects.get()
    link = re.search(r"http://testserver(/einladung/[^/\s]+/)", mail.outbox[0].body).group(1)
    member.post(reverse("revoke_invitation", args=[company.pk, invitation.pk]))
    assert Client().get(link).status_code == 404


def test_outsiders_get_404_on_every_company_page(client, history, outsider):
    client.force_login(outsider)
    company = history.company
    action = Action.objects.create(company=company, recommendation_key="a", title="A")
    membership = Membership.objects.get(company=company)
    gets = [
        reverse("company", args=[company.pk]),
        reverse("actions", args=[company.pk]),
        reverse("comparison", args=[company.pk])
        + f"?vorher={history.public_id}&nachher={history.public_id}",
    ]
    posts = [
        reverse("company_settings", args=[company.pk]),
        reverse("new_assessment", args=[company.pk]),
        reverse("adopt", args=[company.pk]),
        reverse("update_action", args=[company.pk, action.pk]),
        reverse("add_measurement", args=[company.pk, action.pk]),
        reverse("invite", args=[company.pk]),
        reverse("remove_member", args=[company.pk, membership.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"start": "fresh", "email": "x@example.com"}).status_code == 404, (
            url
        )
    assert Membership.objects.filter(company=company).count() == 1
    assert Assessment.objects.filter(company=company).count() == 1


def test_a_new_questionnaire_version_leaves_old_results_untouched(member, history, tmp_path):
    frozen = json.dumps(history.result, sort_keys=True)
    data = yaml.safe_load(Path(DEFAULT_QUESTIONNAIRE).read_text(encoding="utf-8"))
    changed = copy.deepcopy(data)
    old_version = data["version"]
    changed["version"] = old_version + 1
    changed["dimensions"][0]["questions"][0]["weight"] = 3
    path = tmp_path / "v2.yaml"
    path.write_text(yaml.safe_dump(changed, allow_unicode=True, sort_keys=False), "utf-8")
    load_questionnaire_file(path=path)

    member.post(reverse("new_assessment", args=[history.company_id]), {"start": "carry"})
    new = Assessment.objects.exclude(pk=history.pk).get()
    assert new.questionnaire.version == old_version + 1
    for number in range(1, 7):
        page_post(member, new, number)
    member.post(reverse("finish", args=[new.public_id]))
    new.refresh_from_db()
    assert new.is_completed

    history.refresh_from_db()
    assert json.dumps(history.result, sort_keys=True) == frozen
    assert history.questionnaire.version == old_version
    body = member.get(reverse("company", args=[history.company_id])).content.decode()
    assert body.count("data-history-row") == 2
    assert f">v{old_version}<" in body and f">v{old_version + 1}<" in body
    assert Questionnaire.objects.filter(key="reifegrad-kmu").count() == 2


@pytest.mark.parametrize("count", [2, 30])
def test_company_page_queries_do_not_grow_with_assessments(
    member, history, count, django_assert_max_num_queries
):
    company = history.company
    for index in range(count - 1):
        extra = completed_assessment(history.questionnaire, company=company, level=0.5)
        Assessment.objects.filter(pk=extra.pk).update(
            completed_at=timezone.now() - datetime.timedelta(days=index + 1)
        )
    url = reverse("company", args=[company.pk])
    member.get(url)
    with django_assert_max_num_queries(16):
        response = member.get(url)
    assert response.content.decode().count("data-history-row") == count


def test_results_show_whether_done_steps_moved_their_question(member, history):
    company = history.company
    action = Action.objects.create(
        company=company, recommendation_key="r_web_google_profile", title="Google-Profil"
    )
    member.post(
        reverse("update_action", args=[company.pk, action.pk]),
        {f"a{action.pk}-status": "done"},
    )
    new = start_reassessment(company=company, user=None, carry_over=True)
    Answer.objects.filter(assessment=new).update(unconfirmed=False)
    findability = new.questionnaire.content().questions["web_findability"]
    Answer.objects.filter(assessment=new, question__key="web_findability").update(
        options=[o.key for o in findability.option_list if not o.exclusive]
    )
    from assessment.workflows import finish_assessment

    finish_assessment(assessment=new)
    body = member.get(reverse("results", args=[new.public_id])).content.decode()
    assert "data-done-actions" in body
    explained = (
        r"Google-Unternehmensprofil beanspruchen und pflegen – "
        r"die Frage dazu: \+\d+ Prozentpunkte ihrer Höchstpunktzahl"
    )
    assert re.search(explained, body)
