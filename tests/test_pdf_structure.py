"""The finished PDF read back as a standards reviewer would: tags, PDF/A, fonts, layout.

The reports are rendered once for the module (each render takes a second or more) and
kept as bytes; every test reads those.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest
from django.utils import translation
from fontTools.ttLib import TTFont
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTContainer
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject, IndirectObject

from assessment.models import (
    Assessment,
    Company,
    ConsultantProfile,
    Membership,
    User,
)
from assessment.reports import pdf
from assessment.reports.data import build_report
from assessment.workflows import start_self_assessment
from tests.factories import completed_assessment

MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = 210 * MM, 297 * MM
LEFT, RIGHT = 18 * MM, (210 - 18) * MM  # report.css @page margins; header/footer lie inside
TOLERANCE = 0.5  # points: rounding in glyph boxes

UNICODE_NAME = "Şahin Bau Łódź Dvořák 😀 مرحبا"
LONG_WORD = "Donaudampfschifffahrtsgesellschaftskapitänswitwe" * 10
LONG_NAME = ("Bäckerei und Konditorei Müller-Lüdenscheidt " * 3)[:95]
LONG_NOTE = (
    "Unsere Kasse ist alt und das Kassenbuch führen wir auf Papier, die Belege sammelt "
    "die Chefin in einem Schuhkarton. "
) * 40


@dataclass(frozen=True)
class Reports:
    typical: bytes
    english: bytes
    unicode: bytes
    long: bytes
    long_phases: int
    draft: bytes
    typical_scores: dict[str, int]


def logo_with_alpha() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (240, 80), (11, 85, 99, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def render(assessment: Assessment, language: str = "de") -> bytes:
    with translation.override(language):
        content, _timing = pdf.render(build_report(assessment=assessment))
    return content


def with_consultant(company: Company) -> None:
    user = User.objects.create_user(email=f"berater-{company.pk}@example.com")
    ConsultantProfile.objects.create(
        user=user,
        name="Dr. Berta Beispiel",
        firm="Beispiel Beratung " + LONG_WORD[:80],
        website="https://beispiel-beratung.example/"
        + "sehr-lange-adresse/" * 8,  # a URLField holds 200
        approved=True,
        logo_png=logo_with_alpha(),
    )
    Membership.objects.create(company=company, user=user, role=Membership.Role.CONSULTANT)


RENDERED: list[Reports] = []


@pytest.fixture
def reports(default_questionnaire) -> Reports:
    if not RENDERED:
        RENDERED.append(render_reports(default_questionnaire))
    return RENDERED[0]


def render_reports(questionnaire) -> Reports:
    with translation.override("de"):
        typical = completed_assessment(questionnaire, level=0.4)
        content = build_report(assessment=typical).content
        with translation.override("de"):
            scores = {
                dimension.title: round(
                    build_report(assessment=typical).result.dimension_score(dimension.key)
                )
                for dimension in content.dimensions
            }
        unicode_company = Company.objects.create(
            name=UNICODE_NAME, industry="crafts", size_band="2-9", region="Łódź"
        )
        with_consultant(unicode_company)
        unicode_check = completed_assessment(
            questionnaire, company=unicode_company, notes={"web_mobile": "Dvořák 😀"}
        )
        long_company = Company.objects.create(
            name=LONG_NAME,
            industry="retail",
            size_band="10-49",
            region=LONG_WORD[:100],
            monthly_budget_eur=5000,
            monthly_hours=80,
        )
        with_consultant(long_company)
        long_check = completed_assessment(
            questionnaire,
            company=long_company,
            level=0.0,
            notes={key: LONG_NOTE + LONG_WORD for key in list(content.questions)[:6]},
        )
        draft, _token = start_self_assessment(
            company=Company(industry="crafts", size_band="1"), questionnaire=questionnaire
        )
        answer_some(draft, content)
        result = Reports(
            typical=render(typical),
            english=render(typical, "en"),
            unicode=render(unicode_check),
            long=render(long_check),
            long_phases=sum(
                1 for phase in build_report(assessment=long_check).roadmap.phases if phase.steps
            ),
            draft=render(draft),
            typical_scores=scores,
        )
    return result


def answer_some(assessment: Assessment, content) -> None:
    """Answer the first area only, so the other areas stay open."""
    from assessment.answers import AnswerChange
    from assessment.workflows import primary_respondent, save_answers

    first = content.dimensions[0]
    changes = [
        AnswerChange(question, (question.option_list[-1].key,), False, "")
        for question in first.question_list
    ]
    save_answers(assessment=assessment, respondent=primary_respondent(assessment), changes=changes)


def reader(content: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(content))


def structure_types(content: bytes) -> dict[str, list[DictionaryObject]]:
    """Every structure element of the document by its type (/H1, /Table, ...)."""
    root = reader(content).trailer["/Root"]
    found: dict[str, list[DictionaryObject]] = {}
    stack = [root["/StructTreeRoot"].get_object()]
    while stack:
        element = stack.pop()
        if isinstance(element, IndirectObject):
            element = element.get_object()
        if not isinstance(element, DictionaryObject):
            continue
        if "/S" in element:
            found.setdefault(str(element["/S"]), []).append(element)
        kids = element.get("/K")
        if kids is None:
            continue
        kids = kids.get_object()
        stack.extend(kids if isinstance(kids, list) else [kids])
    return found


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def all_text(content: bytes) -> str:
    return flat("\n".join(page.extract_text() for page in reader(content).pages))


# --- Tagged PDF/A-3a


@pytest.mark.parametrize("kind", ["typical", "english", "unicode", "long", "draft"])
def test_every_report_is_tagged_with_headings_lists_tables_and_a_described_figure(reports, kind):
    content = getattr(reports, kind)
    root = reader(content).trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]) in ("de", "en")
    types = structure_types(content)
    for tag in ("/H1", "/H2", "/H3", "/Table", "/TH", "/TD", "/L", "/LI", "/Figure"):
        assert types.get(tag), f"no {tag} in the structure tree of the {kind} report"
    radar = [figure for figure in types["/Figure"] if "Netzdiagramm" in str(figure.get("/Alt"))]
    if kind == "english":
        radar = [figure for figure in types["/Figure"] if "Radar chart" in str(figure.get("/Alt"))]
    assert len(radar) == 1
    if kind == "typical":
        alt = str(radar[0]["/Alt"])
        for title, score in reports.typical_scores.items():
            assert f"{title}: {score}" in alt


def test_pdf_a_3a_is_declared_in_xmp_with_dates_in_whole_seconds(reports):
    for content in (reports.typical, reports.english, reports.draft):
        xmp = reader(content).trailer["/Root"]["/Metadata"].get_object().get_data().decode()
        assert re.search(r"pdfaid:part(=\"|>)3", xmp)
        assert re.search(r"pdfaid:conformance(=\"|>)A", xmp)
        dates = re.findall(r"<xmp:(?:CreateDate|ModifyDate|MetadataDate)>([^<]+)<", xmp)
        assert dates
        for date in dates:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)", date), date


def test_no_image_asks_for_interpolation(reports):
    for content in (reports.unicode, reports.long):
        assert b"/Interpolate true" not in content
        images = 0
        for page in reader(content).pages:
            resources = page.get("/Resources") or {}
            for xobject in (resources.get("/XObject") or {}).values():
                xobject = xobject.get_object()
                if xobject.get("/Subtype") == "/Image":
                    images += 1
                    assert xobject.get("/Interpolate") in (None, False)
        assert images >= 1  # the consultant's logo


# --- Fonts


def embedded_fonts(content: bytes) -> dict[int, DictionaryObject]:
    """Every font the pages and their form XObjects (the radar) use, by object number."""
    fonts: dict[int, DictionaryObject] = {}

    def visit(resources) -> None:
        resources = resources.get_object() if resources is not None else {}
        for reference in (resources.get("/Font") or {}).values():
            fonts[reference.idnum] = reference.get_object()
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                visit(xobject.get("/Resources"))

    for page in reader(content).pages:
        visit(page.get("/Resources"))
    return fonts


BUNDLED_NAMES = re.compile(r"^/[A-Z]{6}\+(Source-Sans-3|Noto-Sans)")


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig tools missing")
def test_every_font_is_bundled_and_embedded_even_with_system_fonts_installed(reports):
    system = subprocess.run(["fc-list"], capture_output=True, text=True, check=True).stdout
    assert "DejaVu" in system, "this test needs DejaVu installed to prove it is not used"
    for content in (reports.typical, reports.unicode, reports.long, reports.english):
        fonts = embedded_fonts(content)
        assert fonts
        for font in fonts.values():
            assert BUNDLED_NAMES.match(str(font["/BaseFont"])), font["/BaseFont"]
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
            assert "/ToUnicode" in font


def used_codes(content: bytes) -> dict[int, set[int]]:
    """Every two-byte glyph code shown with each font (Identity-H: the code is the glyph)."""
    used: dict[int, set[int]] = {}

    def walk(stream_owner, resources) -> None:
        resources = resources.get_object() if resources is not None else {}
        fonts = {name: ref for name, ref in (resources.get("/Font") or {}).items()}
        current = None
        operations = ContentStream(stream_owner, None).operations
        for operands, operator in operations:
            if operator == b"Tf":
                current = fonts[operands[0]].idnum
            elif operator in (b"Tj", b"'", b'"', b"TJ"):
                strings = operands[-1] if operator != b"TJ" else operands[0]
                items = strings if operator == b"TJ" else [strings]
                for item in items:
                    if isinstance(item, bytes | str) or hasattr(item, "original_bytes"):
                        raw = item.original_bytes if hasattr(item, "original_bytes") else item
                        codes = {raw[i] << 8 | raw[i + 1] for i in range(0, len(raw) - 1, 2)}
                        assert current is not None, "text shown before any font is set"
                        used.setdefault(current, set()).update(codes)
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                walk(xobject, xobject.get("/Resources"))

    for page in reader(content).pages:
        walk(page.get_contents(), page.get("/Resources"))
    return used


def to_unicode_codes(font: DictionaryObject) -> set[int]:
    cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    codes: set[int] = set()
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        codes.update(int(code, 16) for code in re.findall(r"<([0-9a-fA-F]+)>\s*<", block))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            codes.update(range(int(low, 16), int(high, 16) + 1))
    return codes


def test_every_used_glyph_exists_in_its_font_and_maps_to_unicode(reports):
    for content in (reports.typical, reports.unicode, reports.long):
        fonts = embedded_fonts(content)
        for key, codes in used_codes(content).items():
            font = fonts[key]
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
            glyphs = program["maxp"].numGlyphs
            mapped = to_unicode_codes(font)
            assert 0 not in codes, f"{font['/BaseFont']} shows .notdef"
            assert all(code < glyphs for code in codes), font["/BaseFont"]
            assert codes <= mapped, (font["/BaseFont"], sorted(codes - mapped)[:10])


def test_names_outside_latin_1_round_trip_and_unknown_characters_show_a_placeholder(reports):
    text = all_text(reports.unicode)
    for name in ("Şahin Bau", "Łódź", "Dvořák"):
        assert name in text
    assert "😀" not in text and "مرحبا" not in text
    assert f"Dvořák {pdf.PLACEHOLDER}" in text


def test_printable_keeps_covered_text_and_replaces_the_rest():
    assert pdf.printable("Łódź – „Dvořák“ € ß\n") == "Łódź – „Dvořák“ € ß\n"
    assert pdf.printable("a😀b") == f"a{pdf.PLACEHOLDER}b"
    assert pdf.printable("a\u2066b\u3000c") == "ab c"


# --- Layout


def glyph_boxes(content: bytes):
    """(page number, character, x0, y0, x1, y1) of every glyph pdfminer finds."""

    def chars(item):
        if isinstance(item, LTChar):
            yield item
        elif isinstance(item, LTContainer):
            for child in item:
                yield from chars(child)

    for number, page in enumerate(extract_pages(io.BytesIO(content)), start=1):
        for char in chars(page):
            yield number, char.get_text(), char.x0, char.y0, char.x1, char.y1


@pytest.mark.parametrize("kind", ["typical", "long", "unicode", "english"])
def test_every_glyph_lies_inside_the_content_or_header_and_footer_boxes(reports, kind):
    outside = [
        box
        for box in glyph_boxes(getattr(reports, kind))
        if box[2] < LEFT - TOLERANCE
        or box[4] > RIGHT + TOLERANCE
        or box[3] < -TOLERANCE
        or box[5] > PAGE_HEIGHT + TOLERANCE
    ]
    assert outside == [], outside[:5]


def test_the_footer_stays_on_one_line_with_a_long_company_name(reports):
    bottom = 22 * MM
    footer_lines: dict[int, set[int]] = {}
    for number, _char, _x0, y0, _x1, y1 in glyph_boxes(reports.long):
        if y1 < bottom - 2:
            footer_lines.setdefault(number, set()).add(round(y0))
    pages = len(reader(reports.long).pages)
    assert sorted(footer_lines) == list(range(1, pages + 1))
    assert all(len(lines) == 1 for lines in footer_lines.values()), footer_lines


def test_phase_totals_are_printed_once_per_phase(reports):
    text = all_text(reports.long)
    assert reports.long_phases >= 2
    assert text.count("Eingeplant:") == reports.long_phases


# --- Truthful numbers and states


def test_a_draft_is_marked_on_every_page_and_open_areas_are_not_zero(reports):
    pages = reader(reports.draft).pages
    for page in pages:
        assert "Entwurf – vorläufiges Ergebnis" in flat(page.extract_text())
    text = all_text(reports.draft)
    assert "noch offen" in text
    assert "trifft nicht zu" not in text.split("Anhang")[0].split("Überblick")[-1]


def test_executive_page_comes_first_with_steps_budget_and_levers(reports):
    first = flat(reader(reports.typical).pages[0].extract_text())
    for phrase in (
        "Auf einen Blick",
        "Die nächsten drei Schritte",
        "Verantwortlich",
        "Zwölf Monate Fahrplan",
        "Die fünf größten Hebel",
    ):
        assert phrase in first
    assert len(re.findall(r"\+\d,\d ", first)) == 5


def test_radar_labels_are_at_least_seven_points_in_the_bundled_fonts():
    from django.contrib.staticfiles import finders

    from assessment.engine import charts

    css = open(str(finders.find("css/report.css")), encoding="utf-8").read()
    figure_mm = float(re.search(r"\.radar \{ width: ([\d.]+)mm", css).group(1))
    # The longest English area title, on every axis: the widest chart the PDF can get.
    chart = charts.radar_chart(
        axes=[("Inventory & merchandise management", 50.0)] * 6,
        chart_id="radar",
        title="t",
        size=pdf.RADAR_SIZE,
        pixel_width=300,
        font_family=pdf.FONT_STACK,
    )
    box_width = float(re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+)', chart).group(1))
    points_per_unit = figure_mm * MM / box_width
    assert charts.FONT_SIZE * points_per_unit >= 7
    assert "Source Sans 3" in re.search(r"<svg [^>]*>", chart).group()


def test_english_report_has_english_dates_and_no_german_headings(reports):
    text = all_text(reports.english)
    assert re.search(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20\d\d\b", text)
    assert not re.search(r"\b\d\d/\d\d/20\d\d\b", text)
    for german in ("Auf einen Blick", "Überblick", "Die nächsten drei Schritte", "Anhang"):
        assert german not in text
    assert "At a glance" in text
