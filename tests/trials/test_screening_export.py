"""The screening export: exactly its columns, pseudonymous, one row per screening of the
organizations of the exported cohorts, in a reproducible order; CSV through pandas and XLSX
through openpyxl."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
import time_machine
from django.core.management import call_command

from sessions.reports.exports.columns import SCREENING_COLUMNS
from sessions.trials.services.screening import screening_enroll
from tests.factories import CohortFactory, shipped_program
from tests.trials.screening_helpers import screen

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 8, 3, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def screened(organization, other_organization, coordinator_user, other_coordinator):
    mbsr = shipped_program("mbsr-8-ms")
    cohort = CohortFactory(organization=organization, program=mbsr, start_date=dt.date(2026, 9, 1))
    CohortFactory(organization=other_organization, program=mbsr)
    found = []
    for minutes, changes in enumerate(
        [{"age": 16, "ms_confirmed": False}, {}, {"consented": False}]
    ):
        with time_machine.travel(NOW + dt.timedelta(minutes=minutes), tick=False):
            found.append(
                screen(
                    organization=organization,
                    program=mbsr,
                    by=coordinator_user,
                    email=f"s{minutes}@example.org",
                    full_name=f"Secret Name {minutes}",
                    **changes,
                )
            )
    enrollment = screening_enroll(screening=found[1], cohort=cohort, by=coordinator_user)
    screen(
        organization=other_organization, program=mbsr, by=other_coordinator, email="x@example.org"
    )
    return found, enrollment


def _export(tmp_path, fmt):
    path = tmp_path / f"screening.{fmt}"
    call_command(
        "export",
        "screening",
        "--organization",
        "riverside",
        "--format",
        fmt,
        "--output",
        str(path),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    return path


def test_csv_has_exactly_the_columns_and_one_row_per_screening(tmp_path, screened):
    found, enrollment = screened
    frame = pd.read_csv(_export(tmp_path, "csv"), keep_default_na=False, dtype=str)
    assert tuple(frame.columns) == SCREENING_COLUMNS
    assert list(frame["screening_code"]) == [s.screening_code for s in found]
    assert list(frame["eligible"]) == ["0", "1", "1"]
    assert frame["reasons"][0] == "Under 18; No confirmed MS diagnosis"
    assert list(frame["consented"]) == ["1", "1", "0"]
    assert frame["screened_at"][0] == "2026-08-03T10:00:00Z"
    assert frame["waitlisted_at"][1] == "2026-08-03T10:01:00Z"
    assert frame["waitlisted_at"][2] == ""
    assert list(frame["enrolled_participant_code"]) == ["", enrollment.participant_code, ""]
    text = _export(tmp_path, "csv").read_text()
    assert "Secret Name" not in text
    assert "@example.org" not in text


def test_xlsx_has_exactly_the_columns(tmp_path, screened):
    book = openpyxl.load_workbook(_export(tmp_path, "xlsx"), read_only=True)
    sheet = book["screening"]
    rows = list(sheet.iter_rows(values_only=True))
    assert tuple(rows[0]) == SCREENING_COLUMNS
    assert len(rows) == 4


def test_the_order_is_reproducible(tmp_path, screened):
    first = _export(tmp_path, "csv").read_bytes()
    assert _export(tmp_path, "csv").read_bytes() == first
