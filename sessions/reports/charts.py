"""Charts as accessible inline SVG, drawn on the server: no script, no external requests.

Every chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>`
(aria-labelledby), with values written next to the marks (colour never carries meaning alone),
and it comes with the same numbers as a table (`Chart.table`) that templates show beside it
(templates/reports/_chart.html). Colours come from CSS classes in stillwater.css; the
presentation attributes are a fallback that already meets contrast. No style attributes, so a
strict Content Security Policy needs no exceptions.

Pure functions: they take numbers, not models, and make no queries.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

if TYPE_CHECKING:
    from sessions.reports.definitions import SessionAttendance

Number = int | float | Decimal

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 480
HEIGHT = 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 52
INK = "#1b1f24"  # 16:1 on white
INK_SOFT = "#3d4651"  # 9.6:1 on white
GRID = "#6b7785"
BAR = "#0b5c6b"  # 7.3:1 on white: the bar itself is a graphical object (1.4.11)
FONT_SIZE = "14"


@dataclass(frozen=True)
class ChartTable:
    """The chart's numbers as a table: a caption, column headings, and rows headed by their label."""

    caption: str
    columns: tuple[str, ...]  # the first heads the row-header column
    rows: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def body(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Each row's header and its cells paired with their column headings (for data-label)."""
        return [
            (head, list(zip(self.columns[1:], cells, strict=True))) for head, cells in self.rows
        ]


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    description: str
    svg: SafeString
    table: ChartTable


def format_number(value: Number | None) -> str:
    """A value as a chart label and table cell: whole numbers plain, others to one decimal."""
    if value is None:
        return "\N{EN DASH}"
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number == number.to_integral_value():
        return str(int(number))
    return str(number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def format_percent(numerator: int, denominator: int) -> str:
    """“7 of 9 (78%)”, the percentage rounded half up; “0 of 0” has no percentage."""
    if denominator == 0:
        return f"{numerator} of {denominator}"
    percent = (Decimal(100) * numerator / denominator).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{numerator} of {denominator} ({percent}%)"


# --- drawing ----------------------------------------------------------------------------------


def _el(parent: ET.Element, tag: str, **attributes: object) -> ET.Element:
    # Keyword names use "_" where SVG uses "-" (font_size -> font-size); class_ is class.
    attrs = {k.rstrip("_").replace("_", "-"): str(v) for k, v in attributes.items()}
    return ET.SubElement(parent, tag, attrs)


def _text(parent: ET.Element, x: float, y: float, words: str, **attributes: object) -> None:
    attributes.setdefault("fill", INK)
    attributes.setdefault("font_size", FONT_SIZE)
    _el(parent, "text", x=_n(x), y=_n(y), **attributes).text = words


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _nice_step(span: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving at most five gridlines over `span`."""
    if span <= 0:
        return 1
    raw = span / 5
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if multiple * power >= raw:
            return multiple * power
    return 10 * power


def _svg(chart_id: str, title: str, description: str) -> ET.Element:
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "class": "chart-svg",
            "id": chart_id,
            "focusable": "false",
        },
    )
    _el(root, "title", id=f"{chart_id}-title").text = title
    _el(root, "desc", id=f"{chart_id}-desc").text = description
    return root


def _y_axis(
    root: ET.Element, *, y_min: float, y_max: float, label: str, percent: bool = False
) -> None:
    """Gridlines with their values, and the axis name written along the left edge."""
    plot_bottom = HEIGHT - BOTTOM
    step = _nice_step(y_max - y_min)
    value = math.ceil(y_min / step) * step
    axis = _el(root, "g", class_="chart-axis")
    while value <= y_max + 1e-9:
        y = _scale(value, y_min, y_max)
        _el(
            axis,
            "line",
            x1=LEFT,
            x2=WIDTH - RIGHT,
            y1=_n(y),
            y2=_n(y),
            stroke=GRID,
            stroke_width="1" if value == y_min else "0.5",
            class_="chart-grid",
        )
        words = f"{format_number(value)}%" if percent else format_number(value)
        _text(axis, LEFT - 6, y + 5, words, text_anchor="end", fill=INK_SOFT)
        value += step
    _text(
        axis,
        14,
        (TOP + plot_bottom) / 2,
        label,
        text_anchor="middle",
        transform=f"rotate(-90 14 {_n((TOP + plot_bottom) / 2)})",
        fill=INK_SOFT,
    )


def _scale(value: float, y_min: float, y_max: float) -> float:
    """The y coordinate of a value: y_max at the top of the plot, y_min at its bottom."""
    span = (y_max - y_min) or 1
    return TOP + (HEIGHT - BOTTOM - TOP) * (1 - (value - y_min) / span)


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar, e.g. "1" for session 1
    value: Number  # the bar's height
    text: str  # written above the bar, e.g. "7 of 9"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    y_max: Number,
    y_label: str,
    x_label: str,
    table: ChartTable,
    percent: bool = False,
) -> Chart:
    """Vertical bars from 0, each labelled with its value, over a named x axis."""
    root = _svg(chart_id, title, description)
    top = float(y_max) or 1.0
    _y_axis(root, y_min=0, y_max=top, label=y_label, percent=percent)
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(len(bars), 1)
    width = min(slot * 0.6, 48)
    marks = _el(root, "g", class_="chart-bars")
    for index, bar in enumerate(bars):
        x = LEFT + slot * index + (slot - width) / 2
        y = _scale(float(bar.value), 0, top)
        height = (HEIGHT - BOTTOM) - y
        _el(
            marks,
            "rect",
            x=_n(x),
            y=_n(y),
            width=_n(width),
            height=_n(height),
            fill=BAR,
            class_="chart-bar",
        ).set("data-value", format_number(bar.value))
        _text(marks, x + width / 2, y - 6, bar.text, text_anchor="middle", class_="chart-value")
        _text(
            marks,
            x + width / 2,
            HEIGHT - BOTTOM + 18,
            bar.label,
            text_anchor="middle",
            class_="chart-label",
        )
    _text(
        root,
        LEFT + plot_width / 2,
        HEIGHT - 8,
        x_label,
        text_anchor="middle",
        fill=INK_SOFT,
    )
    return Chart(chart_id, title, description, _markup(root), table)


def _markup(root: ET.Element) -> SafeString:
    # ElementTree escapes every text and attribute value, so names typed by people are safe here.
    return mark_safe(ET.tostring(root, encoding="unicode"))  # noqa: S308


# --- the charts the pages show ----------------------------------------------------------------


def attendance_by_session_chart(
    *, chart_id: str, cohort_name: str, sessions: Sequence[SessionAttendance]
) -> Chart:
    """Share of the participants expected at each held session number who attended it (bars)."""
    title = f"Attendance by session, {cohort_name}"
    if sessions:
        lowest = min(sessions, key=lambda s: (s.rate or 0, s.number))
        description = (
            f"Bar chart of the share of enrolled participants who attended each of the "
            f"{len(sessions)} sessions held so far, made-up sessions included. Lowest: session "
            f"{lowest.number}, {format_percent(lowest.attended, lowest.expected)}."
        )
    else:
        description = "No session has been held yet, so there is no attendance to show."
    bars = [
        Bar(
            label=str(s.number),
            value=(s.rate or Decimal(0)) * 100,
            text=f"{s.attended}/{s.expected}",
        )
        for s in sessions
    ]
    table = ChartTable(
        caption=f"Attendance by session, {cohort_name}",
        columns=("Session", "Attended", "Expected", "Attendance"),
        rows=tuple(
            (
                f"Session {s.number}",
                (str(s.attended), str(s.expected), format_percent(s.attended, s.expected)),
            )
            for s in sessions
        ),
    )
    return bar_chart(
        chart_id=chart_id,
        title=title,
        description=description,
        bars=bars,
        y_max=100,
        y_label="Attended (%)",
        x_label="Session number",
        table=table,
        percent=True,
    )


@dataclass(frozen=True)
class PracticeWeekTotal:
    number: int
    minutes: int
    days: int  # participant-days with anything logged


def practice_by_week_chart(
    *,
    chart_id: str,
    cohort_name: str,
    weeks: Sequence[PracticeWeekTotal],
    participants: int,
    strategy: bool = False,
) -> Chart:
    """Minutes of home practice logged per course week, added up over participants (bars).

    Strategy-use logs (IER) have no minutes: their bars count the days with strategy use.
    """
    what = "strategy use" if strategy else "home practice"
    title = f"{what.capitalize()} per week, {cohort_name}"
    unit = "days with strategy use" if strategy else "minutes"
    if weeks:
        total = sum(w.days if strategy else w.minutes for w in weeks)
        description = (
            f"Bar chart of the {unit} logged in each of {len(weeks)} weeks of the course, added "
            f"up over {participants} participant{'s' if participants != 1 else ''}: {total} in all."
        )
    else:
        description = f"No weeks of the course have started, so there is no {what} to show."
    values = [w.days if strategy else w.minutes for w in weeks]
    top = max(values, default=0)
    step = _nice_step(top)
    y_max = max(step, math.ceil(top / step) * step) if top else 10
    bars = [Bar(str(w.number), value, str(value)) for w, value in zip(weeks, values, strict=True)]
    columns = ("Week", "Days logged") if strategy else ("Week", "Minutes", "Days logged")
    table = ChartTable(
        caption=f"{what.capitalize()} per week, {cohort_name}",
        columns=columns,
        rows=tuple(
            (f"Week {w.number}", (str(w.days),) if strategy else (str(w.minutes), str(w.days)))
            for w in weeks
        ),
    )
    return bar_chart(
        chart_id=chart_id,
        title=title,
        description=description,
        bars=bars,
        y_max=y_max,
        y_label="Days" if strategy else "Minutes",
        x_label="Week of the course",
        table=table,
    )


def _mean(values: Sequence[Number]) -> Decimal:
    return sum((Decimal(str(v)) for v in values), Decimal(0)) / len(values)


def paired_lines_chart(
    *,
    title: str,
    description: str,
    pairs: Sequence[tuple[str, Number, Number]],
    y_min: Number,
    y_max: Number,
    y_label: str,
    before_label: str = "Baseline",
    after_label: str = "Post",
    chart_id: str | None = None,
) -> Chart:
    """Before and after per participant (thin lines) with the mean of all of them (thick, dashed).

    `pairs` are (participant code, before, after) for participants with both values; `y_min` and
    `y_max` are the score's range (e.g. 0 and 27 for PHQ-9) and `y_label` names it ("PHQ-9
    total"). `description` should say which direction is better. The table lists every pair, its
    change, and the mean row; `chart_id` (default: from the title) must be unique on the page.
    """
    chart_id = chart_id or f"chart-{slugify(title)}"
    root = _svg(chart_id, title, description)
    low, high = float(y_min), float(y_max)
    _y_axis(root, y_min=low, y_max=high, label=y_label)
    plot_width = WIDTH - LEFT - RIGHT
    x_before = LEFT + plot_width * 0.25
    x_after = LEFT + plot_width * 0.65
    for x, words in ((x_before, before_label), (x_after, after_label)):
        _text(root, x, HEIGHT - BOTTOM + 20, words, text_anchor="middle", class_="chart-label")
    lines = _el(root, "g", class_="chart-pairs")
    for code, before, after in pairs:
        y1, y2 = _scale(float(before), low, high), _scale(float(after), low, high)
        group = _el(lines, "g", class_="chart-pair")
        group.set("data-code", code)
        _el(
            group,
            "line",
            x1=_n(x_before),
            y1=_n(y1),
            x2=_n(x_after),
            y2=_n(y2),
            stroke=INK_SOFT,
            stroke_width="1.5",
        )
        for x, y in ((x_before, y1), (x_after, y2)):
            _el(group, "circle", cx=_n(x), cy=_n(y), r="4", fill=INK_SOFT)
    rows: list[tuple[str, tuple[str, ...]]] = [
        (
            code,
            (
                format_number(before),
                format_number(after),
                format_number(Decimal(str(after)) - Decimal(str(before))),
            ),
        )
        for code, before, after in pairs
    ]
    if pairs:
        mean_before = _mean([p[1] for p in pairs])
        mean_after = _mean([p[2] for p in pairs])
        y1, y2 = _scale(float(mean_before), low, high), _scale(float(mean_after), low, high)
        mean = _el(root, "g", class_="chart-mean")
        _el(
            mean,
            "line",
            x1=_n(x_before),
            y1=_n(y1),
            x2=_n(x_after),
            y2=_n(y2),
            stroke=INK,
            stroke_width="4",
            stroke_dasharray="10 5",
        )
        for x, y in ((x_before, y1), (x_after, y2)):
            _el(mean, "rect", x=_n(x - 6), y=_n(y - 6), width="12", height="12", fill=INK)
        # The mean is named in words beside its line, not by its colour or dashes alone.
        _text(
            mean,
            x_after + 12,
            y2 + 5,
            f"Mean {format_number(mean_before)} → {format_number(mean_after)}",
            class_="chart-value",
        )
        rows.append(
            (
                f"Mean of {len(pairs)}",
                (
                    format_number(mean_before),
                    format_number(mean_after),
                    format_number(mean_after - mean_before),
                ),
            )
        )
    table = ChartTable(
        caption=title,
        columns=("Participant", before_label, after_label, "Change"),
        rows=tuple(rows),
    )
    return Chart(chart_id, title, description, _markup(root), table)
