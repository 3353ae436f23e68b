"""The results page of a completed check: its data is computed once per revision and kept in
Django's shared cache; every input of the roadmap makes a new revision, so nobody sees stale
data after a change."""

import datetime
import pickle
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from assessment.access import check_access
from assessment.models import Action, Answer, Assessment, Company, Membership
from assessment.reports.data import (
    RecentResults,
    build_report,
    check_state,
    recent_results,
    results_cache_key,
    results_data,
    revision_of,
)
from assessment.reports.state import StoredState, read_state
from assessment.workflows import start_reassessment
from tests.factories import completed_assessment, hold_link


def granted_client(*assessments: Assessment) -> Client:
    client = Client()
    for assessment in assessments:
        hold_link(client, assessment)
    return client


def results_url(assessment: Assessment) -> str:
    return reverse("results", args=[assessment.public_id])


def page(client: Client, assessment: Assessment, url_name: str = "results", **headers) -> str:
    response = client.get(reverse(url_name, args=[assessment.public_id]), **headers)
    assert response.status_code == 200
    # The CSRF token differs from one response to the next, whatever the cache holds.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def uncached_page(
    client: Client, assessment: Assessment, url_name: str = "results", **headers
) -> str:
    cache.clear()
    recent_results.clear()
    return page(client, assessment, url_name, **headers)


def fresh(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_related("company", "questionnaire").get(pk=assessment.pk)


@pytest.fixture
def checks(default_questionnaire, owner):
    """A company with an earlier and a latest completed check, weak enough for a long
    roadmap, and an owner."""
    company = Company.objects.create(
        name="Tischlerei Holz",
        industry="crafts",
        size_band="2-9",
        monthly_budget_eur=150,
        monthly_hours=6,
    )
    Membership.objects.create(company=company, user=owner, role=Membership.Role.OWNER)
    earlier = completed_assessment(default_questionnaire, company=company, level=0.0)
    Assessment.objects.filter(pk=earlier.pk).update(
        completed_at=timezone.now() - datetime.timedelta(days=90)
    )
    latest = completed_assessment(default_questionnaire, company=company, level=0.2)
    return earlier, latest


def test_the_cached_results_page_equals_the_uncached_one(checks):
    _earlier, latest = checks
    client = granted_client(latest)
    cold = uncached_page(client, latest)
    warm = page(client, latest)
    assert results_data(assessment=fresh(latest)).from_cache
    assert warm == cold
    assert "data-progress-since" in warm and "data-step-count" in warm
    # The roadmap page renders from the same cached data.
    cold_steps = uncached_page(client, latest, "roadmap")
    assert page(client, latest, "roadmap") == cold_steps
    assert "data-step=" in cold_steps


def test_the_data_is_kept_in_the_database_cache_every_worker_shares(checks):
    _earlier, latest = checks
    assert settings.CACHES["default"]["BACKEND"] == ("django.core.cache.backends.db.DatabaseCache")
    cache.clear()
    page(granted_client(latest), latest)
    table = settings.CACHES["default"]["LOCATION"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {table}")  # noqa: S608 - our own setting
        keys = [row[0] for row in cursor.fetchall()]
    assert any(":results:" in key for key in keys)


def test_a_worker_keeps_the_facts_it_used_last_besides_the_shared_cache(checks):
    """A repeated visit takes a revision's facts from the worker's own memory: the shared
    entry is neither read nor written again (deleted here, it stays away)."""
    _earlier, latest = checks
    client = granted_client(latest)
    first = page(client, latest)
    key = results_cache_key(latest, "de")
    assert cache.get(key) is not None
    cache.delete(key)
    assert page(client, latest) == first
    assert cache.get(key) is None
    assert results_data(assessment=fresh(latest)).from_cache
    # Without them, the worker reads the shared cache again, and finding nothing computes.
    recent_results.clear()
    assert page(client, latest) == first
    assert cache.get(key) is not None


def test_showing_the_kept_facts_leaves_them_as_they_were(checks, owner):
    """Every request of the worker shares the kept facts: no page may change them, whoever
    looks and in whichever language."""
    _earlier, latest = checks
    first_step_done(latest)
    client = granted_client(latest)
    page(client, latest)
    (facts,) = recent_results.entries.values()
    before = pickle.dumps(facts)
    member = Client()
    member.force_login(owner)
    for visitor in (client, member):
        page(visitor, latest)
        page(visitor, latest, "roadmap")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page(client, latest)
    assert len(recent_results.entries) == 2  # German and English
    assert pickle.dumps(facts) == before


def test_the_kept_facts_are_few_and_go_with_their_check():
    recent = RecentResults(2)
    recent.put(("a", "de", "1"), "facts a")
    recent.put(("b", "de", "1"), "facts b")
    assert recent.get(("a", "de", "1")) == "facts a"  # now the most recently used
    recent.put(("c", "de", "1"), "facts c")
    assert recent.get(("b", "de", "1")) is None
    assert list(recent.entries) == [("a", "de", "1"), ("c", "de", "1")]
    recent.put(("a", "en", "1"), "facts a en")
    recent.forget("a")  # every language and revision of the check
    assert list(recent.entries) == [("c", "de", "1")]
    recent.clear()
    assert recent.get(("c", "de", "1")) is None


def test_a_check_in_progress_is_never_served_from_the_cache(checks):
    _earlier, latest = checks
    draft = start_reassessment(company=latest.company, user=None, carry_over=True)
    results_data(assessment=fresh(draft))
    assert not results_data(assessment=fresh(draft)).from_cache


def later_answers(assessment: Assessment) -> None:
    """A stronger answer to every scored question (as an admin correction would do)."""
    content = assessment.questionnaire.content()
    for answer in Answer.objects.filter(assessment=assessment).select_related("question"):
        question = content.questions[answer.question.key]
        if not question.scored:
            continue
        best = max(question.option_list, key=lambda option: option.points)
        Answer.objects.filter(pk=answer.pk).update(
            options=[best.key], not_applicable=False, updated_at=timezone.now()
        )


def first_step_done(assessment: Assessment) -> None:
    step = build_report(assessment=fresh(assessment)).roadmap.phases[0].steps[0]
    Action.objects.create(
        company=assessment.company,
        recommendation_key=step.key,
        title=step.key,
        status=Action.Status.DONE,
        done_at=timezone.now(),
    )


def more_budget(assessment: Assessment) -> None:
    Company.objects.filter(pk=assessment.company_id).update(
        monthly_budget_eur=2000, monthly_hours=40
    )


def consumers_and_staff(assessment: Assessment) -> None:
    Company.objects.filter(pk=assessment.company_id).update(
        customers=["consumers"], staff_personal_data="ge_20", turnover_band="gt_800k"
    )


CHANGES = {
    "answer": later_answers,
    "action status": first_step_done,
    "budget": more_budget,
    "profile facts": consumers_and_staff,
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_of_any_roadmap_input_shows_at_once(checks, change):
    _earlier, latest = checks
    client = granted_client(latest)
    page(client, latest)
    before = page(client, latest)  # from the cache
    revision = revision_of(fresh(latest), "de")
    CHANGES[change](latest)
    assert revision_of(fresh(latest), "de") != revision
    after = page(client, latest)
    assert after != before
    assert after == uncached_page(client, latest)


def test_the_action_status_changes_the_roadmap_shown(checks):
    _earlier, latest = checks
    client = granted_client(latest)
    step = build_report(assessment=fresh(latest)).roadmap.phases[0].steps[0]
    assert f'data-step="{step.key}"' in page(client, latest, "roadmap")
    first_step_done(latest)
    assert f'data-step="{step.key}"' not in page(client, latest, "roadmap")


def test_the_language_has_its_own_cached_data(checks):
    _earlier, latest = checks
    client = granted_client(latest)
    german = page(client, latest)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = page(client, latest)
    assert english != german and 'lang="en"' in english
    assert english == uncached_page(client, latest)
    with translation.override("en"):
        english_revision = revision_of(fresh(latest), "en")
    assert english_revision != revision_of(fresh(latest), "de")


def test_the_next_day_plans_anew(checks, monkeypatch):
    _earlier, latest = checks
    client = granted_client(latest)
    page(client, latest)
    before = page(client, latest)
    later = timezone.localdate() + datetime.timedelta(days=200)
    monkeypatch.setattr(timezone, "localdate", lambda *args: later)
    after = page(client, latest)
    assert after != before
    assert after == uncached_page(client, latest)
    assert results_data(assessment=fresh(latest)).report.roadmap.today == later


@pytest.mark.parametrize("earlier_checks", [1, 8])
def test_results_page_queries_do_not_grow_with_the_company(
    default_questionnaire, django_assert_num_queries, earlier_checks
):
    company = Company.objects.create(name="Blumen", industry="retail", size_band="2-9")
    for index in range(earlier_checks):
        done = completed_assessment(default_questionnaire, company=company, level=index / 10)
        Assessment.objects.filter(pk=done.pk).update(
            completed_at=timezone.now() - datetime.timedelta(days=30 * (earlier_checks - index))
        )
        Action.objects.create(
            company=company, recommendation_key=f"r{index}", title="x", status="done"
        )
    latest = completed_assessment(default_questionnaire, company=company, level=0.5)
    client = granted_client(latest)
    client.get(results_url(latest))
    # Session, the assessment with its company, questionnaire and state (its revision's parts,
    # the newest version of its questionnaire, whether anybody owns it yet, for the offer to
    # take it into an account), and one cache read for the data and the peers.
    with django_assert_num_queries(3):
        assert client.get(results_url(latest)).status_code == 200


def test_the_state_read_with_the_check_is_the_state_read_alone(default_questionnaire, owner, rf):
    """Link holder and a person of the company: the lookup of the check brings the same state
    as the query of its own, and it follows a change."""
    latest = completed_assessment(default_questionnaire, level=0.5)
    client = granted_client(latest)
    client.get(results_url(latest))

    def along(request) -> StoredState:
        found = check_access(request, latest.public_id, results=True)
        assert found is not None and found.state is not None
        return found.state

    request = rf.get("/")
    request.session = client.session
    request.user = AnonymousUser()
    before = read_state(latest.pk)
    assert along(request) == before and before.member_count == 0
    Action.objects.create(company=latest.company, recommendation_key="x", title="x", status="done")
    assert along(request) == read_state(latest.pk)
    assert along(request).parts != before.parts

    member = rf.get("/")
    member.session = Client().session
    member.user = owner
    Membership.objects.create(company=latest.company, user=owner, role="owner")
    assert along(member) == read_state(latest.pk)
    assert along(member).member_count == 1


def test_the_check_state_says_whether_anybody_owns_the_check(default_questionnaire, owner):
    """The results page offers a link holder to take the check into an account from the
    state it reads anyway (no query of its own), and stops once the company has a member."""
    latest = completed_assessment(default_questionnaire, level=0.5)
    client = granted_client(latest)
    assert not check_state(fresh(latest), "de").has_members
    assert "data-claim" in client.get(results_url(latest)).content.decode()
    Membership.objects.create(company=latest.company, user=owner, role="owner")
    assert check_state(fresh(latest), "de").has_members
    assert "data-claim" not in client.get(results_url(latest)).content.decode()


def test_answers_come_back_from_the_cache_as_they_were_stored(default_questionnaire):
    """Answers are named tuples (cheap to read from the cache on every results page): every
    field comes back, in its place."""
    from assessment.models import StoredAnswer

    answer = StoredAnswer("website", ["a", "b"], False, "Notiz", True, True, False, True)
    cache.set("answer-test", answer)
    again = cache.get("answer-test")
    assert type(again) is StoredAnswer and again == answer
    assert (again.question_key, again.note, again.carried_over, again.unconfirmed) == (
        "website",
        "Notiz",
        True,
        False,
    )
    latest = completed_assessment(default_questionnaire, level=0.5)
    stored = build_report(assessment=fresh(latest)).answers
    cache.set("answers-test", stored)
    assert cache.get("answers-test") == stored
