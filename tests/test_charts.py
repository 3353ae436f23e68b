import math
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.engine.charts import (
    CURRENT_COLOUR,
    ChartSummary,
    SummaryRow,
    radar_chart,
    radar_summary,
    trend_chart,
    trend_summary,
)

NS = "{http://www.w3.org/2000/svg}"
MALICIOUS = "<script>alert(1)</script> & „Grüße“ €"

SIX_DIMENSIONS = [
    ("Website & Online-Präsenz", 62),
    ("Buchhaltung & Finanzen", 40.4),
    ("Warenwirtschaft", None),
    ("Kommunikation & Marketing", 77),
    ("Strategie & Prozesse", 55.5),
    ("IT-Sicherheit & Datenschutz", 81),
]


def parse(svg: str) -> ET.Element:
    # Our own output, parsed to check it: no entities or DTDs from outside to defuse.
    return ET.fromstring(svg)  # noqa: S314


def by_id(root: ET.Element, element_id: str) -> ET.Element:
    found = [element for element in root.iter() if element.get("id") == element_id]
    assert len(found) == 1, f"expected one element with id {element_id!r}, found {len(found)}"
    return found[0]


def texts(element: ET.Element) -> list[str]:
    """Every <text> as a person reads it: wrapped lines joined with a space."""
    return [
        " ".join(part for part in text.itertext() if part.strip())
        for text in element.iter(f"{NS}text")
    ]


def vertices(polygon: ET.Element) -> list[float]:
    """The polygon's corners as x0, y0, x1, y1, ... (flat, as pytest.approx needs)."""
    return [float(number) for pair in polygon.get("points").split() for number in pair.split(",")]


def flat(points: list[tuple[float, float]]) -> list[float]:
    return [coordinate for point in points for coordinate in point]


def centre_and_radius(root: ET.Element, chart_id: str) -> tuple[float, float, float]:
    rings = list(by_id(root, f"{chart_id}-grid").iter(f"{NS}circle"))
    outer = max(rings, key=lambda ring: float(ring.get("r")))
    return float(outer.get("cx")), float(outer.get("cy")), float(outer.get("r"))


def path_vertices(path: ET.Element) -> list[tuple[float, float]]:
    numbers = [float(number) for number in re.findall(r"-?\d+\.\d+", path.get("d"))]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def radar(**overrides) -> str:
    arguments = {"axes": SIX_DIMENSIONS, "chart_id": "scores", "title": "Reifegrad"}
    return radar_chart(**(arguments | overrides))


def trend(**overrides) -> str:
    arguments = {
        "points": [("03/2025", 48), ("09/2025", 55.5), ("03/2026", 62.4)],
        "chart_id": "progress",
        "title": "Entwicklung",
        "empty_text": "Noch keine abgeschlossene Bewertung",
    }
    return trend_chart(**(arguments | overrides))


EVERY_KIND = {
    "radar": lambda: radar(),
    "radar with comparison": lambda: radar(
        comparison=[50, 35, 20, 60, None, 70], comparison_label="03/2025", current_label="06/2026"
    ),
    "bars": lambda: radar(axes=[("Website", 70), ("Buchhaltung", 30)]),
    "bars with comparison": lambda: radar(
        axes=[("Website", 70), ("Buchhaltung", None)],
        comparison=[50, 20],
        comparison_label="Vorher",
        current_label="Jetzt",
    ),
    "trend": lambda: trend(),
    "trend with series": lambda: trend(
        series={"Website": [40, 50, 60], "Buchhaltung": [30, None, 35]}, overall_label="Index"
    ),
    "trend with one point": lambda: trend(points=[("03/2026", 62)]),
    "empty trend": lambda: trend(points=[]),
}


# --- Every chart -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", EVERY_KIND)
def test_every_chart_is_an_svg_image_labelled_by_its_title_and_description(kind):
    root = parse(EVERY_KIND[kind]())

    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert by_id(root, title_id).tag == f"{NS}title"
    assert by_id(root, desc_id).tag == f"{NS}desc"
    assert by_id(root, title_id).text
    assert by_id(root, desc_id).text
    assert len(root.get("viewBox").split()) == 4


@pytest.mark.parametrize("kind", EVERY_KIND)
def test_every_chart_is_self_contained_without_scripts_links_or_stylesheets(kind):
    svg = EVERY_KIND[kind]()
    root = parse(svg)

    tags = {element.tag.removeprefix(NS) for element in root.iter()}
    assert not tags & {"script", "foreignObject", "image", "style", "a", "use"}
    attributes = {name for element in root.iter() for name in element.attrib}
    assert not attributes & {"class", "style", "href", "{http://www.w3.org/1999/xlink}href"}
    assert "url(" not in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert root.get("font-family") == "sans-serif"


@pytest.mark.parametrize("kind", EVERY_KIND)
def test_the_same_input_gives_byte_identical_output(kind):
    assert EVERY_KIND[kind]() == EVERY_KIND[kind]()


@pytest.mark.parametrize("kind", EVERY_KIND)
def test_ids_are_unique_and_start_with_the_chart_id(kind):
    root = parse(EVERY_KIND[kind]())
    ids = [element.get("id") for element in root.iter() if element.get("id")]

    assert len(ids) == len(set(ids))
    assert all(element_id.startswith(("scores-", "progress-")) for element_id in ids)


def test_scales_with_its_container_unless_a_pixel_width_is_given():
    fluid = parse(radar())
    assert fluid.get("width") == "100%"
    assert fluid.get("height") is None

    fixed = parse(radar(pixel_width=500))
    _, _, box_width, box_height = (float(number) for number in fixed.get("viewBox").split())
    assert fixed.get("width") == "500"
    assert float(fixed.get("height")) == pytest.approx(500 * box_height / box_width, abs=0.1)


def test_different_chart_ids_give_different_element_ids():
    first = parse(radar(chart_id="before"))
    second = parse(radar(chart_id="after"))

    assert first.get("aria-labelledby") == "before-title before-desc"
    assert second.get("aria-labelledby") == "after-title after-desc"


@pytest.mark.parametrize(
    ("chart_id", "expected"),
    [
        ('"><script>alert(1)</script> Über', "script-alert-1-script-ber"),
        ("Radar_2026", "radar-2026"),
        ("2026", "chart-2026"),
        ("", "chart"),
        ("--", "chart"),
    ],
)
def test_a_hostile_or_odd_chart_id_is_reduced_to_a_safe_id(chart_id, expected):
    svg = radar(chart_id=chart_id)
    root = parse(svg)

    assert root.get("aria-labelledby") == f"{expected}-title {expected}-desc"
    for element in root.iter():
        if element.get("id"):
            assert re.fullmatch(r"[a-z][a-z0-9-]*", element.get("id"))
    assert "<script" not in svg


# --- Escaping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: radar(axes=[(MALICIOUS, 70), ("B", 20), ("C", 40)], title=MALICIOUS),
        lambda: radar(axes=[(MALICIOUS, 70)], title=MALICIOUS),
        lambda: radar(
            axes=[("A", 70), ("B", 20), ("C", 40)],
            comparison=[1, 2, 3],
            comparison_label=MALICIOUS,
            current_label=MALICIOUS,
            title=MALICIOUS,
        ),
        lambda: trend(points=[(MALICIOUS, 40), ("B", 50)], title=MALICIOUS),
        lambda: trend(series={MALICIOUS: [1, 2, 3]}, overall_label=MALICIOUS, title=MALICIOUS),
        lambda: trend(points=[], empty_text=MALICIOUS, title=MALICIOUS),
    ],
    ids=["radar", "bars", "legend", "trend labels", "trend series", "empty trend"],
)
def test_text_from_data_is_escaped_and_never_becomes_markup(build):
    svg = build()
    root = parse(svg)

    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; „Grüße“ €" in svg
    assert not [element for element in root.iter() if "script" in element.tag]
    assert MALICIOUS in texts(root)
    assert root.find(f"{NS}title").text == MALICIOUS


def test_quotes_in_labels_survive_as_text():
    root = parse(radar(axes=[("Sag \"Hallo\" & 'Tschüss'", 50), ("B", 1), ("C", 2)]))

    assert "Sag \"Hallo\" & 'Tschüss'" in texts(root)


def test_characters_xml_cannot_carry_are_dropped_instead_of_breaking_the_svg():
    root = parse(radar(axes=[("Web\x00site\x1b", 50), ("B", 1), ("C", 2)], title="T\x07itel"))

    assert "Website" in texts(root)
    assert root.find(f"{NS}title").text == "Titel"


@settings(max_examples=60, deadline=None)
@given(
    axes=st.lists(
        st.tuples(st.text(), st.one_of(st.none(), st.floats(allow_nan=True))),
        min_size=1,
        max_size=10,
    ),
    chart_id=st.text(),
    title=st.text(),
)
def test_any_labels_and_scores_give_a_well_formed_svg(axes, chart_id, title):
    root = parse(radar_chart(axes=axes, chart_id=chart_id, title=title))

    assert root.get("role") == "img"
    assert "script" not in {element.tag.removeprefix(NS) for element in root.iter()}


# --- Radar -----------------------------------------------------------------------------


def test_radar_vertices_sit_at_score_times_radius_clockwise_from_twelve():
    root = parse(radar(axes=[("Oben", 100), ("Rechts", 50), ("Unten", 0), ("Links", 25)]))
    cx, cy, radius = centre_and_radius(root, "scores")
    polygon = by_id(root, "scores-current").find(f"{NS}polygon")

    assert vertices(polygon) == pytest.approx(
        flat([(cx, cy - radius), (cx + radius / 2, cy), (cx, cy), (cx - radius / 4, cy)]), abs=0.11
    )


@pytest.mark.parametrize("count", range(3, 11))
def test_radar_draws_one_spoke_label_and_vertex_per_axis_for_three_to_ten_axes(count):
    axes = [(f"Dimension {index}", 10.0 * index) for index in range(count)]
    root = parse(radar(axes=axes))
    cx, cy, radius = centre_and_radius(root, "scores")
    polygon = by_id(root, "scores-current").find(f"{NS}polygon")

    expected = [
        (
            cx + radius * score / 100 * math.sin(2 * math.pi * index / count),
            cy - radius * score / 100 * math.cos(2 * math.pi * index / count),
        )
        for index, (_, score) in enumerate(axes)
    ]
    assert vertices(polygon) == pytest.approx(flat(expected), abs=0.11)
    assert len(by_id(root, "scores-grid").findall(f"{NS}line")) == count
    assert texts(by_id(root, "scores-labels")) == [label for label, _ in axes]


def test_radar_has_rings_at_every_twenty_points_with_their_numbers():
    root = parse(radar())
    _, _, radius = centre_and_radius(root, "scores")
    rings = sorted(float(ring.get("r")) for ring in by_id(root, "scores-grid").iter(f"{NS}circle"))

    assert rings == pytest.approx([radius * share for share in (0.2, 0.4, 0.6, 0.8, 1.0)], abs=0.1)
    assert texts(by_id(root, "scores-ring-labels")) == ["20", "40", "60", "80", "100"]


def test_an_axis_without_a_score_is_marked_and_never_drawn_as_zero():
    root = parse(
        radar(
            axes=[("A", 80), ("Warenwirtschaft", None), ("C", 60), ("D", 40)],
            no_value_text="trifft nicht zu",
        )
    )
    cx, cy, radius = centre_and_radius(root, "scores")
    current = by_id(root, "scores-current")
    points = vertices(current.find(f"{NS}polygon"))

    # Three vertices, none of them at the centre: the polygon joins A, C and D.
    assert len(points) == 6
    assert points[2:4] == pytest.approx([cx, cy + radius * 0.6], abs=0.11)
    assert len(current.findall(f"{NS}circle")) == 3
    grid = by_id(root, "scores-grid")
    dashed = [line for line in grid.iter(f"{NS}line") if line.get("stroke-dasharray")]
    assert len(dashed) == 1
    assert "Warenwirtschaft (trifft nicht zu)" in " ".join(texts(by_id(root, "scores-labels")))
    assert by_id(root, "scores-desc").text == "A 80, Warenwirtschaft trifft nicht zu, C 60, D 40"


def test_scores_outside_zero_to_hundred_are_clamped():
    clamped = parse(radar(axes=[("A", 150), ("B", -20), ("C", math.nan)]))
    plain = parse(radar(axes=[("A", 100), ("B", 0), ("C", None)]))

    assert vertices(by_id(clamped, "scores-current").find(f"{NS}polygon")) == vertices(
        by_id(plain, "scores-current").find(f"{NS}polygon")
    )
    assert by_id(clamped, "scores-desc").text == "A 100, B 0, C –"


def test_the_description_lists_every_axis_with_its_rounded_score():
    root = parse(radar())

    assert by_id(root, "scores-desc").text == (
        "Website & Online-Präsenz 62, Buchhaltung & Finanzen 40, Warenwirtschaft –, "
        "Kommunikation & Marketing 77, Strategie & Prozesse 56, IT-Sicherheit & Datenschutz 81"
    )


def test_long_labels_wrap_after_the_ampersand_and_short_ones_stay_on_one_line():
    root = parse(radar(axes=[("Kommunikation & Marketing", 50), ("Web", 50), ("Lager", 50)]))
    labels = by_id(root, "scores-labels").findall(f"{NS}text")

    assert [span.text for span in labels[0]] == ["Kommunikation &", "Marketing"]
    assert [span.text for span in labels[1]] == ["Web"]


def test_a_long_label_without_ampersand_wraps_at_the_most_balanced_space():
    root = parse(radar(axes=[("Digitale Prozesse im Betrieb", 50), ("B", 50), ("C", 50)]))
    first = by_id(root, "scores-labels").find(f"{NS}text")

    assert [span.text for span in first] == ["Digitale Prozesse", "im Betrieb"]


def test_labels_on_the_right_start_at_the_spoke_and_labels_on_the_left_end_there():
    root = parse(radar(axes=[("Oben", 50), ("Rechts", 50), ("Unten", 50), ("Links", 50)]))
    anchors = [text.get("text-anchor") for text in by_id(root, "scores-labels")]

    assert anchors == ["middle", "start", "middle", "end"]


def test_a_comparison_is_a_dashed_outline_and_the_legend_names_both_assessments():
    root = parse(
        radar(
            axes=[("A", 100), ("B", 50), ("C", 0), ("D", 25)],
            comparison=[50, None, 100, 120],
            comparison_label="03/2025",
            current_label="06/2026",
        )
    )
    cx, cy, radius = centre_and_radius(root, "scores")
    outline = by_id(root, "scores-comparison").find(f"{NS}polygon")

    assert outline.get("fill") == "none"
    assert outline.get("stroke-dasharray")
    assert vertices(outline) == pytest.approx(
        flat([(cx, cy - radius / 2), (cx, cy + radius), (cx - radius, cy)]), abs=0.11
    )
    assert texts(by_id(root, "scores-legend")) == ["06/2026", "03/2025"]
    assert by_id(root, "scores-desc").text == (
        "A: 06/2026 100, 03/2025 50; B: 06/2026 50, 03/2025 –; "
        "C: 06/2026 0, 03/2025 100; D: 06/2026 25, 03/2025 100"
    )


def test_without_a_comparison_there_is_no_legend():
    root = parse(radar())

    assert not [element for element in root.iter() if element.get("id") == "scores-legend"]
    assert not [element for element in root.iter() if element.get("id") == "scores-comparison"]


@pytest.mark.parametrize(
    "arguments",
    [
        {"comparison": [1, 2, 3, 4, 5, 6]},
        {"comparison": [1, 2, 3, 4, 5, 6], "comparison_label": "Vorher"},
        {"comparison": [1, 2, 3], "comparison_label": "Vorher", "current_label": "Jetzt"},
    ],
    ids=["no labels", "no current label", "misaligned"],
)
def test_a_comparison_without_legend_labels_or_misaligned_is_refused(arguments):
    with pytest.raises(ValueError):
        radar(**arguments)


def test_a_radar_without_axes_is_refused():
    with pytest.raises(ValueError):
        radar(axes=[])


@pytest.mark.parametrize("axes", [[("Website", 100)], [("Website", 100), ("Buchhaltung", 50)]])
def test_one_or_two_axes_are_drawn_as_bars_because_a_radar_needs_three(axes):
    root = parse(radar(axes=axes))
    bars = by_id(root, "scores-current").findall(f"{NS}rect")

    assert root.find(f".//{NS}polygon") is None
    assert len(bars) == len(axes)
    assert [float(bar.get("width")) / float(bars[0].get("width")) for bar in bars] == (
        pytest.approx([score / 100 for _, score in axes])
    )
    assert by_id(root, "scores-desc").text == ", ".join(f"{label} {score}" for label, score in axes)


def test_bars_show_missing_scores_with_the_callers_text_and_comparison_as_dashed_lines():
    root = parse(
        radar(
            axes=[("Website", 70), ("Buchhaltung", None)],
            comparison=[35, 20],
            comparison_label="Vorher",
            current_label="Jetzt",
            no_value_text="keine Antwort",
        )
    )

    assert len(by_id(root, "scores-current").findall(f"{NS}rect")) == 1
    lines = by_id(root, "scores-comparison").findall(f"{NS}line")
    assert all(line.get("stroke-dasharray") for line in lines)
    assert float(lines[0].get("x2")) - float(lines[0].get("x1")) == pytest.approx(
        float(by_id(root, "scores-current").find(f"{NS}rect").get("width")) / 2, abs=0.1
    )
    assert "keine Antwort" in texts(by_id(root, "scores-labels"))
    assert texts(by_id(root, "scores-legend")) == ["Jetzt", "Vorher"]


# --- Trend -----------------------------------------------------------------------------


def test_a_trend_without_points_says_so_in_the_middle():
    root = parse(trend(points=[], width=600, height=200))
    message = root.find(f"{NS}text")

    assert message.text == "Noch keine abgeschlossene Bewertung"
    assert message.get("text-anchor") == "middle"
    assert float(message.get("x")) == 300
    assert root.find(f".//{NS}path") is None
    assert root.find(f".//{NS}circle") is None
    assert by_id(root, "progress-desc").text == "Noch keine abgeschlossene Bewertung"


def test_a_trend_with_one_point_draws_a_dot_and_its_value_but_no_line():
    root = parse(trend(points=[("03/2026", 62)]))
    overall = by_id(root, "progress-overall")

    assert overall.find(f"{NS}path") is None
    assert len(overall.findall(f"{NS}circle")) == 1
    assert texts(by_id(root, "progress-values")) == ["62"]
    assert texts(by_id(root, "progress-x-labels")) == ["03/2026"]


def test_trend_points_sit_on_the_grid_lines_for_their_values():
    root = parse(trend(points=[("a", 0), ("b", 50), ("c", 100)]))
    grid_y = {
        text.text: float(line.get("y1"))
        for line, text in zip(
            by_id(root, "progress-grid").findall(f"{NS}line"),
            by_id(root, "progress-grid").findall(f"{NS}text"),
            strict=True,
        )
    }
    dots = by_id(root, "progress-overall").findall(f"{NS}circle")

    assert list(grid_y) == ["0", "25", "50", "75", "100"]
    assert [float(dot.get("cy")) for dot in dots] == [grid_y["0"], grid_y["50"], grid_y["100"]]
    xs = [float(dot.get("cx")) for dot in dots]
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1])


def test_a_missing_value_breaks_the_line_into_separate_paths():
    root = parse(trend(points=[("a", 30), ("b", 40), ("c", None), ("d", 50), ("e", 60)]))
    overall = by_id(root, "progress-overall")
    paths = overall.findall(f"{NS}path")
    dots = overall.findall(f"{NS}circle")

    assert len(paths) == 2
    assert len(dots) == 4
    dot_xs = [float(dot.get("cx")) for dot in dots]
    assert [x for x, _ in path_vertices(paths[0])] == dot_xs[:2]
    assert [x for x, _ in path_vertices(paths[1])] == dot_xs[2:]
    assert texts(by_id(root, "progress-x-labels")) == ["a", "b", "c", "d", "e"]


def test_an_isolated_value_between_gaps_is_a_dot_without_a_path():
    root = parse(trend(points=[("a", None), ("b", 40), ("c", None)]))
    overall = by_id(root, "progress-overall")

    assert overall.find(f"{NS}path") is None
    assert len(overall.findall(f"{NS}circle")) == 1


def test_trend_value_labels_and_description_show_rounded_values():
    root = parse(trend(points=[("03/2025", 48.49), ("09/2025", 55.5), ("03/2026", None)]))

    assert texts(by_id(root, "progress-values")) == ["48", "56"]
    assert by_id(root, "progress-desc").text == "03/2025 48, 09/2025 56, 03/2026 –"


def test_trend_values_are_clamped():
    root = parse(trend(points=[("a", -5), ("b", 130)]))

    assert texts(by_id(root, "progress-values")) == ["0", "100"]


def test_dimension_series_are_thinner_distinct_lines_named_in_a_legend():
    root = parse(
        trend(
            series={"Website": [40, 50, 60], "Buchhaltung": [30, None, 35]},
            overall_label="Digitalisierungsindex",
        )
    )
    overall_path = by_id(root, "progress-overall").find(f"{NS}path")
    website = by_id(root, "progress-series-0")
    accounting = by_id(root, "progress-series-1")

    assert texts(by_id(root, "progress-legend")) == [
        "Digitalisierungsindex",
        "Website",
        "Buchhaltung",
    ]
    assert overall_path.get("stroke") == CURRENT_COLOUR
    series_paths = website.findall(f"{NS}path") + accounting.findall(f"{NS}path")
    assert len(website.findall(f"{NS}path")) == 1
    assert accounting.find(f"{NS}path") is None  # 30, gap, 35: two lone dots
    assert len(accounting.findall(f"{NS}circle")) == 2
    assert all(
        float(path.get("stroke-width")) < float(overall_path.get("stroke-width"))
        for path in series_paths
    )
    colours = {series.find(f"{NS}circle").get("fill") for series in (website, accounting)}
    assert len(colours | {CURRENT_COLOUR}) == 3
    assert by_id(root, "progress-desc").text == (
        "03/2025: Digitalisierungsindex 48, Website 40, Buchhaltung 30; "
        "09/2025: Digitalisierungsindex 56, Website 50, Buchhaltung –; "
        "03/2026: Digitalisierungsindex 62, Website 60, Buchhaltung 35"
    )


def test_many_series_keep_distinct_colour_and_dash_pairs():
    series = {f"Dimension {index}": [index, index + 1, index + 2] for index in range(10)}
    root = parse(trend(series=series, overall_label="Index"))
    styles = {
        (path.get("stroke"), path.get("stroke-dasharray"))
        for index in range(10)
        for path in by_id(root, f"progress-series-{index}").findall(f"{NS}path")
    }

    assert len(styles) == 10


def test_without_series_there_is_no_legend():
    root = parse(trend())

    assert not [element for element in root.iter() if element.get("id") == "progress-legend"]


@pytest.mark.parametrize(
    "arguments",
    [
        {"series": {"Website": [1, 2, 3]}},
        {"series": {"Website": [1, 2]}, "overall_label": "Index"},
    ],
    ids=["no overall label", "misaligned"],
)
def test_series_without_an_overall_label_or_misaligned_are_refused(arguments):
    with pytest.raises(ValueError):
        trend(**arguments)


def test_crowded_x_labels_are_thinned_but_the_latest_is_always_shown():
    points = [(f"{month:02d}/{year}", 40.0) for year in range(2015, 2027) for month in (3, 9)]
    root = parse(trend(points=points))
    shown = texts(by_id(root, "progress-x-labels"))

    assert shown[-1] == "09/2026"
    assert 1 < len(shown) < len(points)


def test_a_legend_that_needs_more_rows_grows_the_chart_instead_of_crushing_the_plot():
    series = {f"Eine recht lange Dimension {index}": [1, 2, 3] for index in range(10)}
    root = parse(trend(series=series, overall_label="Index", height=200))

    assert float(root.get("viewBox").split()[3]) > 200


# --- Summaries for data tables ---------------------------------------------------------


def test_radar_summary_gives_the_rows_of_a_data_table():
    summary = radar_summary(
        axes=[("Website", 62.4), ("Lager", None)],
        title="Reifegrad",
        comparison=[50, 10],
        comparison_label="03/2025",
        current_label="06/2026",
        no_value_text="keine Antwort",
    )

    assert summary == ChartSummary(
        columns=("06/2026", "03/2025"),
        rows=(
            SummaryRow(label="Website", values=("62", "50")),
            SummaryRow(label="Lager", values=("keine Antwort", "10")),
        ),
    )


def test_without_a_comparison_the_value_column_is_headed_by_the_title():
    summary = radar_summary(axes=[("Website", 62)], title="Reifegrad")

    assert summary.columns == ("Reifegrad",)
    assert summary.text == "Website 62"


def test_trend_summary_has_one_row_per_date_and_one_column_per_line():
    summary = trend_summary(
        points=[("03/2025", 48), ("03/2026", 62.5)],
        title="Entwicklung",
        series={"Website": [40, None]},
        overall_label="Index",
    )

    assert summary.columns == ("Index", "Website")
    assert summary.rows == (
        SummaryRow(label="03/2025", values=("48", "40")),
        SummaryRow(label="03/2026", values=("63", "–")),
    )


def test_summary_text_keeps_data_unescaped_for_the_template_to_escape():
    summary = radar_summary(axes=[(MALICIOUS, 50)], title="T")

    assert summary.rows[0].label == MALICIOUS
    assert summary.text == f"{MALICIOUS} 50"


def test_the_description_in_the_svg_is_the_summary_text():
    arguments = {
        "points": [("03/2025", 48), ("03/2026", 62)],
        "title": "Entwicklung",
        "series": {"Website": [40, 50]},
        "overall_label": "Index",
    }
    root = parse(trend_chart(**arguments, chart_id="p", empty_text="leer"))

    assert by_id(root, "p-desc").text == trend_summary(**arguments).text


def test_web_radar_labels_stay_at_least_11_px_on_a_phone():
    from assessment.reports.data import WEB_RADAR_LABEL_SIZE

    root = parse(radar(label_size=WEB_RADAR_LABEL_SIZE))
    box_width = float(root.get("viewBox").split()[2])
    phone_width = 390 - 2 * 12  # the page's side padding on a phone
    labels = by_id(root, "scores-labels").iter(f"{NS}text")
    sizes = {float(text.get("font-size")) for text in labels}

    assert min(sizes) * phone_width / box_width >= 11


def test_measurement_chart_draws_the_values_with_their_unit_and_the_baseline():
    from assessment.engine.charts import measurement_chart

    root = parse(
        measurement_chart(
            points=[("01.10.", 2), ("01.11.", 5), ("01.12.", 9)],
            chart_id="kpi",
            title="Anfragen",
            unit="Anzahl",
            baseline=1,
            baseline_label="Ausgangswert",
        )
    )
    line = root.find(f"{NS}polyline")
    heights = [float(pair.split(",")[1]) for pair in line.get("points").split()]
    assert heights == sorted(heights, reverse=True)  # rising values go up
    assert "Anzahl" in texts(root) and "Ausgangswert" in texts(root)
    assert root.find(f"{NS}desc").text == "01.10.: 2 Anzahl, 01.11.: 5 Anzahl, 01.12.: 9 Anzahl"
    with pytest.raises(ValueError):
        measurement_chart(points=[], chart_id="kpi", title="x", unit="x")


def test_measurement_chart_keeps_its_first_and_last_date_inside_the_chart():
    from assessment.engine.charts import measurement_chart

    root = parse(
        measurement_chart(
            points=[("5 Jul 2026", 2), ("3 Sep 2026", 5), ("2 Nov 2026", 8)],
            chart_id="kpi",
            title="2FA",
            unit="%",
        )
    )
    anchors = {
        text.text: text.get("text-anchor")
        for text in root.iter(f"{NS}text")
        if text.text in ("5 Jul 2026", "2 Nov 2026")
    }
    # Centred under the first and last point, half of each date would hang outside.
    assert anchors == {"5 Jul 2026": "start", "2 Nov 2026": "end"}
    single = parse(measurement_chart(points=[("5 Jul", 2)], chart_id="kpi", title="x", unit="%"))
    assert [t.get("text-anchor") for t in single.iter(f"{NS}text") if t.text == "5 Jul"] == [
        "middle"
    ]
