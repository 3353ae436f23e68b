"""Several app servers behind one PostgreSQL: sessions, answers and stored PDFs live in the
database, so a person's requests may land on any server.

Two gunicorn instances on different loopback ports share one database; one browser walks the
whole journey and sends every request to the other server than the one before.
"""

import io
import re
from urllib.parse import unquote

import pytest
from pypdf import PdfReader

from tests.live import (
    PROFILE,
    Browser,
    gunicorn,
    own_database,
    page_form,
    page_questions,
    query,
    stored_answers,
    suite_on_postgresql,
    verification_path,
)

pytestmark = pytest.mark.skipif(
    not suite_on_postgresql(),
    reason="scale-out needs a database server several app servers share: "
    "set DATABASE_URL to a PostgreSQL database",
)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    directory = tmp_path_factory.mktemp("scale-out")
    with own_database(directory, "scaleout") as database_url:
        with (
            gunicorn(database_url, directory / "a.log") as first,
            gunicorn(database_url, directory / "b.log") as second,
        ):
            yield database_url, first, second


def test_a_journey_alternating_between_two_servers_keeps_session_answers_and_pdf(servers):
    database_url, a, b = servers
    assert a.base != b.base
    browser = Browser()

    home = browser.get(a.base + "/")
    assert home.status == 200 and "Wie digital ist Ihr Unternehmen?" in home.text

    profile = browser.get(a.base + "/check/")
    started = browser.submit(profile, b.base + "/check/", PROFILE)
    assert started.status == 200
    public_id = re.search(r"/check/([0-9a-f-]{36})/seite/1/", started.text).group(1)

    # Every page is read from one server and sent to the other, with the session of the first.
    sent: dict[str, tuple[str, ...]] = {}
    path = f"/check/{public_id}/seite/1/"
    number = 0
    while "/seite/" in path:
        number += 1
        reader, writer = (a, b) if number % 2 else (b, a)
        page = browser.get(reader.base + path)
        assert page.status == 200, (path, page.status)
        questions = page_questions(page.text)
        assert questions
        chosen = {question.key: question.options[-1] for question in questions}
        saved = browser.submit(page, writer.base + path, page_form(questions, chosen))
        assert saved.status == 302, (path, saved.status)
        sent.update({key: (option,) for key, option in chosen.items()})
        path = saved.location
    assert number >= 5
    assert path == f"/check/{public_id}/abschluss/"
    assert stored_answers(database_url, public_id) == sent

    finish_page = browser.get(a.base + path)
    assert finish_page.status == 200
    finished = browser.submit(finish_page, b.base + path, {})
    assert finished.status == 302 and finished.location == f"/check/{public_id}/ergebnis/"

    results = browser.get(a.base + finished.location)
    assert results.status == 200 and "Bäckerei Sommer" in results.text

    # The PDF rendered on one server is stored in the database and served by the other.
    pdf_path = f"/check/{public_id}/bericht.pdf"
    first_pdf = browser.get(b.base + pdf_path)
    assert first_pdf.status == 200
    assert first_pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(first_pdf.body)).pages)
    assert "Sommer" in text
    second_pdf = browser.get(a.base + pdf_path)
    assert second_pdf.status == 200 and second_pdf.body == first_pdf.body
    assert query(database_url, "SELECT count(*) FROM assessment_renderedreport") == [(1,)]

    # An account made on one server is logged in on the other and owns the check.
    signup_page = browser.get(b.base + "/konto/signup/")
    account = {"email": "sommer@example.com", "password1": "Sauerteig-2024!", "password2": ""}
    account["password2"] = account["password1"]
    signed_up = browser.submit(signup_page, a.base + "/konto/signup/", account)
    assert signed_up.status == 302
    # The address is verified from the mail (sent by a) on the other server.
    confirm = verification_path(a.mail_directory, account["email"])
    confirmed = browser.submit(browser.get(b.base + confirm), b.base + confirm, {})
    assert confirmed.status == 302
    # Taking the check into the account needs a confirmation: shown by b, sent to a.
    claim_path = f"/check/{public_id}/uebernehmen/"
    claimed = browser.submit(browser.get(b.base + claim_path), a.base + claim_path, {})
    assert claimed.status == 200
    companies = browser.get(b.base + "/firmen/")
    assert companies.status == 200 and "Bäckerei Sommer" in companies.text
    company_path = re.search(r'href="(/firmen/\d+/)"', companies.text).group(1)
    company = browser.get(a.base + company_path)
    assert company.status == 200 and "Bäckerei Sommer" in company.text

    # Logged out on one server is logged out on the other.
    logged_out = browser.submit(company, b.base + "/konto/logout/", {})
    assert logged_out.status == 302
    after_logout = browser.get(a.base + company_path)
    assert after_logout.status == 302
    assert after_logout.location == "/konto/login/"
    assert f"next={company_path}" in unquote(after_logout.headers["location"])

    # The old German address still leads to the login.
    assert browser.get(b.base + "/konto/anmelden/").location == "/konto/login/"
    login_page = browser.get(b.base + "/konto/login/")
    credentials = {"login": account["email"], "password": account["password1"]}
    logged_in = browser.submit(login_page, a.base + "/konto/login/", credentials)
    assert logged_in.status == 302
    assert browser.get(b.base + company_path).status == 200

    for server in (a, b):
        assert "Traceback" not in server.log_text()
