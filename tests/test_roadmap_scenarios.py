"""Roadmaps an adviser would sign, for written company profiles and for random answers.

Each scenario is a company described in plain words: its profile facts, its budget and its
answers to the default questionnaire (a middling company, changed where the description says
so). The assertions read like the adviser's checklist: what must be in "Jetzt", which steps
must never appear, which steps carry a duty badge.

The property test at the end draws random answers and profiles and checks the plans against
a hand-written table of step/answer pairs that contradict each other; that table is written
from the questions' meaning, not from the catalogue's conditions.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.engine import roadmap, scoring

TODAY = datetime.date(2026, 12, 1)

# A middling company: some things done, many gaps, no website shop, no cash, no goods.
BASE: dict[str, str | list[str] | None] = {
    "web_editing": "external",
    "web_currency": "yearly",
    "web_mobile": "ok",
    "web_legal": ["imprint", "privacy"],
    "web_findability": ["google_profile"],
    "web_analytics": "host_stats",
    "web_online_sales": "none",
    "web_improvements": "unmeasured",
    "acc_bookkeeping": "upload",
    "acc_archive": "software",
    "acc_bank_link": "export",
    "acc_einvoice_receive": "mailbox",
    "acc_invoicing": "software",
    "acc_dunning": "list",
    "acc_cash_sales": "none",
    "acc_monthly_figures": "quarterly",
    "acc_payments": ["qr_code"],
    "inv_sells_goods": "none",
    "com_newsletter": "none",
    "com_social": "rarely",
    "com_reviews": "read",
    "com_channels": ["phone", "email"],
    "com_reminders": "manual",
    "com_crm": "list",
    "com_offline_online": ["print"],
    "com_team": ["calendar"],
    "com_measure": "feeling",
    "com_internet": "good",
    "str_owner": "owner_aside",
    "str_budget": "case_by_case",
    "str_plan": "in_head",
    "str_review": "on_problems",
    "str_experiments": "unmeasured",
    "str_effect": "feeling",
    "str_self_service": ["contracts"],
    "str_training": "on_new_tool",
    "str_trends": "tried",
    "sec_backup": "auto_offsite",
    "sec_updates": "mostly",
    "sec_2fa": ["email", "banking"],
    "sec_passwords": "browser",
    "sec_phishing": "onboarding",
    "sec_avv": "some",
    "sec_records": "started",
    "sec_emergency": "in_head",
    "sec_email_domain": "own_domain",
    "sec_privacy_org": "owner_ad_hoc",
}

BASE_FACTS: dict[str, object] = {
    "industry": "services",
    "size": "2-9",
    "turnover": "le_800k",
    "kleinunternehmer": "no",
    "customers": ("businesses", "consumers"),
    "staff_personal_data": "lt_20",
}


@dataclass(frozen=True)
class Scenario:
    answers: dict[str, str | list[str] | None] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)
    monthly_eur: float = 150
    monthly_hours: float = 6


def answer_inputs(answers: dict[str, str | list[str] | None]) -> dict[str, scoring.AnswerInput]:
    inputs = {}
    for key, value in answers.items():
        if value is None:
            inputs[key] = scoring.AnswerInput(not_applicable=True)
        else:
            options = (value,) if isinstance(value, str) else tuple(value)
            inputs[key] = scoring.AnswerInput(options=options)
    return inputs


def plan_answers(content, answers, facts, monthly_eur, monthly_hours) -> roadmap.Roadmap:
    inputs = answer_inputs(answers)
    # As the reports do: answers to questions hidden by a condition count as not given.
    visible = scoring.visibility(content.spec, inputs)
    shown = {key: value for key, value in inputs.items() if visible.get(key, False)}
    result = scoring.score(content.spec, shown)
    return roadmap.plan(
        result,
        content.catalogue,
        roadmap.Budget(monthly_eur=monthly_eur, monthly_hours=monthly_hours),
        answers=shown,
        facts=facts,
        today=TODAY,
    )


def plan_for(content, scenario: Scenario) -> roadmap.Roadmap:
    return plan_answers(
        content,
        {**BASE, **scenario.answers},
        {**BASE_FACTS, **scenario.facts},
        scenario.monthly_eur,
        scenario.monthly_hours,
    )


SCENARIOS: dict[str, Scenario] = {
    # The carpenter of issue 12: 8 people, 150 EUR and 6 hours a month, manual USB backups,
    # two-factor login only for online banking, open cash box with a paper cash book, no
    # newsletter, website run by an agency.
    "carpenter": Scenario(
        answers={
            "sec_backup": "manual",
            "sec_2fa": ["banking"],
            "acc_cash_sales": "cash",
            "acc_tse": "open_till",
            "com_newsletter": "none",
            "web_editing": "external",
        },
        facts={"industry": "crafts", "size": "2-9", "turnover": "le_800k"},
    ),
    # A tax-consulting office without a website, only business customers.
    "service_without_website": Scenario(
        answers={
            "web_editing": "no_site",
            "web_online_sales": "none",
            "web_findability": ["none"],
        },
        facts={"industry": "services", "size": "10-49", "customers": ("businesses",)},
        monthly_eur=300,
        monthly_hours=8,
    ),
    # An online shop for consumers with 12 staff and goods in stock.
    "b2c_online_shop": Scenario(
        answers={
            "web_editing": "self_easy",
            "web_online_sales": "shop",
            "web_shop_accessibility": "unchecked",
            "web_shop_legal": ["withdrawal_info"],
            "web_legal": ["imprint", "privacy", "consent"],
            "inv_sells_goods": "online",
            "inv_stock_knowledge": "system",
            "inv_till_link": "live",
            "inv_reorder": "reorder_points",
            "inv_supplier_orders": "portal",
            "inv_channel_sync": "partly",
            "inv_barcodes": "till",
            "inv_stocktaking": "app",
            "inv_sales_data": "regularly",
            "com_newsletter": "regular_doi",
            "acc_payments": ["online", "qr_code"],
        },
        facts={
            "industry": "retail",
            "size": "10-49",
            "turnover": "le_2m",
            "customers": ("consumers",),
        },
        monthly_eur=500,
        monthly_hours=12,
    ),
    # A restaurant with a TSE till that was never notified via ELSTER.
    "restaurant_with_tse_till": Scenario(
        answers={
            "acc_cash_sales": "cash",
            "acc_tse": "tse",
            "acc_payments": ["card"],
            "com_reminders": None,
        },
        facts={"industry": "hospitality", "size": "10-49", "customers": ("consumers",)},
        monthly_eur=200,
        monthly_hours=6,
    ),
    # A one-person Kleinunternehmer with handwritten invoices and a free e-mail address.
    "kleinunternehmer": Scenario(
        answers={
            "acc_invoicing": "handwritten",
            "acc_einvoice_receive": "unknown",
            "sec_email_domain": "freemail",
            "sec_backup": "none",
            "sec_2fa": ["none"],
            "com_team": None,
        },
        facts={"size": "1", "kleinunternehmer": "yes", "turnover": "le_800k"},
        monthly_eur=50,
        monthly_hours=4,
    ),
    # A wholesaler selling to businesses, prior-year turnover above 800,000 EUR, PDF invoices.
    "b2b_wholesaler": Scenario(
        answers={
            "acc_invoicing": "software",
            "inv_sells_goods": "both",
            "inv_stock_knowledge": "system",
            "inv_till_link": "daily_import",
            "inv_reorder": "reorder_points",
            "inv_supplier_orders": "email",
            "inv_channel_sync": "manual",
            "inv_barcodes": "till",
            "inv_stocktaking": "typed",
            "inv_sales_data": "sometimes",
        },
        facts={
            "industry": "retail",
            "size": "10-49",
            "turnover": "le_10m",
            "customers": ("businesses",),
        },
        monthly_eur=400,
        monthly_hours=10,
    ),
    # A care service with 25 staff working with personal data; the owner answers data
    # requests when they come, there is no data-protection officer.
    "firm_with_25_staff": Scenario(
        answers={"sec_privacy_org": "owner_ad_hoc"},
        facts={
            "industry": "health",
            "size": "10-49",
            "staff_personal_data": "ge_20",
            "customers": ("consumers",),
        },
        monthly_eur=400,
        monthly_hours=10,
    ),
    # A one-man joiner without a website: 50 EUR and 4 hours a month, invoices from a Word
    # template, receipts in a shoebox, manual USB backups, a free e-mail address, bank
    # transfers only. Not a Kleinunternehmer, private and business customers.
    "solo_craftsman_without_website": Scenario(
        answers={
            "web_editing": "no_site",
            "web_findability": ["none"],
            "web_online_sales": "none",
            "web_improvements": "none",
            "acc_bookkeeping": "shoebox",
            "acc_archive": "paper",
            "acc_bank_link": "paper",
            "acc_einvoice_receive": "unknown",
            "acc_invoicing": "template",
            "acc_dunning": "irregular",
            "acc_payments": ["none"],
            "com_team": None,
            "com_crm": "scattered",
            "sec_backup": "manual",
            "sec_2fa": ["banking"],
            "sec_avv": "unknown",
            "sec_records": "none",
            "sec_email_domain": "freemail",
            "sec_privacy_org": "owner_ad_hoc",
            "sec_phishing": "never",
        },
        facts={
            "industry": "crafts",
            "size": "1",
            "turnover": "le_800k",
            "customers": ("businesses", "consumers"),
        },
        monthly_eur=50,
        monthly_hours=4,
    ),
    # The florist of the PDF benchmark: 2-9 staff, a shop with a TSE till not yet notified,
    # a website an agency made without consent handling, 150 EUR and 10 hours a month.
    "florist": Scenario(
        answers={
            "web_editing": "external",
            "web_legal": ["imprint", "privacy"],
            "acc_cash_sales": "cash",
            "acc_tse": "tse",
            "acc_payments": ["card"],
            "inv_sells_goods": "store",
            "inv_stock_knowledge": "look",
            "inv_till_link": "nothing",
            "inv_reorder": "walkaround",
            "inv_supplier_orders": "phone",
            "inv_barcodes": "none",
            "inv_stocktaking": "paper",
            "inv_sales_data": "rarely",
            "sec_avv": "unknown",
            "sec_records": "none",
            "sec_privacy_org": "nobody",
        },
        facts={
            "industry": "retail",
            "size": "2-9",
            "turnover": "le_800k",
            "customers": ("consumers", "businesses"),
        },
        monthly_eur=150,
        monthly_hours=10,
    ),
    # A retailer with 10-49 staff, a shop in town and an online shop for consumers, a TSE
    # till already notified, a newsletter without proof of consent.
    "retailer_with_online_shop": Scenario(
        answers={
            "web_editing": "self_some",
            "web_legal": ["imprint", "privacy", "consent"],
            "web_online_sales": "shop",
            "web_shop_accessibility": "partly",
            "web_shop_legal": ["withdrawal_info"],
            "acc_cash_sales": "cash",
            "acc_tse": "tse_registered",
            "acc_payments": ["card", "online"],
            "inv_sells_goods": "both",
            "inv_stock_knowledge": "system",
            "inv_till_link": "daily_import",
            "inv_reorder": "reorder_points",
            "inv_supplier_orders": "email",
            "inv_channel_sync": "manual",
            "inv_barcodes": "till",
            "inv_stocktaking": "typed",
            "inv_sales_data": "sometimes",
            "com_newsletter": "no_proof",
            "sec_records": "started",
        },
        facts={
            "industry": "retail",
            "size": "10-49",
            "turnover": "le_10m",
            "customers": ("consumers",),
            "staff_personal_data": "unknown",
        },
        monthly_eur=600,
        monthly_hours=16,
    ),
    # A manufacturer with 120 staff selling only to businesses, turnover above 10 million,
    # PDF invoices from its ERP, backups only on site, more than 20 people at screens with
    # personal data and no officer yet.
    "manufacturer_50_to_249": Scenario(
        answers={
            "web_editing": "external",
            "web_online_sales": "request",
            "acc_invoicing": "software",
            "acc_einvoice_receive": "mailbox",
            "acc_bookkeeping": "continuous",
            "acc_archive": "software",
            "sec_backup": "auto_onsite",
            "sec_privacy_org": "process",
            "sec_records": "complete",
            "sec_avv": "most",
        },
        facts={
            "industry": "manufacturing",
            "size": "50-249",
            "turnover": "gt_10m",
            "customers": ("businesses",),
            "staff_personal_data": "ge_20",
        },
        monthly_eur=2000,
        monthly_hours=40,
    ),
    # A company that does nearly everything well.
    "strong_everywhere": Scenario(
        answers={
            "web_editing": "self_easy",
            "web_currency": "monthly",
            "web_mobile": "good",
            "web_legal": ["imprint", "privacy", "consent", "reviewed"],
            "web_findability": ["google_profile", "other_maps", "directories", "search_terms"],
            "web_analytics": "goals",
            "web_online_sales": "booking",
            "web_shop_accessibility": "routine",
            "web_shop_legal": ["withdrawal_info", "button", "odr_removed"],
            "web_improvements": "routine",
            "acc_bookkeeping": "continuous",
            "acc_archive": "gobd",
            "acc_bank_link": "matched",
            "acc_einvoice_receive": "automatic",
            "acc_invoicing": "software_einvoice",
            "acc_dunning": "automatic",
            "acc_cash_sales": "none",
            "acc_monthly_figures": "monthly_plan",
            "acc_payments": ["card", "online", "qr_code"],
            "com_newsletter": "regular_doi",
            "com_social": "planned",
            "com_reviews": "all_replied",
            "com_channels": ["phone", "email", "form_chat", "video"],
            "com_reminders": "automatic_followup",
            "com_crm": "crm",
            "com_offline_online": ["qr_counter", "receipt", "ask_review"],
            "com_team": ["calendar", "files", "messenger", "tasks"],
            "com_measure": "goal_result",
            "com_internet": "good_backup",
            "str_owner": "named_mandate",
            "str_budget": "yearly_funding",
            "str_plan": "written_plan",
            "str_review": "quarterly",
            "str_experiments": "test_loop",
            "str_effect": "main_quantified",
            "str_self_service": ["admin_access", "contracts", "data_export"],
            "str_training": "planned",
            "str_trends": "tested_rules",
            "sec_backup": "offsite_tested",
            "sec_updates": "auto_all",
            "sec_2fa": ["email", "banking", "shop_site", "business_apps", "social"],
            "sec_passwords": "manager_all",
            "sec_phishing": "regular_examples",
            "sec_avv": "all_listed",
            "sec_records": "maintained",
            "sec_emergency": "plan_practised",
            "sec_email_domain": "dmarc",
            "sec_privacy_org": "process_dpo",
        },
        facts={"size": "10-49", "turnover": "le_2m"},
        monthly_eur=500,
        monthly_hours=10,
    ),
}


@pytest.fixture
def content(default_questionnaire):
    return default_questionnaire.content()


def keys(steps) -> set[str]:
    return {step.key for step in steps}


def now_keys(plan: roadmap.Roadmap) -> set[str]:
    return keys(plan.phases[0].steps)


def planned_keys(plan: roadmap.Roadmap) -> set[str]:
    return keys(plan.steps) | keys(plan.unscheduled)


def duties(plan: roadmap.Roadmap) -> set[str]:
    return {step.key for step in [*plan.steps, *plan.unscheduled] if step.is_duty}


BACKUP_VARIANTS = {"r_sec_backup_cloud", "r_sec_backup_rotation", "r_sec_backup_offsite"}
NEWSLETTER_STEPS = {"r_com_newsletter_doi", "r_com_newsletter_start", "r_com_newsletter_rhythm"}
TILL_STEPS = {"r_acc_tse_register", "r_acc_tse_retrofit", "r_acc_new_till"}


@pytest.mark.django_db
def test_carpenter_gets_backup_two_factor_and_the_e_invoice_rule_now_and_nothing_that_does_not_fit(
    content,
):
    plan = plan_for(content, SCENARIOS["carpenter"])
    now = plan.phases[0].steps
    first_keys = [step.key for step in now[:3]]
    # Existential risks first: the cheapest off-site backup and 2FA for e-mail and banking.
    assert first_keys[:2] == ["r_sec_2fa", "r_sec_backup_cloud"]
    backup = plan.step("r_sec_backup_cloud")
    assert backup.urgent and set(backup.alternatives) == BACKUP_VARIANTS - {"r_sec_backup_cloud"}
    # The e-invoice duty applies (not a Kleinunternehmer, turnover up to 800,000 EUR: 2028).
    issuing = plan.step("r_acc_einvoice_issue")
    assert plan.phase_of("r_acc_einvoice_issue") == "now"
    assert issuing.is_duty and issuing.legal_date == datetime.date(2028, 1, 1)
    note = next(s for s in content.recommendations if s.key == "r_acc_einvoice_issue")
    assert "01.01.2027" in note.legal_note_de and "01.01.2028" in note.legal_note_de
    # Only duties that apply carry a badge in Now, and none of them is a newsletter or till
    # step: the e-invoice rule and the GDPR duties not yet met (some processor contracts, no
    # process for data requests), which are in force today and come before recommendations.
    assert {s.key for s in now if s.is_duty} == {
        "r_acc_einvoice_issue",
        "r_sec_avv",
        "r_sec_dsr_process",
    }
    # Open cash box: no TSE or ELSTER step anywhere in the plan. No newsletter: no consent
    # step; starting one may wait as a plain recommendation, never in Now.
    assert not planned_keys(plan) & (
        TILL_STEPS | {"r_com_newsletter_doi", "r_com_newsletter_rhythm"}
    )
    assert not now_keys(plan) & NEWSLETTER_STEPS
    start = plan.step("r_com_newsletter_start")
    assert start is None or start.legal_kind is None
    assert "r_acc_cash_book" in planned_keys(plan)
    # A restore test follows the backup, not before it.
    order = [step.key for step in plan.steps]
    assert order.index("r_sec_restore_test") > order.index("r_sec_backup_cloud")
    # Reassessment is a date on the plan, six months out.
    assert plan.reassess_on == datetime.date(2027, 6, 1)


@pytest.mark.django_db
def test_service_firm_without_website_gets_no_website_duties(content):
    plan = plan_for(content, SCENARIOS["service_without_website"])
    steps = planned_keys(plan)
    for key in (
        "r_web_legal_pages",
        "r_web_privacy_policy",
        "r_web_consent",
        "r_web_mobile_test",
        "r_web_analytics",
        "r_web_review_routine",
        "r_web_self_edit",
        "r_web_search_terms",
    ):
        assert key not in steps, key
    # Being findable does not need a website; a website of its own is offered. The GDPR
    # duties in force come first and fill Now, the profile follows in Next.
    assert plan.phase_of("r_web_google_profile") in ("now", "next")
    order = [step.key for step in plan.steps]
    in_force = [step.key for step in plan.steps if step.in_force]
    assert in_force and all(
        order.index(key) < order.index("r_web_google_profile") for key in in_force
    )
    assert "r_web_first_site" in steps
    # Only business customers: no newsletter, no consumer duties; e-invoices are due.
    assert not steps & NEWSLETTER_STEPS
    assert plan.step("r_acc_einvoice_issue").is_duty
    assert not steps & {"r_web_withdrawal_button", "r_web_accessibility"}


@pytest.mark.django_db
def test_b2c_online_shop_puts_overdue_bfsg_and_withdrawal_button_first(content):
    plan = plan_for(content, SCENARIOS["b2c_online_shop"])
    now = plan.phases[0].steps
    assert {s.key for s in now[:3]} == {
        "r_web_accessibility_quickcheck",
        "r_web_withdrawal_button",
        "r_web_accessibility",
    }
    for key in ("r_web_accessibility_quickcheck", "r_web_withdrawal_button"):
        step = plan.step(key)
        assert step.is_duty and step.overdue and step.urgent, key
    # The accessibility work costs more than this quarter's money but is due: marked so.
    accessibility = plan.step("r_web_accessibility")
    assert accessibility.over_budget and accessibility.over_budget_reason == "urgent"
    # Consumers only: no e-invoice issuing step; the VSBG/ODR duty applies from 10 staff.
    assert "r_acc_einvoice_issue" not in planned_keys(plan)
    assert plan.step("r_web_odr_link").is_duty
    # A shop that sends a regular double-opt-in newsletter gets no newsletter step.
    assert not planned_keys(plan) & NEWSLETTER_STEPS


@pytest.mark.django_db
def test_restaurant_with_an_unnotified_tse_till_must_notify_it_first(content):
    plan = plan_for(content, SCENARIOS["restaurant_with_tse_till"])
    first = plan.phases[0].steps[0]
    assert first.key == "r_acc_tse_register"
    assert first.is_duty and first.overdue and first.legal_date == datetime.date(2025, 7, 31)
    steps = planned_keys(plan)
    # The till has a TSE: no new till, no retrofit; it takes cards: no card-payment step.
    assert not steps & {"r_acc_tse_retrofit", "r_acc_new_till", "r_acc_card_payment"}
    # No appointments with customers: no reminder step.
    assert "r_com_reminders" not in steps


@pytest.mark.django_db
def test_kleinunternehmer_must_receive_but_need_not_issue_e_invoices(content):
    plan = plan_for(content, SCENARIOS["kleinunternehmer"])
    now = now_keys(plan)
    receiving = plan.step("r_acc_einvoice_mailbox")
    assert "r_acc_einvoice_mailbox" in now and receiving.is_duty and receiving.overdue
    assert {"r_sec_2fa", "r_sec_backup_cloud"} <= now
    issuing = plan.step("r_acc_einvoice_issue")
    assert issuing is not None and not issuing.is_duty and issuing.legal_status == "not"
    assert "r_acc_einvoice_issue" not in now
    # One person: the invoicing software comes before the (voluntary) e-invoice step.
    order = [step.key for step in plan.steps]
    if "r_acc_einvoice_issue" in order:
        assert order.index("r_acc_invoice_software") < order.index("r_acc_einvoice_issue")
    assert "r_sec_own_domain" in planned_keys(plan)


@pytest.mark.django_db
def test_b2b_wholesaler_above_800000_euros_issues_e_invoices_from_2027(content):
    plan = plan_for(content, SCENARIOS["b2b_wholesaler"])
    issuing = plan.step("r_acc_einvoice_issue")
    assert plan.phases[0].steps[0].key == "r_acc_einvoice_issue"
    assert issuing.is_duty and issuing.legal_date == datetime.date(2027, 1, 1)
    assert not issuing.overdue and not issuing.legal_dates
    steps = planned_keys(plan)
    # Business customers only: no consumer duties and no newsletter start.
    assert not steps & {"r_web_withdrawal_button", "r_web_odr_link", "r_com_newsletter_start"}
    # Selling in the shop and online: stock steps for the weak spots only.
    assert "r_inv_live_sync" in steps and "r_inv_pos_system" not in steps


@pytest.mark.django_db
def test_a_wholesaler_who_does_not_know_the_turnover_is_planned_by_the_earlier_date(content):
    scenario = SCENARIOS["b2b_wholesaler"]
    plan = plan_for(content, Scenario(scenario.answers, {**scenario.facts, "turnover": "unknown"}))
    issuing = plan.step("r_acc_einvoice_issue")
    assert issuing.legal_status == "possibly" and not issuing.is_duty
    assert issuing.legal_date == datetime.date(2027, 1, 1)
    assert issuing.legal_dates == (datetime.date(2027, 1, 1), datetime.date(2028, 1, 1))
    assert plan.phase_of("r_acc_einvoice_issue") == "now"


@pytest.mark.django_db
def test_firm_with_25_staff_appoints_a_data_protection_officer_now(content):
    plan = plan_for(content, SCENARIOS["firm_with_25_staff"])
    dpo = plan.step("r_sec_dpo")
    assert plan.phase_of("r_sec_dpo") == "now"
    assert (
        dpo.is_duty
        and dpo.legal_kind == "ongoing"
        and dpo.legal_date == datetime.date(2019, 11, 26)
    )
    # An ongoing duty is never treated as overdue or urgent.
    assert not dpo.overdue and not dpo.urgent
    assert plan.step("r_sec_dsr_process").is_duty
    # Below 20 people the same answers yield no officer step.
    fewer = plan_for(
        content,
        Scenario(SCENARIOS["firm_with_25_staff"].answers, {"staff_personal_data": "lt_20"}),
    )
    assert "r_sec_dpo" not in planned_keys(fewer)


IN_FORCE_GDPR = {"r_sec_avv", "r_sec_records", "r_sec_dsr_process"}
TEAM_STEPS = {
    "r_sec_offboarding",
    "r_sec_phishing_talk",
    "r_sec_awareness_training",
    "r_str_training_plan",
}


def legal_before_recommendations(content, plan: roadmap.Roadmap) -> None:
    """Within each phase: urgent steps, dated duties and duties in force before the rest; a
    prerequisite counts with the best tier of the planned steps that need it."""
    needs = {spec.key: spec.requires for spec in content.catalogue}
    steps = {s.key: s for s in [*plan.steps, *plan.unscheduled]}
    tier = {
        key: 0 if s.urgent else 1 if roadmap.upcoming_date(s) else 2 if s.in_force else 3
        for key, s in steps.items()
    }
    changed = True
    while changed:
        changed = False
        for key in steps:
            for required in needs[key]:
                if required in tier and tier[key] < tier[required]:
                    tier[required], changed = tier[key], True
    for phase in plan.phases:
        tiers = [tier[s.key] for s in phase.steps]
        assert tiers == sorted(tiers), (phase.key, [s.key for s in phase.steps])


@pytest.mark.django_db
def test_solo_craftsman_without_website_gets_his_duties_and_no_team_or_website_steps(content):
    plan = plan_for(content, SCENARIOS["solo_craftsman_without_website"])
    now = now_keys(plan)
    # Receiving e-invoices (overdue), 2FA and an off-site backup first; the GDPR duty that
    # fits the four hours a month follows in Now, the bigger ones later in the year.
    assert {"r_acc_einvoice_mailbox", "r_sec_2fa", "r_sec_backup_cloud"} <= now
    assert plan.step("r_acc_einvoice_mailbox").overdue
    assert "r_sec_avv" in now
    for key in (*IN_FORCE_GDPR, "r_acc_gobd_archive"):
        assert plan.phase_of(key) is not None, key
        assert plan.step(key).is_duty and plan.step(key).in_force, key
    # Issuing e-invoices (turnover up to 800,000 EUR: from 2028) after invoicing software.
    issuing = plan.step("r_acc_einvoice_issue")
    assert issuing.is_duty and issuing.legal_date == datetime.date(2028, 1, 1)
    order = [step.key for step in plan.steps]
    assert order.index("r_acc_invoice_software") < order.index("r_acc_einvoice_issue")
    # One person: nobody to brief, train or hand keys to; no website: no website duties.
    steps = planned_keys(plan)
    assert not steps & TEAM_STEPS
    assert not steps & {"r_web_legal_pages", "r_web_privacy_policy", "r_web_consent"}
    assert "r_sec_dpo" not in steps
    legal_before_recommendations(content, plan)


@pytest.mark.django_db
def test_florist_notifies_the_till_and_meets_the_gdpr_and_consent_duties_before_nice_to_haves(
    content,
):
    plan = plan_for(content, SCENARIOS["florist"])
    now = plan.phases[0].steps
    assert now[0].key == "r_acc_tse_register" and now[0].overdue
    # The duties in force that fit the budget are all in Now; GoBD follows in Next. No
    # nice-to-have stands before any of them.
    assert IN_FORCE_GDPR | {"r_web_consent"} <= {s.key for s in now}
    assert plan.phase_of("r_acc_gobd_archive") in ("now", "next")
    order = [step.key for step in plan.steps]
    for nice in ("r_str_calendar_hour", "r_com_reviews_reply", "r_acc_qr_payment"):
        assert order.index(nice) > order.index("r_acc_gobd_archive"), nice
    # 2-9 people and the question left open: no data protection officer (see the profile).
    assert "r_sec_dpo" not in planned_keys(plan)
    legal_before_recommendations(content, plan)


@pytest.mark.django_db
def test_retailer_with_online_shop_fixes_the_overdue_shop_duties_first(content):
    plan = plan_for(content, SCENARIOS["retailer_with_online_shop"])
    now = plan.phases[0].steps
    # BFSG (since 28.06.2025) and the withdrawal button (since 19.06.2026) are overdue.
    assert {s.key for s in now[:2]} == {"r_web_withdrawal_button", "r_web_accessibility"}
    assert all(s.overdue and s.is_duty for s in now[:2])
    # Duties in force follow: VSBG notice, GDPR, newsletter consent, GoBD.
    for key in ("r_web_odr_link", "r_com_newsletter_doi", "r_acc_gobd_archive", *IN_FORCE_GDPR):
        assert plan.phase_of(key) == "now", key
    # Consumers only: no e-invoice step. 10-49 with the staff question open: the officer
    # only possibly applies and ranks as a recommendation.
    assert "r_acc_einvoice_issue" not in planned_keys(plan)
    dpo = plan.step("r_sec_dpo")
    assert dpo is not None and dpo.legal_status == "possibly" and not dpo.in_force
    legal_before_recommendations(content, plan)


@pytest.mark.django_db
def test_manufacturer_with_120_staff_gets_an_adequate_backup_and_its_duties_first(content):
    plan = plan_for(content, SCENARIOS["manufacturer_50_to_249"])
    now = [step.key for step in plan.phases[0].steps]
    # Backups only on site: urgent, but no "small online backup plan" or two USB disks for
    # 120 people; the NAS with a cloud copy (with IT support) is planned.
    assert now[0] == "r_sec_backup_offsite" and plan.step("r_sec_backup_offsite").urgent
    assert not planned_keys(plan) & {"r_sec_backup_cloud", "r_sec_backup_rotation"}
    # Prior-year turnover above 800,000 EUR: e-invoices from 01.01.2027, next in line.
    assert now[1] == "r_acc_einvoice_issue"
    assert plan.step("r_acc_einvoice_issue").legal_date == datetime.date(2027, 1, 1)
    # More than 20 people with personal data and no officer: a duty in force, in Now.
    dpo = plan.step("r_sec_dpo")
    assert dpo.is_duty and dpo.in_force and "r_sec_dpo" in now
    legal_before_recommendations(content, plan)


@pytest.mark.django_db
def test_the_e_invoice_note_says_federal_authorities_need_e_invoices_since_2020(content):
    # A company selling to public bodies must not read "from 2028" alone: invoices to
    # federal authorities have had to be e-invoices since 27.11.2020 (§ 3 ERechV).
    issuing = next(s for s in content.recommendations if s.key == "r_acc_einvoice_issue")
    assert "27.11.2020" in issuing.legal_note_de and "ERechV" in issuing.legal_note_de
    assert "27 November 2020" in issuing.legal_note_en and "ERechV" in issuing.legal_note_en
    assert "ERechV" in issuing.legal_source


@pytest.mark.django_db
def test_a_company_strong_everywhere_gets_no_steps_and_a_reassessment_date(content):
    plan = plan_for(content, SCENARIOS["strong_everywhere"])
    assert plan.steps == [] and plan.unscheduled == ()
    assert plan.reassess_on == datetime.date(2027, 6, 1)


# --- Random answers against a hand-written table of contradictions

# (step, question, option): the step contradicts a company that chose this option. Written
# from what the answers mean, not copied from the catalogue's conditions.
CONTRADICTIONS: list[tuple[str, str, str]] = [
    # No newsletter: no consent or rhythm step; already sending: no "start a newsletter".
    ("r_com_newsletter_doi", "com_newsletter", "none"),
    ("r_com_newsletter_rhythm", "com_newsletter", "none"),
    ("r_com_newsletter_doi", "com_newsletter", "irregular_doi"),
    ("r_com_newsletter_doi", "com_newsletter", "regular_doi"),
    ("r_com_newsletter_start", "com_newsletter", "no_proof"),
    ("r_com_newsletter_start", "com_newsletter", "irregular_doi"),
    ("r_com_newsletter_start", "com_newsletter", "regular_doi"),
    # Open cash box or no cash at all: no TSE or ELSTER step.
    *[(step, "acc_tse", "open_till") for step in sorted(TILL_STEPS)],
    *[(step, "acc_cash_sales", "none") for step in sorted(TILL_STEPS | {"r_acc_cash_book"})],
    ("r_acc_tse_retrofit", "acc_tse", "tse"),
    ("r_acc_new_till", "acc_tse", "tse"),
    *[(step, "acc_tse", "tse_registered") for step in sorted(TILL_STEPS | {"r_acc_cash_book"})],
    ("r_acc_tse_register", "acc_tse", "no_tse"),
    ("r_acc_cash_book", "acc_tse", "no_tse"),
    ("r_acc_cash_book", "acc_tse", "tse"),
    # No website: nothing that presupposes one.
    *[
        (step, "web_editing", "no_site")
        for step in (
            "r_web_legal_pages",
            "r_web_privacy_policy",
            "r_web_consent",
            "r_web_legal_review",
            "r_web_mobile_test",
            "r_web_relaunch",
            "r_web_self_edit",
            "r_web_review_routine",
            "r_web_analytics",
            "r_web_goal",
            "r_web_search_terms",
        )
    ],
    *[
        ("r_web_first_site", "web_editing", option)
        for option in ("nobody", "external", "self_some", "self_easy")
    ],
    # Legal pages that exist are not demanded again.
    ("r_web_legal_pages", "web_legal", "imprint"),
    ("r_web_privacy_policy", "web_legal", "privacy"),
    ("r_web_consent", "web_legal", "consent"),
    # Payments already taken.
    ("r_acc_card_payment", "acc_payments", "card"),
    ("r_acc_qr_payment", "acc_payments", "qr_code"),
    # Second factor and backup already in place.
    ("r_sec_2fa", "sec_2fa", "email"),
    ("r_sec_2fa_banking", "sec_2fa", "banking"),
    *[(step, "sec_backup", "auto_offsite") for step in sorted(BACKUP_VARIANTS)],
    *[(step, "sec_backup", "offsite_tested") for step in sorted(BACKUP_VARIANTS)],
    ("r_sec_restore_test", "sec_backup", "offsite_tested"),
    ("r_sec_restore_test", "sec_backup", "none"),
    # E-mail domain.
    *[
        ("r_sec_own_domain", "sec_email_domain", option)
        for option in ("own_domain", "spf_dkim", "dmarc")
    ],
    ("r_sec_mail_auth", "sec_email_domain", "dmarc"),
    # Online sales, shop duties.
    ("r_web_shop", "inv_sells_goods", "none"),
    ("r_web_shop", "web_online_sales", "shop"),
    ("r_web_booking", "web_online_sales", "booking"),
    ("r_web_booking", "web_online_sales", "shop"),
    ("r_web_withdrawal_button", "web_shop_legal", "button"),
    ("r_web_odr_link", "web_shop_legal", "odr_removed"),
    ("r_web_withdrawal_info", "web_shop_legal", "withdrawal_info"),
    # E-invoices already handled.
    ("r_acc_einvoice_mailbox", "acc_einvoice_receive", "mailbox"),
    ("r_acc_einvoice_mailbox", "acc_einvoice_receive", "automatic"),
    ("r_acc_einvoice_issue", "acc_invoicing", "software_einvoice"),
    ("r_acc_receipt_app", "acc_bookkeeping", "continuous"),
    # Communication already in place.
    ("r_com_reminders", "com_reminders", "automatic"),
    ("r_com_reminders", "com_reminders", "automatic_followup"),
    ("r_com_video", "com_channels", "video"),
    ("r_com_team_messenger", "com_team", "messenger"),
    ("r_com_review_cards", "com_offline_online", "ask_review"),
    ("r_com_reviews_reply", "com_reviews", "all_replied"),
    ("r_com_internet_fallback", "com_internet", "good_backup"),
    # Data protection organisation already in place.
    ("r_sec_dpo", "sec_privacy_org", "process_dpo"),
    ("r_sec_dsr_process", "sec_privacy_org", "process"),
    ("r_sec_dsr_process", "sec_privacy_org", "process_dpo"),
    ("r_str_self_service", "str_self_service", "admin_access"),
    ("r_str_contracts_list", "str_self_service", "contracts"),
]

# (step, profile fact, predicate on the fact's value): the step contradicts such a company.
PROFILE_CONTRADICTIONS = [
    ("r_acc_einvoice_issue", "customers", lambda c: set(c) == {"consumers"}),
    ("r_web_withdrawal_button", "customers", lambda c: "consumers" not in c),
    ("r_web_withdrawal_info", "customers", lambda c: "consumers" not in c),
    ("r_com_newsletter_start", "customers", lambda c: "consumers" not in c),
    ("r_sec_dpo", "staff_personal_data", lambda v: v == "lt_20"),
    ("r_sec_nis2_supply_chain", "customers", lambda c: set(c) == {"consumers"}),
    # A one-person business has no team to talk to, train or hand keys to.
    *[
        (step, "size", lambda v: v == "1")
        for step in (
            "r_sec_offboarding",
            "r_sec_phishing_talk",
            "r_sec_awareness_training",
            "r_str_training_plan",
        )
    ],
    # 50-249 staff: no "small online backup plan" and no two disks carried home.
    ("r_sec_backup_cloud", "size", lambda v: v == "50-249"),
    ("r_sec_backup_rotation", "size", lambda v: v == "50-249"),
]


def duty_applies(step_key: str, facts: dict) -> bool | None:
    """Independent oracle: does the duty behind the step apply to this company?
    True, False, or None when it hangs on a fact the company has not stated."""
    consumers = "consumers" in facts["customers"]
    ten_or_more = facts["size"] in ("10-49", "50-249")
    if step_key == "r_acc_einvoice_issue":
        if facts["kleinunternehmer"] == "yes":
            return False
        if "unknown" in (facts["kleinunternehmer"], facts["turnover"]):
            return None
        return True
    if step_key == "r_sec_dpo":
        return (
            None
            if facts["staff_personal_data"] == "unknown"
            else facts["staff_personal_data"] == "ge_20"
        )
    if step_key in ("r_web_withdrawal_button", "r_web_withdrawal_info"):
        return consumers
    if step_key in ("r_web_accessibility_quickcheck", "r_web_accessibility", "r_web_odr_link"):
        return consumers and ten_or_more
    if step_key == "r_sec_nis2_supply_chain":
        return facts["size"] == "50-249"
    return True


def question_answers(question) -> st.SearchStrategy:
    choices = []
    if question.kind == "multiple":
        exclusive = [o.key for o in question.options if o.exclusive]
        others = [o.key for o in question.options if not o.exclusive]
        choices.append(st.lists(st.sampled_from(others), min_size=1, unique=True))
        if exclusive:
            choices.append(st.sampled_from(exclusive).map(lambda key: [key]))
    else:
        choices.append(st.sampled_from([o.key for o in question.options]))
    if question.allow_na:
        choices.append(st.none())
    return st.one_of(*choices)


FACTS = st.fixed_dictionaries(
    {
        "industry": st.sampled_from(["retail", "crafts", "hospitality", "services", "health"]),
        "size": st.sampled_from(["1", "2-9", "10-49", "50-249"]),
        "turnover": st.sampled_from(["le_800k", "le_2m", "le_10m", "gt_10m", "unknown"]),
        "kleinunternehmer": st.sampled_from(["yes", "no", "unknown"]),
        "customers": st.lists(
            st.sampled_from(["consumers", "businesses", "public"]), min_size=1, unique=True
        ).map(tuple),
        "staff_personal_data": st.sampled_from(["lt_20", "ge_20", "unknown"]),
    }
)


@pytest.mark.django_db
def test_no_step_contradicts_an_answer_and_no_badge_where_the_duty_does_not_apply(content):
    catalogue_keys = {step.key for step in content.catalogue}
    questions = {question.key: question for question in content.spec.questions}
    for step, question, option in CONTRADICTIONS:
        assert step in catalogue_keys, step
        assert option in {o.key for o in questions[question].options}, (question, option)
    answers_strategy = st.fixed_dictionaries(
        {question.key: question_answers(question) for question in content.spec.questions}
    )

    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        answers=answers_strategy,
        facts=FACTS,
        money=st.sampled_from([0, 50, 150, 500]),
        hours=st.sampled_from([1, 4, 8, 20]),
    )
    def check(answers, facts, money, hours):
        plan = plan_answers(content, answers, facts, money, hours)
        shown = [*plan.steps, *plan.unscheduled]
        chosen = {
            key: {value} if isinstance(value, str) else set(value or ())
            for key, value in answers.items()
        }
        for step in shown:
            for key, question, option in CONTRADICTIONS:
                if step.key == key:
                    assert option not in chosen[question], (key, question, option)
            for key, fact, contradicts in PROFILE_CONTRADICTIONS:
                if step.key == key:
                    assert not contradicts(facts[fact]), (key, fact, facts[fact])
            if step.legal_kind is not None:
                applies = duty_applies(step.key, facts)
                if step.is_duty:
                    assert applies is True, (step.key, facts)
                if applies is False:
                    assert step.legal_status == "not", (step.key, facts)

    check()


@pytest.mark.django_db
def test_a_check_from_version_1_without_a_website_gets_no_website_steps(content):
    # Version 1 showed the website questions to companies without a website too ("none of
    # these / no website"); old checks are planned with the newest catalogue.
    unconditional = dataclasses.replace(
        content.spec,
        questions=tuple(
            dataclasses.replace(question, condition=None)
            if question.key in ("web_currency", "web_legal", "web_analytics")
            else question
            for question in content.spec.questions
        ),
    )
    answers = answer_inputs(
        {
            **BASE,
            "web_editing": "no_site",
            "web_currency": "never",
            "web_legal": ["none"],
            "web_analytics": "none",
        }
    )
    result = scoring.score(unconditional, answers)
    plan = roadmap.plan(
        result,
        content.catalogue,
        roadmap.Budget(monthly_eur=150, monthly_hours=6),
        answers=answers,
        facts=BASE_FACTS,
        today=TODAY,
    )
    steps = planned_keys(plan)
    assert "r_web_first_site" in steps
    assert not steps & {
        "r_web_legal_pages",
        "r_web_privacy_policy",
        "r_web_consent",
        "r_web_legal_review",
        "r_web_review_routine",
        "r_web_analytics",
    }
