"""The allocations export: exactly its columns, one row per allocation made (after corrections),
never a row for a slot not yet used; CSV opens in pandas and XLSX in openpyxl."""

from __future__ import annotations

import pandas as pd
import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from sessions.reports.exports.columns import ALLOCATION_COLUMNS
from sessions.trials.models import AllocationSlot
from sessions.trials.services.allocation import allocation_correct, randomize
from tests.trials.allocation_helpers import make_study, ready_enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def allocated():
    study = make_study(strata=("sex",))
    cohort = study.cohorts.get()
    first = randomize(
        enrollment=ready_enrollment(cohort, answers={"sex": "female"}), by=study.created_by
    )
    second = randomize(
        enrollment=ready_enrollment(cohort, answers={"sex": "male"}), by=study.created_by
    )
    ready_enrollment(cohort)  # waiting: no row
    other = study.arms.exclude(pk=second.arm_id).get()
    allocation_correct(allocation=second, arm=other, reason="Wrong person", by=study.created_by)
    return study, first, second, other


def test_the_csv_has_exactly_the_columns_and_one_row_per_allocation(allocated, tmp_path):
    study, first, second, other = allocated
    path = tmp_path / "allocations.csv"
    call_command("export", "allocations", "--format", "csv", "--output", str(path))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert tuple(frame.columns) == ALLOCATION_COLUMNS
    assert len(frame) == 2
    rows = {row.participant_code: row for row in frame.itertuples()}
    one = rows[first.enrollment.participant_code]
    assert one.study == study.name
    assert one.stratum == "Female"
    assert one.arm == first.arm.code
    assert one.block == str(first.block)
    assert one.allocated_at == first.allocated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    # After a correction the arm is the corrected one.
    assert rows[second.enrollment.participant_code].arm == other.code
    assert AllocationSlot.objects.filter(study=study).count() > 2


def test_the_xlsx_has_exactly_the_columns(allocated, tmp_path):
    path = tmp_path / "allocations.xlsx"
    call_command("export", "allocations", "--format", "xlsx", "--output", str(path))
    sheet = load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert tuple(rows[0]) == ALLOCATION_COLUMNS
    assert len(rows) == 3
