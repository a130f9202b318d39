"""Participant rights over what happened in their courses: download, leave, erasure.

- `participant_data_collect` gathers everything Stillwater holds about one person, table by
  table, in a fixed number of queries; `participant_data_json` and `participant_data_zip` write
  it as one JSON file or a zip of CSV files with a README.txt.
- `enrollment_withdraw_by_participant` lets a participant leave a course: it records the
  withdrawal (programs.services.enrollment_withdraw) and cancels their waiting reminders at once.
- `erasure_request_complete` is what a coordinator's click does: identifying data and free text
  go; attendance, answers and practice minutes stay under the participant code only where the
  person's consent allows, else they go too. The enrollment stays, pseudonymous, so every
  count of enrolled participants still holds.

Staff working records (facilitator notes, follow-up to-dos, the team's notes after an answer
that needed a follow-up) are never part of a participant's download (BRIEF §1: facilitator notes
are never shown to a participant); the README says so.
"""

from accounts.rights import RightsError
from sessions.rights.common import (
    participant_codes_by_organization,
    rights_audit,
    user_is_participant_side,
)
from sessions.rights.download import (
    DataTable,
    participant_data_collect,
    participant_data_json,
    participant_data_zip,
)
from sessions.rights.erasure import (
    enrollment_map_for_erasure_requests,
    erasure_request_complete,
    erasure_request_get_for_coordinator,
    erasure_request_list_for_coordinator,
)
from sessions.rights.withdrawal import (
    LEAVABLE,
    WITHDRAW_REASON_MAX,
    cancel_waiting,
    enrollment_list_leavable_for_participant,
    enrollment_withdraw_by_participant,
)

__all__ = [
    "LEAVABLE",
    "WITHDRAW_REASON_MAX",
    "DataTable",
    "RightsError",
    "cancel_waiting",
    "enrollment_list_leavable_for_participant",
    "enrollment_map_for_erasure_requests",
    "enrollment_withdraw_by_participant",
    "erasure_request_complete",
    "erasure_request_get_for_coordinator",
    "erasure_request_list_for_coordinator",
    "participant_codes_by_organization",
    "participant_data_collect",
    "participant_data_json",
    "participant_data_zip",
    "rights_audit",
    "user_is_participant_side",
]
