"""The fidelity export: one row per rating, exactly the interface's columns, in CSV and XLSX alike,
pseudonymous facilitator codes, only the cohorts the requester may see."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from sessions.models import RaterRole, SessionStatus
from sessions.reports.exports.columns import FIDELITY_COLUMNS
from sessions.services.fidelity import facilitator_code
from tests.factories import facilitator
from tests.sessions.staff_cast import NOW
from tests.sessions.test_fidelity import codes, group_sessions, mbsr_cohort, rate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rated(organization, facilitator_user, coordinator_user):
    """Tuesday evenings: session 1 rated by its facilitator (4 of 5) and an observer (3 of 5),
    session 2 by its facilitator (5 of 5); session 3 cancelled after it was rated. Thursday
    mornings, another facilitator's: session 1 (1 of 5)."""
    cohort = mbsr_cohort(organization, [facilitator_user], name="Tuesday evenings")
    one, two, three = group_sessions(cohort)[:3]
    rate(one, facilitator_user, done=codes(one)[:4])
    rate(one, coordinator_user, RaterRole.OBSERVER, done=codes(one)[:3])
    rate(two, facilitator_user, done=codes(two))
    rate(three, facilitator_user, done=codes(three))
    three.status = SessionStatus.CANCELLED
    three.save()
    colleague = facilitator(organization, user__full_name="Cal Colleague")
    other = mbsr_cohort(organization, [colleague], name="Thursday mornings")
    first_other = group_sessions(other)[0]
    rate(first_other, colleague, done=codes(first_other)[:1])
    return cohort, other, colleague


def export_file(tmp_path, fmt: str, *args: str):
    path = tmp_path / f"fidelity.{fmt}"
    call_command(
        "export", "fidelity", "--format", fmt, "--output", str(path), *args, stdout=io.StringIO()
    )
    return path


def test_csv_opens_in_pandas_with_exactly_the_columns_and_one_row_per_rating(
    tmp_path, rated, organization, facilitator_user
):
    _cohort, _other, colleague = rated
    frame = pd.read_csv(export_file(tmp_path, "csv"), dtype={"facilitator_code": str})
    assert tuple(frame.columns) == FIDELITY_COLUMNS
    fay = facilitator_code(organization_id=organization.pk, user_id=facilitator_user.pk)
    cal = facilitator_code(organization_id=organization.pk, user_id=colleague.pk)
    got = [
        (
            r.cohort,
            r.session_number,
            r.facilitator_code,
            r.rater_role,
            r.items_done,
            r.items_total,
            r.adherence,
        )
        for r in frame.itertuples()
    ]
    # Cohorts by start date then name, sessions in order, the facilitator's rating first; the
    # observer's row names the facilitator they watched; the cancelled session is left out.
    assert got == [
        ("Thursday mornings", 1, cal, "facilitator", 1, 5, 0.2),
        ("Tuesday evenings", 1, fay, "facilitator", 4, 5, 0.8),
        ("Tuesday evenings", 1, fay, "observer", 3, 5, 0.6),
        ("Tuesday evenings", 2, fay, "facilitator", 5, 5, 1.0),
    ]
    assert set(frame.program) == {"MBSR-8 for MS"}
    text = export_file(tmp_path, "csv").read_text(encoding="utf-8")
    assert "Fay" not in text
    assert "Cal" not in text


def test_xlsx_opens_in_openpyxl_with_the_same_columns_and_rows(tmp_path, rated):
    workbook = openpyxl.load_workbook(export_file(tmp_path, "xlsx"), read_only=True)
    sheet = workbook["fidelity"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == FIDELITY_COLUMNS
    assert len(rows) == 5
    assert rows[2][2:] == (1, rows[2][3], "facilitator", 4, 5, rows[2][7])
    assert Decimal(str(rows[2][7])) == Decimal("0.8")
    assert rows[3][4] == "observer"


def test_adherence_has_four_places_rounded_half_up(tmp_path, organization, facilitator_user):
    cohort = mbsr_cohort(organization, [facilitator_user])
    fourth = group_sessions(cohort)[3]  # six core elements
    assert len(codes(fourth)) == 6
    with time_machine.travel(NOW + dt.timedelta(days=7), tick=False):
        rate(fourth, facilitator_user, done=codes(fourth)[:1])
    text = export_file(tmp_path, "csv").read_text(encoding="utf-8")
    assert text.splitlines()[1].endswith(",1,6,0.1667")


def test_a_facilitator_downloads_only_their_own_cohorts_ratings(client, rated, facilitator_user):
    _cohort, other, _colleague = rated
    client.force_login(facilitator_user)
    response = client.get(reverse("reports:export_download", args=["fidelity"]) + "?format=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    frame = pd.read_csv(io.StringIO(body))
    assert tuple(frame.columns) == FIDELITY_COLUMNS
    assert set(frame.cohort) == {"Tuesday evenings"}
    assert len(frame) == 3
    denied = client.get(
        reverse("reports:export_download", args=["fidelity"]) + f"?format=csv&cohort={other.pk}"
    )
    assert denied.status_code == 404
