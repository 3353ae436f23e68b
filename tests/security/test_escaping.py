"""Script and SVG payloads typed into every free-text field are shown, escaped, everywhere.

The world below sets each field through the form a person would use, renders every page,
PDF and export where that field appears, and then checks each (field, page) pair from one
table. A new free-text field needs one row in FIELDS.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from assessment.models import (
    Action,
    Assessment,
    Company,
    ConsultantProfile,
    Membership,
    User,
)
from assessment.reports.data import build_report
from tests.conftest import verified_user
from tests.factories import answer_all, completed_assessment
from tests.test_pdf import flat, pdf_text

PAYLOADS = [
    "<script>alert(1)</script>",
    "<svg onload=alert(1)>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><script>alert(1)</script>",
    "<img src=file:///etc/passwd>",
]

# How each page is shown: HTML escapes, the PDF and the exports carry the text literally.
HTML, LITERAL = "html", "literal"


@dataclass(frozen=True)
class Field:
    name: str
    # The value for a payload: the field's own tag, so each value can be told apart, and
    # for fields with a format (e-mail, web address) the payload where the format allows it.
    value: Callable[[str, str], str]
    pages: tuple[str, ...]
    hidden_from: tuple[str, ...] = ()
    tag: str = ""  # the name without underscores unless the field is short

    def value_for(self, payload: str) -> str:
        return self.value(self.tag or self.name.replace("_", ""), payload)


def plain(tag: str, payload: str) -> str:
    return f"{tag} {payload}"


def email_with(tag: str, payload: str) -> str:
    # A quoted local part may hold < > / = ( ) but no spaces or quotes.
    return '"' + tag + re.sub(r'[\s"]', "", payload) + '"@example.com'


def website_with(tag: str, payload: str) -> str:
    return f"https://beratung.example/{tag}?q=" + re.sub(r"\s", "", payload)


FIELDS = [
    Field(
        "company_name",
        plain,
        (
            "after_new_client",
            "company",
            "company_as_member",
            "companies_as_member",
            "results",
            "comparison",
            "actions",
            "team",
            "facilitate",
            "portfolio",
            "pdf",
            "json",
            "portfolio_csv",
            "portfolio_xlsx",
            "invitation",
            "invitation_mail",
        ),
    ),
    Field(
        "region",
        plain,
        ("company", "portfolio", "pdf", "json", "portfolio_csv", "portfolio_xlsx"),
    ),
    Field(
        "public_note", plain, ("check_page", "check_page_as_member", "facilitate", "pdf", "json")
    ),
    Field(
        "private_note",
        plain,
        ("check_page", "facilitate"),
        hidden_from=("check_page_as_member", "results", "pdf", "json"),
    ),
    Field("respondent_name", plain, ("team", "consolidation", "results", "pdf")),
    Field("action_owner", plain, ("actions",)),
    Field("action_notes", plain, ("actions",)),
    Field("measurement_note", plain, ("actions",)),
    Field("consultant_name", plain, ("consultant_profile", "pdf")),
    Field("consultant_firm", plain, ("consultant_profile", "pdf")),
    Field("consultant_phone", plain, ("consultant_profile", "pdf"), tag="tel"),
    Field("consultant_email", email_with, ("consultant_profile", "pdf")),
    Field("consultant_website", website_with, ("consultant_profile", "pdf")),
    Field("invitation_email", email_with, ("after_invite", "company")),
    Field("member_email", email_with, ("company", "company_as_member", "after_remove")),
]

LITERAL_PAGES = {"pdf", "json", "portfolio_csv", "portfolio_xlsx", "invitation_mail"}


def ok(response, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.content[:500])


def text_of(response) -> str:
    return response.content.decode()


def strings_in(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, list):
        return [text for item in data for text in strings_in(item)]
    return []


def build_world(questionnaire, payload: str) -> tuple[dict[str, str], dict[str, str]]:
    """Set every free-text field through its form; return the values and every page shown."""
    values = {field.name: field.value_for(payload) for field in FIELDS}
    pages: dict[str, str] = {}

    consultant = verified_user("berta@beratung.example", "x-Secret-1")
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    advisor = Client()
    advisor.force_login(consultant)
    response = advisor.post(
        reverse("consultant_profile"),
        {
            "name": values["consultant_name"],
            "firm": values["consultant_firm"],
            "phone": values["consultant_phone"],
            "contact_email": values["consultant_email"],
            "website": values["consultant_website"],
        },
    )
    ok(response, 302)
    pages["consultant_profile"] = text_of(advisor.get(reverse("consultant_profile")))

    response = advisor.post(
        reverse("new_client"),
        {
            "industry": "crafts",
            "size_band": "2-9",
            "name": values["company_name"],
            "region": "Bremen",
            "monthly_budget_eur": "200",
            "monthly_hours": "10",
        },
        follow=True,
    )
    ok(response, 200)
    pages["after_new_client"] = text_of(response)
    company = Company.objects.get(memberships__user=consultant)
    ok(
        advisor.post(
            reverse("company_settings", args=[company.pk]),
            {
                "name": values["company_name"],
                "region": values["region"],
                "monthly_budget_eur": "200",
                "monthly_hours": "10",
                "reassessment_interval_months": "6",
            },
        ),
        302,
    )
    company.refresh_from_db()

    member_client = Client()
    ok(
        member_client.post(
            reverse("account_signup"),
            {
                "email": values["member_email"],
                "password1": "Blumen-2026-Laden",
                "password2": "Blumen-2026-Laden",
            },
        ),
        302,
    )
    member = User.objects.get(email=values["member_email"].lower())
    # A member, not an owner: the consultant who created the client keeps the owner's rights.
    Membership.objects.create(company=company, user=member, role=Membership.Role.MEMBER)
    response = advisor.post(
        reverse("invite", args=[company.pk]), {"email": values["invitation_email"]}, follow=True
    )
    ok(response, 200)
    pages["after_invite"] = text_of(response)
    invitation_mail = mail.outbox[-1]
    assert invitation_mail.content_subtype == "plain" and not invitation_mail.alternatives
    pages["invitation_mail"] = invitation_mail.body
    invitation_link = re.search(r"http://testserver(/einladung/\S+/)", invitation_mail.body)
    response = Client().get(invitation_link.group(1))
    ok(response, 200)
    pages["invitation"] = text_of(response)

    # An earlier check, so that the comparison has two to compare.
    completed_assessment(questionnaire, company=company, level=0.2)
    ok(advisor.post(reverse("new_assessment", args=[company.pk]), {"start": "fresh"}), 302)
    assessment = company.assessments.get(status=Assessment.Status.DRAFT)
    answer_all(assessment, level=0.4)

    # Two team members far apart on one question: the results and the PDF show their names.
    team_url = reverse("team", args=[assessment.public_id])
    save = reverse("save_answer", args=[assessment.public_id])
    for name, option in ((values["respondent_name"], "self_easy"), ("Verkauf", "nobody")):
        response = advisor.post(team_url, {"name": name}, follow=True)
        ok(response, 200)
        link = re.search(r'value="(http://testserver/weiter/[^"]+)"', text_of(response)).group(1)
        person = Client()
        ok(person.get(link), 302)
        ok(person.post(save, {"question": "web_editing", "option": option}), 200)

    page_one = reverse("check_page", args=[assessment.public_id, 1])
    ok(
        advisor.post(
            page_one,
            {
                "shown": ["web_editing", "web_mobile"],
                "q-web_editing": "self_some",
                "note-web_editing": values["private_note"],
                "note-private-field-web_editing": "1",
                "note-private-web_editing": "1",
                "q-web_mobile": "good",
                "note-web_mobile": values["public_note"],
                "note-private-field-web_mobile": "1",
            },
        ),
        302,
    )
    member_client.force_login(member)
    pages["check_page"] = text_of(advisor.get(page_one))
    pages["check_page_as_member"] = text_of(member_client.get(page_one))
    pages["facilitate"] = text_of(advisor.get(reverse("facilitate", args=[assessment.public_id])))
    ok(advisor.post(reverse("finish", args=[assessment.public_id])), 302)
    assessment.refresh_from_db()
    assert assessment.is_completed

    step = build_report(assessment=assessment).roadmap.steps[0].key
    ok(
        advisor.post(
            reverse("adopt", args=[company.pk]),
            {"assessment": str(assessment.public_id), "step": step},
        ),
        302,
    )
    action = Action.objects.get(company=company)
    ok(
        advisor.post(
            reverse("update_action", args=[company.pk, action.pk]),
            {
                f"a{action.pk}-status": "doing",
                f"a{action.pk}-owner": values["action_owner"],
                f"a{action.pk}-due_date": "2031-01-31",
                f"a{action.pk}-kpi_baseline": "3",
                f"a{action.pk}-notes": values["action_notes"],
            },
        ),
        302,
    )
    ok(
        advisor.post(
            reverse("add_measurement", args=[company.pk, action.pk]),
            {
                f"m{action.pk}-measured_on": "2030-06-01",
                f"m{action.pk}-value": "4",
                f"m{action.pk}-note": values["measurement_note"],
            },
        ),
        302,
    )

    older = company.assessments.exclude(pk=assessment.pk).get()
    public_id = assessment.public_id
    gets = {
        "company": (advisor, reverse("company", args=[company.pk]), {}),
        "company_as_member": (member_client, reverse("company", args=[company.pk]), {}),
        "companies_as_member": (member_client, reverse("companies"), {}),
        "results": (advisor, reverse("results", args=[public_id]), {}),
        "comparison": (
            advisor,
            reverse("comparison", args=[company.pk]),
            {"vorher": str(older.public_id), "nachher": str(public_id)},
        ),
        "actions": (advisor, reverse("actions", args=[company.pk]), {}),
        "team": (advisor, reverse("team", args=[public_id]), {}),
        "consolidation": (advisor, reverse("consolidation", args=[public_id]), {}),
        "portfolio": (advisor, reverse("portfolio"), {}),
    }
    for name, (person, url, query) in gets.items():
        response = person.get(url, query)
        ok(response, 200)
        pages[name] = text_of(response)

    response = advisor.get(reverse("report_pdf", args=[public_id]))
    ok(response, 200)
    pages["pdf"] = flat(pdf_text(response.content))
    response = advisor.get(reverse("report_json", args=[public_id]))
    ok(response, 200)
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    pages["json"] = "\n".join(strings_in(json.loads(response.content)))
    response = advisor.get(reverse("portfolio_export", args=["csv"]))
    ok(response, 200)
    pages["portfolio_csv"] = "\n".join(
        "\t".join(row)
        for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    )
    response = advisor.get(reverse("portfolio_export", args=["xlsx"]))
    ok(response, 200)
    sheet = load_workbook(io.BytesIO(response.content)).active
    pages["portfolio_xlsx"] = "\n".join(
        "\t".join("" if cell.value is None else str(cell.value) for cell in row)
        for row in sheet.iter_rows()
    )
    membership = Membership.objects.get(company=company, user=member)
    response = advisor.post(reverse("remove_member", args=[company.pk, membership.pk]), follow=True)
    ok(response, 200)
    pages["after_remove"] = text_of(response)
    return values, pages


def test_the_table_names_only_pages_the_world_renders(default_questionnaire):
    _values, pages = build_world(default_questionnaire, "plain text")
    named = {page for field in FIELDS for page in (*field.pages, *field.hidden_from)}
    assert named <= set(pages)
    assert LITERAL_PAGES <= set(pages)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_free_text_field_is_shown_escaped_on_every_page(default_questionnaire, payload):
    values, pages = build_world(default_questionnaire, payload)
    failures = []
    for field in FIELDS:
        value = values[field.name]
        for page in field.pages:
            body = pages[page]
            if page in LITERAL_PAGES:
                if value not in body:
                    failures.append(f"{field.name}: not shown literally in {page}")
            elif value in body:
                failures.append(f"{field.name}: unescaped in {page}")
            elif escape(value) not in body:
                failures.append(f"{field.name}: not shown in {page}")
        for page in field.hidden_from:
            if value in pages[page] or escape(value) in pages[page]:
                failures.append(f"{field.name}: must not be in {page}")
    assert not failures, "\n".join(failures)
    for page, body in pages.items():
        if page in LITERAL_PAGES:
            continue
        assert "<script>alert" not in body, page
        assert not re.search(r"<(svg|img)\b[^>]*\bon(load|error)=", body), page
        assert "<img src=file:" not in body, page


def test_the_pdf_prints_markup_as_text_and_fetches_nothing(default_questionnaire):
    _values, pages = build_world(default_questionnaire, "<img src=file:///etc/passwd>")
    assert "companyname <img src=file:///etc/passwd>" in pages["pdf"]
    assert "root:x:0:0" not in pages["pdf"]


@pytest.mark.parametrize(
    "website", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>"]
)
def test_a_consultant_website_must_be_a_web_address(client, consultant, website):
    ConsultantProfile.objects.create(user=consultant, name="Berta", approved=True)
    client.force_login(consultant)
    response = client.post(reverse("consultant_profile"), {"name": "Berta", "website": website})
    assert response.status_code == 400
    assert ConsultantProfile.objects.get(user=consultant).website == ""
