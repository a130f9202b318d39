"""Charts are SVG a screen reader can name and describe, drawing the same numbers as their table."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from sessions.reports.charts import (
    BOTTOM,
    HEIGHT,
    TOP,
    PracticeWeekTotal,
    attendance_by_session_chart,
    format_number,
    format_percent,
    paired_lines_chart,
    practice_by_week_chart,
)
from sessions.reports.definitions import SessionAttendance

NS = {"svg": "http://www.w3.org/2000/svg"}
PLOT = HEIGHT - BOTTOM - TOP


def parse(chart):
    # Our own output, parsed to read back what was drawn.
    return ET.fromstring(str(chart.svg))  # noqa: S314


def by_class(root, name):
    return [el for el in root.iter() if name in (el.get("class") or "").split()]


def assert_accessible(chart):
    root = parse(chart)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find("svg:title", NS)
    desc = root.find("svg:desc", NS)
    assert (title.get("id"), title.text) == (title_id, chart.title)
    assert (desc.get("id"), desc.text) == (desc_id, chart.description)
    for element in root.iter():
        # A strict Content Security Policy: no style attributes, no script, nothing fetched.
        assert "style" not in element.attrib
        assert not element.tag.endswith("script")
        assert not any("href" in name for name in element.attrib)
    return root


SESSIONS = [
    SessionAttendance(1, 9, 10),
    SessionAttendance(2, 5, 10),
    SessionAttendance(3, 10, 10),
]


def test_attendance_bars_are_as_tall_as_each_sessions_share_and_say_their_counts():
    chart = attendance_by_session_chart(
        chart_id="attendance", cohort_name="Tuesday group", sessions=SESSIONS
    )
    root = assert_accessible(chart)
    bars = by_class(root, "chart-bar")
    assert [bar.get("data-value") for bar in bars] == ["90", "50", "100"]
    heights = [float(bar.get("height")) for bar in bars]
    assert heights == pytest.approx([PLOT * 0.9, PLOT * 0.5, PLOT], abs=0.1)
    assert [t.text for t in by_class(root, "chart-value")] == ["9/10", "5/10", "10/10"]
    assert [t.text for t in by_class(root, "chart-label")] == ["1", "2", "3"]
    assert "Lowest: session 2, 5 of 10 (50%)" in chart.description
    assert chart.table.columns == ("Session", "Attended", "Expected", "Attendance")
    assert chart.table.rows == (
        ("Session 1", ("9", "10", "9 of 10 (90%)")),
        ("Session 2", ("5", "10", "5 of 10 (50%)")),
        ("Session 3", ("10", "10", "10 of 10 (100%)")),
    )


def test_a_chart_without_data_says_so_in_words():
    chart = attendance_by_session_chart(chart_id="a", cohort_name="New group", sessions=[])
    root = assert_accessible(chart)
    assert by_class(root, "chart-bar") == []
    assert chart.description == "No session has been held yet, so there is no attendance to show."
    assert chart.table.rows == ()


def test_practice_bars_show_minutes_per_week_on_a_round_scale():
    weeks = [
        PracticeWeekTotal(1, 320, 14),
        PracticeWeekTotal(2, 180, 9),
        PracticeWeekTotal(3, 0, 0),
    ]
    chart = practice_by_week_chart(
        chart_id="practice", cohort_name="Tuesday group", weeks=weeks, participants=4
    )
    root = assert_accessible(chart)
    bars = by_class(root, "chart-bar")
    assert [bar.get("data-value") for bar in bars] == ["320", "180", "0"]
    tallest = float(bars[0].get("height"))
    assert float(bars[1].get("height")) == pytest.approx(tallest * 180 / 320, abs=0.1)
    assert float(bars[2].get("height")) == 0
    # The scale ends on a round number at or above the tallest bar.
    gridlines = [t.text for t in by_class(root, "chart-axis")[0].iter() if t.text]
    assert gridlines[:-1] == ["0", "100", "200", "300", "400"]
    assert [t.text for t in by_class(root, "chart-value")] == ["320", "180", "0"]
    assert "500 in all" in chart.description
    assert chart.table.rows == (
        ("Week 1", ("320", "14")),
        ("Week 2", ("180", "9")),
        ("Week 3", ("0", "0")),
    )


def test_strategy_logs_are_counted_in_days():
    weeks = [PracticeWeekTotal(1, 0, 6), PracticeWeekTotal(2, 0, 3)]
    chart = practice_by_week_chart(
        chart_id="s", cohort_name="IER", weeks=weeks, participants=2, strategy=True
    )
    assert [b.get("data-value") for b in by_class(parse(chart), "chart-bar")] == ["6", "3"]
    assert chart.table.columns == ("Week", "Days logged")
    assert chart.title == "Strategy use per week, IER"


def test_paired_lines_join_each_participants_before_and_after_and_name_the_mean():
    pairs = [("P-ANN", 15, 9), ("P-BEN", 10, 8), ("P-CAT", 6, 7)]
    chart = paired_lines_chart(
        title="PHQ-9 total before and after",
        description="Lower is better.",
        pairs=pairs,
        y_min=0,
        y_max=27,
        y_label="PHQ-9 total",
    )
    root = assert_accessible(chart)
    assert chart.chart_id == "chart-phq-9-total-before-and-after"
    lines = by_class(root, "chart-pair")
    assert [g.get("data-code") for g in lines] == ["P-ANN", "P-BEN", "P-CAT"]
    for group, (_code, before, after) in zip(lines, pairs, strict=True):
        line = group.find("svg:line", NS)
        assert float(line.get("y1")) == pytest.approx(TOP + PLOT * (1 - before / 27), abs=0.1)
        assert float(line.get("y2")) == pytest.approx(TOP + PLOT * (1 - after / 27), abs=0.1)
    mean = by_class(root, "chart-mean")[0]
    line = mean.find("svg:line", NS)
    assert float(line.get("y1")) == pytest.approx(TOP + PLOT * (1 - 31 / 3 / 27), abs=0.1)
    assert float(line.get("y2")) == pytest.approx(TOP + PLOT * (1 - 8 / 27), abs=0.1)
    assert line.get("stroke-dasharray")  # told apart by its dashes and its words, not colour
    assert [t.text for t in by_class(mean, "chart-value")] == ["Mean 10.3 → 8"]
    assert chart.table.columns == ("Participant", "Baseline", "Post", "Change")
    assert chart.table.rows == (
        ("P-ANN", ("15", "9", "-6")),
        ("P-BEN", ("10", "8", "-2")),
        ("P-CAT", ("6", "7", "1")),
        ("Mean of 3", ("10.3", "8", "-2.3")),
    )


def test_paired_lines_without_pairs_draw_no_mean():
    chart = paired_lines_chart(
        title="WHO-5", description="None yet.", pairs=[], y_min=0, y_max=100, y_label="%"
    )
    root = assert_accessible(chart)
    assert by_class(root, "chart-mean") == []
    assert chart.table.rows == ()


def test_names_typed_by_people_are_escaped_in_the_svg():
    chart = attendance_by_session_chart(
        chart_id="x", cohort_name='<script>alert("x")</script> & co', sessions=SESSIONS
    )
    assert "<script>" not in str(chart.svg)
    assert parse(chart).find("svg:title", NS).text.endswith('<script>alert("x")</script> & co')


def test_numbers_are_written_for_people():
    assert format_number(Decimal("12.25")) == "12.3"
    assert format_number(Decimal("12.0")) == "12"
    assert format_number(7) == "7"
    assert format_number(None) == "\N{EN DASH}"
    assert format_percent(8, 10) == "8 of 10 (80%)"
    assert format_percent(1, 8) == "1 of 8 (13%)"  # 12.5 rounds half up
    assert format_percent(0, 0) == "0 of 0"


def test_table_body_pairs_each_cell_with_its_column_heading():
    chart = attendance_by_session_chart(chart_id="a", cohort_name="G", sessions=SESSIONS[:1])
    assert chart.table.body == [
        ("Session 1", [("Attended", "9"), ("Expected", "10"), ("Attendance", "9 of 10 (90%)")])
    ]
