"""Download my data: everything Stillwater holds about one person, as JSON or a zip of CSV files.

`participant_data_collect` (collect.py) reads each table of the person's own rows in a fixed
number of queries; `participant_data_json` and `participant_data_zip` (files.py) write them
with a README. Staff working records (facilitator notes, follow-up to-dos, the team's notes
after an answer that needed a follow-up) are never part of it (BRIEF §1: facilitator notes are
never shown to a participant); the README says so.
"""

from sessions.rights.download.collect import DataTable, participant_data_collect
from sessions.rights.download.files import participant_data_json, participant_data_zip

__all__ = [
    "DataTable",
    "participant_data_collect",
    "participant_data_json",
    "participant_data_zip",
]
