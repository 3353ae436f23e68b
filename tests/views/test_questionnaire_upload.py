"""Uploading a questionnaire in the admin: errors with lines, a preview of every page in both
languages that stores nothing, then publishing under the usual versioning rules."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment.models import Answer, Assessment, Company, Questionnaire, Respondent
from tests.conftest import ROOT

INSTRUMENT = ROOT / "tests" / "data" / "published-style-check.yaml"
URL = "admin:assessment_questionnaire_upload"


def upload(client, text: str, name: str = "check.yaml"):
    file = SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/yaml")
    return client.post(reverse(URL), {"file": file})


def token_of(response) -> str:
    return response.context["token"]


def test_the_changelist_links_to_the_upload(admin_client, db):
    response = admin_client.get(reverse("admin:assessment_questionnaire_changelist"))
    assert reverse(URL) in response.content.decode()


def test_errors_are_listed_with_their_lines_and_nothing_is_stored(admin_client, db):
    text = INSTRUMENT.read_text(encoding="utf-8").replace("weight: 50", "weight: -5", 1)
    response = upload(admin_client, text)
    assert response.status_code == 400
    page = response.content.decode()
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "weight: -5" in row)
    assert (
        f"upload: check.yaml, line {line}: dimension business group investments: "
        "&#x27;weight&#x27; is -5, out of range"
    ) in page
    assert not Questionnaire.objects.exists()


def test_a_file_that_is_not_text_is_refused(admin_client, db):
    file = SimpleUploadedFile("check.yaml", b"\xff\xfe\x00bad", content_type="application/yaml")
    response = admin_client.post(reverse(URL), {"file": file})
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()


def test_the_preview_shows_every_page_in_both_languages_and_stores_nothing(admin_client, db):
    response = upload(admin_client, INSTRUMENT.read_text(encoding="utf-8"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("data-preview-page=") == 4  # two pages, two languages
    assert "In welche Bereiche hat Ihr Unternehmen" in page
    assert "Which areas has your company invested in" in page
    assert 'data-question="tech_cloud"' in page
    assert not Questionnaire.objects.exists()


def test_publish_stores_what_was_previewed(admin_client, db):
    preview = upload(admin_client, INSTRUMENT.read_text(encoding="utf-8"))
    response = admin_client.post(reverse(URL), {"publish": "1", "token": token_of(preview)})
    stored = Questionnaire.objects.get(key="published-style", version=1)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:assessment_questionnaire_change", args=[stored.pk]
    )
    assert stored.source_file == "upload: check.yaml"
    assert stored.questions.count() == 9
    assert stored.whole_point_bands


def test_a_tampered_token_publishes_nothing(admin_client, db):
    response = admin_client.post(reverse(URL), {"publish": "1", "token": "x:y:z"})
    assert response.status_code == 400
    assert not Questionnaire.objects.exists()


def test_a_changed_version_in_use_cannot_be_previewed_or_published(admin_client, db):
    text = INSTRUMENT.read_text(encoding="utf-8")
    first = upload(admin_client, text)
    admin_client.post(reverse(URL), {"publish": "1", "token": token_of(first)})
    stored = Questionnaire.objects.get(key="published-style")
    company = Company.objects.create(industry="crafts", size_band="2-9")
    assessment = Assessment.objects.create(company=company, questionnaire=stored)
    Answer.objects.create(
        assessment=assessment,
        respondent=Respondent.objects.create(assessment=assessment, is_primary=True),
        question=stored.questions.get(key="invest_plan"),
        options=["yes"],
    )
    changed = text.replace("Gibt es einen Investitionsplan?", "Gibt es einen Plan?")
    response = upload(admin_client, changed)
    assert response.status_code == 400
    assert "bump &#x27;version&#x27; to 2" in response.content.decode()
    assert Questionnaire.objects.get(key="published-style").content_hash == stored.content_hash


@pytest.mark.parametrize("who", ["staff", "owner"])
def test_only_operators_may_upload(client, owner, who):
    if who == "staff":
        owner.is_staff = True
        owner.save()
    client.force_login(owner)
    response = client.get(reverse(URL))
    assert response.status_code in (302, 403)
    assert not Questionnaire.objects.exists()


def test_the_upload_page_speaks_english_too(admin_client, db):
    admin_client.cookies["django_language"] = "en"
    response = upload(admin_client, INSTRUMENT.read_text(encoding="utf-8"))
    page = response.content.decode()
    assert "Preview: published-style, version 1" in page
    assert ">Publish<" in page
    assert "German" in page and "English" in page
