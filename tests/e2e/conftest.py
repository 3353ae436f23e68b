"""Browser tests: Playwright driving the system Chromium against a live Django server.

Run them on their own (the Makefile does): DJANGO_ALLOW_ASYNC_UNSAFE=true pytest tests/e2e
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SCREENSHOTS = Path(
    os.environ.get("E2E_SCREENSHOTS") or Path(tempfile.gettempdir()) / "reifegrad-e2e"
)


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(f"Chromium not found at {CHROMIUM}; install Debian's chromium")
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}")
    for item in items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def site(live_server, default_questionnaire):
    """The live server with the default questionnaire loaded."""
    return live_server.url


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# Reports every Content-Security-Policy violation to Python; init scripts are not subject to
# the page's policy, and the binding survives navigation.
WATCH_POLICY = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportPolicyViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline code"}` +
      ` on ${location.pathname}`
  );
});
"""


@pytest.fixture
def policy_problems(context) -> list[str]:
    """Content-Security-Policy violations and console errors of every page in the context."""
    problems: list[str] = []
    context.expose_binding("reportPolicyViolation", lambda source, text: problems.append(text))
    context.add_init_script(WATCH_POLICY)

    def on_console(message) -> None:
        if message.type in {"error", "warning"}:
            problems.append(f"console {message.type}: {message.text}")

    context.on("console", on_console)
    context.on("weberror", lambda error: problems.append(f"page error: {error.error}"))
    return problems
