"""Lists of participants are checked line by line, and every problem is named by its line."""

from __future__ import annotations

import pytest

from programs.csv_import import (
    CsvDecodeError,
    ParticipantRow,
    csv_decode,
    parse_participants,
)


def _messages(text: str, **kwargs) -> list[str]:
    result = parse_participants(text, **kwargs)
    assert result.rows == []
    return [str(problem) for problem in result.problems]


def test_clean_list_gives_one_row_per_participant_with_their_line_number():
    text = (
        "name,email,phone,timezone\n"
        "Alex Morgan,Alex@Example.org,07700 900123,europe/london\n"
        '"Patel, Sam",sam@example.org,,\n'
    )
    result = parse_participants(text)
    assert result.ok
    assert result.rows == [
        ParticipantRow(
            line=2,
            full_name="Alex Morgan",
            email="alex@example.org",
            phone="07700 900123",
            timezone="Europe/London",
            # No arm column: the cohort decides (intervention, or "pending" in a study).
            arm="",
        ),
        ParticipantRow(line=3, full_name="Patel, Sam", email="sam@example.org"),
    ]


def test_phone_and_timezone_columns_may_be_left_out_and_arm_added():
    result = parse_participants("email,name,arm\nalex@example.org,Alex,Control\n")
    assert result.rows == [
        ParticipantRow(line=2, full_name="Alex", email="alex@example.org", arm="control")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name,email\n,pat@example.org\n", "Line 2: the name is missing."),
        ("name,email\nPat,\n", "Line 2: the e-mail address is missing."),
        ("name,email\nPat,pat@@example\n", "Line 2: “pat@@example” is not an e-mail address."),
        (
            "name,email,timezone\nPat,pat@example.org,Mars/Olympus\n",
            "Line 2: “Mars/Olympus” is not a time zone name such as Europe/London.",
        ),
        (
            "name,email,arm\nPat,pat@example.org,placebo\n",
            "Line 2: the arm “placebo” is not known; use intervention or control, "
            "or leave it empty for intervention.",
        ),
        (
            "name,email,phone,timezone\nPat,pat@example.org,Europe/London\n",
            "Line 2: expected 4 values (name, email, phone, timezone) but found 3. "
            "A value with a comma in it needs quotation marks around it.",
        ),
        (
            "name,email\nPat,pat@example.org\nPatricia,PAT@example.org\n",
            "Line 3: pat@example.org is already on line 2 of this list.",
        ),
        (
            "",
            "The list is empty. Paste the participants, starting with the line "
            "“name,email,phone,timezone”, or choose a file.",
        ),
        (
            "name,email,phone,timezone\n\n",
            "There are no participants in the list, only the column names.",
        ),
        (
            "Pat,pat@example.org\n",
            "Line 1: the first line must name the columns, for example “name,email,phone,timezone”; "
            "the “name” column is missing.",
        ),
        (
            "name,email,postcode\n",
            "Line 1: the column “postcode” is not one we know. The columns are name, email, phone, timezone and arm (phone, timezone and arm may be left out).",
        ),
    ],
    ids=[
        "missing-name",
        "missing-email",
        "malformed-email",
        "unknown-timezone",
        "unknown-arm",
        "wrong-number-of-columns",
        "duplicate-email-in-file",
        "empty",
        "header-only",
        "no-header",
        "unknown-column",
    ],
)
def test_bad_list_is_refused_with_the_reason(text, expected):
    assert expected in _messages(text)


def test_address_already_in_the_cohort_is_reported_by_line():
    messages = _messages(
        "name,email\nAlex,alex@example.org\nPat,Pat@Example.org\n",
        enrolled_emails={"pat@example.org"},
    )
    assert messages == ["Line 3: pat@example.org is already enrolled in this cohort."]


def test_every_bad_line_is_reported_not_only_the_first_and_nothing_is_kept():
    text = (
        "name,email,timezone\n"
        ",one@example.org,\n"
        "Two,two@example.org,\n"
        "\n"  # a blank line still counts, so the numbers match the coordinator's editor
        "Three,three(at)example.org,\n"
        "Four,four@example.org,Mars/Olympus\n"
    )
    result = parse_participants(text)
    assert not result.ok
    assert result.rows == []
    assert [str(p) for p in result.problems] == [
        "Line 2: the name is missing.",
        "Line 5: “three(at)example.org” is not an e-mail address.",
        "Line 6: “Mars/Olympus” is not a time zone name such as Europe/London.",
    ]


def test_one_line_can_have_several_problems():
    messages = _messages("name,email,arm\n,pat@example.org,maybe\n")
    assert messages == [
        "Line 2: the name is missing.",
        "Line 2: the arm “maybe” is not known; use intervention or control, "
        "or leave it empty for intervention.",
    ]


def test_more_than_500_participants_is_refused():
    lines = ["name,email"] + [f"P{n},p{n}@example.org" for n in range(501)]
    assert _messages("\n".join(lines)) == [
        "The list has 501 participants; at most 500 can be added at once. "
        "Please split it into smaller lists."
    ]


def test_exactly_500_participants_is_accepted():
    lines = ["name,email"] + [f"P{n},p{n}@example.org" for n in range(500)]
    assert len(parse_participants("\n".join(lines)).rows) == 500


def test_file_saved_by_excel_with_a_byte_order_mark_is_read():
    text = csv_decode("\ufeffname,email\nJosé,jose@example.org\n".encode())
    assert parse_participants(text).rows[0].full_name == "José"


def test_file_that_is_not_utf8_is_refused_with_how_to_fix_it():
    with pytest.raises(CsvDecodeError, match=r"not saved as UTF-8.*CSV UTF-8"):
        csv_decode("name,email\nJosé,jose@example.org\n".encode("latin-1"))
