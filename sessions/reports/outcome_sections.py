"""The outcome page's tables and charts: each group's statistics as words and numbers to show.

sessions.reports.outcomes computes the statistics; this module only formats them for the page
(means ± SD, changes with their interval, p-values, the minimal important change) and draws
the paired-lines charts, one block per questionnaire.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from programs.instrument_library import Instrument
from sessions.reports.charts import paired_lines_chart
from sessions.reports.outcomes import (
    Measure,
    OutcomeGroup,
    OutcomeSummary,
    format_p,
    format_stat,
)

# Above this many pairs a chart (and its table) would be a wall of lines and rows; the
# statistics table still says everything.
CHART_LIMIT = 100


def measure_range(instrument: Instrument, measure: Measure) -> tuple[Decimal, Decimal]:
    """The lowest and highest score a measure can take, for a chart's axis."""
    if measure.is_headline:
        low, high = instrument.total.range or (0, 0)
        factor = instrument.percentage_multiplier or 1
        return Decimal(low * factor), Decimal(high * factor)
    subscale = next(s for s in instrument.subscales if s.name == measure.key)
    lows = [
        min(instrument.reverse(n, v) for v in instrument.item(n).values) for n in subscale.items
    ]
    highs = [
        max(instrument.reverse(n, v) for v in instrument.item(n).values) for n in subscale.items
    ]
    if subscale.method == "mean":
        return Decimal(min(lows)), Decimal(max(highs))
    return Decimal(sum(lows)), Decimal(sum(highs))


@dataclass(frozen=True)
class OutcomeRow:
    summary: OutcomeSummary
    baseline: str
    post: str
    change: str
    t_p: str
    wilcoxon_p: str
    dz: str
    mic: str
    note: str


def _mean_sd(mean: float | None, sd: float | None) -> str:
    if mean is None:
        return "—"
    if sd is None:
        return format_stat(mean)
    return f"{format_stat(mean)} ± {format_stat(sd)}"


def _change(s: OutcomeSummary) -> str:
    if s.mean_change is None:
        return "—"
    text = format_stat(s.mean_change)
    if s.ci_low is not None and s.ci_high is not None:
        text += f" ({format_stat(s.ci_low)} to {format_stat(s.ci_high)})"
    return text


def _mic(s: OutcomeSummary) -> str:
    if s.mic is None:
        return "No published value" if s.measure.is_headline else "—"
    if s.mic_reached is None or s.mic_share is None:
        return f"MIC {s.mic}: no pairs yet"
    percent = format_stat(s.mic_share * 100, places=0)
    return f"{s.mic_reached} of {s.n_paired} ({percent}%), MIC {s.mic}"


def _row(s: OutcomeSummary) -> OutcomeRow:
    notes: list[str] = []
    for note in (s.t_note, s.wilcoxon_note, s.dz_note):
        if note and note not in notes:
            notes.append(note)
    return OutcomeRow(
        summary=s,
        baseline=_mean_sd(s.baseline_mean, s.baseline_sd),
        post=_mean_sd(s.post_mean, s.post_sd),
        change=_change(s),
        t_p=format_p(s.t_p),
        wilcoxon_p=format_p(s.wilcoxon_p),
        dz=format_stat(s.dz),
        mic=_mic(s),
        note=" ".join(notes),
    )


def _charts(group: OutcomeGroup, index: int) -> dict[str, list[Any]]:
    """Per instrument, the paired-lines charts of its headline score (MAIA-2: each subscale)."""
    charts: dict[str, list[Any]] = {}
    for n, s in enumerate(group.summaries):
        instrument = s.instrument
        has_headline = instrument.total.method == "sum"
        if not s.pairs or len(s.pairs) > CHART_LIMIT:
            continue
        if has_headline and not s.measure.is_headline:
            continue
        low, high = measure_range(instrument, s.measure)
        score_name = (
            f"{instrument.short_name} {s.measure.label.lower()}"
            if not has_headline or s.measure.key == "percentage"
            else f"{instrument.short_name} total"
        )
        charts.setdefault(instrument.code, []).append(
            paired_lines_chart(
                title=f"{score_name}: baseline and post, {group.cohort_label}, {group.arm_label.lower()} arm",
                description=(
                    f"One line per participant from their baseline to their post score, and a thick "
                    f"dashed line for the mean of all {len(s.pairs)}; {s.direction}."
                ),
                pairs=[(p.participant_code, p.baseline, p.post) for p in s.pairs],
                y_min=low,
                y_max=high,
                y_label=score_name,
                chart_id=f"outcome-{index}-{n}",
            )
        )
    return charts


@dataclass(frozen=True)
class InstrumentBlock:
    instrument: Instrument
    direction: str
    rows: list[OutcomeRow]
    charts: list[Any]
    table_id: str


def _blocks(group: OutcomeGroup, index: int) -> list[InstrumentBlock]:
    charts = _charts(group, index)
    blocks: dict[str, InstrumentBlock] = {}
    for s in group.summaries:
        code = s.instrument.code
        if code not in blocks:
            blocks[code] = InstrumentBlock(
                instrument=s.instrument,
                direction=s.direction,
                rows=[],
                charts=charts.get(code, []),
                table_id=f"outcomes-{index}-{code}",
            )
        blocks[code].rows.append(_row(s))
    return list(blocks.values())


def outcome_sections(groups: list[OutcomeGroup]) -> list[dict[str, Any]]:
    """One section per group: its questionnaires with pairs as blocks, the others as waiting."""
    sections = []
    for n, group in enumerate(groups):
        blocks = _blocks(group, n)
        sections.append(
            {
                "group": group,
                "heading_id": f"group-{n}",
                # A questionnaire nobody has answered twice yet is a line, not a table of dashes.
                "blocks": [b for b in blocks if any(r.summary.n_paired for r in b.rows)],
                "waiting": [
                    b.instrument for b in blocks if not any(r.summary.n_paired for r in b.rows)
                ],
            }
        )
    return sections
