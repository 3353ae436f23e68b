"""The attacks on concurrent writes, each run as real concurrent requests, TRIALS times.

Every invariant is enforced by the database (unique constraints, row locks, IMMEDIATE
transactions on SQLite), not by a check before writing, so it holds however the requests
interleave.
"""

from __future__ import annotations

import json
import re
from functools import partial

import pytest

from tests.concurrency.conftest import TRIALS, Live, all_at_once, copy_of
from tests.live import PROFILE, csrf_token, suite_on_postgresql

pytestmark = pytest.mark.slow

SETUP = """
from assessment.models import Company, Membership, Questionnaire, User
from assessment.reports.data import build_report
from tests.factories import answer_all, completed_assessment, start

trials = int(TRIALS)
questionnaire = Questionnaire.objects.current()
data = {"draft": [], "adopt": [], "remove": [], "finish": []}
for trial in range(trials):
    owner = User.objects.create_user(email=f"draft{trial}@example.com")
    company = Company.objects.create(name=f"Entwurf {trial}", industry="retail", size_band="2-9")
    Membership.objects.create(company=company, user=owner, role="owner")
    data["draft"].append({"company": company.pk, "session": session_of(owner)})

    owner = User.objects.create_user(email=f"adopt{trial}@example.com")
    assessment = completed_assessment(questionnaire)
    Membership.objects.create(company=assessment.company, user=owner, role="owner")
    step = build_report(assessment=assessment).roadmap.phases[0].steps[0].key
    data["adopt"].append({
        "company": assessment.company_id, "assessment": str(assessment.public_id),
        "step": step, "session": session_of(owner),
    })

    company = Company.objects.create(name=f"Zwei {trial}", industry="retail", size_band="2-9")
    pair = []
    for name in ("a", "b"):
        user = User.objects.create_user(email=f"{name}{trial}@example.com")
        membership = Membership.objects.create(company=company, user=user, role="owner")
        pair.append({"membership": membership.pk, "session": session_of(user)})
    data["remove"].append({"company": company.pk, "pair": pair})

    owner = User.objects.create_user(email=f"finish{trial}@example.com")
    company = Company(name=f"Fertig {trial}", industry="retail", size_band="2-9")
    assessment, _token = start(company=company, questionnaire=questionnaire, user=owner)
    answer_all(assessment, level=0.0)
    question = next(
        q for q in questionnaire.content().questions.values()
        if q.scored and q.kind == "single" and not q.condition_question_key
    )
    top = max(question.option_list, key=lambda option: option.points).key
    data["finish"].append({
        "assessment": str(assessment.public_id), "question": question.key, "top": top,
        "session": session_of(owner),
    })
print(json.dumps(data))
"""


@pytest.fixture(scope="module")
def data(live: Live) -> dict:
    return live.script(SETUP.replace("int(TRIALS)", str(TRIALS)))  # type: ignore[return-value]


def uuid_param(public_id: str) -> str:
    """How the servers' database stores a UUID: with dashes on PostgreSQL only."""
    return public_id if suite_on_postgresql() else public_id.replace("-", "")


def test_parallel_posts_of_one_profile_form_start_one_check(live: Live) -> None:
    for _trial in range(TRIALS):
        person = live.browser()
        form_page = person.get(live.server.base + "/check/")
        submission = re.search(r'name="submission" value="([^"]+)"', form_page.text).group(1)
        fields = {**PROFILE, "submission": submission}
        tabs = [copy_of(person) for _ in range(5)]
        token = csrf_token(form_page)
        ((before,),) = live.query("SELECT count(*) FROM assessment_assessment")
        replies = all_at_once(
            [
                partial(
                    tab.post, live.server.base + "/check/", {**fields, "csrfmiddlewaretoken": token}
                )
                for tab in tabs
            ]
        )
        assert {reply.status for reply in replies} == {200}
        ((after,),) = live.query("SELECT count(*) FROM assessment_assessment")
        assert after - before == 1
        # Every tab shows a working link to that one check.
        links = {re.search(r"/weiter/([^/\"]+)/", reply.text).group(1) for reply in replies}
        for link in links:
            assert live.browser().get(f"{live.server.base}/weiter/{link}/").status == 302


def test_parallel_new_check_clicks_open_one_draft(live: Live, data: dict) -> None:
    for trial in data["draft"]:
        owner = live.browser(trial["session"])
        company_url = f"{live.server.base}/firmen/{trial['company']}/"
        token = csrf_token(owner.get(company_url))
        tabs = [copy_of(owner) for _ in range(5)]
        replies = all_at_once(
            [
                partial(
                    tab.post,
                    company_url + "neuer-check/",
                    {"start": "fresh", "csrfmiddlewaretoken": token},
                )
                for tab in tabs
            ]
        )
        assert {reply.status for reply in replies} == {302}
        drafts = live.query(
            "SELECT public_id FROM assessment_assessment WHERE company_id = %s AND status = %s",
            (trial["company"], "draft"),
        )
        assert len(drafts) == 1
        # Every click lands in that draft.
        assert len({reply.location for reply in replies}) == 1


def test_parallel_adoption_keeps_one_open_action_per_step(live: Live, data: dict) -> None:
    for trial in data["adopt"]:
        owner = live.browser(trial["session"])
        company_url = f"{live.server.base}/firmen/{trial['company']}/"
        token = csrf_token(owner.get(company_url))
        fields = {
            "assessment": trial["assessment"],
            "step": trial["step"],
            "csrfmiddlewaretoken": token,
        }
        tabs = [copy_of(owner) for _ in range(5)]
        replies = all_at_once(
            [partial(tab.post, company_url + "schritte/uebernehmen/", fields) for tab in tabs]
        )
        assert {reply.status for reply in replies} == {302}
        open_actions = live.query(
            "SELECT id FROM assessment_action WHERE company_id = %s AND recommendation_key = %s"
            " AND status IN ('planned', 'doing')",
            (trial["company"], trial["step"]),
        )
        assert len(open_actions) == 1


def test_two_owners_removing_each_other_leave_one(live: Live, data: dict) -> None:
    for trial in data["remove"]:
        company_url = f"{live.server.base}/firmen/{trial['company']}/"
        first, second = (live.browser(person["session"]) for person in trial["pair"])
        tokens = [csrf_token(person.get(company_url)) for person in (first, second)]
        removals = [
            (first, trial["pair"][1]["membership"], tokens[0]),
            (second, trial["pair"][0]["membership"], tokens[1]),
        ]
        replies = all_at_once(
            [
                partial(
                    person.post,
                    f"{company_url}mitglieder/{target}/entfernen/",
                    {"csrfmiddlewaretoken": token},
                )
                for person, target, token in removals
            ]
        )
        assert all(reply.status in {302, 404} for reply in replies)
        owners = live.query(
            "SELECT id FROM assessment_membership WHERE company_id = %s AND role = 'owner'",
            (trial["company"],),
        )
        assert len(owners) == 1


def test_no_answer_is_stored_after_the_check_is_finished(live: Live, data: dict) -> None:
    for trial in data["finish"]:
        owner = live.browser(trial["session"])
        check_url = f"{live.server.base}/check/{trial['assessment']}/"
        token = csrf_token(owner.get(check_url + "abschluss/"))
        answer = {
            "question": trial["question"],
            "option": trial["top"],
            "csrfmiddlewaretoken": token,
        }
        tabs = [copy_of(owner) for _ in range(5)]
        requests = [partial(tab.post, check_url + "antwort/", answer) for tab in tabs[:4]]
        requests.insert(
            2, partial(tabs[4].post, check_url + "abschluss/", {"csrfmiddlewaretoken": token})
        )
        replies = all_at_once(requests)
        assert replies[2].status == 302
        assert all(reply.status in {200, 409} for reply in replies[:2] + replies[3:])
        ((status, result),) = live.query(
            "SELECT status, result FROM assessment_assessment WHERE public_id = %s",
            (uuid_param(trial["assessment"]),),
        )
        assert status == "completed"
        result = json.loads(result) if isinstance(result, str) else result
        frozen = next(q for q in result["questions"] if q["key"] == trial["question"])
        ((options,),) = live.query(
            "SELECT a.options FROM assessment_answer a"
            " JOIN assessment_question q ON q.id = a.question_id"
            " JOIN assessment_assessment s ON s.id = a.assessment_id"
            " WHERE s.public_id = %s AND q.key = %s",
            (uuid_param(trial["assessment"]), trial["question"]),
        )
        options = json.loads(options) if isinstance(options, str) else options
        # The stored answer is the one the frozen result was computed from.
        assert (options == [trial["top"]]) == (frozen["score"] == 1.0)
