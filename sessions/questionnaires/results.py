"""Questionnaire results: scores over time, change from baseline and the minimal important change.

Pure functions over answers already read from the database (see `answered_from_response`):
nothing here queries, so a page makes the same queries for 5 or 60 participants, and the
arithmetic is tested without HTTP. Scores always come from the raw answers through
programs.scoring.score, from the latest submitted version of each response (a staff correction
replaces the original in every figure; the original is kept in the database).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from programs.instrument_library import Instrument, instrument_get
from programs.scoring import ScoreResult, score

if TYPE_CHECKING:
    from sessions.questionnaires.models import Response

Number = int | Decimal
Direction = Literal["better", "worse", "no change"]

# Which way is better, per instrument: the "Higher =" column of shared/reference/instruments.md.
# The instrument files carry no direction, so it is written down once, here. IERQ is absent on
# purpose: a higher score means more use of interpersonal strategies, not better or worse.
LOWER_IS_BETTER = frozenset({"phq9", "phq8", "gad7", "pss10", "ucla3", "mfis21", "mfis5"})
HIGHER_IS_BETTER = frozenset({"who5", "maia2", "ffmq15"})

# What participants read instead of the instrument's clinical name: everyday words, never a
# diagnosis (BRIEF §5: participants see no diagnostic labels). The hint says which way is which.
PLAIN_WORDS: dict[str, tuple[str, str]] = {
    "phq9": ("mood", "A lower score means fewer days of feeling low."),
    "phq8": ("mood", "A lower score means fewer days of feeling low."),
    "gad7": ("worry", "A lower score means less time feeling nervous or worried."),
    "pss10": ("stress", "A lower score means life has felt less stressful."),
    "who5": ("wellbeing", "A higher score means you have been feeling better."),
    "ucla3": ("loneliness", "A lower score means feeling less alone."),
    "mfis21": ("tiredness", "A lower score means tiredness gets in the way less."),
    "mfis5": ("tiredness", "A lower score means tiredness gets in the way less."),
    "maia2": ("body awareness", "Higher scores mean more awareness of your body."),
    "ffmq15": ("mindfulness", "A higher score means more mindful moments in daily life."),
    "ierq": (
        "turning to others",
        "A higher score means you turn to other people more when feelings are hard.",
    ),
}


@dataclass(frozen=True)
class Answered:
    """One submitted response as results need it: whose, when in the course, which answers."""

    enrollment_id: int
    point_kind: str  # MeasurementKind value: baseline, post, follow_up, weekly
    point_label: str
    point_order: dt.datetime  # when the window opened: orders points in time
    instrument: str
    version: int
    answers: Mapping[int, int | None]
    submitted_at: dt.datetime
    # The point's own name (baseline, post, follow_up_3m): several follow-ups share a kind.
    point_code: str = ""

    @property
    def point_key(self) -> str:
        return self.point_code or self.point_kind


def answered_from_response(response: Response) -> Answered:
    """Read what results need from a Response fetched with assessment__measurement_point."""
    assessment = response.assessment
    point = assessment.measurement_point
    return Answered(
        enrollment_id=assessment.enrollment_id,
        point_kind=point.kind,
        point_label=point.label,
        point_order=assessment.opens_at,
        instrument=response.instrument,
        version=response.version,
        answers=response.answer_map(),
        submitted_at=response.submitted_at or assessment.opens_at,
        point_code=point.code,
    )


def latest_versions(rows: Iterable[Answered]) -> list[Answered]:
    """Keep only the newest version of each participant's response per point and instrument."""
    latest: dict[tuple[int, str, str], Answered] = {}
    for row in rows:
        key = (row.enrollment_id, row.point_key, row.instrument)
        if key not in latest or row.version > latest[key].version:
            latest[key] = row
    return sorted(latest.values(), key=lambda r: (r.enrollment_id, r.point_order, r.instrument))


def headline(instrument: Instrument, result: ScoreResult) -> int | None:
    """The one number a score is read by: WHO-5's percentage (0 to 100), else the total."""
    if instrument.percentage_multiplier is not None:
        return result.percentage
    return result.total


def headline_maximum(instrument: Instrument) -> int | None:
    """The most the headline number can be ("out of 100")."""
    if instrument.total.range is None:
        return None
    high = instrument.total.range[1]
    return high * instrument.percentage_multiplier if instrument.percentage_multiplier else high


def change_from_baseline(baseline: Number | None, later: Number | None) -> Number | None:
    """Later minus baseline; None unless both were scored."""
    if baseline is None or later is None:
        return None
    return later - baseline


def reaches_minimal_important_change(instrument: Instrument, change: Number | None) -> bool | None:
    """Whether the size of the change is at least the instrument's published MIC; None if unknown."""
    mic = instrument.minimal_important_change
    if mic is None or change is None:
        return None
    size = -change if change < 0 else change
    return size >= mic


def direction_of(code: str, change: Number | None) -> Direction | None:
    """Whether a change is for the better, for the worse, or neither; None without a direction."""
    if change is None or (code not in LOWER_IS_BETTER and code not in HIGHER_IS_BETTER):
        return None
    if change == 0:
        return "no change"
    improved = change < 0 if code in LOWER_IS_BETTER else change > 0
    return "better" if improved else "worse"


@dataclass(frozen=True)
class Measurement:
    point_kind: str
    point_label: str
    submitted_at: dt.datetime
    result: ScoreResult
    value: int | None  # the headline number


@dataclass(frozen=True)
class Outcome:
    """One participant's scores on one instrument: baseline, post, and what changed.

    `measurements` holds every point answered, follow-ups too; the change (and the MIC) stays
    baseline to post, the comparison every within-arm summary makes."""

    enrollment_id: int
    instrument: Instrument
    measurements: tuple[Measurement, ...]  # every point answered, in time order
    baseline: Measurement | None
    post: Measurement | None
    change: Number | None
    reaches_mic: bool | None
    direction: Direction | None


def _measure(instrument: Instrument, row: Answered) -> Measurement:
    result = score(instrument.code, row.answers)
    return Measurement(
        point_kind=row.point_kind,
        point_label=row.point_label,
        submitted_at=row.submitted_at,
        result=result,
        value=headline(instrument, result),
    )


def outcomes(rows: Iterable[Answered]) -> list[Outcome]:
    """Per participant and instrument, ordered by participant then instrument code."""
    grouped: dict[tuple[int, str], list[Answered]] = {}
    for row in latest_versions(rows):
        grouped.setdefault((row.enrollment_id, row.instrument), []).append(row)
    found = []
    for (enrollment_id, code), answered in sorted(grouped.items()):
        instrument = instrument_get(code)
        measurements = tuple(_measure(instrument, row) for row in answered)
        by_kind = {m.point_kind: m for m in measurements}
        baseline, post = by_kind.get("baseline"), by_kind.get("post")
        change = change_from_baseline(
            baseline.value if baseline else None, post.value if post else None
        )
        found.append(
            Outcome(
                enrollment_id=enrollment_id,
                instrument=instrument,
                measurements=measurements,
                baseline=baseline,
                post=post,
                change=change,
                reaches_mic=reaches_minimal_important_change(instrument, change),
                direction=direction_of(code, change),
            )
        )
    return found


# --- words and numbers for pages -------------------------------------------------------------


def format_number(value: Number | None) -> str:
    """A score as people read it: whole numbers plain, means to two decimals at most."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    text = f"{value.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return text or "0"


def format_change(value: Number | None) -> str:
    """A change with its sign: “+12”, “\u22126” (a real minus sign, read as minus), “0”."""
    if value is None:
        return "—"
    if value > 0:
        return f"+{format_number(value)}"
    if value < 0:
        return f"\u2212{format_number(-value)}"
    return "0"


def band_label(band: str | None) -> str:
    """A band name as staff read it: “moderately_severe” → “Moderately severe”."""
    return band.replace("_", " ").capitalize() if band else ""


def subscale_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def subscale_maximum(instrument: Instrument, name: str) -> int | None:
    subscale = next((s for s in instrument.subscales if s.name == name), None)
    if subscale is None:
        return None
    highs = [max(instrument.item(n).values) for n in subscale.items]
    return max(highs) if subscale.method == "mean" else sum(highs)


@dataclass(frozen=True)
class PlainLine:
    """A sentence a participant reads about one score, with the points behind it."""

    title: str
    sentence: str
    hint: str
    points: tuple[tuple[str, dt.datetime, str], ...]  # (point label, when sent, value "40")


def _sentence(words: str, values: list[str], out_of: int | None) -> str:
    tail = f" out of {out_of}" if out_of is not None else ""
    if len(values) == 1:
        return f"Your {words} score was {values[0]}{tail}."
    return f"Your {words} score went from {values[0]} to {values[-1]}{tail}."


def plain_lines(outcome: Outcome) -> list[PlainLine]:
    """What a participant is told about one instrument: scores only, never bands or diagnoses."""
    instrument = outcome.instrument
    words, hint = PLAIN_WORDS.get(instrument.code, (instrument.construct, ""))
    # Never the code (PSS-10); the score's own words, which name no diagnosis ("Worry", where the
    # questionnaire's plain name says "Worry and anxiety").
    title = f"{words[:1].upper()}{words[1:]}"
    scored = [m for m in outcome.measurements if m.value is not None]
    if instrument.total.method == "sum":
        if not scored:
            return []
        values = [format_number(m.value) for m in scored]
        return [
            PlainLine(
                title=title,
                sentence=_sentence(words, values, headline_maximum(instrument)),
                hint=hint,
                points=tuple(
                    (m.point_label, m.submitted_at, v) for m, v in zip(scored, values, strict=True)
                ),
            )
        ]
    # No total (MAIA-2): one line per part of the questionnaire.
    lines = []
    for subscale in instrument.subscales:
        parts = [
            (m, m.result.subscales.get(subscale.name))
            for m in outcome.measurements
            if m.result.subscales.get(subscale.name) is not None
        ]
        if not parts:
            continue
        values = [format_number(v) for _m, v in parts]
        label = subscale_label(subscale.name)
        lines.append(
            PlainLine(
                title=f"{title}: {label.lower()}",
                sentence=_sentence(
                    f"{words} ({label.lower()})",
                    values,
                    subscale_maximum(instrument, subscale.name),
                ),
                hint=hint,
                points=tuple(
                    (m.point_label, m.submitted_at, v)
                    for (m, _raw), v in zip(parts, values, strict=True)
                ),
            )
        )
    return lines


@dataclass(frozen=True)
class StaffCell:
    """One score as staff see it: the number, its band, and the subscales."""

    value: str
    band: str
    subscales: str


def staff_cell(instrument: Instrument, measurement: Measurement | None) -> StaffCell | None:
    """Staff may see bands; convention-only bands are marked as such."""
    if measurement is None:
        return None
    result = measurement.result
    if instrument.percentage_multiplier is not None:
        value = (
            f"{result.percentage}% (raw {result.total})" if result.percentage is not None else "—"
        )
    else:
        value = format_number(result.total) if instrument.total.method == "sum" else ""
    band = band_label(result.band)
    if band and instrument.bands is not None and instrument.bands.convention_only:
        band = f"{band} (convention)"
    subscales = ", ".join(
        f"{subscale_label(name)} {format_number(v)}" for name, v in result.subscales.items()
    )
    return StaffCell(value=value, band=band, subscales=subscales)


def mic_text(outcome: Outcome) -> str:
    """“Yes, better” / “Yes, worse” / “No” / “—” when there is no MIC or no pair to compare."""
    if outcome.reaches_mic is None:
        return "—"
    if not outcome.reaches_mic:
        return "No"
    return f"Yes, {outcome.direction}" if outcome.direction else "Yes"
