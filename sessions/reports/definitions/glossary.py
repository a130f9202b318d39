"""What every reported number means, in plain words (BRIEF §8).

Printed in every export's codebook and on the report pages, beside the numbers that
sessions.reports.definitions computes.
"""

from __future__ import annotations

__all__ = ["DEFINITIONS", "STUDY_DEFINITIONS"]

# (name, definition in plain words): printed in every export's codebook and on the report pages.
DEFINITIONS: list[tuple[str, str]] = [
    (
        "enrolled",
        "Participants whose enrollment started: everyone except those only invited. Withdrawn "
        "participants still count (intention to treat).",
    ),
    ("active", "Enrolled participants whose enrollment is active now."),
    (
        "withdrawn",
        "Enrolled participants who withdrew. They stay in every denominator (intention to treat).",
    ),
    (
        "session held",
        "A required session that has started and was not cancelled. Optional sessions (such as "
        "a day of practice) are not counted, and a session and its make-up count once.",
    ),
    (
        "sessions held (per participant)",
        "The required sessions held that the participant was expected at: the group's sessions, "
        "or in a one-on-one course their own. Withdrawn participants keep being expected "
        "(intention to treat). Control-arm participants are offered no sessions: 0.",
    ),
    (
        "sessions held (per cohort and arm)",
        "Group course: the required sessions held for the group. One-on-one course: the "
        "one-on-one sessions held, added up over the arm's enrolled participants. A cancelled "
        "session is not held; if its make-up took place, that counts instead.",
    ),
    (
        "sessions attended",
        "Required sessions held at which the participant's attendance is 'attended' or 'made up' "
        "(at the session itself or at a make-up of it). Self-guided course: required weeks the "
        "participant marked as completed.",
    ),
    (
        "completed course",
        "The participant attended at least the program's threshold of its required sessions "
        "(for example 'at least 6 of 8'). Control-arm participants are offered no sessions, so "
        "this does not apply to them.",
    ),
    (
        "completed",
        "Enrolled participants who completed the course.",
    ),
    (
        "completion rate",
        "Completed divided by enrolled. Not given for a control arm (it is offered no sessions) "
        "or when no one is enrolled.",
    ),
    (
        "attendance rate",
        "Sessions attended divided by sessions held, each added up over the arm's enrolled "
        "participants. Empty until a session has been held.",
    ),
    (
        "baseline completed",
        "Enrolled participants who sent every questionnaire of the baseline measurement point.",
    ),
    (
        "post completed",
        "Enrolled participants who sent every questionnaire of the post measurement point.",
    ),
    (
        "paired completed",
        "Enrolled participants who completed both baseline and post.",
    ),
    (
        "days in the program",
        "Days from the participant's first session (one-on-one: their own first session; "
        "self-guided: their start date) up to today, to the end of the course's last week, or "
        "to the day they withdrew, whichever comes first. 0 for the control arm.",
    ),
    (
        "practice days",
        "Days in the program on which the participant logged any home practice or strategy use.",
    ),
    (
        "practice minutes",
        "Minutes of practice logged on those days (strategy-use entries have no minutes).",
    ),
    (
        "practice adherence",
        "Practice days divided by days in the program so far. For a cohort: practice days "
        "added up over the arm's enrolled participants divided by their days in the program "
        "added up. Empty when there are no days in the program yet.",
    ),
    (
        "open safety flags",
        "Answers that raised a safety flag (such as PHQ-9 item 9) that no member of staff has "
        "acknowledged yet.",
    ),
]

# Randomized studies: how the CONSORT flow and the between-arm results count people (printed on
# the study results and CONSORT pages; sessions.reports.trial_results counts them).
STUDY_DEFINITIONS: list[tuple[str, str]] = [
    (
        "assessed for eligibility",
        "Everyone screened for the study (and the screening of anyone randomized in it).",
    ),
    (
        "excluded",
        "Screened people who were not randomized, each under one reason: not meeting the "
        "inclusion criteria (and under each rule they did not meet, so those lines may add up "
        "to more), declined to take part (eligible but did not consent), or eligible and "
        "consented but not randomized (still waiting, or enrolled without a randomization yet).",
    ),
    ("randomized", "People allocated to an arm by “Randomize”."),
    (
        "allocated",
        "Randomized people in each arm: the arm after any correction, else the arm drawn.",
    ),
    (
        "received the allocated course",
        "Course arms: allocated people who attended (or made up) at least one session. Control "
        "arms are offered no sessions, so everyone allocated to one received what it gives.",
    ),
    (
        "discontinued",
        "Allocated people who withdrew, under the reason recorded when they withdrew.",
    ),
    (
        "lost to follow-up",
        "Allocated people who did not withdraw but sent no questionnaire at the last "
        "post or follow-up point whose window has closed for them. Someone whose windows are "
        "all still open is not counted.",
    ),
    (
        "analysed",
        "Allocated people with a score at baseline and a score of the same questionnaire at "
        "any post or follow-up point, analysed in the arm they were allocated to (intention "
        "to treat), whether or not they attended or withdrew.",
    ),
    (
        "n and missing",
        "n: people in the arm with both a baseline and a score at this point on this score. "
        "Missing: everyone randomized to the arm minus n; those whose window at the point is "
        "still open are counted as not yet due.",
    ),
]
