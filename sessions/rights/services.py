"""Participant rights over what happened in their courses: download, leave, erasure.

The app's writes, and the download it hands out, by the name callers import them by:

- `participant_data_collect` gathers everything Stillwater holds about one person, table by
  table, in a fixed number of queries; `participant_data_json` and `participant_data_zip` write
  it as one JSON file or a zip of CSV files with a README.txt (download/).
- `enrollment_withdraw_by_participant` lets a participant leave a course: it records the
  withdrawal (programs.services.enrollment_withdraw) and cancels their waiting reminders at once
  (withdrawal.py).
- `erasure_request_complete` is what a coordinator's click does: identifying data and free text
  go; attendance, answers and practice minutes stay under the participant code only where the
  person's consent allows, else they go too. The enrollment stays, pseudonymous, so every
  count of enrolled participants still holds (erasure.py).
- `rights_audit` writes a rights event to the audit log of each organization the person joined
  (common.py).

Reads with access rules (who sees which erasure request, which courses one can leave) are in
selectors.py.

Staff working records (facilitator notes, follow-up to-dos, the team's notes after an answer
that needed a follow-up) are never part of a participant's download (BRIEF §1: facilitator notes
are never shown to a participant); the README says so.
"""

from sessions.rights.common import rights_audit
from sessions.rights.download import (
    participant_data_collect,
    participant_data_json,
    participant_data_zip,
)
from sessions.rights.erasure import erasure_request_complete
from sessions.rights.withdrawal import enrollment_withdraw_by_participant

__all__ = [
    "enrollment_withdraw_by_participant",
    "erasure_request_complete",
    "participant_data_collect",
    "participant_data_json",
    "participant_data_zip",
    "rights_audit",
]
