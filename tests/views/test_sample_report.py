"""The sample report: computed from built-in answers, linked from the landing page."""

import io
import re

from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from assessment import sample
from assessment.models import Assessment, Company


def text_of(content: bytes) -> str:
    return re.sub(
        r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    )


def test_landing_page_links_to_the_sample_report(client, default_questionnaire):
    response = client.get(reverse("home"))
    assert reverse("sample_report") in response.content.decode()


def test_sample_report_is_computed_rendered_once_and_leaves_no_rows(
    client, default_questionnaire, monkeypatch
):
    response = client.get(reverse("sample_report"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "Blumen Beispiel GmbH" in text and "Auf einen Blick" in text
    assert Company.objects.count() == 0 and Assessment.objects.count() == 0

    def no_second_render(**kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(sample, "render_sample", no_second_render)
    assert client.get(reverse("sample_report")).content == response.content


def test_sample_report_without_a_questionnaire_is_404(client, db):
    assert client.get(reverse("sample_report")).status_code == 404


def test_sample_report_command_writes_german_and_english(default_questionnaire, tmp_path):
    call_command("sample_report", output_dir=str(tmp_path))
    german = text_of((tmp_path / "Reifegrad_Beispielbericht.pdf").read_bytes())
    english = text_of((tmp_path / "Reifegrad_sample_report.pdf").read_bytes())
    assert "Auf einen Blick" in german and "Fortschritt seit dem letzten Check" in german
    assert "At a glance" in english and "Auf einen Blick" not in english
