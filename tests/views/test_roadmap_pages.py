"""The roadmap as people see it: profile facts in the forms, badges, notes and reasons on the
results page and in the PDF, and advice from the newest catalogue for older checks."""

import copy
import datetime
import json
import re

import pytest
import yaml
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from assessment.models import Action, Assessment, Company, Membership
from assessment.questionnaire_file import load_questionnaire_file
from assessment.reports import pdf
from assessment.reports.context import report_context
from assessment.reports.data import build_report, check_state, results_data
from tests.conftest import SMALL_QUESTIONNAIRE
from tests.factories import PROFILE, completed_assessment, hold_link


def grant(client, assessment: Assessment) -> None:
    hold_link(client, assessment)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- Profile facts in the forms


@pytest.mark.django_db
def test_the_profile_form_stores_the_facts_the_legal_layer_needs(client, default_questionnaire):
    page = client.get(reverse("profile")).content.decode()
    assert "2026" in page and "§ 19 UStG" in page and "§ 38 BDSG" in page
    response = client.post(
        reverse("profile"),
        {
            **PROFILE,
            "turnover_band": "le_2m",
            "kleinunternehmer": "no",
            "customers": ["consumers", "businesses"],
            "staff_personal_data": "ge_20",
        },
    )
    assert response.status_code == 200
    company = Company.objects.get()
    assert company.profile_facts() == {
        "industry": "retail",
        "size": "2-9",
        "turnover": "le_2m",
        "kleinunternehmer": "no",
        "customers": ("businesses", "consumers"),
        "staff_personal_data": "ge_20",
    }


@pytest.mark.django_db
def test_facts_left_open_are_unknown_and_bad_values_are_refused(client, default_questionnaire):
    assert client.post(reverse("profile"), PROFILE).status_code == 200
    facts = Company.objects.get().profile_facts()
    assert facts["turnover"] == facts["kleinunternehmer"] == "unknown"
    assert facts["customers"] == ()
    # Left open by a company of 2-9 people: stored as unknown, read as fewer than 20.
    assert Company.objects.get().staff_personal_data == "unknown"
    assert facts["staff_personal_data"] == "lt_20"
    response = client.post(reverse("profile"), {**PROFILE, "turnover_band": "huge"})
    assert response.status_code == 400
    response = client.post(reverse("profile"), {**PROFILE, "customers": ["aliens"]})
    assert response.status_code == 400
    assert Company.objects.count() == 1


@pytest.mark.django_db
def test_company_settings_change_the_facts(client, company, owner):
    client.force_login(owner)
    response = client.post(
        reverse("company_settings", args=[company.pk]),
        {
            "name": company.name,
            "region": company.region,
            "turnover_band": "gt_10m",
            "kleinunternehmer": "no",
            "customers": ["public"],
            "staff_personal_data": "lt_20",
            "monthly_budget_eur": 100,
            "monthly_hours": 8,
            "reassessment_interval_months": 6,
        },
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.turnover_band, company.customers) == ("gt_10m", ["public"])
    page = client.get(reverse("company", args=[company.pk])).content.decode()
    assert 'name="turnover_band"' in page and 'name="customers"' in page


def test_the_new_client_form_asks_for_the_facts():
    from assessment.forms import ClientForm

    form = ClientForm()
    for name in ("turnover_band", "kleinunternehmer", "customers", "staff_personal_data"):
        assert name in form.fields


# --- Results page and PDF


@pytest.fixture
def weak_carpenter(default_questionnaire):
    company = Company(
        name="Tischlerei Holz",
        industry="crafts",
        size_band="2-9",
        monthly_budget_eur=150,
        monthly_hours=6,
        turnover_band="le_800k",
        kleinunternehmer="no",
        customers=["consumers", "businesses"],
        staff_personal_data="lt_20",
    )
    return completed_assessment(default_questionnaire, company=company, level=0.0)


def test_roadmap_page_shows_badges_only_where_duties_apply_notes_and_reasons(
    client, weak_carpenter
):
    grant(client, weak_carpenter)
    html = client.get(reverse("roadmap", args=[weak_carpenter.public_id])).content.decode()
    report = build_report(assessment=weak_carpenter)
    context = report_context(report)
    items = [item for phase in context["phases"] for item in phase["steps"]]
    legal_items = [item for item in items if item["recommendation"].legal_kind]
    assert legal_items
    for item in legal_items:
        # The note is shown with every legal step, the badge only where the duty applies.
        assert item["recommendation"].legal_note_de.split("\n")[0][:30] in html.replace(
            "&quot;", '"'
        ).replace("&#x27;", "'")
        assert bool(item["legal_badge"]) == (item["step"].legal_status == "applies")
        if item["step"].legal_kind == "ongoing" and item["legal_badge"]:
            assert "gilt seit" in item["legal_badge"]
    page = text_of(html)
    reassess = report.roadmap.reassess_on.strftime("%d.%m.%Y").lstrip("0")
    assert "Neu einschätzen" in page
    assert str(report.roadmap.reassess_on.year) in page and reassess[-4:] in page
    assert "mehr Budget und Zeit" not in page
    for item in context["unscheduled"]:
        assert item["waiting"]
    if any(item["step"].over_budget_reason == "urgent" for item in items):
        assert "über Budget, aber dringend" in page


def step_keys(html: str, attribute: str = "data-step") -> list[str]:
    return re.findall(rf'{attribute}="([^"]+)"', html)


def test_the_results_page_sums_the_roadmap_up_and_its_own_page_lists_every_step(
    client, weak_carpenter
):
    grant(client, weak_carpenter)
    results = client.get(reverse("results", args=[weak_carpenter.public_id])).content.decode()
    roadmap_url = reverse("roadmap", args=[weak_carpenter.public_id])
    roadmap = build_report(assessment=weak_carpenter).roadmap
    assert len(roadmap.steps) + len(roadmap.unscheduled) > 40
    # The fold: each phase with its dates and how many steps it holds, and the way to them.
    assert step_keys(results) == []
    assert step_keys(results, "data-phase") == [phase.key for phase in roadmap.phases]
    counts = [int(n) for n in re.findall(r"data-step-count>(\d+) Schritte", results)]
    assert counts == [len(phase.steps) for phase in roadmap.phases]
    assert f"Danach: {len(roadmap.unscheduled)} weitere Schritte" in results
    assert f'data-roadmap-src="{roadmap_url}"' in results
    # The next steps' link and the fold's link both lead there.
    assert results.count(f'href="{roadmap_url}"') == 2
    # The next three steps stay on the first screen.
    assert step_keys(results, "data-next-step") == [s.key for s in roadmap.next_steps()]

    page = client.get(roadmap_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert step_keys(html) == [s.key for s in [*roadmap.steps, *roadmap.unscheduled]]
    assert step_keys(html, "data-phase") == [phase.key for phase in roadmap.phases]
    assert "Woran Sie den Erfolg messen" in html and "Quelle" in html
    assert f'href="{reverse("results", args=[weak_carpenter.public_id])}"' in html
    # A visitor holding the link is offered no list of the company's.
    assert "Auf meine Liste" not in html


def test_a_member_adds_steps_from_the_roadmap_page_and_sees_what_is_on_the_list(
    client, weak_carpenter, owner
):
    Membership.objects.create(company=weak_carpenter.company, user=owner, role="owner")
    client.force_login(owner)
    roadmap = build_report(assessment=weak_carpenter).roadmap
    adopted = roadmap.steps[3]
    Action.objects.create(
        company=weak_carpenter.company, recommendation_key=adopted.key, title=adopted.key
    )
    html = client.get(reverse("roadmap", args=[weak_carpenter.public_id])).content.decode()
    items = dict(
        re.findall(r'<li class="list-group-item" data-step="([^"]+)">(.*?)</li>', html, re.S)
    )
    assert "data-on-list" in items[adopted.key] and "Auf meine Liste" not in items[adopted.key]
    others = [key for key in items if key != adopted.key]
    assert others and all("Auf meine Liste" in items[key] for key in others)
    assert f'action="{reverse("adopt", args=[weak_carpenter.company_id])}"' in html


def test_the_roadmap_page_speaks_english(client, weak_carpenter):
    grant(client, weak_carpenter)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("roadmap", args=[weak_carpenter.public_id])).content.decode()
    assert '<html lang="en"' in html
    assert "Back to the result" in html and "Your roadmap" in html
    assert "Zurück zum Ergebnis" not in html and "Woran Sie" not in html
    results = client.get(reverse("results", args=[weak_carpenter.public_id])).content.decode()
    assert "Every step with effort, cost, KPI and legal notes" in results
    assert re.search(r"data-step-count>\d+ steps", results)


def test_another_companys_roadmap_is_not_found(client, weak_carpenter, outsider):
    url = reverse("roadmap", args=[weak_carpenter.public_id])
    assert client.get(url).status_code == 404
    client.force_login(outsider)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("earlier_checks", [1, 8])
def test_roadmap_page_queries_do_not_grow_with_the_company(
    default_questionnaire, django_assert_max_num_queries, earlier_checks, client
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
    latest = completed_assessment(default_questionnaire, company=company, level=0.3)
    grant(client, latest)
    url = reverse("roadmap", args=[latest.public_id])
    client.get(url)
    # Session, the assessment with its company and questionnaire, the newest catalogue, the
    # revision and the cached data.
    with django_assert_max_num_queries(5):
        assert client.get(url).status_code == 200


def test_the_pdf_prints_levers_legal_notes_and_the_reassessment_date(weak_carpenter):
    with translation.override("de"):
        html = pdf.report_html(build_report(assessment=weak_carpenter))
    page = text_of(html)
    assert "Die fünf größten Hebel" in page
    assert "Neu einschätzen" in page
    assert "Quelle:" in page
    assert "mehr Budget und Zeit" not in page


def test_the_pdf_revision_changes_with_the_day(weak_carpenter, monkeypatch):
    first = pdf.revision_of(weak_carpenter, "de")
    assert pdf.revision_of(weak_carpenter, "de") == first
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args: tomorrow)
    assert pdf.revision_of(weak_carpenter, "de") != first


def test_the_roadmap_counts_from_the_day_it_is_shown(weak_carpenter, monkeypatch):
    later = datetime.date(2031, 5, 4)
    monkeypatch.setattr(timezone, "localdate", lambda *args: later)
    roadmap = build_report(assessment=weak_carpenter).roadmap
    assert roadmap.today == later and roadmap.phases[0].starts == later
    duties = [
        step
        for step in [*roadmap.steps, *roadmap.unscheduled]
        if step.legal_kind == "dated" and step.legal_status == "applies"
    ]
    assert duties
    for step in duties:
        assert step.overdue == (step.legal_date <= later)
        assert step.overdue  # in 2031 every dated duty of the catalogue has passed


# --- Old checks get the newest advice


def small_file(tmp_path, version: int, mutate=None):
    data = yaml.safe_load(SMALL_QUESTIONNAIRE.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["version"] = version
    if mutate:
        mutate(data)
    path = tmp_path / f"small-v{version}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_completed_check_is_planned_with_the_newest_catalogue(tmp_path, db):
    old = load_questionnaire_file(path=small_file(tmp_path, 1)).questionnaire
    assessment = completed_assessment(old, level=0.0)
    before = build_report(assessment=assessment)
    frozen = assessment.result
    assert before.advice.questionnaire == old
    planned_before = {step.key for step in [*before.roadmap.steps, *before.roadmap.unscheduled]}
    assert planned_before

    def rule_out_everything(data):
        first_question = data["dimensions"][0]["questions"][0]
        for step in data["recommendations"]:
            step["unless"] = [
                {"question": first_question["key"], "any_of": [first_question["options"][0]["key"]]}
            ]
            step["title"]["de"] = "Neu: " + step["title"]["de"]

    newer = load_questionnaire_file(path=small_file(tmp_path, 2, rule_out_everything)).questionnaire
    after = build_report(assessment=Assessment.objects.get(pk=assessment.pk))
    assert after.advice.questionnaire == newer
    assert after.content.questionnaire == old  # questions and scores stay those of version 1
    assert Assessment.objects.get(pk=assessment.pk).result == frozen
    # The weakest answer to the first question now rules every step out.
    assert not after.roadmap.steps and not after.roadmap.unscheduled


def test_the_results_page_takes_up_a_newer_catalogue_at_once(tmp_path, db):
    """The check's state names the newest version of its questionnaire: loading one changes
    the revision, so cached results of an older version are planned anew with its steps."""
    old = load_questionnaire_file(path=small_file(tmp_path, 1)).questionnaire
    assessment = completed_assessment(old, level=0.0)

    def reloaded() -> Assessment:
        return Assessment.objects.select_related("company", "questionnaire").get(pk=assessment.pk)

    assert results_data(assessment=reloaded()).report.advice.questionnaire == old
    assert results_data(assessment=reloaded()).from_cache
    assert check_state(reloaded(), "de").advice.questionnaire == old

    def retitle(data):
        for step in data["recommendations"]:
            step["title"]["de"] = "Neu: " + step["title"]["de"]

    newer = load_questionnaire_file(path=small_file(tmp_path, 2, retitle)).questionnaire
    assert check_state(reloaded(), "de").advice.questionnaire == newer
    data = results_data(assessment=reloaded())
    assert not data.from_cache
    assert data.report.advice.questionnaire == newer
    assert data.report.content.questionnaire == old
    steps = [step for phase in data.report.roadmap.phases for step in phase.steps]
    assert steps
    with translation.override("de"):
        assert all(
            data.report.advice.recommendation(step.key).title.startswith("Neu: ") for step in steps
        )


def test_the_pdf_is_planned_with_the_catalogue_its_revision_names(tmp_path, db, monkeypatch):
    """The stored PDF's revision and its roadmap come from the same newest version: the
    catalogue is read once, with the revision, and not looked up again for the plan."""
    from assessment.models import Questionnaire
    from tests.test_pdf import pdf_text

    old = load_questionnaire_file(path=small_file(tmp_path, 1)).questionnaire
    assessment = completed_assessment(old, level=0.0)

    def retitle(data):
        for step in data["recommendations"]:
            step["title"]["de"] = "Neu: " + step["title"]["de"]

    newer = load_questionnaire_file(path=small_file(tmp_path, 2, retitle)).questionnaire
    reloaded = Assessment.objects.select_related("company", "questionnaire").get(pk=assessment.pk)

    def looked_up_again(self):
        raise AssertionError("the catalogue was looked up a second time")

    monkeypatch.setattr(Questionnaire, "advice_content", looked_up_again)
    with translation.override("de"):
        state = pdf.pdf_state(reloaded, "de")
        made = pdf.assessment_pdf(assessment=reloaded)
    assert state.advice.questionnaire == newer
    assert made.revision == state.revision
    assert "Neu: " in pdf_text(made.content)


def test_the_json_export_carries_the_legal_layer_and_the_reassessment_date(weak_carpenter):
    from assessment.reports.export import export_data

    with translation.override("de"):
        report = build_report(assessment=weak_carpenter)
        data = json.loads(json.dumps(export_data(report)))
    roadmap = data["roadmap"]
    assert roadmap["planned_on"] == report.roadmap.today.isoformat()
    assert roadmap["reassess_on"] == report.roadmap.reassess_on.isoformat()
    assert data["company"]["profile"]["turnover"] == "le_800k"
    steps = [step for phase in roadmap["phases"] for step in phase["steps"]]
    legal = [step for step in steps if step["legal"]]
    assert legal and all(step["legal"]["source"] and step["legal"]["note"] for step in legal)
    assert all(step["legal"]["applies"] in ("applies", "possibly", "not") for step in legal)
    for step in roadmap["unscheduled"]:
        assert step["waiting_reason"] in ("hours", "money", "hours_and_money", "prerequisite")
