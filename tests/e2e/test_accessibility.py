"""axe-core finds no serious or critical accessibility problem on the main pages."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.test_self_assessment import answer_visible, start_check

pytestmark = pytest.mark.e2e

axe = Axe()


def serious_violations(page) -> list[str]:
    results = axe.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("language", ["de", "en"])
def test_landing_profile_questionnaire_and_results_pass_axe(site, page, language):
    if language == "en":
        page.goto(site + "/")
        page.get_by_role("button", name="EN").click()
    page.goto(site + "/")
    assert serious_violations(page) == []

    page.goto(site + "/check/")
    assert serious_violations(page) == []
    if language == "de":
        page.get_by_role("button", name="Weiter zu den Fragen").click()
        assert serious_violations(page) == []  # the profile form showing its errors
        start_check(page, site)
    else:
        page.get_by_label("Industry").select_option("retail")
        page.get_by_label("How many people work in the business?").select_option("1")
        page.get_by_role("button", name="Continue to the questions").click()
    assert serious_violations(page) == []  # resume link page

    page.locator("a[href*='/seite/1/']").first.click()
    answer_visible(page, choose=1) if language == "de" else None
    assert serious_violations(page) == []

    page.goto(page.url.replace("/seite/1/", "/ergebnis/"))
    assert serious_violations(page) == []
