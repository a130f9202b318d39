"""The study results and CONSORT pages: who may see them, what they show, their fixed query
counts, and the comparison and consort exports opened as a researcher would (pandas, openpyxl)."""

from __future__ import annotations

import io
import re
from html import unescape

import openpyxl
import pandas as pd
import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from sessions.reports.exports.columns import COMPARISON_COLUMNS, CONSORT_COLUMNS
from tests.factories import UserFactory, coordinator
from tests.reports.trial_builders import (
    NOW,
    randomized_person,
    screen,
    study_cohort,
    trial_program,
    trial_study,
)

pytestmark = pytest.mark.django_db

PAGES = ("reports:study_results", "reports:study_consort")


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def add_people(study, cohort, by, start: int, count: int) -> None:
    """Randomized people alternating between arms, with baseline, post and (most) 3-month
    scores; every fifth has no post."""
    for n in range(start, start + count):
        scores = {"baseline": 8 + n % 9}
        if n % 5:
            scores["post"] = 6 + n % 7
        if n % 3:
            scores["follow_up_3m"] = 5 + n % 8
        randomized_person(
            study,
            cohort,
            "intervention" if n % 2 else "waitlist",
            by=by,
            scores=scores,
            attended=n % 4 != 0,
        )


@pytest.fixture
def study(organization, coordinator_user, facilitator_user):
    study = trial_study(organization=organization, program=trial_program(), by=coordinator_user)
    cohort = study_cohort(study, facilitators=[facilitator_user])
    screen(
        study, by=coordinator_user, eligible=False, reasons=[{"code": "age", "text": "Under 18"}]
    )
    add_people(study, cohort, coordinator_user, 0, 10)
    return study


def page(client, name, study):
    return client.get(reverse(name, args=[study.pk]))


# --- who may see them ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_a_coordinator_of_the_study_organization_sees_the_page(
    client, study, coordinator_user, name
):
    client.force_login(coordinator_user)
    assert page(client, name, study).status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_a_facilitator_of_the_study_cohort_gets_404(client, study, facilitator_user, name):
    client.force_login(facilitator_user)
    assert page(client, name, study).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_a_coordinator_of_another_organization_gets_404(client, study, other_coordinator, name):
    client.force_login(other_coordinator)
    assert page(client, name, study).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_a_participant_gets_404(client, study, name):
    enrollment = study.allocations.first().enrollment
    client.force_login(enrollment.user)
    assert page(client, name, study).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_someone_signed_out_is_sent_to_sign_in(client, study, name):
    response = page(client, name, study)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_an_unknown_study_is_404(client, coordinator_user):
    client.force_login(coordinator_user)
    assert client.get(reverse("reports:study_results", args=[999999])).status_code == 404


# --- what they show -----------------------------------------------------------------------------


def test_results_page_shows_each_point_with_counts_missing_and_statistics(
    client, study, coordinator_user
):
    client.force_login(coordinator_user)
    text = unescape(page(client, "reports:study_results", study).text)
    assert "After the course compared with baseline" in text
    assert "Three months after compared with baseline" in text
    # 10 randomized, 5 per arm; every fifth (n = 0, 5) has no post: 0 is in the waitlist arm
    # (even), 5 in the course arm (odd).
    assert "IER course 4, Waitlist 4" in text
    assert "IER course 1 of 5, Waitlist 1 of 5" in text
    assert "Difference (95% CI)" in text
    assert "ANCOVA estimate (95% CI)" in text
    assert "Hedges' g" in text
    assert "Intention to treat" in text
    # The chart is named and described, with its numbers in a table beside it.
    assert re.search(
        r'<svg[^>]+role="img"[^>]+aria-labelledby="results-post-phq9-chart-title', text
    )
    assert "Mean change from baseline to after the course, PHQ-9" in text


def test_both_pages_link_to_both_exports(client, study, coordinator_user):
    client.force_login(coordinator_user)
    for name in PAGES:
        text = unescape(page(client, name, study).text)
        for kind in ("comparison", "consort"):
            assert f"{reverse('reports:export_download', args=[kind])}?format=csv&program=" in text
            assert f"{reverse('reports:export_download', args=[kind])}?format=xlsx&program=" in text


def test_consort_diagram_shows_the_same_numbers_as_the_table_below_it(
    client, study, coordinator_user
):
    client.force_login(coordinator_user)
    text = unescape(page(client, "reports:study_consort", study).text)
    svg = re.search(r"<svg.*?</svg>", text, re.S).group(0)
    table = re.search(r'<table class="stack consort-table">.*?</table>', text, re.S).group(0)
    in_svg = sorted(int(n) for n in re.findall(r"\(n=(\d+)\)", svg))
    in_table = sorted(int(n) for n in re.findall(r'data-label="People">(\d+)<', table))
    assert in_svg == in_table
    assert 11 in in_table  # assessed: 10 randomized and 1 ineligible
    assert '<title id="consort-title">CONSORT flow diagram of' in text
    assert 'aria-labelledby="consort-title consort-desc"' in text
    assert "How these numbers are counted" in text
    assert "Lost to follow-up" in text


# --- a fixed number of queries ------------------------------------------------------------------

# Session, user, their memberships (the navigation), the study with its access check; then the
# study's rows: arms, allocations with their current arm, the plan's points, responses and
# windows. The CONSORT page also reads screenings and attendance.
PINNED = {"reports:study_results": 9, "reports:study_consort": 11}


def _queries(client, address, django_assert_max_num_queries, ceiling):
    with django_assert_max_num_queries(ceiling) as captured:
        assert client.get(address).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", PAGES)
def test_pages_make_the_same_queries_for_10_and_60_randomized(
    client, study, coordinator_user, django_assert_max_num_queries, name
):
    client.force_login(coordinator_user)
    address = reverse(name, args=[study.pk])
    small = _queries(client, address, django_assert_max_num_queries, PINNED[name])
    add_people(study, study.cohorts.get(), coordinator_user, 10, 50)
    assert _queries(client, address, django_assert_max_num_queries, PINNED[name]) == small


# --- exports ------------------------------------------------------------------------------------


def _download(client, kind, fmt, study):
    response = client.get(
        reverse("reports:export_download", args=[kind]),
        {"format": fmt, "program": study.program.slug},
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    ("kind", "columns"), [("comparison", COMPARISON_COLUMNS), ("consort", CONSORT_COLUMNS)]
)
def test_downloads_open_in_pandas_and_openpyxl_with_exactly_the_columns(
    client, study, coordinator_user, kind, columns
):
    client.force_login(coordinator_user)
    frame = pd.read_csv(io.BytesIO(_download(client, kind, "csv", study)))
    assert tuple(frame.columns) == columns
    assert len(frame) > 0
    assert set(frame["study"]) == {study.name}
    workbook = openpyxl.load_workbook(io.BytesIO(_download(client, kind, "xlsx", study)))
    sheet = workbook[kind]
    assert tuple(cell.value for cell in next(sheet.iter_rows(max_row=1))) == columns
    assert sheet.max_row == len(frame) + 1


def test_comparison_file_holds_the_page_numbers(client, study, coordinator_user):
    from sessions.reports.selectors.trial_results import comparison_rows

    client.force_login(coordinator_user)
    frame = pd.read_csv(io.BytesIO(_download(client, "comparison", "csv", study)))
    post = frame[(frame["point"] == "post") & (frame["score"] == "total")].iloc[0]
    row = next(
        r
        for r in comparison_rows(study=study, now=NOW)
        if r.point.code == "post" and r.measure.key == "total"
    )
    assert (post["instrument"], post["arm"], post["control_arm"]) == (
        "phq9",
        "intervention",
        "waitlist",
    )
    assert (post["n_arm"], post["n_control"]) == (row.n_arm, row.n_control)
    assert post["difference"] == round(row.result.difference.estimate, 4)
    assert post["hedges_g"] == round(row.result.hedges_g, 4)
    assert post["ancova_p"] == float(f"{row.result.ancova.p:.4g}")


def test_consort_file_counts_match_the_flow(client, study, coordinator_user):
    client.force_login(coordinator_user)
    frame = pd.read_csv(
        io.BytesIO(_download(client, "consort", "csv", study)), keep_default_na=False
    )
    totals = frame[frame["reason"] == ""].set_index(["stage", "arm"])["count"]
    assert totals[("assessed", "")] == 11
    assert totals[("randomized", "")] == 10
    assert totals[("allocated", "intervention")] == 5
    assert totals[("allocated", "waitlist")] == 5
    reasons = frame[(frame["stage"] == "excluded") & (frame["reason"] != "")]
    assert "Not meeting inclusion criteria: Under 18" in set(reasons["reason"])


def test_another_organization_study_is_not_in_the_download(
    client, study, coordinator_user, other_organization
):
    other_by = coordinator(other_organization)
    other = trial_study(organization=other_organization, program=study.program, by=other_by)
    add_people(other, study_cohort(other), other_by, 0, 4)
    client.force_login(coordinator_user)
    frame = pd.read_csv(io.BytesIO(_download(client, "consort", "csv", study)))
    assert set(frame["study"]) == {study.name}


@pytest.mark.parametrize(
    ("kind", "columns"), [("comparison", COMPARISON_COLUMNS), ("consort", CONSORT_COLUMNS)]
)
def test_the_export_command_writes_files_pandas_and_openpyxl_open(study, tmp_path, kind, columns):
    UserFactory()  # the command runs without a requester too
    csv_path, xlsx_path = tmp_path / f"{kind}.csv", tmp_path / f"{kind}.xlsx"
    call_command("export", kind, "--format", "csv", "--output", str(csv_path), stdout=io.StringIO())
    call_command(
        "export", kind, "--format", "xlsx", "--output", str(xlsx_path), stdout=io.StringIO()
    )
    frame = pd.read_csv(csv_path)
    assert tuple(frame.columns) == columns
    assert len(frame) > 0
    sheet = openpyxl.load_workbook(xlsx_path)[kind]
    assert tuple(cell.value for cell in next(sheet.iter_rows(max_row=1))) == columns


@pytest.mark.parametrize("kind", ["allocations", "screening", "consort", "comparison"])
def test_a_facilitator_of_a_study_cohort_cannot_download_the_study_files(
    client, study, facilitator_user, kind
):
    # The study's files span cohorts the facilitator does not run and people screened for
    # none of them: the download is refused with the reason, and the form does not offer them.
    client.force_login(facilitator_user)
    response = client.get(reverse("reports:export_download", args=[kind]), {"format": "csv"})
    assert response.status_code == 400
    assert "only coordinators export them" in unescape(response.content.decode())
    form_page = client.get(reverse("reports:export")).content.decode()
    assert f'value="{kind}"' not in form_page
    assert 'value="fidelity"' in form_page
