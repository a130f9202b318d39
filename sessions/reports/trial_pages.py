"""What the study results page shows, built from comparison rows without queries.

Per post/follow-up point, per instrument: a table (each score, each arm against the
comparator) and a chart of each arm's mean change with its 95% CI, drawn as accessible inline
SVG in the house style (sessions.reports.charts: role="img", title and description, values
written beside the marks, the same numbers as a table next to it).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from django.utils.safestring import mark_safe
from django.utils.text import slugify

from programs.instrument_library import Instrument
from programs.models import MeasurementPoint
from sessions.reports.charts import Chart, ChartTable
from sessions.reports.outcomes import direction_words, format_p, format_stat
from sessions.reports.trial_results import ComparisonRow
from sessions.reports.trial_stats import ArmChange
from sessions.trials.models import StudyArm

__all__ = ["PointSection", "ResultBlock", "ResultLine", "result_sections"]

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 560
SIDE = 16
ROW = 52
TOP = 12
AXIS = 44
INK = "#1b1f24"  # 16:1 on white
INK_SOFT = "#3d4651"  # 9.6:1 on white
GRID = "#6b7785"
MARK = "#0b5c6b"  # 7.3:1 on white
FONT_SIZE = "15"


def _ci(low: float | None, high: float | None) -> str:
    """The interval as “low to high”; empty without one."""
    if low is None or high is None:
        return ""
    return f"{format_stat(low)} to {format_stat(high)}"


def _interval(low: float | None, high: float | None) -> str:
    ci = _ci(low, high)
    return f" (95% CI {ci})" if ci else ""


@dataclass(frozen=True)
class ResultLine:
    """One table row: a score, an arm against the comparator, in words and numbers."""

    row: ComparisonRow
    score: str
    n: str
    missing: str
    change_arm: str
    change_control: str
    difference: str
    ancova: str
    p: str
    hedges_g: str
    notes: tuple[str, ...]


@dataclass
class ResultBlock:
    instrument: Instrument
    point: MeasurementPoint
    table_id: str
    lines: list[ResultLine] = field(default_factory=list)
    chart: Chart | None = None

    @property
    def direction(self) -> str:
        return direction_words(self.instrument.code)

    @property
    def arm_heading(self) -> str:
        """The column of the arm's mean change: named when one arm is compared, else generic."""
        arms = {line.row.arm.label for line in self.lines}
        return f"Mean change, {arms.pop()}" if len(arms) == 1 else "Mean change in the arm"

    @property
    def control_heading(self) -> str:
        return f"Mean change, {self.lines[0].row.control_arm.label}" if self.lines else ""


@dataclass
class PointSection:
    point: MeasurementPoint
    heading_id: str
    blocks: list[ResultBlock] = field(default_factory=list)


def _change(summary: ArmChange) -> str:
    if summary.mean is None:
        return "—"
    return f"{format_stat(summary.mean)}{_interval(summary.ci_low, summary.ci_high)}"


def _missing(randomized: int, n: int, not_due: int) -> str:
    missing = randomized - n
    words = f"{missing} of {randomized}"
    return f"{words} ({not_due} not yet due)" if not_due else words


def _line(row: ComparisonRow, several_arms: bool) -> ResultLine:
    result = row.result
    arm, control = row.arm.label, row.control_arm.label
    score = row.measure.label + (f", {arm} against {control}" if several_arms else "")
    notes = [result.difference.note, result.ancova.note, result.hedges_note]
    return ResultLine(
        row=row,
        score=score,
        n=f"{arm} {row.n_arm}, {control} {row.n_control}",
        missing=(
            f"{arm} {_missing(row.randomized_arm, row.n_arm, row.not_due_arm)}, "
            f"{control} {_missing(row.randomized_control, row.n_control, row.not_due_control)}"
        ),
        change_arm=_change(result.arm),
        change_control=_change(result.control),
        difference=format_stat(result.difference.estimate)
        + _interval(result.difference.ci_low, result.difference.ci_high),
        ancova=format_stat(result.ancova.estimate)
        + _interval(result.ancova.ci_low, result.ancova.ci_high),
        p=format_p(result.ancova.p),
        hedges_g=format_stat(result.hedges_g),
        notes=tuple(dict.fromkeys(note for note in notes if note)),
    )


def result_sections(rows: list[ComparisonRow]) -> list[PointSection]:
    """Rows grouped by point, then instrument, each instrument with its table and chart."""
    sections: dict[int, PointSection] = {}
    blocks: dict[tuple[int, str], ResultBlock] = {}
    several_arms = len({row.arm.pk for row in rows}) > 1
    for row in rows:
        section = sections.get(row.point.pk)
        if section is None:
            section = sections[row.point.pk] = PointSection(
                row.point, f"point-{slugify(row.point.code)}"
            )
        key = (row.point.pk, row.instrument.code)
        block = blocks.get(key)
        if block is None:
            block = blocks[key] = ResultBlock(
                row.instrument,
                row.point,
                f"results-{slugify(row.point.code)}-{row.instrument.code}",
            )
            section.blocks.append(block)
        block.lines.append(_line(row, several_arms))
    for block in blocks.values():
        block.chart = change_chart(block)
    return list(sections.values())


# --- the chart: each arm's mean change with its 95% CI ----------------------------------------


@dataclass(frozen=True)
class _Mark:
    label: str
    summary: ArmChange


def _marks(block: ResultBlock) -> list[_Mark]:
    """Each charted score's arms, the comparator last; headline scores only where there is one."""
    rows = [line.row for line in block.lines]
    headline = [r for r in rows if r.measure.is_headline]
    charted = headline or rows
    marks: list[_Mark] = []
    seen: set[tuple[str, int]] = set()
    for row in charted:
        pairs: list[tuple[StudyArm, ArmChange]] = [
            (row.arm, row.result.arm),
            (row.control_arm, row.result.control),
        ]
        for arm, summary in pairs:
            if (row.measure.key, arm.pk) in seen:
                continue
            seen.add((row.measure.key, arm.pk))
            marks.append(_Mark(f"{row.measure.label}, {arm.label}", summary))
    return marks


def _el(parent: ET.Element, tag: str, **attributes: object) -> ET.Element:
    attrs = {k.rstrip("_").replace("_", "-"): str(v) for k, v in attributes.items()}
    return ET.SubElement(parent, tag, attrs)


def _nice_step(span: float) -> float:
    raw = span / 4 if span > 0 else 1
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _range(marks: list[_Mark]) -> tuple[float, float, float]:
    values = [0.0]
    for mark in marks:
        summary = mark.summary
        values += [v for v in (summary.mean, summary.ci_low, summary.ci_high) if v is not None]
    low, high = min(values), max(values)
    step = _nice_step(high - low)
    return math.floor(low / step) * step, math.ceil(high / step) * step or step, step


def change_chart(block: ResultBlock) -> Chart:
    """Each arm's mean change from baseline with its 95% CI, one row per score and arm."""
    point, instrument = block.point, block.instrument
    chart_id = f"{block.table_id}-chart"
    title = f"Mean change from baseline to {point.label.lower()}, {instrument.short_name}"
    marks = _marks(block)
    described = "; ".join(
        f"{m.label}: {_change(m.summary)}, {m.summary.n} participants" for m in marks
    )
    description = (
        f"Each arm's mean change in {instrument.short_name} from baseline to {point.label} "
        f"with its 95% confidence interval ({direction_words(instrument.code)}). {described}."
    )
    low, high, step = _range(marks)
    height = TOP + len(marks) * ROW + AXIS
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {WIDTH} {height}",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "class": "chart-svg trial-chart",
            "id": chart_id,
            "focusable": "false",
        },
    )
    _el(root, "title", id=f"{chart_id}-title").text = title
    _el(root, "desc", id=f"{chart_id}-desc").text = description

    def x_of(value: float) -> float:
        return SIDE + (WIDTH - 2 * SIDE) * (value - low) / ((high - low) or 1)

    plot_bottom = TOP + len(marks) * ROW
    axis = _el(root, "g", class_="chart-axis")
    value = low
    while value <= high + 1e-9:
        x = x_of(value)
        _el(axis, "line", x1=f"{x:.1f}", x2=f"{x:.1f}", y1=TOP, y2=plot_bottom, stroke=GRID)
        _el(
            axis,
            "text",
            x=f"{x:.1f}",
            y=plot_bottom + 18,
            fill=INK_SOFT,
            font_size=FONT_SIZE,
            text_anchor="middle",
        ).text = format_stat(value, 1 if step < 1 else 0)
        value += step
    zero = _el(axis, "line", x1=x_of(0), x2=x_of(0), y1=TOP, y2=plot_bottom, stroke=INK)
    zero.set("stroke-width", "2")
    zero.set("class", "chart-zero")
    _el(
        root,
        "text",
        x=WIDTH / 2,
        y=height - 6,
        fill=INK_SOFT,
        font_size=FONT_SIZE,
        text_anchor="middle",
    ).text = "Mean change from baseline (0: no change)"

    for index, mark in enumerate(marks):
        top = TOP + index * ROW
        group = _el(root, "g", class_="trial-mark")
        # Each row names its score and arm in words: nothing depends on colour.
        # A white outline behind the letters keeps them clear of the gridlines they cross.
        _el(
            group,
            "text",
            x=SIDE,
            y=top + 18,
            fill=INK,
            font_size=FONT_SIZE,
            stroke="#ffffff",
            stroke_width="4",
            paint_order="stroke",
            class_="chart-value",
        ).text = f"{mark.label}: {_change(mark.summary)}"
        summary, y = mark.summary, top + 36
        if summary.ci_low is not None and summary.ci_high is not None:
            _el(
                group,
                "line",
                x1=f"{x_of(summary.ci_low):.1f}",
                x2=f"{x_of(summary.ci_high):.1f}",
                y1=y,
                y2=y,
                stroke=MARK,
                stroke_width="3",
                class_="chart-interval",
            )
        if summary.mean is not None:
            _el(
                group,
                "circle",
                cx=f"{x_of(summary.mean):.1f}",
                cy=y,
                r="7",
                fill=MARK,
                class_="chart-point",
            )
    table = ChartTable(
        caption=title,
        columns=("Score and arm", "Participants", "Mean change", "95% CI"),
        rows=tuple(
            (
                m.label,
                (
                    str(m.summary.n),
                    format_stat(m.summary.mean),
                    _ci(m.summary.ci_low, m.summary.ci_high) or "—",
                ),
            )
            for m in marks
        ),
    )
    # ElementTree escapes every text and attribute, so labels typed by people are safe here.
    svg = mark_safe(ET.tostring(root, encoding="unicode"))  # noqa: S308
    return Chart(chart_id, title, description, svg, table)
