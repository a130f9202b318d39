"""The columns of every export kind and what each one means (printed in the codebook).

A column name means the same thing in every file. This module names and explains columns
only; the rows are made in tables.py and responses.py.
"""

from __future__ import annotations

from programs.instrument_library import instrument_list

KINDS = (
    "completion",
    "participants",
    "responses",
    "outcomes",
    "allocations",
    "screening",
    "consort",
    "comparison",
    "fidelity",
)
IDENTIFIABLE_KINDS = ("participants", "responses")
# A study's files span every cohort in it and the people screened for none: coordinators only.
STUDY_KINDS = ("allocations", "screening", "consort", "comparison")
IDENTIFIERS = ("name", "email")

COMPLETION_COLUMNS = (
    "program",
    "cohort",
    "arm",
    "enrolled",
    "completed",
    "completion_rate",
    "sessions_held",
    "attendance_rate",
    "baseline_completed",
    "post_completed",
    "paired_completed",
    "practice_adherence",
    "cohort_status",
    "cohort_start_date",
    "cohort_end_date",
)
PARTICIPANT_COLUMNS = (
    "participant_code",
    "person_code",
    "program",
    "cohort",
    "arm",
    "status",
    "sessions_held",
    "sessions_attended",
    "completed_course",
    "baseline_completed",
    "post_completed",
    "practice_days",
    "practice_minutes",
    "enrolled_on",
    "cohort_status",
    "cohort_start_date",
    "cohort_end_date",
)
RESPONSE_COLUMNS = (
    "participant_code",
    "person_code",
    "program",
    "cohort",
    "arm",
    "measurement_point",
    "instrument",
    "instrument_version",
    "item",
    "value",
    "submitted_at",
    "mode",
)
SCORE_BASE_COLUMNS = (
    "participant_code",
    "person_code",
    "program",
    "cohort",
    "arm",
    "measurement_point",
    "instrument",
    "instrument_version",
    "submitted_at",
    "mode",
    "total",
    "percentage",
    "band",
)
DICTIONARY_COLUMNS = ("instrument", "item", "text", "values", "reverse_scored", "subscale")
OUTCOME_COLUMNS = (
    "program",
    "cohort",
    "arm",
    "instrument",
    "score",
    "direction",
    "n_paired",
    "baseline_mean",
    "baseline_sd",
    "post_mean",
    "post_sd",
    "mean_change",
    "change_sd",
    "change_ci95_low",
    "change_ci95_high",
    "t_test_p",
    "wilcoxon_p",
    "cohens_dz",
    "mic",
    "mic_reached",
    "mic_share",
    "note",
)

# Randomized studies (sessions.trials): these column lists are an interface others rely on.
ALLOCATION_COLUMNS = (
    "participant_code",
    "program",
    "cohort",
    "study",
    "stratum",
    "block",
    "arm",
    "allocated_at",
)
SCREENING_COLUMNS = (
    "screening_code",
    "program",
    "screened_at",
    "eligible",
    "reasons",
    "consented",
    "waitlisted_at",
    "offered_at",
    "enrolled_participant_code",
)
CONSORT_COLUMNS = ("program", "study", "stage", "arm", "count", "reason")
CONSORT_STAGES = (
    "assessed",
    "excluded",
    "randomized",
    "allocated",
    "received_allocated",
    "lost_to_follow_up",
    "discontinued",
    "analysed",
)
COMPARISON_COLUMNS = (
    "program",
    "study",
    "instrument",
    "score",
    "point",
    "arm",
    "control_arm",
    "n_arm",
    "n_control",
    "mean_change_arm",
    "mean_change_control",
    "difference",
    "difference_ci_low",
    "difference_ci_high",
    "ancova_estimate",
    "ancova_ci_low",
    "ancova_ci_high",
    "ancova_p",
    "hedges_g",
)
FIDELITY_COLUMNS = (
    "program",
    "cohort",
    "session_number",
    "facilitator_code",
    "rater_role",
    "items_done",
    "items_total",
    "adherence",
)

# What each column means; a name means the same thing in every file. Printed in the codebook.
COLUMN_MEANINGS: dict[str, str] = {
    "participant_code": "The participant's pseudonymous code in this cohort (one per enrollment); with person_code, the only identifiers unless names were asked for.",
    "person_code": "The person's pseudonymous code in this organization: the same in every export and every cohort of the organization, so one person enrolled in two cohorts has two participant codes and one person code. Drawn at random, it says nothing about the person, and another organization never has the same code for them (its exports cannot be linked to these).",
    "name": "The participant's full name (identifiable exports only): their account's once they accepted the invitation, before that the name typed when they were invited.",
    "email": "The participant's e-mail address (identifiable exports only).",
    "program": "The program's name.",
    "cohort": "The cohort's name; “All cohorts” in outcome rows pooled over a program's cohorts.",
    "arm": "intervention or control; in the study files (allocations, consort, comparison) the study arm's code, e.g. intervention or waitlist.",
    "status": "The enrollment's status: invited (not enrolled yet), active, completed or withdrawn.",
    "enrolled": "See “enrolled” in the definitions.",
    "completed": "See “completed” in the definitions.",
    "completion_rate": "completed / enrolled, a decimal from 0 to 1 with 4 places (half up); empty until the cohort has finished (cohort_status), for a control arm, or when no one is enrolled.",
    "sessions_held": "See “sessions held” in the definitions (per cohort and arm in the completion file, per participant in the participants file).",
    "attendance_rate": "Sessions attended / sessions held over the arm's enrolled participants, 0 to 1 with 4 places; empty until a session is held.",
    "baseline_completed": "Completion file: enrolled participants who sent every baseline questionnaire. Participants file: 1 if this participant did, else 0.",
    "post_completed": "As baseline_completed, for the post measurement point.",
    "paired_completed": "Enrolled participants who completed both baseline and post (follow-ups are in the responses and scores files).",
    "practice_adherence": "Practice days / days in the program so far, 0 to 1 with 4 places; empty before the program's first day.",
    "cohort_status": "not_started (its first session has not begun), running, or finished (its last session has begun); a cohort without sessions runs from its start date. The same rule as the overview's cohort status.",
    "cohort_start_date": "The cohort's start date (YYYY-MM-DD).",
    "cohort_end_date": "The day of the cohort's last session that is not cancelled, in the cohort's time zone (YYYY-MM-DD); empty while it has no sessions (self-guided courses, one-on-one courses before anyone is scheduled).",
    "enrolled_on": "The day the participant's enrollment started (YYYY-MM-DD, in the cohort's time zone); empty for someone only invited.",
    "sessions_attended": "See “sessions attended” in the definitions.",
    "completed_course": "1 if the participant attended at least the program's threshold of sessions, else 0.",
    "practice_days": "See “practice days” in the definitions.",
    "practice_minutes": "See “practice minutes” in the definitions.",
    "measurement_point": "The measurement point's code in the program's questionnaire plan: baseline, post, or a follow-up such as follow_up_3m or follow_up_6m (weeks after the last session).",
    "instrument": "The instrument's code, e.g. phq9 (see the dictionary).",
    "instrument_version": "The version of the instrument's definition the answers were given to.",
    "item": "The item's number within the instrument.",
    "value": "The answer as given (raw, before any reverse scoring); empty when the item was left blank.",
    "submitted_at": "When the response was sent, in UTC (ISO 8601). Only the latest sent version of a response is exported: a staff correction replaces the answers it corrects.",
    "mode": "self (the participant), phone (read out by staff) or in_person (entered by staff).",
    "total": "The total score from the raw answers (prorated and rounded half up where the instrument allows missing items); empty if it could not be scored.",
    "percentage": "WHO-5 only: total times 4 (0 to 100).",
    "band": "The score band (staff only; “convention” bands are descriptive).",
    "text": "The item's wording.",
    "values": "The answer values the item offers, with their labels.",
    "reverse_scored": "1 if the item is reverse scored when the total or subscale is computed, else 0.",
    "subscale": "The subscale(s) the item belongs to; “(not scored)” for an unscored item.",
    "score": "Which score: total, percentage (WHO-5) or a subscale.",
    "direction": "Whether a lower or a higher score is better.",
    "n_paired": "Participants with this score at both baseline and post.",
    "baseline_mean": "Mean baseline score of the paired participants (4 places).",
    "baseline_sd": "Standard deviation (n - 1) of those baseline scores.",
    "post_mean": "Mean post score of the paired participants.",
    "post_sd": "Standard deviation (n - 1) of those post scores.",
    "mean_change": "Mean of post - baseline.",
    "change_sd": "Standard deviation (n - 1) of the changes.",
    "change_ci95_low": "Lower end of the 95% confidence interval of the mean change (t distribution, n - 1 degrees of freedom).",
    "change_ci95_high": "Upper end of that interval.",
    "t_test_p": "Two-sided p of the paired t-test (scipy.stats.ttest_rel), 4 significant digits.",
    "wilcoxon_p": "Two-sided p of the Wilcoxon signed-rank test on the changes (scipy.stats.wilcoxon, zero changes dropped), 4 significant digits.",
    "cohens_dz": "Effect size: mean change / standard deviation of the changes.",
    "mic": "The published minimal important change for this score (empty if none).",
    "mic_reached": "Paired participants whose change is at least the minimal important change in the improving direction.",
    "mic_share": "mic_reached / n_paired, 0 to 1 with 4 places.",
    "note": "Why a statistic is empty (too few pairs, no variation in the changes).",
    # Randomized studies.
    "study": "The study's name.",
    "stratum": "The stratum the participant was randomized in: the screening answers the study stratifies by, e.g. “sex: female”; “all” for a study without strata.",
    "block": "The number of the permuted block within the stratum (1, 2, ...); block sizes vary at random and are not exported.",
    "allocated_at": "When the participant was randomized, in UTC (ISO 8601). A correction made later is in the audit log; this file shows the arm after any correction.",
    "screening_code": "The screened person's pseudonymous code (one per screening); names stay in Stillwater.",
    "screened_at": "When the person was screened, in UTC (ISO 8601).",
    "eligible": "1 if the answers met every eligibility rule of the program's screening form, else 0.",
    "reasons": "The eligibility rules not met, separated by “; ” (empty when eligible).",
    "consented": "1 if the person consented to take part, else 0.",
    "waitlisted_at": "When the person joined the waitlist, in UTC (ISO 8601); empty if they never did.",
    "offered_at": "When the person was last offered a place in a cohort, in UTC (ISO 8601); empty if never.",
    "enrolled_participant_code": "The participant code of the enrollment the screening led to; empty if none yet.",
    "stage": "The CONSORT 2010 stage: assessed, excluded, randomized, allocated, received_allocated, lost_to_follow_up, discontinued or analysed.",
    "count": "The number of people at this stage (and arm, and reason, where given).",
    "reason": "Why people were excluded, lost to follow-up or discontinued; empty for the stage's total.",
    "point": "The measurement point compared with baseline, e.g. post or follow_up_3m.",
    "control_arm": "The arm compared against (the study's comparator arm).",
    "n_arm": "Participants in the arm with both a baseline and a score at this point (intention to treat: everyone randomized who has data).",
    "n_control": "As n_arm, in the comparator arm.",
    "mean_change_arm": "Mean of (score at the point minus baseline score) in the arm, 4 places.",
    "mean_change_control": "As mean_change_arm, in the comparator arm.",
    "difference": "mean_change_arm minus mean_change_control, 4 places.",
    "difference_ci_low": "Lower limit of the difference's 95% confidence interval (Welch), 4 places.",
    "difference_ci_high": "Upper limit of the difference's 95% confidence interval (Welch), 4 places.",
    "ancova_estimate": "The arm's coefficient in the ANCOVA score at point ~ baseline + arm (ordinary least squares, statsmodels), 4 places.",
    "ancova_ci_low": "Lower limit of the ANCOVA estimate's 95% confidence interval, 4 places.",
    "ancova_ci_high": "Upper limit of the ANCOVA estimate's 95% confidence interval, 4 places.",
    "ancova_p": "Two-sided p-value of the ANCOVA estimate, 4 significant digits.",
    "hedges_g": "Hedges' g of the change scores (difference / pooled SD of the changes, small-sample corrected), 4 places.",
    "session_number": "The program session's number.",
    "facilitator_code": "The facilitator's person code in this organization (see person_code): drawn at random, the same in every export; for an observer's rating, the code of the facilitator whose session was observed.",
    "rater_role": "facilitator (rated their own session) or observer.",
    "items_done": "Core elements of the session's fidelity checklist rated as delivered.",
    "items_total": "Core elements on the session's fidelity checklist.",
    "adherence": "items_done / items_total, 0 to 1 with 4 places.",
}


def with_identifiers(columns: tuple[str, ...], identifiable: bool) -> tuple[str, ...]:
    if not identifiable:
        return columns
    return (columns[0], *IDENTIFIERS, *columns[1:])


def score_subscale_columns() -> tuple[str, ...]:
    """One column per subscale of every shipped instrument, `<code>_<subscale>`, fixed order."""
    return tuple(
        f"{instrument.code}_{subscale.name}"
        for instrument in instrument_list()
        for subscale in instrument.subscales
    )


def column_meaning(column: str) -> str:
    if column in COLUMN_MEANINGS:
        return COLUMN_MEANINGS[column]
    code, _, subscale = column.partition("_")
    return f"The {subscale.replace('_', ' ')} subscale of {code} (sum or mean, as the instrument defines it)."
