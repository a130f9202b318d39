"""The CONSORT 2010 flow diagram as accessible inline SVG, drawn on the server.

The layout of the CONSORT 2010 template: four stages (Enrollment, Allocation, Follow-up,
Analysis) named in banners; assessed, excluded with reasons to the side, randomized; then one
column per arm. The `<svg role="img">` is named by its `<title>` and described by its `<desc>`
(every stage's count in words) through aria-labelledby; each box says its numbers as "(n=12)",
so nothing is told by colour or position alone, and the page shows the same numbers as a table
(ConsortFlow.table_rows). Text is 14 px at the diagram's natural width (it scrolls sideways on a
narrow screen rather than shrinking); ink on white and on the pale banners is over 12:1.
Colours come from CSS classes in stillwater.css, with presentation attributes as a fallback.

Pure: it takes a ConsortFlow and makes no queries.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from sessions.reports.consort import (
    DECLINED,
    DID_NOT_ATTEND,
    INELIGIBLE,
    NO_PAIR,
    NOT_RANDOMIZED,
    ArmFlow,
    ConsortFlow,
)

__all__ = ["consort_description", "consort_svg"]

SVG_NS = "http://www.w3.org/2000/svg"
INK = "#1b1f24"  # 16:1 on white
BANNER = "#dcebf2"  # ink on it: 14:1
FONT_SIZE = 14
LINE = 20  # line height
PAD = 10
COLUMN = 300  # an arm's boxes
GAP = 32
MARGIN = 16
BANNER_HEIGHT = 30
STEP = 28  # vertical room for an arrow between two things
CHAR_WIDTH = 7.6  # a generous average at 14 px, so wrapped lines never overflow their box
NBSP = "\N{NO-BREAK SPACE}"
DASH = "\N{EN DASH}"  # a reason under its stage


@dataclass(frozen=True)
class Line:
    text: str
    indent: int = 0
    bold: bool = False


def n(count: int) -> str:
    # A no-break space keeps "(n=12)" whole on its line, beside the words it counts.
    return f"{NBSP}(n={count})"


def _el(parent: ET.Element, tag: str, **attributes: object) -> ET.Element:
    attrs = {k.rstrip("_").replace("_", "-"): str(v) for k, v in attributes.items()}
    return ET.SubElement(parent, tag, attrs)


def _wrapped(lines: list[Line], width: float) -> list[Line]:
    """Each line broken to fit `width`, continuation lines keeping its indent."""
    found = []
    for line in lines:
        chars = max(12, int((width - 2 * PAD - line.indent * 16) / CHAR_WIDTH))
        found += [
            Line(part, line.indent, line.bold)
            for part in textwrap.wrap(line.text, chars, break_long_words=True) or [""]
        ]
    return found


def _height(lines: list[Line]) -> float:
    return 2 * PAD + len(lines) * LINE


def _box(
    parent: ET.Element,
    x: float,
    y: float,
    width: float,
    lines: list[Line],
    height: float | None = None,
) -> float:
    """A box of wrapped lines at (x, y), as tall as its lines or `height`; returns its height."""
    height = height or _height(lines)
    group = _el(parent, "g", class_="consort-box")
    _el(
        group,
        "rect",
        x=x,
        y=y,
        width=width,
        height=height,
        fill="#ffffff",
        stroke=INK,
        stroke_width="1.5",
        rx="4",
    )
    for index, line in enumerate(lines):
        text = _el(
            group,
            "text",
            x=x + PAD + line.indent * 16,
            y=y + PAD + (index + 1) * LINE - 5,
            fill=INK,
            font_size=FONT_SIZE,
        )
        if line.bold:
            text.set("font-weight", "600")
        text.text = line.text
    return height


def _arrow(parent: ET.Element, x1: float, y1: float, x2: float, y2: float) -> None:
    _el(
        parent,
        "line",
        x1=x1,
        y1=y1,
        x2=x2,
        y2=y2,
        stroke=INK,
        stroke_width="1.5",
        marker_end="url(#consort-arrow)",
        class_="consort-arrow",
    )


def _banner(parent: ET.Element, y: float, width: float, words: str) -> None:
    group = _el(parent, "g", class_="consort-banner")
    _el(
        group,
        "rect",
        x=MARGIN,
        y=y,
        width=width - 2 * MARGIN,
        height=BANNER_HEIGHT,
        fill=BANNER,
        stroke=INK,
        stroke_width="1",
        rx="4",
    )
    # At the left, as in the CONSORT template: on a narrow screen the diagram scrolls sideways,
    # and the stage's name is then still in view.
    label = _el(
        group,
        "text",
        x=MARGIN + PAD,
        y=y + BANNER_HEIGHT / 2 + 5,
        fill=INK,
        font_size=FONT_SIZE,
        font_weight="700",
    )
    label.text = words


# --- what each box says -----------------------------------------------------------------------


def _excluded_lines(flow: ConsortFlow) -> list[Line]:
    lines = [
        Line(f"Excluded{n(flow.excluded)}", bold=True),
        Line(f"• {INELIGIBLE}{n(flow.ineligible)}", 1),
    ]
    lines += [Line(f"{DASH} {text}{n(count)}", 2) for text, count in flow.ineligible_reasons]
    lines += [
        Line(f"• {DECLINED}{n(flow.declined)}", 1),
        Line(f"• {NOT_RANDOMIZED}{n(flow.not_randomized)}", 1),
    ]
    return lines


def _allocation_lines(arm: ArmFlow) -> list[Line]:
    lines = [
        Line(f"Allocated to {arm.arm.label}{n(arm.allocated)}", bold=True),
        Line(f"• Received the allocated course{n(arm.received)}", 1),
        Line(f"• Did not receive the allocated course{n(arm.not_received)}", 1),
    ]
    if arm.not_received:
        lines.append(Line(f"{DASH} {DID_NOT_ATTEND}{n(arm.not_received)}", 2))
    return lines


def _follow_up_lines(arm: ArmFlow) -> list[Line]:
    lines = [Line(f"Lost to follow-up{n(arm.lost)}", bold=True)]
    lines += [Line(f"{DASH} {why}{n(count)}", 1) for why, count in arm.lost_reasons]
    lines.append(Line(f"Discontinued{n(arm.discontinued)}", bold=True))
    lines += [Line(f"{DASH} {why}{n(count)}", 1) for why, count in arm.discontinued_reasons]
    return lines


def _analysis_lines(arm: ArmFlow) -> list[Line]:
    lines = [
        Line(f"Analysed{n(arm.analysed)}", bold=True),
        Line(f"Excluded from analysis{n(arm.excluded_from_analysis)}"),
    ]
    if arm.excluded_from_analysis:
        lines.append(Line(f"{DASH} {NO_PAIR}{n(arm.excluded_from_analysis)}", 1))
    return lines


def consort_description(flow: ConsortFlow) -> str:
    """The diagram in words: every stage's count, arm by arm."""
    words = [
        f"CONSORT 2010 flow diagram. Assessed for eligibility: {flow.assessed}. Excluded: "
        f"{flow.excluded} ({INELIGIBLE.lower()}: {flow.ineligible}; {DECLINED.lower()}: "
        f"{flow.declined}; {NOT_RANDOMIZED.lower()}: {flow.not_randomized}). Randomized: "
        f"{flow.randomized}."
    ]
    for arm in flow.arms:
        words.append(
            f"{arm.arm.label}: allocated {arm.allocated}; received the allocated course "
            f"{arm.received}, did not receive it {arm.not_received}; lost to follow-up "
            f"{arm.lost}; discontinued {arm.discontinued}; analysed {arm.analysed}, excluded "
            f"from analysis {arm.excluded_from_analysis}."
        )
    words.append("The table below the diagram gives every number with its reasons.")
    return " ".join(words)


# --- the diagram -------------------------------------------------------------------------------


def consort_svg(flow: ConsortFlow, *, diagram_id: str = "consort") -> SafeString:
    """The flow as an `<svg role="img">` with a title and a description (see the module doc)."""
    arms = flow.arms
    columns = max(len(arms), 2)
    width = 2 * MARGIN + columns * COLUMN + (columns - 1) * GAP
    center = width / 2

    # Heights first: boxes side by side line up, so each row is as tall as its tallest box.
    top_width = COLUMN - 40
    side_width = width - MARGIN - (center + GAP)
    assessed = _wrapped([Line(f"Assessed for eligibility{n(flow.assessed)}", bold=True)], top_width)
    excluded = _wrapped(_excluded_lines(flow), side_width)
    randomized = _wrapped([Line(f"Randomized{n(flow.randomized)}", bold=True)], top_width)
    rows = [
        [_wrapped(lines(arm), COLUMN) for arm in arms]
        for lines in (_allocation_lines, _follow_up_lines, _analysis_lines)
    ]

    body = ET.Element("g")
    y: float = MARGIN
    _banner(body, y, width, "Enrollment")
    y += BANNER_HEIGHT + STEP
    _arrow(body, center, y - STEP, center, y)
    box_x = center - top_width / 2
    y += _box(body, box_x, y, top_width, assessed)
    # The excluded box hangs to the right of the line from assessed to randomized.
    excluded_top = y + STEP / 2
    excluded_height = _height(excluded)
    _box(body, center + GAP, excluded_top, side_width, excluded)
    branch_y = excluded_top + min(excluded_height / 2, LINE + PAD)
    _arrow(body, center, branch_y, center + GAP, branch_y)
    randomized_top = excluded_top + excluded_height + STEP / 2
    _arrow(body, center, y, center, randomized_top)
    y = randomized_top + _box(body, box_x, randomized_top, top_width, randomized)

    xs = [MARGIN + i * (COLUMN + GAP) for i in range(len(arms))]
    for banner, boxes in zip(("Allocation", "Follow-up", "Analysis"), rows, strict=True):
        # From the randomized box one line leads down; from then on, one per arm.
        for x in [center - COLUMN / 2] if banner == "Allocation" else xs:
            _arrow(body, x + COLUMN / 2, y, x + COLUMN / 2, y + STEP)
        y += STEP
        _banner(body, y, width, banner)
        y += BANNER_HEIGHT
        for x in xs:
            _arrow(body, x + COLUMN / 2, y, x + COLUMN / 2, y + STEP)
        y += STEP
        tallest = max((_height(lines) for lines in boxes), default=0)
        for x, lines in zip(xs, boxes, strict=True):
            _box(body, x, y, COLUMN, lines, height=tallest)
        y += tallest
    height = y + MARGIN

    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {width:g} {height:g}",
            "width": f"{width:g}",
            "height": f"{height:g}",
            "role": "img",
            "aria-labelledby": f"{diagram_id}-title {diagram_id}-desc",
            "class": "consort-svg",
            "id": diagram_id,
            "focusable": "false",
        },
    )
    _el(root, "title", id=f"{diagram_id}-title").text = f"CONSORT flow diagram of {flow.study.name}"
    _el(root, "desc", id=f"{diagram_id}-desc").text = consort_description(flow)
    marker = _el(
        _el(root, "defs"),
        "marker",
        id="consort-arrow",
        viewBox="0 0 10 10",
        refX="10",
        refY="5",
        markerWidth="7",
        markerHeight="7",
        orient="auto-start-reverse",
    )
    _el(marker, "path", d="M 0 0 L 10 5 L 0 10 z", fill=INK, class_="consort-arrowhead")
    root.append(body)
    # ElementTree escapes every text and attribute, so arm labels and reasons typed by people
    # are safe here.
    return mark_safe(ET.tostring(root, encoding="unicode"))  # noqa: S308
