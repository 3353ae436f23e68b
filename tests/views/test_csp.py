"""Content Security Policy: the header on every page, and pages that need nothing it forbids."""

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from assessment.models import Assessment, ConsultantProfile, Membership
from tests.factories import completed_assessment

EXPECTED_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}


def parse_policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


class InlineCodeFinder(HTMLParser):
    """Collects everything a strict policy would block: style attributes, <style> blocks,
    inline scripts, event-handler attributes and javascript: links."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value or "" for name, value in attrs}
        if "style" in names:
            self.problems.append(f"<{tag} style={names['style']!r}>")
        for name in names:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
        for name in ("href", "src", "action", "formaction"):
            if names.get(name, "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and not names.get("src"):
            self.problems.append("inline <script>")

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.problems


def test_the_finder_catches_what_the_policy_blocks():
    html = (
        '<div style="width: 5%"></div><button onclick="go()">x</button>'
        '<script>alert(1)</script><script src="/static/js/copy.js"></script>'
        '<style>p{}</style><a href="javascript:alert(1)">x</a><svg><rect style="fill:red"/></svg>'
    )
    assert inline_code(html) == [
        "<div style='width: 5%'>",
        "<button onclick=...>",
        "inline <script>",
        "<style> element",
        "<a href=javascript:...>",
        "<rect style='fill:red'>",
    ]


@pytest.mark.django_db
def test_html_pages_carry_the_exact_policy(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert parse_policy(response["Content-Security-Policy"]) == EXPECTED_POLICY


@pytest.mark.django_db
def test_scripts_may_come_only_from_the_app_itself(client):
    header = client.get(reverse("account_login"))["Content-Security-Policy"]
    script_sources = parse_policy(header)["script-src"]
    assert script_sources == ["'self'"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


@pytest.mark.django_db
def test_error_and_lookup_pages_carry_the_policy_too(client):
    missing = client.get("/weiter/gibt-es-nicht/")
    assert missing.status_code == 404
    assert parse_policy(missing["Content-Security-Policy"]) == EXPECTED_POLICY


@pytest.fixture
def pages(client, default_questionnaire, owner, consultant):
    """The main pages of every journey, as the person who may see each of them."""
    anonymous = client
    profile = anonymous.get(reverse("profile"))
    started = anonymous.post(
        reverse("profile"),
        {
            "industry": "retail",
            "size_band": "2-9",
            "name": "Blumen Müller",
            "region": "Köln",
            "monthly_budget_eur": "200",
            "monthly_hours": "10",
        },
    )
    assessment = Assessment.objects.get()
    first_page = anonymous.get(reverse("check_page", args=[assessment.public_id, 1]))

    done = completed_assessment(default_questionnaire, level=0.4)
    Membership.objects.create(company=done.company, user=owner, role=Membership.Role.OWNER)
    Membership.objects.create(
        company=done.company, user=consultant, role=Membership.Role.CONSULTANT
    )
    ConsultantProfile.objects.create(user=consultant, name="Dr. Berta Beispiel", approved=True)
    member = Client()
    member.force_login(owner)
    advisor = Client()
    advisor.force_login(consultant)
    return {
        "home": anonymous.get(reverse("home")),
        "profile": profile,
        "resume link": started,
        "questionnaire page": first_page,
        "finish": anonymous.get(reverse("finish", args=[assessment.public_id])),
        "login": Client().get(reverse("account_login")),
        "sign-up": Client().get(reverse("account_signup")),
        "password reset": Client().get(reverse("account_reset_password")),
        "results": member.get(reverse("results", args=[done.public_id])),
        "company": member.get(reverse("company", args=[done.company_id])),
        "actions": member.get(reverse("actions", args=[done.company_id])),
        "portfolio": advisor.get(reverse("portfolio")),
        "not found": anonymous.get("/weiter/gibt-es-nicht/"),
    }


@pytest.mark.django_db
def test_main_pages_have_no_inline_styles_scripts_or_handlers(pages):
    for name, response in pages.items():
        assert response.status_code in {200, 404}, name
        html = response.content.decode()
        assert inline_code(html) == [], name


@pytest.mark.django_db
def test_bars_get_their_width_from_a_class(pages):
    assert 'class="progress-bar bg-brand w-pct-0"' in pages["questionnaire page"].content.decode()
    portfolio = pages["portfolio"].content.decode()
    assert "progress-bar bg-brand w-pct-100" in portfolio


@pytest.mark.django_db
def test_charts_on_results_and_company_pages_are_inline_svg(pages):
    assert "<svg" in pages["results"].content.decode()
    assert "<svg" in pages["company"].content.decode()


def test_width_classes_exist_for_every_percent():
    from tests.conftest import ROOT

    stylesheet = (ROOT / "static" / "css" / "app.css").read_text()
    for percent in range(101):
        assert f".w-pct-{percent} {{ width: {percent}%; }}" in stylesheet


@pytest.mark.django_db
def test_server_error_page_uses_a_stylesheet_not_inline_styles(settings):
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert inline_code(html) == []
    assert "/static/css/error.css" in html
