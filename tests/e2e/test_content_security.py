"""The Content-Security-Policy in a real browser: it blocks inline code, and pages need none."""

import pytest
from playwright.sync_api import expect

from assessment.models import ConsultantProfile, Membership
from tests.conftest import verified_user
from tests.e2e.conftest import screenshot
from tests.e2e.test_loop import log_in
from tests.e2e.test_self_assessment import start_check
from tests.factories import completed_assessment

pytestmark = pytest.mark.e2e


def bar_share(bar) -> float:
    """How much of its track a progress bar fills, in percent."""
    fill = bar.locator(".progress-bar").bounding_box()["width"]
    return 100 * fill / bar.bounding_box()["width"]


def test_the_browser_blocks_inline_code_and_the_test_notices(site, page, policy_problems):
    page.goto(site + "/")
    page.evaluate(
        """() => {
        document.body.setAttribute("style", "background: red");
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.appendChild(script);
    }"""
    )
    expect(page.locator("body")).to_be_visible()
    page.wait_for_timeout(200)  # violation events are dispatched asynchronously
    assert page.evaluate("() => window.injected === undefined")
    assert any("style-src" in problem for problem in policy_problems), policy_problems
    assert any("script-src" in problem for problem in policy_problems), policy_problems


def test_the_progress_bar_grows_without_style_attributes(site, page, policy_problems):
    start_check(page, site)
    page.get_by_role("link", name="Zu den Fragen").click()
    bar = page.locator("[data-progress-bar]")
    assert bar_share(bar) == 0
    first = page.locator("fieldset[data-question]:visible").first
    first.locator("input.form-check-input").first.check()
    first.locator("[data-save-state][data-state=saved]").wait_for()
    percent = int(bar.get_attribute("aria-valuenow"))
    assert percent > 0
    expect(bar.locator(".progress-bar")).to_have_class(f"progress-bar bg-brand w-pct-{percent}")
    page.wait_for_timeout(800)  # Bootstrap animates the width
    assert abs(bar_share(bar) - percent) < 1.5
    page.reload()
    assert abs(bar_share(page.locator("[data-progress-bar]")) - percent) < 1.5
    assert policy_problems == []


def test_portfolio_distribution_shows_shares_under_the_policy(
    site, page, policy_problems, default_questionnaire
):
    user = verified_user("berta@beratung.example", "Beratung-2026-Start")
    ConsultantProfile.objects.create(
        user=user, name="Dr. Berta Beispiel", firm="Beispiel Beratung", approved=True
    )
    for level in (0.1, 0.1, 0.1, 0.9):
        done = completed_assessment(default_questionnaire, level=level)
        Membership.objects.create(company=done.company, user=user, role=Membership.Role.CONSULTANT)
    log_in(page, site, "berta@beratung.example", "Beratung-2026-Start")
    page.get_by_role("link", name="Portfolio").click()
    rows = page.locator("[data-distribution] [role=progressbar]")
    expect(rows.first).to_be_visible()
    shares = {
        int(row.get_attribute("aria-valuenow")): bar_share(row)
        for row in rows.all()
        if row.get_attribute("aria-valuenow") != "0"
    }
    assert sorted(shares) == [25, 75]
    for percent, shown in shares.items():
        assert abs(shown - percent) < 1.5, (percent, shown)
    labels = page.locator("[data-distribution] .distribution-label")
    assert all(abs(label.bounding_box()["width"] - 144) < 1 for label in labels.all())
    screenshot(page, "portfolio")
    assert policy_problems == []
