"""Charts as inline SVG strings, shared by the HTML pages and the WeasyPrint PDF.

Plain data in, `str` out: standard library only, no Django, no ORM. The same input gives
byte-identical output, so every coordinate is printed with one decimal.

The SVG is self-contained: presentation attributes instead of CSS (a strict
Content-Security-Policy blocks `style` attributes, and the PDF has no page stylesheet),
no scripts, no external resources. Every text from data is XML-escaped. Each chart carries
a <title> and a <desc> with its numbers; `radar_summary` and `trend_summary` give the same
numbers as rows, so a page can show a data table next to the chart.

Words a person reads (series names, "no value", "no data yet") come from the caller, who
knows the user's language; this module only adds digits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

TEXT_COLOUR = "#1f2937"  # 14.7:1 on white
MUTED_TEXT_COLOUR = "#4b5563"  # 7.6:1 on white, for axis ticks
GRID_COLOUR = "#d1d5db"
AXIS_COLOUR = "#9ca3af"
CURRENT_COLOUR = "#0b5563"
COMPARISON_COLOUR = "#b45309"
COMPARISON_DASH = "6 4"

# Colour and dash both differ between series, so the lines stay apart for colour-blind
# readers and in black-and-white prints. Six colours against five dashes give thirty
# distinct pairs before anything repeats. Every colour has at least 4.5:1 on white.
SERIES_COLOURS = ("#b45309", "#7c3aed", "#be185d", "#15803d", "#1d4ed8", "#4b5563")
SERIES_DASHES = ("6 3", "2 3", "8 3 2 3", "4 4", "10 3")

FONT_SIZE = 12
SMALL_FONT_SIZE = 9
LINE_HEIGHT = 14
# Without font metrics we estimate text width; 0.6 em per character is on the safe side for
# sans-serif, so the viewBox leaves room rather than clipping a label.
CHAR_WIDTH_EM = 0.6
PADDING = 8.0

RING_SCORES = (20, 40, 60, 80, 100)
RADAR_RADIUS_SHARE = 0.34
RADAR_LABEL_GAP = 10.0
LABEL_LINE_CHARS = 16
MIN_RADAR_AXES = 3

TREND_GRID_SCORES = (0, 25, 50, 75, 100)
MIN_PLOT_HEIGHT = 100.0

# Characters XML 1.0 forbids; a stray one would make the whole SVG unparseable.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class SummaryRow:
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class ChartSummary:
    """What a chart shows, as plain (unescaped) text.

    A page renders it as a table: `columns` head the value columns, each row has a label
    and one formatted value per column. The chart's <desc> is `text`; both come from here so
    the picture and its text alternative cannot disagree.
    """

    columns: tuple[str, ...]
    rows: tuple[SummaryRow, ...]

    @property
    def text(self) -> str:
        if len(self.columns) == 1:
            return ", ".join(f"{row.label} {row.values[0]}" for row in self.rows)
        return "; ".join(
            f"{row.label}: "
            + ", ".join(
                f"{column} {value}" for column, value in zip(self.columns, row.values, strict=True)
            )
            for row in self.rows
        )


# ---------------------------------------------------------------------------------------
# Public functions


def radar_summary(
    *,
    axes: Sequence[tuple[str, float | None]],
    title: str,
    comparison: Sequence[float | None] | None = None,
    comparison_label: str | None = None,
    current_label: str | None = None,
    no_value_text: str = "–",
) -> ChartSummary:
    """One row per axis with its rounded score (and the comparison's), for a data table."""
    _check_radar_input(
        axes=axes,
        comparison=comparison,
        comparison_label=comparison_label,
        current_label=current_label,
    )
    if comparison is None:
        columns: tuple[str, ...] = (_clean(current_label or title),)
        value_lists: list[Sequence[float | None]] = [[score for _, score in axes]]
    else:
        columns = (_clean(current_label or ""), _clean(comparison_label or ""))
        value_lists = [[score for _, score in axes], comparison]
    rows = tuple(
        SummaryRow(
            label=_clean(label),
            values=tuple(_format_score(values[index], no_value_text) for values in value_lists),
        )
        for index, (label, _) in enumerate(axes)
    )
    return ChartSummary(columns=columns, rows=rows)


def radar_chart(
    *,
    axes: Sequence[tuple[str, float | None]],
    chart_id: str,
    title: str,
    comparison: Sequence[float | None] | None = None,
    comparison_label: str | None = None,
    current_label: str | None = None,
    no_value_text: str = "–",
    size: int = 360,
    pixel_width: int | None = None,
    label_size: int = FONT_SIZE,
    font_family: str = "sans-serif",
) -> str:
    """Scores 0-100 per axis as a radar; with 1 or 2 axes as horizontal bars instead.

    A radar needs at least three axes to enclose an area, and a questionnaire may well have
    only two dimensions, so fewer axes fall back to bars rather than failing the page.
    No axes at all is a caller error (ValueError). A score of None ("does not apply") is
    never drawn as 0: its axis is dashed, its label says `no_value_text`, and the polygon
    joins the neighbouring axes instead; the summary shows `no_value_text` too. Scores are
    clamped to 0..100. `comparison` (e.g. the previous assessment) is drawn dashed, without
    fill, and then both `current_label` and `comparison_label` are required for the legend.

    `size` sets the scale (the outer ring's radius is about a third of it); the viewBox grows
    to fit the labels. Without `pixel_width` the SVG is `width="100%"` and scales with its
    container; with it, width and height are fixed pixels, as the PDF wants. `label_size` is
    the axis labels' font size in viewBox units: a page that shows the chart narrow (a
    phone) asks for larger ones, so that they stay readable once scaled down.
    """
    _check_positive(size=size, pixel_width=pixel_width)
    summary = radar_summary(
        axes=axes,
        title=title,
        comparison=comparison,
        comparison_label=comparison_label,
        current_label=current_label,
        no_value_text=no_value_text,
    )
    labels = [_clean(label) for label, _ in axes]
    scores = [_clamp(score) for _, score in axes]
    previous = None if comparison is None else [_clamp(score) for score in comparison]
    legend = None
    if previous is not None:
        legend = (_clean(current_label or ""), _clean(comparison_label or ""))
    if len(axes) < MIN_RADAR_AXES:
        body, box = _bar_body(
            chart_id=_safe_id(chart_id),
            labels=labels,
            scores=scores,
            previous=previous,
            legend=legend,
            no_value_text=_clean(no_value_text),
            size=size,
        )
    else:
        body, box = _radar_body(
            chart_id=_safe_id(chart_id),
            labels=labels,
            scores=scores,
            previous=previous,
            legend=legend,
            size=size,
            no_value_text=_clean(no_value_text),
            label_size=label_size,
        )
    return _svg(
        chart_id=chart_id,
        title=title,
        desc=summary.text,
        box=box,
        pixel_width=pixel_width,
        body=body,
        font_family=font_family,
    )


def trend_summary(
    *,
    points: Sequence[tuple[str, float | None]],
    title: str,
    series: Mapping[str, Sequence[float | None]] | None = None,
    overall_label: str | None = None,
    no_value_text: str = "–",
) -> ChartSummary:
    """One row per point (date) with the rounded overall value and each series' value."""
    _check_trend_input(points=points, series=series, overall_label=overall_label)
    series = series or {}
    columns = (_clean(overall_label or title), *(_clean(name) for name in series))
    value_lists = [[value for _, value in points], *series.values()]
    rows = tuple(
        SummaryRow(
            label=_clean(label),
            values=tuple(_format_score(values[index], no_value_text) for values in value_lists),
        )
        for index, (label, _) in enumerate(points)
    )
    return ChartSummary(columns=columns, rows=rows)


def trend_chart(
    *,
    points: Sequence[tuple[str, float | None]],
    chart_id: str,
    title: str,
    empty_text: str,
    series: Mapping[str, Sequence[float | None]] | None = None,
    overall_label: str | None = None,
    no_value_text: str = "–",
    width: int = 640,
    height: int = 260,
    pixel_width: int | None = None,
    font_family: str = "sans-serif",
) -> str:
    """The overall index over time as a line, optionally with thinner lines per dimension.

    `points` are (x label, value 0-100 or None) in time order; None leaves a gap in the line.
    `series` maps a name to values aligned with `points`; with series, `overall_label` is
    required for the legend. One point is a dot without a line; no points at all give a
    chart that only says `empty_text`. `width` x `height` is the viewBox; the legend takes
    its rows from the height, which grows only if the plot would otherwise get too flat.
    """
    _check_positive(width=width, height=height, pixel_width=pixel_width)
    summary = trend_summary(
        points=points,
        title=title,
        series=series,
        overall_label=overall_label,
        no_value_text=no_value_text,
    )
    if not points:
        message = _text(
            x=width / 2,
            y=height / 2 + FONT_SIZE * 0.35,
            content=_clean(empty_text),
            anchor="middle",
            fill=MUTED_TEXT_COLOUR,
        )
        return _svg(
            chart_id=chart_id,
            title=title,
            desc=_clean(empty_text),
            box=(0.0, 0.0, float(width), float(height)),
            pixel_width=pixel_width,
            body=[message],
            font_family=font_family,
        )
    body, box = _trend_body(
        chart_id=_safe_id(chart_id),
        labels=[_clean(label) for label, _ in points],
        values=[_clamp(value) for _, value in points],
        series=[
            (_clean(name), [_clamp(value) for value in values])
            for name, values in (series or {}).items()
        ],
        overall_label=_clean(overall_label or ""),
        width=float(width),
        height=float(height),
    )
    return _svg(
        chart_id=chart_id,
        title=title,
        desc=summary.text,
        box=box,
        pixel_width=pixel_width,
        body=body,
        font_family=font_family,
    )


# ---------------------------------------------------------------------------------------
# Input checks and value handling


def _check_radar_input(
    *,
    axes: Sequence[tuple[str, float | None]],
    comparison: Sequence[float | None] | None,
    comparison_label: str | None,
    current_label: str | None,
) -> None:
    if not axes:
        raise ValueError("a radar chart needs at least one axis")
    if comparison is None:
        return
    if len(comparison) != len(axes):
        raise ValueError(
            f"comparison has {len(comparison)} values for {len(axes)} axes; they must align"
        )
    if not comparison_label or not current_label:
        raise ValueError("a comparison needs current_label and comparison_label for the legend")


def _check_trend_input(
    *,
    points: Sequence[tuple[str, float | None]],
    series: Mapping[str, Sequence[float | None]] | None,
    overall_label: str | None,
) -> None:
    if not series:
        return
    for name, values in series.items():
        if len(values) != len(points):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(points)} points")
    if not overall_label:
        raise ValueError("series need an overall_label to name the main line in the legend")


def _check_positive(**dimensions: int | None) -> None:
    for name, value in dimensions.items():
        if value is not None and value <= 0:
            raise ValueError(f"{name} must be positive, got {value}")


def _clamp(score: float | None) -> float | None:
    """Scores live in 0..100; NaN means nothing to show, like None."""
    if score is None or math.isnan(score):
        return None
    return min(100.0, max(0.0, float(score)))


def _rounded(score: float) -> int:
    # Half up, as people round: 62.5 shows as 63 (round() would give 62).
    return math.floor(score + 0.5)


def _format_score(score: float | None, no_value_text: str) -> str:
    clamped = _clamp(score)
    if clamped is None:
        return _clean(no_value_text)
    return str(_rounded(clamped))


# ---------------------------------------------------------------------------------------
# Text and SVG building blocks


def _clean(text: str) -> str:
    """Drop characters XML cannot carry and fold runs of whitespace, as SVG shows them."""
    return " ".join(_XML_ILLEGAL.sub("", text).split())


def _safe_id(chart_id: str) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", chart_id.lower())
    slug = re.sub(r"-{2,}", "-", slug).strip("-")[:60].strip("-")
    # XML ids must not start with a digit or hyphen; an empty id would collide everywhere.
    if not slug or not slug[0].isalpha():
        slug = f"chart-{slug}".rstrip("-")
    return slug


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _attributes(values: Mapping[str, str | float | int]) -> str:
    parts = []
    for name, value in values.items():
        if isinstance(value, float):
            value = _num(value)
        parts.append(f'{name}="{escape(str(value), {chr(34): "&quot;"})}"')
    return " ".join(parts)


def _tag(name: str, attributes: Mapping[str, str | float | int], content: str | None = None) -> str:
    """An element; `content` must already be markup (escaped text or child elements)."""
    if content is None:
        return f"<{name} {_attributes(attributes)}/>"
    return f"<{name} {_attributes(attributes)}>{content}</{name}>"


def _text(
    *,
    x: float,
    y: float,
    content: str,
    anchor: str = "start",
    size: int = FONT_SIZE,
    fill: str = TEXT_COLOUR,
    bold: bool = False,
) -> str:
    attributes: dict[str, str | float | int] = {
        "x": x,
        "y": y,
        "text-anchor": anchor,
        "font-size": size,
        "fill": fill,
    }
    if bold:
        attributes["font-weight"] = "bold"
    return _tag("text", attributes, escape(content))


def _text_width(text: str, size: int = FONT_SIZE) -> float:
    return len(text) * size * CHAR_WIDTH_EM


def _points(coordinates: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in coordinates)


def _svg(
    *,
    chart_id: str,
    title: str,
    desc: str,
    box: tuple[float, float, float, float],
    pixel_width: int | None,
    body: Sequence[str],
    font_family: str = "sans-serif",
) -> str:
    element_id = _safe_id(chart_id)
    min_x, min_y, box_width, box_height = box
    size: dict[str, str | float | int]
    if pixel_width is None:
        # No height: browsers and WeasyPrint derive it from the viewBox's aspect ratio.
        size = {"width": "100%"}
    else:
        size = {"width": pixel_width, "height": pixel_width * box_height / box_width}
    root = _attributes(
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"{_num(min_x)} {_num(min_y)} {_num(box_width)} {_num(box_height)}",
            **size,
            "role": "img",
            "aria-labelledby": f"{element_id}-title {element_id}-desc",
            "font-family": font_family,
        }
    )
    return "\n".join(
        [
            f"<svg {root}>",
            _tag("title", {"id": f"{element_id}-title"}, escape(_clean(title))),
            _tag("desc", {"id": f"{element_id}-desc"}, escape(desc)),
            *body,
            "</svg>",
        ]
    )


def _wrap_label(label: str, max_chars: int = LABEL_LINE_CHARS) -> tuple[str, ...]:
    """At most two lines, so a label never grows into the chart."""
    if len(label) <= max_chars:
        return (label,)
    # Breaking after an ampersand keeps "Kommunikation &" / "Marketing" as two phrases.
    breaks = [match.start() + 2 for match in re.finditer(" & ", label)]
    if not breaks:
        breaks = [index for index, character in enumerate(label) if character == " "]
    if not breaks:
        return (label,)
    split = min(breaks, key=lambda index: max(index, len(label) - index - 1))
    return (label[:split], label[split + 1 :])


class _Bounds:
    """The smallest box around what was drawn, so the viewBox clips nothing."""

    def __init__(self, min_x: float, min_y: float, max_x: float, max_y: float) -> None:
        self.min_x, self.min_y, self.max_x, self.max_y = min_x, min_y, max_x, max_y

    def include(self, min_x: float, min_y: float, max_x: float, max_y: float) -> None:
        self.min_x = min(self.min_x, min_x)
        self.min_y = min(self.min_y, min_y)
        self.max_x = max(self.max_x, max_x)
        self.max_y = max(self.max_y, max_y)


def _legend(
    *,
    entries: Sequence[tuple[str, str, str | None, float]],
    x: float,
    y: float,
    size: int = FONT_SIZE,
) -> tuple[list[str], float]:
    """Entries of (label, colour, dash, stroke width) stacked from (x, y); returns the height."""
    elements = []
    line_height = LINE_HEIGHT * size / FONT_SIZE
    for index, (label, colour, dash, stroke_width) in enumerate(entries):
        middle = y + index * (line_height + 4) + line_height / 2
        elements.append(_swatch(x=x, y=middle, colour=colour, dash=dash, stroke_width=stroke_width))
        elements.append(_text(x=x + 30, y=middle + size * 0.35, content=label, size=size))
    return elements, len(entries) * (line_height + 4)


def _legend_width(
    entries: Sequence[tuple[str, str, str | None, float]], size: int = FONT_SIZE
) -> float:
    return 30 + max(_text_width(label, size) for label, _, _, _ in entries)


def _swatch(*, x: float, y: float, colour: str, dash: str | None, stroke_width: float) -> str:
    attributes: dict[str, str | float | int] = {
        "x1": x,
        "y1": y,
        "x2": x + 24,
        "y2": y,
        "stroke": colour,
        "stroke-width": stroke_width,
    }
    if dash:
        attributes["stroke-dasharray"] = dash
    return _tag("line", attributes)


# ---------------------------------------------------------------------------------------
# Radar


def _radar_body(
    *,
    chart_id: str,
    labels: Sequence[str],
    scores: Sequence[float | None],
    previous: Sequence[float | None] | None,
    legend: tuple[str, str] | None,
    size: int,
    no_value_text: str,
    label_size: int,
) -> tuple[list[str], tuple[float, float, float, float]]:
    # The centre sits at the origin; the viewBox is fitted around everything afterwards.
    radius = size * RADAR_RADIUS_SHARE
    angles = [2 * math.pi * index / len(labels) for index in range(len(labels))]

    def at(angle: float, score: float | None) -> tuple[float, float]:
        distance = radius * (score or 0.0) / 100
        return distance * math.sin(angle), -distance * math.cos(angle)

    grid = [
        _tag(
            "circle",
            {"cx": 0.0, "cy": 0.0, "r": radius * ring / 100, "fill": "none", "stroke": GRID_COLOUR},
        )
        for ring in RING_SCORES
    ]
    for angle, score in zip(angles, scores, strict=True):
        end_x, end_y = at(angle, 100)
        axis: dict[str, str | float | int] = {
            "x1": 0.0,
            "y1": 0.0,
            "x2": end_x,
            "y2": end_y,
            "stroke": GRID_COLOUR,
        }
        if score is None:
            # A dimension that does not apply: a marked axis, not a score of 0.
            axis.update({"stroke": AXIS_COLOUR, "stroke-dasharray": "3 3", "stroke-width": 1.5})
        grid.append(_tag("line", axis))
    # Just inside each ring, so they never collide with the axis label at 12 o'clock.
    ring_size = max(SMALL_FONT_SIZE, label_size - 4)
    ring_labels = [
        _text(
            x=3.0,
            y=-radius * ring / 100 + ring_size + 1,
            content=str(ring),
            size=ring_size,
            fill=MUTED_TEXT_COLOUR,
        )
        for ring in RING_SCORES
    ]
    body = [
        _tag("g", {"id": f"{chart_id}-grid"}, "".join(grid)),
        _tag("g", {"id": f"{chart_id}-ring-labels"}, "".join(ring_labels)),
    ]

    if previous is not None:
        outline = _tag(
            "polygon",
            {
                "points": _points(
                    [
                        at(angle, score)
                        for angle, score in zip(angles, previous, strict=True)
                        if score is not None
                    ]
                ),
                "fill": "none",
                "stroke": COMPARISON_COLOUR,
                "stroke-width": 2,
                "stroke-dasharray": COMPARISON_DASH,
                "stroke-linejoin": "round",
            },
        )
        body.append(_tag("g", {"id": f"{chart_id}-comparison"}, outline))

    area = _tag(
        "polygon",
        {
            "points": _points(
                [
                    at(angle, score)
                    for angle, score in zip(angles, scores, strict=True)
                    if score is not None
                ]
            ),
            "fill": CURRENT_COLOUR,
            "fill-opacity": "0.2",
            "stroke": CURRENT_COLOUR,
            "stroke-width": 2,
            "stroke-linejoin": "round",
        },
    )
    dots = []
    for angle, score in zip(angles, scores, strict=True):
        if score is not None:
            x, y = at(angle, score)
            dots.append(_tag("circle", {"cx": x, "cy": y, "r": 3.5, "fill": CURRENT_COLOUR}))
    body.append(_tag("g", {"id": f"{chart_id}-current"}, area + "".join(dots)))

    bounds = _Bounds(-radius, -radius, radius, radius)
    label_elements = []
    for angle, label, score in zip(angles, labels, scores, strict=True):
        if score is None:
            label = f"{label} ({no_value_text})"
        element, extent = _radar_label(
            angle=angle, label=label, distance=radius + RADAR_LABEL_GAP, size=label_size
        )
        label_elements.append(element)
        bounds.include(*extent)
    body.append(_tag("g", {"id": f"{chart_id}-labels"}, "".join(label_elements)))

    # Symmetric around the centre, so the radar sits in the middle of the picture.
    half_width = max(-bounds.min_x, bounds.max_x) + PADDING
    top = bounds.min_y - PADDING
    bottom = bounds.max_y + PADDING
    if legend is not None:
        entries = [
            (legend[0], CURRENT_COLOUR, None, 2.0),
            (legend[1], COMPARISON_COLOUR, COMPARISON_DASH, 2.0),
        ]
        legend_width = _legend_width(entries, size=label_size)
        half_width = max(half_width, legend_width / 2 + PADDING)
        elements, legend_height = _legend(
            entries=entries, x=-legend_width / 2, y=bottom, size=label_size
        )
        body.append(_tag("g", {"id": f"{chart_id}-legend"}, "".join(elements)))
        bottom += legend_height + PADDING
    return body, (-half_width, top, 2 * half_width, bottom - top)


def _radar_label(
    *, angle: float, label: str, distance: float, size: int = FONT_SIZE
) -> tuple[str, tuple[float, float, float, float]]:
    """The label outside the ring, anchored on the side it sits on; returns its extent too."""
    sine, cosine = math.sin(angle), math.cos(angle)
    x, y = distance * sine, -distance * cosine
    line_height = LINE_HEIGHT * size / FONT_SIZE
    lines = _wrap_label(label, max_chars=LABEL_LINE_CHARS * FONT_SIZE // size)
    width = max(_text_width(line, size) for line in lines)
    if abs(sine) < 0.2:
        anchor, left = "middle", x - width / 2
    elif sine > 0:
        anchor, left = "start", x
    else:
        anchor, left = "end", x - width
    # Above the point at 12 o'clock, below it at 6, centred on it at 3 and 9.
    block_height = len(lines) * line_height
    block_top = y - block_height * (1 + cosine) / 2
    spans = "".join(
        _tag(
            "tspan",
            {"x": x, "y": block_top + size * 0.85 + index * line_height},
            escape(line),
        )
        for index, line in enumerate(lines)
    )
    element = _tag(
        "text",
        {"text-anchor": anchor, "font-size": size, "fill": TEXT_COLOUR},
        spans,
    )
    return element, (left, block_top, left + width, block_top + block_height)


# ---------------------------------------------------------------------------------------
# Bars (radar fallback for one or two axes)


def _bar_body(
    *,
    chart_id: str,
    labels: Sequence[str],
    scores: Sequence[float | None],
    previous: Sequence[float | None] | None,
    legend: tuple[str, str] | None,
    no_value_text: str,
    size: int,
) -> tuple[list[str], tuple[float, float, float, float]]:
    wrapped = [_wrap_label(label) for label in labels]
    label_width = max(_text_width(line) for lines in wrapped for line in lines)
    track_x = PADDING + label_width + 10
    track_width = size * 0.6
    bar_height = 16.0
    row_height = bar_height + (14.0 if previous is not None else 0.0) + 14.0
    rows_top = PADDING
    rows_bottom = rows_top + row_height * len(labels)

    def x_of(score: float) -> float:
        return track_x + track_width * score / 100

    grid = [
        _tag(
            "line",
            {
                "x1": x_of(tick),
                "y1": rows_top,
                "x2": x_of(tick),
                "y2": rows_bottom,
                "stroke": GRID_COLOUR,
            },
        )
        + _text(
            x=x_of(tick),
            y=rows_bottom + SMALL_FONT_SIZE + 3,
            content=str(tick),
            anchor="middle",
            size=SMALL_FONT_SIZE,
            fill=MUTED_TEXT_COLOUR,
        )
        for tick in (0, *RING_SCORES)
    ]
    body = [_tag("g", {"id": f"{chart_id}-grid"}, "".join(grid))]

    bars, comparison_lines, texts = [], [], []
    for index, (lines, score) in enumerate(zip(wrapped, scores, strict=True)):
        bar_top = rows_top + index * row_height + 7
        bar_middle = bar_top + bar_height / 2
        block_top = bar_middle - len(lines) * LINE_HEIGHT / 2
        spans = "".join(
            _tag(
                "tspan",
                {"x": track_x - 10, "y": block_top + FONT_SIZE * 0.85 + line * LINE_HEIGHT},
                escape(text),
            )
            for line, text in enumerate(lines)
        )
        texts.append(
            _tag(
                "text",
                {"text-anchor": "end", "font-size": FONT_SIZE, "fill": TEXT_COLOUR},
                spans,
            )
        )
        if score is not None:
            bars.append(
                _tag(
                    "rect",
                    {
                        "x": track_x,
                        "y": bar_top,
                        "width": track_width * score / 100,
                        "height": bar_height,
                        "fill": CURRENT_COLOUR,
                    },
                )
            )
        value_text = no_value_text if score is None else str(_rounded(score))
        texts.append(
            _text(
                x=x_of(score or 0.0) + 6,
                y=bar_middle + FONT_SIZE * 0.35,
                content=value_text,
                bold=True,
            )
        )
        if previous is not None:
            earlier = previous[index]
            line_y = bar_top + bar_height + 7
            if earlier is not None:
                comparison_lines.append(
                    _tag(
                        "line",
                        {
                            "x1": track_x,
                            "y1": line_y,
                            "x2": x_of(earlier),
                            "y2": line_y,
                            "stroke": COMPARISON_COLOUR,
                            "stroke-width": 3,
                            "stroke-dasharray": COMPARISON_DASH,
                        },
                    )
                )
            texts.append(
                _text(
                    x=x_of(earlier or 0.0) + 6,
                    y=line_y + SMALL_FONT_SIZE * 0.35,
                    content=no_value_text if earlier is None else str(_rounded(earlier)),
                    size=SMALL_FONT_SIZE + 1,
                    fill=COMPARISON_COLOUR,
                )
            )
    if previous is not None:
        body.append(_tag("g", {"id": f"{chart_id}-comparison"}, "".join(comparison_lines)))
    body.append(_tag("g", {"id": f"{chart_id}-current"}, "".join(bars)))
    body.append(_tag("g", {"id": f"{chart_id}-labels"}, "".join(texts)))

    width = track_x + track_width + 6 + _text_width("100") + PADDING
    bottom = rows_bottom + SMALL_FONT_SIZE + 3 + PADDING
    if legend is not None:
        entries = [
            (legend[0], CURRENT_COLOUR, None, 6.0),
            (legend[1], COMPARISON_COLOUR, COMPARISON_DASH, 3.0),
        ]
        width = max(width, track_x + _legend_width(entries) + PADDING)
        elements, legend_height = _legend(entries=entries, x=track_x, y=bottom)
        body.append(_tag("g", {"id": f"{chart_id}-legend"}, "".join(elements)))
        bottom += legend_height + PADDING
    return body, (0.0, 0.0, width, bottom)


# ---------------------------------------------------------------------------------------
# Trend


def _trend_body(
    *,
    chart_id: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    series: Sequence[tuple[str, Sequence[float | None]]],
    overall_label: str,
    width: float,
    height: float,
) -> tuple[list[str], tuple[float, float, float, float]]:
    left, right, top, x_label_band = 36.0, 12.0, 22.0, 24.0
    plot_width = width - left - right

    legend_rows: list[list[tuple[str, str, str | None, float]]] = []
    if series:
        entries = [(overall_label, CURRENT_COLOUR, None, 3.0)] + [
            (name, *_series_style(index), 1.5) for index, (name, _) in enumerate(series)
        ]
        legend_rows = _flow(entries, available=plot_width)
    legend_height = len(legend_rows) * (LINE_HEIGHT + 4) + (PADDING if legend_rows else 0.0)
    plot_height = max(MIN_PLOT_HEIGHT, height - top - x_label_band - legend_height)
    plot_bottom = top + plot_height
    total_height = plot_bottom + x_label_band + legend_height

    widest_label = max(_text_width(label, 11) for label in labels)
    # Keep the outermost x labels inside the plot, clear of the y-axis numbers.
    inset = max(16.0, widest_label / 2 + 2)
    count = len(labels)
    if count == 1:
        xs = [left + plot_width / 2]
        spacing = plot_width
    else:
        spacing = (plot_width - 2 * inset) / (count - 1)
        xs = [left + inset + index * spacing for index in range(count)]

    def y_of(value: float) -> float:
        return plot_bottom - plot_height * value / 100

    grid = []
    for tick in TREND_GRID_SCORES:
        grid.append(
            _tag(
                "line",
                {
                    "x1": left,
                    "y1": y_of(tick),
                    "x2": left + plot_width,
                    "y2": y_of(tick),
                    "stroke": AXIS_COLOUR if tick == 0 else GRID_COLOUR,
                },
            )
        )
        grid.append(
            _text(
                x=left - 6,
                y=y_of(tick) + SMALL_FONT_SIZE * 0.35,
                content=str(tick),
                anchor="end",
                size=SMALL_FONT_SIZE + 1,
                fill=MUTED_TEXT_COLOUR,
            )
        )
    body = [_tag("g", {"id": f"{chart_id}-grid"}, "".join(grid))]

    for index, (_, series_values) in enumerate(series):
        colour, series_dash = _series_style(index)
        body.append(
            _tag(
                "g",
                {"id": f"{chart_id}-series-{index}"},
                _line_with_dots(
                    xs=xs,
                    ys=[None if value is None else y_of(value) for value in series_values],
                    colour=colour,
                    dash=series_dash,
                    stroke_width=1.5,
                    dot_radius=2.5,
                ),
            )
        )
    body.append(
        _tag(
            "g",
            {"id": f"{chart_id}-overall"},
            _line_with_dots(
                xs=xs,
                ys=[None if value is None else y_of(value) for value in values],
                colour=CURRENT_COLOUR,
                dash=None,
                stroke_width=3.0,
                dot_radius=4.0,
            ),
        )
    )

    # With many points, show every n-th label counted back from the latest, which matters most.
    label_step = max(1, math.ceil((widest_label + 8) / spacing))
    value_step = max(1, math.ceil((_text_width("100", 11) + 6) / spacing))
    value_labels = [
        _text(
            x=x,
            y=y_of(value) - 9,
            content=str(_rounded(value)),
            anchor="middle",
            size=11,
            bold=True,
        )
        for index, (x, value) in enumerate(zip(xs, values, strict=True))
        if value is not None and (count - 1 - index) % value_step == 0
    ]
    body.append(_tag("g", {"id": f"{chart_id}-values"}, "".join(value_labels)))
    x_labels = [
        _text(x=x, y=plot_bottom + 16, content=label, anchor="middle", size=11)
        for index, (x, label) in enumerate(zip(xs, labels, strict=True))
        if (count - 1 - index) % label_step == 0
    ]
    body.append(_tag("g", {"id": f"{chart_id}-x-labels"}, "".join(x_labels)))

    if legend_rows:
        elements = []
        row_top = plot_bottom + x_label_band + PADDING / 2
        for row in legend_rows:
            cursor = left
            middle = row_top + LINE_HEIGHT / 2
            for label, colour, dash, stroke_width in row:
                elements.append(
                    _swatch(x=cursor, y=middle, colour=colour, dash=dash, stroke_width=stroke_width)
                )
                elements.append(_text(x=cursor + 30, y=middle + FONT_SIZE * 0.35, content=label))
                cursor += _flow_width(label)
            row_top += LINE_HEIGHT + 4
        body.append(_tag("g", {"id": f"{chart_id}-legend"}, "".join(elements)))
    return body, (0.0, 0.0, width, total_height)


def _series_style(index: int) -> tuple[str, str]:
    return SERIES_COLOURS[index % len(SERIES_COLOURS)], SERIES_DASHES[index % len(SERIES_DASHES)]


def _flow_width(label: str) -> float:
    return 30 + _text_width(label) + 16


def _flow(
    entries: Sequence[tuple[str, str, str | None, float]], *, available: float
) -> list[list[tuple[str, str, str | None, float]]]:
    """Legend entries side by side, starting a new row when the next one would not fit."""
    rows: list[list[tuple[str, str, str | None, float]]] = [[]]
    used = 0.0
    for entry in entries:
        needed = _flow_width(entry[0])
        if rows[-1] and used + needed > available:
            rows.append([])
            used = 0.0
        rows[-1].append(entry)
        used += needed
    return rows


def _line_with_dots(
    *,
    xs: Sequence[float],
    ys: Sequence[float | None],
    colour: str,
    dash: str | None,
    stroke_width: float,
    dot_radius: float,
) -> str:
    """One path per run of consecutive values, so a missing value shows as a gap."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in zip(xs, ys, strict=True):
        if y is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((x, y))
    paths = []
    for run in runs:
        # A single value has no line to draw; its dot below shows it.
        if len(run) < 2:
            continue
        attributes: dict[str, str | float | int] = {
            "d": "M " + " L ".join(f"{_num(x)} {_num(y)}" for x, y in run),
            "fill": "none",
            "stroke": colour,
            "stroke-width": stroke_width,
            "stroke-linejoin": "round",
            "stroke-linecap": "round",
        }
        if dash:
            attributes["stroke-dasharray"] = dash
        paths.append(_tag("path", attributes))
    dots = [
        _tag("circle", {"cx": x, "cy": y, "r": dot_radius, "fill": colour})
        for x, y in zip(xs, ys, strict=True)
        if y is not None
    ]
    return "".join(paths + dots)


# ---------------------------------------------------------------------------------------
# KPI measurements


def measurement_chart(
    *,
    points: Sequence[tuple[str, float]],
    chart_id: str,
    title: str,
    unit: str,
    baseline: float | None = None,
    baseline_label: str = "",
    width: int = 360,
    height: int = 140,
    number_text: Callable[[float], str] | None = None,
) -> str:
    """An action's measured values over time as a small line, with the unit on the axis.

    `points` are (date label, value) in time order; values are free numbers (not 0-100), so
    the axis runs from the smallest to the largest value shown (baseline included), with
    the unit written at the top. One point is a dot. No points is a caller error.
    `number_text` writes a number in the reader's language (default: a point, no grouping).
    """
    write = number_text or plain_number
    if not points:
        raise ValueError("a measurement chart needs at least one point")
    _check_positive(width=width, height=height)
    values = [float(value) for _, value in points]
    shown = [*values, *([float(baseline)] if baseline is not None else [])]
    low, high = min(shown), max(shown)
    if high == low:
        low, high = low - 1, high + 1
    unit_text = _clean(unit)
    left = PADDING + _text_width(write(high)) + 6
    left = max(left, PADDING + _text_width(write(low)) + 6)
    top = PADDING + LINE_HEIGHT + 4
    bottom = height - PADDING - LINE_HEIGHT - 2
    right = width - PADDING - _text_width(points[-1][0]) / 2

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    step = (right - left) / (len(points) - 1) if len(points) > 1 else 0.0
    xs = [
        left + index * step if len(points) > 1 else (left + right) / 2
        for index in range(len(points))
    ]
    body = [
        _text(x=PADDING, y=PADDING + FONT_SIZE * 0.85, content=unit_text, fill=MUTED_TEXT_COLOUR),
        _tag("line", {"x1": left, "y1": top, "x2": left, "y2": bottom, "stroke": AXIS_COLOUR}),
        _tag("line", {"x1": left, "y1": bottom, "x2": right, "y2": bottom, "stroke": AXIS_COLOUR}),
        _text(
            x=left - 4,
            y=y_of(high) + 4,
            content=write(high),
            anchor="end",
            fill=MUTED_TEXT_COLOUR,
        ),
        _text(
            x=left - 4,
            y=y_of(low) + 4,
            content=write(low),
            anchor="end",
            fill=MUTED_TEXT_COLOUR,
        ),
    ]
    if baseline is not None:
        y = y_of(float(baseline))
        body.append(
            _tag(
                "line",
                {
                    "x1": left,
                    "y1": y,
                    "x2": right,
                    "y2": y,
                    "stroke": COMPARISON_COLOUR,
                    "stroke-dasharray": COMPARISON_DASH,
                },
            )
        )
        if baseline_label:
            body.append(
                _text(
                    x=right,
                    y=y - 4,
                    content=_clean(baseline_label),
                    anchor="end",
                    size=SMALL_FONT_SIZE + 2,
                    fill=COMPARISON_COLOUR,
                )
            )
    coordinates = [(x, y_of(value)) for x, value in zip(xs, values, strict=True)]
    if len(coordinates) > 1:
        body.append(
            _tag(
                "polyline",
                {
                    "points": _points(coordinates),
                    "fill": "none",
                    "stroke": CURRENT_COLOUR,
                    "stroke-width": 2,
                },
            )
        )
    for x, y in coordinates:
        body.append(_tag("circle", {"cx": x, "cy": y, "r": 3.5, "fill": CURRENT_COLOUR}))
    # The first date starts at its point and the last ends at its own, so neither is cut off
    # at the chart's edge; a single point's date is centred under it.
    last = len(points) - 1
    for index in sorted({0, last}):
        anchor = "middle" if last == 0 else "start" if index == 0 else "end"
        body.append(
            _text(
                x=xs[index],
                y=height - PADDING,
                content=_clean(points[index][0]),
                anchor=anchor,
                fill=MUTED_TEXT_COLOUR,
            )
        )
    desc = ", ".join(f"{_clean(label)}: {write(value)} {unit_text}" for label, value in points)
    return _svg(
        chart_id=chart_id,
        title=title,
        desc=desc,
        box=(0.0, 0.0, float(width), float(height)),
        pixel_width=None,
        body=body,
    )


def plain_number(value: float) -> str:
    """Up to two decimals, without trailing zeros: 12, 12.5, 0.25 (the caller's locale aside)."""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")
