"""The profile facts the roadmap reads, as a company's answers give them."""

import pytest

from assessment.models import Company


@pytest.mark.parametrize("size_band", ["1", "2-9"])
def test_fewer_than_ten_people_count_as_fewer_than_20_processing_personal_data(size_band):
    company = Company(industry="retail", size_band=size_band, staff_personal_data="unknown")
    assert company.profile_facts()["staff_personal_data"] == "lt_20"


@pytest.mark.parametrize("size_band", ["10-49", "50-249"])
def test_from_ten_people_an_unstated_number_stays_unknown(size_band):
    company = Company(industry="retail", size_band=size_band, staff_personal_data="unknown")
    assert company.profile_facts()["staff_personal_data"] == "unknown"


@pytest.mark.parametrize("size_band", ["1", "2-9", "10-49"])
@pytest.mark.parametrize("answer", ["lt_20", "ge_20"])
def test_an_explicit_answer_always_counts(size_band, answer):
    # Staff counts and people working with the data differ (freelancers, family members,
    # a call centre): what the company says wins over the rule of thumb.
    company = Company(industry="retail", size_band=size_band, staff_personal_data=answer)
    assert company.profile_facts()["staff_personal_data"] == answer


@pytest.mark.django_db
def test_a_florist_with_2_to_9_staff_is_not_told_to_appoint_a_data_protection_officer(
    default_questionnaire,
):
    from assessment.reports.data import build_report
    from tests.factories import completed_assessment

    company = Company.objects.create(
        name="Blumen Müller",
        industry="retail",
        size_band="2-9",
        monthly_budget_eur=150,
        monthly_hours=10,
    )
    report = build_report(
        assessment=completed_assessment(default_questionnaire, company=company, level=0.45)
    )
    planned = {s.key for s in [*report.roadmap.steps, *report.roadmap.unscheduled]}
    assert "r_sec_dpo" not in planned
    # The same answers from a company of 10-49 that has not said: the officer may be needed.
    company.size_band = "10-49"
    company.save()
    report = build_report(assessment=company.assessments.get())
    dpo = report.roadmap.step("r_sec_dpo")
    assert dpo is not None and dpo.legal_status == "possibly"
