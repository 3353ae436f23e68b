"""The default questionnaire covers what a German consultant expects, in both languages."""

import datetime
import re
from collections import Counter
from pathlib import Path

import pytest

from assessment.models import Question, Recommendation
from assessment.questionnaire_file import load_questionnaire_file, parse_file
from tests.conftest import DEFAULT_QUESTIONNAIRE, ROOT

DOCS = ROOT / "docs"

DIMENSIONS = ["website", "accounting", "inventory", "communication", "strategy", "security"]


@pytest.fixture(scope="module")
def content():
    return parse_file(DEFAULT_QUESTIONNAIRE)


def test_six_dimensions_in_order(content):
    assert [d["key"] for d in content["dimensions"]] == DIMENSIONS


def test_six_to_ten_scored_questions_per_dimension(content):
    for dimension in content["dimensions"]:
        scored = [q for q in dimension["questions"] if q["scored"]]
        assert 6 <= len(scored) <= 10, dimension["key"]


def test_about_fifteen_to_twenty_minutes(content):
    questions = [q for d in content["dimensions"] for q in d["questions"]]
    assert 40 <= len(questions) <= 60


def test_all_three_kinds_and_na_are_used(content):
    questions = [q for d in content["dimensions"] for q in d["questions"]]
    kinds = Counter(q["kind"] for q in questions)
    assert kinds["single"] and kinds["multiple"] and kinds["scale"]
    assert any(q["allow_na"] for q in questions)
    assert any(o["exclusive"] for q in questions for o in q["options"])


def test_inventory_is_conditional_on_selling_goods(content):
    inventory = next(d for d in content["dimensions"] if d["key"] == "inventory")
    gate, *rest = inventory["questions"]
    assert not gate["scored"]
    assert all(q["condition"] and q["condition"]["question"] == gate["key"] for q in rest)


def test_cash_register_question_is_conditional_on_cash_sales(content):
    questions = {q["key"]: q for d in content["dimensions"] for q in d["questions"]}
    tse = [q for q in questions.values() if "TSE" in q["text"]["de"] + q["help"]["de"]]
    assert tse and all(q["condition"] for q in tse)


def test_shop_accessibility_is_conditional_and_cites_the_bfsg(content):
    questions = [q for d in content["dimensions"] for q in d["questions"]]
    accessible = [q for q in questions if "barrierefrei" in q["text"]["de"].lower()]
    assert accessible
    assert all(q["condition"] for q in accessible)
    assert any("BFSG" in source for q in accessible for source in q["sources"])


def test_legal_dates_in_questions_come_with_a_source(content):
    date = re.compile(r"\b(20\d\d)\b")
    for dimension in content["dimensions"]:
        for question in dimension["questions"]:
            text = question["text"]["de"] + question["help"]["de"]
            if date.search(text):
                assert question["sources"], question["key"]


def test_catalogue_has_at_least_forty_steps_over_all_dimensions(content):
    steps = content["recommendations"]
    assert len(steps) >= 40
    assert {s["dimension"] for s in steps} == set(DIMENSIONS)


def test_every_dimension_has_cheap_small_first_steps(content):
    for dimension in DIMENSIONS:
        free_and_small = [
            s
            for s in content["recommendations"]
            if s["dimension"] == dimension
            and s["cost_once"] == 0
            and s["cost_monthly"] == 0
            and s["effort_hours"] <= 4
        ]
        assert len(free_and_small) >= 2, dimension


def test_every_scored_question_leads_to_a_step(content):
    triggers = {s["trigger"]["question"] for s in content["recommendations"]}
    for dimension in content["dimensions"]:
        for question in dimension["questions"]:
            if question["scored"]:
                assert question["key"] in triggers, question["key"]


def steps_by_key(content) -> dict[str, dict]:
    return {step["key"]: step for step in content["recommendations"]}


def questions_by_key(content) -> dict[str, dict]:
    return {q["key"]: q for d in content["dimensions"] for q in d["questions"]}


def test_the_default_questionnaire_is_version_two(content):
    assert content["version"] == 2


# A legal source is a statute, an EU regulation or directive, a BMF letter or the Bundesgesetzblatt.
PRIMARY_SOURCE = re.compile(r"§|Art\.|BGBl\.|BMF-Schreiben|Verordnung \(EU\)|Richtlinie \(EU\)")


def test_every_legal_step_has_kind_primary_source_check_date_and_note(content):
    legal = [s for s in content["recommendations"] if s["legal"]]
    assert len(legal) >= 15
    for step in legal:
        fact = step["legal"]
        assert fact["kind"] in ("dated", "ongoing"), step["key"]
        assert PRIMARY_SOURCE.search(fact["source"]), step["key"]
        assert "BSI" not in fact["source"].replace("BSIG", ""), step["key"]
        assert fact["checked"] == "2026-12-01", step["key"]
        assert fact["note"]["de"] and fact["note"]["en"], step["key"]
        if fact["kind"] == "ongoing":
            assert fact["since"] and not fact["deadline"] and not fact["deadlines"], step["key"]
        else:
            assert bool(fact["deadline"]) != bool(fact["deadlines"]), step["key"]


def test_receiving_e_invoices_is_a_duty_for_everyone_since_2025(content):
    receiving = steps_by_key(content)["r_acc_einvoice_mailbox"]["legal"]
    assert receiving["kind"] == "dated" and receiving["deadline"] == "2025-01-01"
    assert receiving["applies_if"] == []
    assert "14 Abs. 1 UStG" in receiving["source"] and "15.10.2024" in receiving["source"]
    assert "Kleinunternehmer" in receiving["note"]["de"]


def test_issuing_e_invoices_depends_on_prior_year_turnover_and_exempts_kleinunternehmer(content):
    issuing = steps_by_key(content)["r_acc_einvoice_issue"]
    legal = issuing["legal"]
    assert legal["kind"] == "dated"
    assert [(rule["date"], rule["if"]) for rule in legal["deadlines"]] == [
        ("2027-01-01", [{"profile": "turnover", "any_of": ["le_2m", "le_10m", "gt_10m"]}]),
        ("2028-01-01", [{"profile": "turnover", "any_of": ["le_800k"]}]),
    ]
    assert legal["applies_if"] == [{"profile": "kleinunternehmer", "any_of": ["no"]}]
    assert "27 Abs. 38 UStG" in legal["source"] and "34a UStDV" in legal["source"]
    note = legal["note"]["de"]
    for fact in ("01.01.2027", "01.01.2028", "800.000 EUR", "Kleinunternehmer", "Zustimmung"):
        assert fact in note
    assert issuing["when"] == [{"profile": "customers", "any_of": ["businesses", "public"]}]


def test_an_open_cash_box_scores_above_a_tse_till_that_was_not_notified(content):
    till = questions_by_key(content)["acc_tse"]
    points = {option["key"]: option["points"] for option in till["options"]}
    assert points["no_tse"] < points["tse"] < points["open_till"] < points["tse_registered"]
    assert any("146 Abs. 1 AO" in source for source in till["sources"])


def test_tse_and_elster_steps_are_only_for_electronic_tills_that_lack_them(content):
    for step in content["recommendations"]:
        title = step["title"]["de"]
        if "TSE" in title or "ELSTER" in title:
            assert step["trigger"]["question"] == "acc_tse", step["key"]
            assert set(step["trigger"]["any_of"]) <= {"no_tse", "tse"}, step["key"]
    open_till_steps = [
        s for s in content["recommendations"] if "open_till" in s["trigger"]["any_of"]
    ]
    assert [s["key"] for s in open_till_steps] == ["r_acc_cash_book"]
    assert open_till_steps[0]["legal"] is None


def test_existential_steps_are_backup_two_factor_and_a_missing_tse(content):
    existential = {s["key"] for s in content["recommendations"] if s["existential"]}
    assert existential == {
        "r_sec_backup_cloud",
        "r_sec_backup_rotation",
        "r_sec_backup_offsite",
        "r_sec_2fa",
        "r_sec_2fa_banking",
        "r_acc_tse_retrofit",
        "r_acc_new_till",
    }


def test_off_site_backup_offers_cheap_variants_beside_the_big_solution(content):
    steps = steps_by_key(content)
    group = [s for s in content["recommendations"] if s["group"] == "backup_offsite"]
    assert {s["key"] for s in group} == {
        "r_sec_backup_cloud",
        "r_sec_backup_rotation",
        "r_sec_backup_offsite",
    }
    yearly = {s["key"]: s["cost_once"] + 12 * s["cost_monthly"] for s in group}
    assert steps["r_sec_backup_offsite"]["cost_once"] == 500
    assert min(yearly.values()) <= 150 < yearly["r_sec_backup_offsite"]
    assert all(s["trigger"]["any_of"] == ["none", "manual", "auto_onsite"] for s in group)


def test_the_two_factor_step_covers_e_mail_and_banking(content):
    step = steps_by_key(content)["r_sec_2fa"]
    for language, words in (("de", ("E-Mail", "Onlinebanking")), ("en", ("e-mail", "banking"))):
        assert all(word in step["title"][language] for word in words)
        assert all(word in step["description"][language] for word in words)
    assert step["trigger"] == {
        "question": "sec_2fa",
        "dimension": None,
        "below": 100.0,
        "any_of": [],
        "none_of": ["email"],
    }


def test_there_is_one_way_to_say_we_send_no_newsletter(content):
    newsletter = questions_by_key(content)["com_newsletter"]
    assert not newsletter["allow_na"]
    points = {option["key"]: option["points"] for option in newsletter["options"]}
    assert points["no_proof"] < points["none"] < points["irregular_doi"] < points["regular_doi"]
    for step in content["recommendations"]:
        if step["trigger"]["question"] == "com_newsletter" and "none" in step["trigger"]["any_of"]:
            assert step["legal"] is None, step["key"]
    consent = steps_by_key(content)["r_com_newsletter_doi"]
    assert consent["trigger"]["any_of"] == ["no_proof"]


WEBSITE_QUESTIONS_THAT_NEED_A_SITE = ("web_currency", "web_mobile", "web_legal", "web_analytics")


def test_questions_about_the_website_are_hidden_without_one(content):
    questions = questions_by_key(content)
    for key in WEBSITE_QUESTIONS_THAT_NEED_A_SITE:
        condition = questions[key]["condition"]
        assert condition["question"] == "web_editing"
        assert "no_site" not in condition["any_of"], key
    for step in content["recommendations"]:
        if step["legal"] and step["dimension"] == "website":
            trigger = step["trigger"]["question"]
            assert questions[trigger]["condition"], step["key"]


def test_online_booking_of_paid_services_is_covered_by_the_bfsg_question(content):
    accessibility = questions_by_key(content)["web_shop_accessibility"]
    assert accessibility["condition"] == {
        "question": "web_online_sales",
        "any_of": ["booking", "shop"],
    }
    for key in ("r_web_accessibility_quickcheck", "r_web_accessibility"):
        legal = steps_by_key(content)[key]["legal"]
        assert legal["deadline"] == "2025-06-28"
        assert {"profile": "customers", "any_of": ["consumers"]} in legal["applies_if"]
        assert "Kleinstunternehmen" in legal["note"]["de"]


# Behaviours that version 1 counted in two areas, and the one question that counts each now
# (searched in option labels; None: no scored question's options mention it).
ONE_BEHAVIOUR_ONE_QUESTION = [
    (re.compile(r"verbindlich buchen|Online-Buchung|online buchen", re.I), "web_online_sales"),
    (re.compile(r"um eine (Online-)?Bewertung", re.I), "com_offline_online"),
    (re.compile(r"Webseite ändern|Texte, Öffnungszeiten oder Preise", re.I), None),
    (re.compile(r"gezählt|Zählliste|Inventur", re.I), "inv_stocktaking"),
]


def test_one_behaviour_is_counted_in_one_question_only(content):
    for pattern, owner in ONE_BEHAVIOUR_ONE_QUESTION:
        holders = {
            question["key"]
            for dimension in content["dimensions"]
            for question in dimension["questions"]
            if question["scored"]
            for option in question["options"]
            if pattern.search(option["label"]["de"])
        }
        assert holders == ({owner} if owner else set()), pattern.pattern


def test_kpis_can_show_an_effect_within_one_six_month_loop(content):
    for step in content["recommendations"]:
        metric = step["kpi"]["metric"]["de"]
        assert step["kpi"]["unit"] != "hours/year", step["key"]
        assert "pro Jahr" not in metric and "IT-Ausfälle" not in metric, step["key"]
        assert not metric.startswith("Besucher"), step["key"]
        assert "gemeldete verdächtige" not in metric.lower(), step["key"]
        # Stocktaking happens once a year: its KPIs use a trial count or a monthly sample.
        assert "Inventur" not in metric, step["key"]
    revenue = steps_by_key(content)["r_str_effect"]["kpi"]
    assert revenue["unit"] == "EUR/month" and "umsatz" in revenue["metric"]["de"].lower()


def test_reassessment_is_not_a_step(content):
    assert not any("neu einschätzen" in s["title"]["de"] for s in content["recommendations"])


# Topic of issue 12 (point 4 and the roadmap rules) -> question keys, step keys. The same
# table is in docs/content-topics.md.
TOPICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "e-invoice receiving": (
        ("acc_einvoice_receive",),
        ("r_acc_einvoice_mailbox", "r_acc_einvoice_processing"),
    ),
    "e-invoice issuing": (("acc_invoicing",), ("r_acc_einvoice_issue", "r_acc_invoice_software")),
    "open cash box and tse": (
        ("acc_cash_sales", "acc_tse"),
        ("r_acc_cash_book", "r_acc_tse_register", "r_acc_tse_retrofit", "r_acc_new_till"),
    ),
    "bfsg": (
        ("web_online_sales", "web_shop_accessibility"),
        ("r_web_accessibility_quickcheck", "r_web_accessibility"),
    ),
    "widerrufsbutton": (("web_shop_legal",), ("r_web_withdrawal_button", "r_web_withdrawal_info")),
    "os platform": (("web_shop_legal",), ("r_web_odr_link",)),
    "embedded maps and videos": (("web_legal",), ("r_web_consent", "r_web_privacy_policy")),
    "impressum": (("web_legal",), ("r_web_legal_pages",)),
    "own e-mail domain": (("sec_email_domain",), ("r_sec_own_domain", "r_sec_mail_auth")),
    "data protection officer": (("sec_privacy_org",), ("r_sec_dpo",)),
    "nis2": ((), ("r_sec_nis2_supply_chain",)),
    "data-subject requests": (("sec_privacy_org",), ("r_sec_dsr_process",)),
    "internet connection": (("com_internet",), ("r_com_internet_check", "r_com_internet_fallback")),
    "newsletter": (
        ("com_newsletter",),
        ("r_com_newsletter_doi", "r_com_newsletter_start", "r_com_newsletter_rhythm"),
    ),
    "off-site backup": (
        ("sec_backup",),
        ("r_sec_backup_cloud", "r_sec_backup_rotation", "r_sec_backup_offsite"),
    ),
    "two-factor login": (("sec_2fa",), ("r_sec_2fa", "r_sec_2fa_banking", "r_sec_2fa_more")),
    "no website": (
        ("web_editing", "web_currency", "web_mobile", "web_legal", "web_analytics"),
        ("r_web_first_site", "r_web_google_profile"),
    ),
    "online booking counted once": (
        ("web_online_sales", "com_reminders"),
        ("r_web_booking", "r_com_reminders"),
    ),
    "reviews counted once": (
        ("com_offline_online", "com_reviews"),
        ("r_com_review_cards", "r_com_reviews_reply"),
    ),
    "owner self-service counted once": (
        ("str_self_service",),
        ("r_str_self_service", "r_str_contracts_list"),
    ),
    "barcodes and stocktaking counted once": (
        ("inv_barcodes", "inv_stocktaking"),
        ("r_inv_barcodes", "r_inv_stocktaking_app"),
    ),
    "kpis within six months": (
        ("web_analytics", "web_currency", "sec_phishing", "sec_records", "inv_stocktaking"),
        (
            "r_web_analytics",
            "r_web_review_routine",
            "r_sec_phishing_talk",
            "r_sec_managed_it",
            "r_sec_records",
            "r_str_quarterly_review",
            "r_str_first_test",
            "r_str_training_plan",
            "r_inv_stocktaking_app",
            "r_inv_shrinkage",
        ),
    ),
    "effect on revenue": (("str_effect",), ("r_str_effect",)),
}


def test_every_topic_maps_to_keys_that_exist(content):
    questions, steps = questions_by_key(content), steps_by_key(content)
    for topic, (question_keys, step_keys) in TOPICS.items():
        assert set(question_keys) <= set(questions), topic
        assert step_keys and set(step_keys) <= set(steps), topic


def markdown_table_rows(path: Path, first_header: str) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def keys_in(cell: str) -> set[str]:
    return {key.strip() for key in cell.split(",") if key.strip() not in ("", "-")}


def test_the_topic_table_in_the_docs_lists_the_same_keys(content):
    rows = markdown_table_rows(DOCS / "content-topics.md", "Topic")
    documented = sorted((keys_in(row[1]), keys_in(row[2])) for row in rows)
    expected = sorted((set(q), set(s)) for q, s in TOPICS.values())
    assert documented == expected


def test_every_legal_step_is_listed_in_the_legal_facts_document(content):
    rows = markdown_table_rows(DOCS / "legal-facts.md", "Step")
    listed = {}
    for row in rows:
        for key in re.findall(r"r_[a-z0-9_]+", row[0]):
            listed[key] = row
    for step in content["recommendations"]:
        if step["legal"]:
            assert step["key"] in listed, step["key"]
            assert listed[step["key"]][1] == step["legal"]["kind"], step["key"]
            assert listed[step["key"]][-1] == step["legal"]["checked"], step["key"]


def test_texts_are_german_first_with_real_umlauts(content):
    german = " ".join(
        q["text"]["de"] + q["help"]["de"] for d in content["dimensions"] for q in d["questions"]
    )
    assert re.search(r"[äöüß]", german)
    english = " ".join(q["text"]["en"] for d in content["dimensions"] for q in d["questions"])
    assert not re.search(r"[äöüß]", english)


@pytest.mark.django_db
def test_default_questionnaire_loads_and_reloads_unchanged():
    first = load_questionnaire_file(path=DEFAULT_QUESTIONNAIRE)
    assert first.action == "created"
    assert load_questionnaire_file(path=DEFAULT_QUESTIONNAIRE).action == "unchanged"
    questionnaire = first.questionnaire
    assert Question.objects.filter(questionnaire=questionnaire).count() >= 40
    assert Recommendation.objects.filter(questionnaire=questionnaire).count() >= 40


@pytest.mark.django_db
def test_a_weak_company_gets_a_full_roadmap_and_a_poor_one_still_gets_steps(default_questionnaire):
    from assessment.engine.roadmap import Budget, plan
    from assessment.engine.scoring import AnswerInput, score

    spec = default_questionnaire.scoring_spec()
    # The weakest answer everywhere, selling goods in the shop and taking cash.
    answers = {}
    for question in spec.questions:
        if question.scored:
            weakest = min(question.options, key=lambda option: option.points)
            answers[question.key] = AnswerInput(options=(weakest.key,))
        else:
            answers[question.key] = AnswerInput(options=(question.options[-1].key,))
    result = score(spec, answers)
    assert result.overall == 0.0
    catalogue = default_questionnaire.catalogue_spec()
    today = datetime.date(2026, 12, 1)
    roadmap = plan(
        result, catalogue, Budget(monthly_eur=200, monthly_hours=10), answers=answers, today=today
    )
    assert len(roadmap.phases[0].steps) >= 3
    # Urgent steps (existential risks, duties whose date has passed) come first.
    first = roadmap.steps[0]
    assert first.urgent and (first.existential or first.overdue)
    poor = plan(
        result, catalogue, Budget(monthly_eur=0, monthly_hours=2), answers=answers, today=today
    )
    assert poor.phases[0].steps
    # With no money, only urgent steps and duties due within the year (or their prerequisites)
    # cost anything, and they say they are over budget and why.
    for step in poor.steps:
        if step.cost_once or step.cost_monthly:
            assert step.over_budget
            assert step.over_budget_reason == ("urgent" if step.urgent else "deadline")


def text_pairs(node: object, where: str = "") -> list[tuple[str, dict]]:
    """Every {de, en} text of the file with where it stands."""
    if isinstance(node, dict):
        if set(node) == {"de", "en"}:
            return [(where, node)]
        return [pair for key, value in node.items() for pair in text_pairs(value, f"{where}.{key}")]
    if isinstance(node, list):
        return [
            pair
            for index, value in enumerate(node)
            for pair in text_pairs(value, f"{where}[{index}]")
        ]
    return []


def test_every_text_has_its_own_english_version():
    """Questions, options, hints, levels, steps, KPIs and legal notes: none left in German."""
    import yaml

    pairs = text_pairs(yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8")))
    assert len(pairs) > 500
    untranslated = [
        where
        for where, text in pairs
        if not str(text["en"]).strip()
        or " ".join(str(text["en"]).split()) == " ".join(str(text["de"]).split())
    ]
    assert untranslated == []
