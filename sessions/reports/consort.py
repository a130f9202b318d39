"""The CONSORT 2010 flow of a randomized study as numbers: what the diagram, the table and the
consort export all show (sessions.reports.trial_results.consort_flow counts them).

Pure data: no queries, so the diagram (sessions.reports.consort_svg) and the table are drawn
from the same object and cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sessions.trials.models import Study, StudyArm

__all__ = [
    "DECLINED",
    "DID_NOT_ATTEND",
    "INELIGIBLE",
    "NOT_RANDOMIZED",
    "NO_PAIR",
    "STAGE_LABELS",
    "ArmFlow",
    "ConsortFlow",
    "ConsortRow",
]

STAGE_LABELS = {
    "assessed": "Assessed for eligibility",
    "excluded": "Excluded",
    "randomized": "Randomized",
    "allocated": "Allocated",
    "received_allocated": "Received the allocated course",
    "not_received": "Did not receive the allocated course",
    "lost_to_follow_up": "Lost to follow-up",
    "discontinued": "Discontinued",
    "analysed": "Analysed",
    "excluded_from_analysis": "Excluded from analysis",
}
INELIGIBLE = "Not meeting inclusion criteria"
DECLINED = "Declined to take part"
NOT_RANDOMIZED = "Eligible and consented, not randomized"
DID_NOT_ATTEND = "Attended no session"
NO_PAIR = "No baseline and later score on the same questionnaire"


def is_control(arm: StudyArm) -> bool:
    """A control arm is offered no sessions: everyone allocated to it receives what it gives."""
    return arm.enrollment_arm == "control"


@dataclass(frozen=True)
class ConsortRow:
    """One line of the flow: a stage, its arm (None before allocation), a count, and the reason
    (empty for the stage's total)."""

    stage: str
    arm: StudyArm | None
    count: int
    reason: str = ""

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def arm_label(self) -> str:
        return self.arm.label if self.arm is not None else ""


@dataclass(frozen=True)
class ArmFlow:
    """One arm's column of the diagram."""

    arm: StudyArm
    allocated: int
    received: int
    lost: int
    lost_reasons: list[tuple[str, int]]
    discontinued: int
    discontinued_reasons: list[tuple[str, int]]
    analysed: int

    @property
    def not_received(self) -> int:
        return self.allocated - self.received

    @property
    def excluded_from_analysis(self) -> int:
        return self.allocated - self.analysed


@dataclass(frozen=True)
class ConsortFlow:
    study: Study
    assessed: int
    ineligible: int
    ineligible_reasons: list[tuple[str, int]]  # per rule not met; one person may fail several
    declined: int
    not_randomized: int
    randomized: int
    # Randomized people with no screening of this study: with them, assessed minus excluded is
    # not the number randomized, which the page says rather than hides.
    randomized_unscreened: int
    arms: list[ArmFlow]

    @property
    def excluded(self) -> int:
        return self.ineligible + self.declined + self.not_randomized

    @property
    def rows(self) -> list[ConsortRow]:
        """The flow as the consort export lists it (stages of columns.CONSORT_STAGES)."""
        rows = [
            ConsortRow("assessed", None, self.assessed),
            ConsortRow("excluded", None, self.excluded),
            ConsortRow("excluded", None, self.ineligible, INELIGIBLE),
            *(
                ConsortRow("excluded", None, n, f"{INELIGIBLE}: {text}")
                for text, n in self.ineligible_reasons
            ),
            ConsortRow("excluded", None, self.declined, DECLINED),
            ConsortRow("excluded", None, self.not_randomized, NOT_RANDOMIZED),
            ConsortRow("randomized", None, self.randomized),
        ]
        for flow in self.arms:
            rows.append(ConsortRow("allocated", flow.arm, flow.allocated))
            rows.append(ConsortRow("received_allocated", flow.arm, flow.received))
        for flow in self.arms:
            rows.append(ConsortRow("lost_to_follow_up", flow.arm, flow.lost))
            rows += [
                ConsortRow("lost_to_follow_up", flow.arm, n, why) for why, n in flow.lost_reasons
            ]
            rows.append(ConsortRow("discontinued", flow.arm, flow.discontinued))
            rows += [
                ConsortRow("discontinued", flow.arm, n, why) for why, n in flow.discontinued_reasons
            ]
        rows += [ConsortRow("analysed", flow.arm, flow.analysed) for flow in self.arms]
        return rows

    @property
    def table_rows(self) -> list[ConsortRow]:
        """`rows` plus the two numbers the diagram derives (did not receive the course, excluded
        from analysis) after their stage, so that the table holds every number the diagram shows."""
        flows = {flow.arm.pk: flow for flow in self.arms}
        rows = []
        for row in self.rows:
            rows.append(row)
            flow = flows.get(row.arm.pk) if row.arm is not None else None
            if flow is None:
                continue
            if row.stage == "received_allocated":
                rows.append(ConsortRow("not_received", flow.arm, flow.not_received))
                if flow.not_received:
                    rows.append(
                        ConsortRow("not_received", flow.arm, flow.not_received, DID_NOT_ATTEND)
                    )
            elif row.stage == "analysed":
                missing = flow.excluded_from_analysis
                rows.append(ConsortRow("excluded_from_analysis", flow.arm, missing))
                if missing:
                    rows.append(ConsortRow("excluded_from_analysis", flow.arm, missing, NO_PAIR))
        return rows
