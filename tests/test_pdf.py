"""The PDF report: what it says, what it refuses to fetch, who may download it."""

import io
import json
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from assessment.engine import scoring
from assessment.models import Assessment, Company, RenderedReport
from assessment.reports import pdf
from assessment.reports.data import build_report
from assessment.reports.pdf import StaticOnlyFetcher, assessment_pdf, report_html, safe_filename
from assessment.workflows import save_answers
from tests.factories import completed_assessment

HOSTILE = (
    '<img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/hostname"> '
    "http://127.0.0.1:9/ <script>alert(1)</script>"
)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def assessment(default_questionnaire):
    return completed_assessment(
        default_questionnaire, notes={"web_editing": "Neffe hilft – ab März"}
    )


@pytest.fixture
def german_pdf(assessment):
    with translation.override("de"):
        return assessment_pdf(assessment=assessment)


def test_pdf_says_what_matters_in_german(assessment, german_pdf):
    text = flat(pdf_text(german_pdf.content))
    report = build_report(assessment=assessment)
    assert "Blumen Müller & Töchter" in text
    assert f"{round(report.result.overall)} / 100" in text
    for dimension in report.content.dimensions:
        assert flat(dimension.title_de) in text
    for step in report.roadmap.steps[:8]:
        assert flat(report.content.recommendation(step.key).title_de)[:40] in text
    assert "Neffe hilft – ab März" in text
    for character in "äöüß€„“–":
        assert character in text, character


def test_pdf_has_sensible_pages_metadata_and_no_attachments(german_pdf):
    reader = PdfReader(io.BytesIO(german_pdf.content))
    assert 6 <= len(reader.pages) <= 30
    assert reader.metadata.title.startswith("Digitaler Reifegrad – Blumen Müller")
    assert reader.metadata.author == "Reifegrad"
    assert reader.metadata.subject
    assert reader.trailer["/Root"]["/Lang"] == "de"
    assert not reader.attachments
    assert "/Metadata" in reader.trailer["/Root"]  # XMP for PDF/A
    page_numbers = pdf_text(german_pdf.content)
    assert f"2 / {len(reader.pages)}" in page_numbers


def test_pdf_in_english(assessment):
    with translation.override("en"):
        rendered = assessment_pdf(assessment=assessment)
    text = flat(pdf_text(rendered.content))
    assert "Your roadmap" in text
    assert "Website & online presence" in text
    assert PdfReader(io.BytesIO(rendered.content)).trailer["/Root"]["/Lang"] == "en"


def test_hostile_text_is_printed_literally_and_nothing_is_fetched(default_questionnaire):
    company = Company(name=HOSTILE[:200], industry="retail", size_band="1", region="<b>x</b>")
    assessment = completed_assessment(
        default_questionnaire, company=company, notes={"web_mobile": HOSTILE}
    )
    with translation.override("de"):
        html = report_html(build_report(assessment=assessment))
    fetcher = StaticOnlyFetcher()
    from weasyprint import HTML

    content = HTML(string=html, base_url=pdf.BASE_URL, url_fetcher=fetcher).write_pdf(
        stylesheets=[pdf.report_stylesheet()], font_config=pdf.font_configuration()
    )
    assert fetcher.refused == []
    # Our static files and the radar chart, which the report embeds as an SVG data: URI.
    assert all(
        url.startswith((pdf.STATIC_PREFIX, "data:image/svg+xml;base64,")) for url in fetcher.served
    )
    text = flat(pdf_text(content))
    assert '<img src="file:///etc/passwd">' in text
    assert "<script>alert(1)</script>" in text
    assert "http://127.0.0.1:9/" in text
    assert "root:x:0:0" not in text
    assert not PdfReader(io.BytesIO(content)).attachments


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///etc/hostname",
        "http://127.0.0.1:9/",
        "https://example.com/logo.png",
        "https://reifegrad.invalid/static/../../../etc/passwd",
        "https://reifegrad.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://reifegrad.invalid/etc/passwd",
        "https://reifegrad.invalid/static/",
    ],
)
def test_fetcher_refuses_everything_but_our_static_files(url):
    fetcher = StaticOnlyFetcher()
    with pytest.raises(ValueError, match="Not served"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_serves_our_static_files_and_data_uris():
    fetcher = StaticOnlyFetcher()
    css = fetcher.fetch(pdf.STATIC_PREFIX + "css/report.css")
    assert b"@page" in css.read()
    data = fetcher.fetch("data:text/plain;base64,SGFsbG8=")
    assert data.read() == b"Hallo"


def test_pdf_is_rendered_once_per_revision(assessment, german_pdf, monkeypatch):
    calls = []
    real_render = pdf.render
    monkeypatch.setattr(pdf, "render", lambda report: calls.append(1) or real_render(report))
    with translation.override("de"):
        again = assessment_pdf(assessment=assessment)
    assert again.from_cache and again.content == german_pdf.content and calls == []
    assert RenderedReport.objects.filter(assessment=assessment).count() == 1

    assessment.company.monthly_budget_eur = 500
    assessment.company.save()
    with translation.override("de"):
        changed = assessment_pdf(assessment=assessment)
    assert not changed.from_cache and calls == [1]
    assert changed.revision != german_pdf.revision


def test_a_draft_pdf_changes_when_an_answer_changes(default_questionnaire):
    from assessment.answers import AnswerChange
    from assessment.workflows import primary_respondent, start_self_assessment

    assessment, _ = start_self_assessment(
        company=Company(industry="crafts", size_band="1"), questionnaire=default_questionnaire
    )
    first = assessment_pdf(assessment=assessment)
    question = default_questionnaire.content().questions["web_editing"]
    save_answers(
        assessment=assessment,
        respondent=primary_respondent(assessment),
        changes=[AnswerChange(question, ("self_easy",), False, None)],
    )
    second = assessment_pdf(assessment=assessment)
    assert not second.from_cache and second.revision != first.revision
    pages = PdfReader(io.BytesIO(second.content)).pages
    for page in pages:
        assert "Entwurf – vorläufiges Ergebnis" in flat(page.extract_text())


def test_filename_is_safe(assessment):
    assessment.company.name = 'Müller/../"Söhne" <GmbH>'
    assert re.fullmatch(
        r"Reifegrad_Mueller_Soehne_GmbH_\d{4}-\d{2}-\d{2}\.pdf", safe_filename(assessment)
    )


def test_download_from_the_results_page(client, default_questionnaire):
    from tests.views.test_check import answer_everything, start_anonymously

    assessment, _link = start_anonymously(client)
    answer_everything(client, assessment)
    client.post(reverse("finish", args=[assessment.public_id]))
    results = client.get(reverse("results", args=[assessment.public_id])).content.decode()
    url = reverse("report_pdf", args=[assessment.public_id])
    assert url in results
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert re.match(
        r'attachment; filename="Reifegrad_Blumen_Mueller_\d{4}-\d{2}-\d{2}\.pdf"',
        response["Content-Disposition"],
    )
    assert response.content.startswith(b"%PDF-")


def test_json_export_holds_profile_scores_answers_and_roadmap(client, default_questionnaire):
    from tests.views.test_check import answer_everything, start_anonymously

    assessment, _link = start_anonymously(client)
    answer_everything(client, assessment)
    response = client.get(reverse("report_json", args=[assessment.public_id]))
    assert response.status_code == 200
    data = json.loads(response.content)
    report = build_report(assessment=assessment)
    assert data["format"] == "reifegrad-assessment"
    assert data["company"]["name"] == "Blumen Müller"
    assert data["result"]["overall"] == round(report.result.overall, 2)
    assert len(data["result"]["dimensions"]) == 6
    assert len(data["answers"]) == len(default_questionnaire.content().questions)
    assert data["roadmap"]["phases"][0]["phase"] == "now"
    assert data["roadmap"]["phases"][0]["steps"][0]["kpi"]["direction"] in ("up", "down")


def test_outsiders_get_404_for_pdf_and_json(client, assessment, outsider):
    stranger = Client()
    stranger.force_login(outsider)
    for name in ("report_pdf", "report_json"):
        assert stranger.get(reverse(name, args=[assessment.public_id])).status_code == 404
        assert Client().get(reverse(name, args=[assessment.public_id])).status_code == 404


def test_progress_section_shows_deltas_changed_answers_and_done_steps(default_questionnaire):
    from django.utils import timezone

    from assessment.models import Action
    from assessment.workflows import finish_assessment, start_reassessment

    first = completed_assessment(default_questionnaire, level=0.3)
    company = first.company
    Action.objects.create(
        company=company,
        recommendation_key="r_sec_2fa",
        title="Zwei-Faktor-Anmeldung eingeschaltet",
        status="done",
        done_at=timezone.now(),
    )
    second = start_reassessment(company=company, user=None, carry_over=True)
    from assessment.models import Answer

    Answer.objects.filter(assessment=second).update(unconfirmed=False)
    Answer.objects.filter(assessment=second, question__key="web_editing").update(
        options=["self_easy"]
    )
    finish_assessment(assessment=second)
    with translation.override("de"):
        text = flat(pdf_text(assessment_pdf(assessment=second).content))
    assert "Fortschritt seit dem letzten Check" in text
    assert "1 geänderte Antwort" in text
    assert "Wir ändern es selbst, meist noch am selben Tag" in text
    assert "Zwei-Faktor-Anmeldung eingeschaltet" in text


FONT_PAGE = (
    '<html><head><link rel="stylesheet" href="/static/css/report.css"></head><body>Ä</body></html>'
)


def test_renders_share_one_font_folder_per_thread(monkeypatch, tmp_path):
    """WeasyPrint copies the report's web fonts into a folder of its font configuration.
    Renders share one configuration per thread (made once, so later renders skip loading
    fontconfig and the fonts), so repeated renders add no folder and no file."""
    import gc
    import tempfile
    import threading

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    contents = []
    entries = []
    folders = []

    def three_renders() -> None:
        for _ in range(3):
            content, _layout, _write = pdf.render_pdf_bytes(FONT_PAGE)
            contents.append(content)
            entries.append(len(list(tmp_path.rglob("*"))))
        # While the thread lives; once it ends, its configuration may be freed at any
        # collection.
        folders.extend(
            (path, len(list(path.iterdir()))) for path in tmp_path.iterdir() if path.is_dir()
        )

    # A new thread: its configuration is made here, inside tmp_path.
    worker = threading.Thread(target=three_renders)
    worker.start()
    worker.join()
    # The faces are copied on the first render only.
    assert entries[0] > 1 and entries[0] == entries[1] == entries[2]
    assert len(contents) == 3 and all(c.startswith(b"%PDF") for c in contents)
    assert len(folders) == 1 and folders[0][1] > 0, "the fonts should be in one folder"
    # Once the thread is gone, its configuration is freed and its folder with it.
    del worker
    gc.collect()
    assert list(tmp_path.iterdir()) == []


def test_failed_renders_kept_for_logging_add_no_font_folders(monkeypatch, tmp_path):
    """A full disk while writing: the errors (with their tracebacks) may be kept, for the log
    or an error report; they add no font folder beside the thread's shared one."""
    import gc
    import tempfile
    import threading

    import weasyprint

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen = []

    def full_disk(document, *args, **kwargs):
        seen.append(sorted(path for path in tmp_path.iterdir()))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(weasyprint.Document, "write_pdf", full_disk)
    errors = []

    def three_failures() -> None:
        for _ in range(3):
            with pytest.raises(OSError, match="No space left") as failure:
                pdf.render_pdf_bytes(FONT_PAGE)
            errors.append(failure.value)

    worker = threading.Thread(target=three_failures)
    worker.start()
    worker.join()
    assert len(errors) == 3
    assert len(seen[0]) == 1, "the render should have copied its fonts into one folder"
    assert seen[0] == seen[1] == seen[2]
    assert all(error.__traceback__ is not None for error in errors)
    del worker
    gc.collect()
    assert list(tmp_path.iterdir()) == []


def radar_svg_of(html: str) -> str:
    """The radar as the PDF draws it: the SVG inside the figure's data: URI."""
    import base64

    encoded = re.search(r'<figure class="radar"><img src="data:image/svg\+xml;base64,([^"]+)', html)
    assert encoded, "no radar figure in the report"
    return base64.b64decode(encoded.group(1)).decode("utf-8")


@pytest.mark.parametrize(
    ("language", "current", "previous", "dashed"),
    [
        ("de", "Dieser Check", "Check vom", "Gestrichelt der Check vom"),
        ("en", "This check", "Check of", "Dashed: the check of"),
    ],
)
def test_pdf_radar_overlays_the_previous_check_with_a_legend(
    default_questionnaire, language, current, previous, dashed
):
    company = Company.objects.create(
        name="Blumen Müller & Töchter", industry="retail", size_band="2-9", region="Köln"
    )
    earlier = completed_assessment(default_questionnaire, company=company, level=0.1)
    later = completed_assessment(default_questionnaire, company=company, level=0.6)
    with translation.override(language):
        html = report_html(build_report(assessment=later))
        svg = radar_svg_of(html)
        content, _timing = pdf.render(build_report(assessment=later))
    # The previous check: a dashed outline of its own, inside the current area (it scored
    # lower on every axis), and a legend naming both checks.
    outline = re.search(r'<g id="radar-comparison"><polygon points="([^"]+)"[^>]*>', svg)
    assert outline and "stroke-dasharray" in outline.group()
    area = re.search(r'<g id="radar-current"><polygon points="([^"]+)"', svg)
    assert area

    def radii(points: str) -> list[float]:
        pairs = [tuple(map(float, pair.split(","))) for pair in points.split()]
        return [(x * x + y * y) ** 0.5 for x, y in pairs]

    previous_radii, current_radii = radii(outline.group(1)), radii(area.group(1))
    assert len(previous_radii) == len(current_radii) == 6
    assert all(before < now for before, now in zip(previous_radii, current_radii, strict=True))
    legend = re.search(r'<g id="radar-legend">(.*?)</g>', svg, re.S)
    assert legend and current in legend.group(1) and previous in legend.group(1)
    # The figure's alternative text names the previous scores too, and the legend is drawn.
    previous_scores = {
        d["key"]: d["score"] for d in (Assessment.objects.get(pk=earlier.pk).result["dimensions"])
    }
    alt = unescape(
        re.search(r'<figure class="radar"><img src="[^"]+" alt="([^"]+)"', html).group(1)
    )
    assert dashed in alt
    report = build_report(assessment=later)
    with translation.override(language):
        for dimension in report.content.dimensions:
            before = scoring.whole_points(previous_scores[dimension.key])
            assert f"{flat(dimension.title)}: {before}" in flat(alt.split(dashed)[1])
    text = flat(pdf_text(content))
    assert current in text and previous in text


def test_pdf_radar_of_a_first_check_has_no_overlay(assessment):
    with translation.override("de"):
        html = report_html(build_report(assessment=assessment))
    svg = radar_svg_of(html)
    assert "radar-comparison" not in svg and "radar-legend" not in svg
    assert "Gestrichelt" not in html


def test_later_steps_are_compact_with_costs_and_measure_and_point_to_the_web_roadmap(
    assessment, german_pdf
):
    # Words broken at a hyphen across lines come out as "Fahrplan- Seite".
    def joined(words: str) -> str:
        return flat(words).replace("- ", "-")

    text = joined(pdf_text(german_pdf.content))
    with translation.override("de"):
        report = build_report(assessment=assessment)
    phases = {phase.key: phase for phase in report.roadmap.phases}
    assert phases["later"].steps, "the fixture's roadmap must reach the Later phase"
    url = reverse("roadmap", args=[assessment.public_id])
    assert url in text.replace(" ", "")
    for key in ("now", "next"):
        for step in phases[key].steps:
            recommendation = report.content.recommendation(step.key)
            assert joined(recommendation.description_de)[:60] in text
    for step in phases["later"].steps:
        recommendation = report.content.recommendation(step.key)
        assert joined(recommendation.title_de)[:40] in text
        assert joined(recommendation.description_de)[:60] not in text
        assert f"{step.effort_hours:g} h" in text
        assert joined(f"Messgröße: {recommendation.kpi_metric_de}")[:40] in text
        if recommendation.legal_kind:
            assert joined(recommendation.legal_note_de)[:40] in text


def test_compact_steps_follow_their_phase_heading_on_the_same_page():
    """A compact step ends with its facts line, which avoids a break after it; without an
    exception for the last line, no break was allowed between compact steps, and a Later
    phase longer than a page jumped to the next one, leaving its heading alone on a page."""
    filler = "<p>Text davor.</p>" * 12
    steps = "".join(
        f'<li><p class="step-title"><strong>Schritt {number}</strong></p>'
        f'<p class="step-facts">2 h · kostenlos · Messgröße: Anzahl {number}</p></li>'
        for number in range(1, 61)
    )
    html = (
        '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>x</title></head>'
        f'<body><section id="roadmap">{filler}<h3>Später (6–12 Monate)</h3>'
        f'<p class="small muted">Kurz gefasst.</p><ol class="steps">{steps}</ol>'
        "</section></body></html>"
    )
    content, _layout, _write = pdf.render_pdf_bytes(html)
    pages = [flat(page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages]
    heading = [number for number, text in enumerate(pages) if "Später (6–12 Monate)" in text]
    assert len(heading) == 1
    assert "Schritt 1 " in pages[heading[0]] + " "


def test_a_report_renders_without_collections_on_the_way_and_frees_its_garbage_after(assessment):
    """The cyclic collector is paused while WeasyPrint lays out and writes (its collections
    walked every object of the process, over and over); one young-generation collection
    afterwards frees what the render left, and the collector runs again."""
    import gc

    html = report_html(build_report(assessment=assessment))
    collections: list[int] = []

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(note)
    try:
        content, _layout, _write = pdf.render_pdf_bytes(html)
    finally:
        gc.callbacks.remove(note)
    assert content.startswith(b"%PDF")
    assert collections == [0]
    assert gc.isenabled()


def test_a_failed_render_leaves_the_collector_as_it_found_it(monkeypatch):
    import gc

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pdf.HTML, "render", fail)
    with pytest.raises(OSError):
        pdf.render_pdf_bytes(FONT_PAGE)
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.undo()
        pdf.render_pdf_bytes(FONT_PAGE)
        assert not gc.isenabled()
    finally:
        gc.enable()
