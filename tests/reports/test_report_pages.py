"""The coordinator's overview and the figures on a cohort's page, through their URLs.

Numbers are those of the group scenario in test_report_definitions (counted by hand there):
Tuesday group, intervention arm: 3 enrolled (1 withdrawn, 1 more only invited), 2 completed,
7 of 9 sessions attended, baseline 2, post 2, paired 1, practice on 4 of 42 days, 1 open flag.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from programs.models import Arm
from sessions.services.schedule import schedule_sync_for_cohort
from tests.factories import CohortFactory, ProgramFactory, UserFactory, coordinator, facilitator
from tests.reports.cohort_parts import cohort_parts_get
from tests.reports.test_report_definitions import (
    group_scenario,
    log_practice,
    mark,
    questionnaire,
    sessions_of,
)
from tests.sessions.staff_cast import BEFORE, NOW, enroll, group_cohort, ier_cohort

pytestmark = pytest.mark.django_db

OVERVIEW = "reports:reports_overview"


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def overview(client, **params):
    response = client.get(reverse(OVERVIEW), params)
    assert response.status_code == 200
    return response


def cohort_on(organization, name, start, program=None, sessions=4):
    cohort = CohortFactory(
        organization=organization,
        name=name,
        start_date=start,
        program=program or ProgramFactory(sessions=sessions),
    )
    with time_machine.travel(BEFORE - dt.timedelta(days=60), tick=False):
        schedule_sync_for_cohort(cohort=cohort)
    return cohort


def row_texts(response):
    """Each body row of the overview as its text, words joined by single spaces."""
    body = response.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


# --- access -----------------------------------------------------------------------------------


def test_coordinator_sees_every_cohort_of_their_organization_with_its_figures(
    client, organization, other_organization, facilitator_user, coordinator_user
):
    group_scenario(organization, facilitator_user)
    group_cohort(other_organization, [], name="Elsewhere")
    client.force_login(coordinator_user)
    response = overview(client)
    rows = row_texts(response)
    assert len(rows) == 2  # the Tuesday group's two arms; the other organization's is not shown
    treated, control = rows
    assert treated.startswith("Tuesday group")
    assert "Intervention 3 (+1 invited) 2 1" in treated  # enrolled, active, withdrawn
    assert "2 of 3 (67%)" in treated  # completed the course
    assert "7 of 9 (78%)" in treated  # attendance
    assert "2 of 3 (67%) 2 of 3 (67%) 1 of 3 (33%)" in treated  # baseline, post, paired
    assert "4 of 42 days (10%)" in treated  # practice adherence
    assert treated.endswith(" 1")  # open safety flags
    assert "Control 1 1 0 Not offered sessions Not offered sessions 1 of 1 (100%)" in control
    assert "Elsewhere" not in response.text
    assert "a participant completes the course by attending at least 3 of its 4 sessions" in (
        response.text
    )


@pytest.mark.parametrize("who", ["facilitator", "participant", "other_coordinator"])
def test_only_coordinators_of_the_organization_see_its_overview(
    client, organization, other_organization, facilitator_user, participant, who
):
    group_scenario(organization, facilitator_user)
    if who == "other_coordinator":
        client.force_login(coordinator(other_organization))
        response = overview(client)
        assert "Tuesday group" not in response.text
        assert "Your organization has no cohorts yet." in response.text
        return
    client.force_login(facilitator_user if who == "facilitator" else participant)
    assert client.get(reverse(OVERVIEW)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse(OVERVIEW))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_coordinators_find_the_overview_in_their_navigation(
    client, coordinator_user, facilitator_user
):
    client.force_login(coordinator_user)
    page = client.get(reverse("programs:cohort_list")).text
    assert f'href="{reverse(OVERVIEW)}">Overview</a>' in page
    client.force_login(facilitator_user)
    assert reverse(OVERVIEW) not in client.get(reverse("programs:cohort_list")).text


# --- filters ------------------------------------------------------------------------------------


@pytest.fixture
def three_cohorts(organization, coordinator_user, client):
    """Finished in August, running since 1 September, and starting in October (NOW: 16 Sep)."""
    finished = cohort_on(organization, "August group", dt.date(2026, 8, 4))
    running = group_cohort(organization, [], name="September group")
    upcoming = cohort_on(organization, "October group", dt.date(2026, 10, 6))
    enroll(running, participant_code="P-RUN", arm=Arm.CONTROL)
    enroll(running, participant_code="P-RUN2")
    client.force_login(coordinator_user)
    return finished, running, upcoming


def names(response):
    return [row.split(" ", 2)[0] + " " + row.split(" ", 2)[1] for row in row_texts(response)]


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("upcoming", ["October group"]),
        ("running", ["September group", "September group"]),
        ("finished", ["August group"]),
        ("", ["October group", "September group", "September group", "August group"]),
    ],
)
def test_cohorts_filter_by_status(client, three_cohorts, state, expected):
    response = overview(client, state=state)
    assert names(response) == expected
    if state == "finished":
        assert "Finished" in row_texts(response)[0]


def test_cohorts_filter_by_program_arm_and_start_date(client, three_cohorts):
    finished, running, _upcoming = three_cohorts
    assert names(overview(client, program=running.program.slug)) == [
        "September group",
        "September group",
    ]
    assert names(overview(client, arm="control")) == ["September group"]
    assert names(overview(client, start_from="2026-08-10", start_to="2026-09-30")) == [
        "September group",
        "September group",
    ]
    assert names(overview(client, start_to="2026-08-04")) == ["August group"]
    # Downloads follow the program chosen, so the file holds what the page shows.
    page = overview(client, program=finished.program.slug).text
    assert f"program={finished.program.slug}" in page


def test_a_date_that_does_not_exist_is_named_and_the_other_filters_still_apply(
    client, three_cohorts
):
    response = overview(client, start_from="2026-02-30", arm="control")
    page = response.text
    assert 'class="error-summary"' in page
    assert "Enter a real date, for example 2026-09-01." in page
    assert 'href="#id_start_from"' in page
    assert 'aria-invalid="true"' in page
    assert names(response) == ["September group"]
    # What was typed comes back in the box, so it can be corrected.
    assert 'value="2026-02-30"' in page


def test_a_start_range_ending_before_it_begins_is_refused_with_a_message(client, three_cohorts):
    response = overview(client, start_from="2026-10-01", start_to="2026-08-01")
    assert "The last start date must be on or after the first (2026-10-01)." in response.text
    assert names(response) == ["October group"]  # the first date still applies


def test_an_unknown_program_is_named_not_ignored_silently(client, three_cohorts):
    response = overview(client, program="no-such-program")
    assert "Choose a program from the list." in response.text
    assert len(names(response)) == 4


# --- sorting ------------------------------------------------------------------------------------


def test_sorting_by_a_column_orders_rows_and_says_so_in_the_heading(
    client, organization, facilitator_user, coordinator_user
):
    group_scenario(organization, facilitator_user)  # completion 2 of 3 (67%); control: none
    other = group_cohort(organization, [], name="Wednesday group")
    ann = enroll(other, participant_code="W-ANN")
    for session in sessions_of(other)[:3]:
        mark(session, ann, "attended")  # completion 1 of 1 (100%)
    empty = group_cohort(organization, [], name="Empty group")
    del empty
    client.force_login(coordinator_user)
    response = overview(client, sort="completion", dir="desc")
    order = [
        (row.split(" ")[0], re.search(r"Intervention|Control", row)[0])
        for row in row_texts(response)
    ]
    # Highest rate first; rows without a rate (control arm, nobody enrolled) last.
    assert order[:2] == [("Wednesday", "Intervention"), ("Tuesday", "Intervention")]
    assert sorted(order[2:]) == [("Empty", "Intervention"), ("Tuesday", "Control")]
    page = response.text
    assert re.search(
        r'<th scope="col" aria-sort="descending">\s*<a href="\?[^"]*sort=completion', page
    )
    assert page.count("aria-sort=") == 1
    # Its link now offers the other direction; the filters travel with every sort link.
    assert "sort=completion&amp;dir=asc" in page
    response = overview(client, sort="completion", dir="asc", arm="intervention")
    order = [row.split(" ")[0] for row in row_texts(response)]
    assert order == ["Tuesday", "Wednesday", "Empty"]
    assert "arm=intervention&amp;sort=enrolled&amp;dir=desc" in response.text


def test_an_unknown_sort_falls_back_to_the_latest_start_first(client, three_cohorts):
    response = overview(client, sort="password", dir="sideways")
    assert names(response)[0] == "October group"
    assert re.search(r'aria-sort="descending">\s*<a [^>]*>Starts', response.text)


def test_every_definition_is_printed_in_words(client, coordinator_user):
    from sessions.reports.definitions import DEFINITIONS

    client.force_login(coordinator_user)
    page = overview(client).text
    for _name, words in DEFINITIONS:
        assert words.replace("'", "&#x27;") in page


# --- a fixed number of queries -----------------------------------------------------------------


def _busy_cohorts(organization, count, start):
    for n in range(start, start + count):
        cohort = group_cohort(organization, [], name=f"Group {n:03d}")
        held = [s for s in sessions_of(cohort) if s.starts_at < NOW]
        for p in range(3):
            enrollment = enroll(
                cohort,
                participant_code=f"G{n:03d}-{p}",
                arm=Arm.CONTROL if p == 2 else "intervention",
            )
            for session in held:
                mark(session, enrollment, "attended")
            log_practice(enrollment, dt.date(2026, 9, 2))
            questionnaire(enrollment, "baseline")


def test_overview_makes_the_same_queries_for_2_and_40_cohorts(
    client, organization, coordinator_user, django_assert_max_num_queries
):
    _busy_cohorts(organization, 2, 0)
    client.force_login(coordinator_user)
    url = reverse(OVERVIEW) + "?sort=attendance&start_from=2026-01-01"
    # Sign-in and navigation (3), the coordinator's organization, the program list, the safety
    # banner, the cohorts, and the definitions' eight: enrollments, sessions, attendance,
    # practice, questionnaires, self-guided weeks, required sessions, open flags.
    with django_assert_max_num_queries(15) as small:
        assert client.get(url).status_code == 200
    _busy_cohorts(organization, 38, 2)
    with django_assert_max_num_queries(15) as big:
        response = client.get(url)
    assert len(row_texts(response)) == 80
    assert len(big) == len(small)


# --- the cohort page's figures ------------------------------------------------------------------


def test_cohort_page_shows_figures_progress_and_attendance_by_session(
    client, organization, facilitator_user
):
    cohort, _people = group_scenario(organization, facilitator_user)
    client.force_login(facilitator_user)
    response = cohort_parts_get(client, cohort.pk)
    page = response.text
    figures = page.split('id="figures"', 1)[1].split('id="schedule"', 1)[0]
    assert "2 of 3 (67%)" in figures
    assert "7 of 9 (78%)" in figures
    assert "4 of 42 days (10%)" in figures
    progress = {
        row.split(" ")[0]: row
        for row in (
            " ".join(re.sub(r"<[^>]+>", " ", r).split())
            for r in re.findall(
                r"<tr>(.*?)</tr>",
                page.split('id="progress"', 1)[1].split("</table>", 1)[0],
                flags=re.S,
            )
        )
        if row.startswith("P-")
    }
    assert progress["P-ANN"].startswith("P-ANN 3 of 3 held Completed Completed Completed")
    assert progress["P-ANN"].endswith("3 of 16 days (19%)")
    assert progress["P-BEN"].startswith("P-BEN 3 of 3 held Completed Completed Open")
    assert progress["P-CAT"].startswith("P-CAT (withdrawn) 1 of 3 held Not yet completed")
    assert progress["P-DAN"].startswith("P-DAN (invited)")
    assert "P-EVE No sessions (control arm) Not offered sessions Completed" in progress["P-EVE"]
    # The attendance chart: a named picture, and its numbers in a table beside it.
    assert re.search(r'<svg [^>]*role="img"[^>]*aria-labelledby="chart-attendance-title', page)
    assert "<caption>Attendance by session, Tuesday group</caption>" in page
    assert "2 of 3 (67%)" in page.split("Attendance by session, Tuesday group</caption>")[1]
    assert 'id="chart-practice"' in page
    assert "How these numbers are counted" in page


def test_one_on_one_cohort_page_charts_each_session_number(client, organization, facilitator_user):
    cohort = ier_cohort(organization, [facilitator_user])
    ann = enroll(cohort, participant_code="P-ANN")
    enroll(cohort, participant_code="P-BEN", start_date=dt.date(2026, 9, 3))
    for session in sessions_of(cohort, ann)[:2]:
        mark(session, ann, "attended")
    client.force_login(facilitator_user)
    page = cohort_parts_get(client, cohort.pk).text
    table = page.split(f"Attendance by session, {cohort.name}</caption>")[1].split("</table>")[0]
    cells = [
        " ".join(re.sub(r"<[^>]+>", " ", r).split())
        for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]
    # Ann's sessions on 1, 8 and 15 Sep; Ben's on 3 and 10 Sep.
    assert cells[1:] == [
        "Session 1 1 2 1 of 2 (50%)",
        "Session 2 1 2 1 of 2 (50%)",
        "Session 3 0 1 0 of 1 (0%)",
    ]
    assert "Strategy use per week" in page


def _report_links(page: str) -> dict[str, str]:
    """The cohort page's report buttons, by their text, as the addresses they lead to."""
    found = {
        text: href.replace("&amp;", "&")
        for href, text in re.findall(r'<a class="button[^"]*" href="([^"]+)">([^<]+)</a>', page)
    }
    return {
        text: found[text]
        for text in ("Outcome summary", "Download this cohort's data")
        if text in found
    }


@pytest.mark.parametrize("who", ["facilitator", "coordinator"])
def test_cohort_staff_reach_the_cohorts_outcome_summary_and_export_from_its_page(
    client, organization, facilitator_user, coordinator_user, who
):
    cohort = group_cohort(organization, [facilitator_user], name="Tuesday group")
    ann = enroll(cohort, participant_code="P-ANN")
    mark(sessions_of(cohort)[0], ann, "attended")
    neighbour = group_cohort(organization, [], name="Thursday group")
    enroll(neighbour, participant_code="P-NED")
    client.force_login(facilitator_user if who == "facilitator" else coordinator_user)
    page = cohort_parts_get(client, cohort.pk).text
    assert "<title>Tuesday group · Stillwater</title>" in page
    links = _report_links(page)
    assert links == {
        "Outcome summary": reverse("reports:outcomes") + f"?cohort={cohort.pk}",
        "Download this cohort's data": reverse("reports:export") + f"?cohort={cohort.pk}",
    }
    outcomes = client.get(links["Outcome summary"])
    assert outcomes.status_code == 200
    assert "Tuesday group, intervention arm" in outcomes.text
    export = client.get(links["Download this cohort's data"])
    assert export.status_code == 200
    # The form arrives with this cohort already chosen.
    assert re.search(rf'<option value="{cohort.pk}" selected>Tuesday group', export.text)
    download = client.get(
        reverse("reports:export_download", args=["participants"]),
        {"format": "csv", "cohort": cohort.pk},
    )
    assert download.status_code == 200
    rows = b"".join(download.streaming_content).decode().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["P-ANN"]


def test_another_facilitator_gets_404_for_the_cohort_page_and_its_reports(
    client, organization, facilitator_user
):
    cohort = group_cohort(organization, [facilitator_user], name="Tuesday group")
    enroll(cohort, participant_code="P-ANN")
    other = facilitator(organization, user__email="finn@example.org")
    group_cohort(organization, [other], name="Finn's group")
    client.force_login(other)
    addresses = [
        reverse("reports:cohort_detail", args=[cohort.pk]),
        reverse("reports:outcomes") + f"?cohort={cohort.pk}",
        reverse("reports:export") + f"?cohort={cohort.pk}",
        reverse("reports:export_download", args=["participants"])
        + f"?format=csv&cohort={cohort.pk}",
    ]
    for address in addresses:
        assert client.get(address).status_code == 404, address


def test_a_cohort_page_without_participants_or_sessions_held_still_reads(
    client, organization, facilitator_user
):
    cohort = cohort_on(organization, "October group", dt.date(2026, 10, 6))
    cohort.facilitators.set([facilitator_user])
    enroll(cohort, participant_code="P-NEW", user=UserFactory())
    client.force_login(facilitator_user)
    page = cohort_parts_get(client, cohort.pk).text
    assert "No session has been held yet, so there is no attendance to show." in page
    assert "No sessions held yet" in page
    assert "Not started yet" in page


def test_a_self_guided_cohort_page_shows_weeks_completed(client, organization, coordinator_user):
    from programs.models import Delivery
    from sessions.models import SessionCompletion
    from tests.factories import EnrollmentFactory

    cohort = CohortFactory(
        organization=organization, program=ProgramFactory(delivery=Delivery.SELF_GUIDED)
    )
    ann = EnrollmentFactory(cohort=cohort, participant_code="P-ANN")
    SessionCompletion.objects.create(
        enrollment=ann, program_session=cohort.program.sessions.first(), completed_at=NOW
    )
    client.force_login(coordinator_user)
    page = cohort_parts_get(client, cohort.pk).text
    # The factory's program has four weeks; a self-guided week is never "held".
    assert "1 of 4 weeks" in page
    assert "Weeks completed" in page
    assert "a week counts once they mark it as completed" in page
    assert "Attendance by session" not in page
    figures = page[page.index("Figures so far") : page.index("Progress of each participant")]
    assert "Weeks completed" in figures
    assert "Attendance" not in figures


# --- downloads start from the overview's filters -------------------------------------------------


def _hrefs(page: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', page)]


def test_download_links_carry_the_overviews_filters(client, three_cohorts):
    _finished, running, _upcoming = three_cohorts
    filters = {
        "program": running.program.slug,
        "arm": "control",
        "state": "running",
        "start_from": "2026-08-10",
        "start_to": "2026-09-30",
    }
    page = overview(client, **filters, sort="enrolled", dir="asc").text
    downloads = page.split('id="downloads"', 1)[1]
    links = [h for h in _hrefs(downloads) if "/reports/export/" in h]
    files = [h for h in links if "format=" in h]
    assert len(files) == 8  # four kinds, CSV and Excel
    for href in links:
        query = dict(p.split("=", 1) for p in href.split("?", 1)[1].split("&"))
        assert {k: query[k] for k in filters} == filters, href
        assert "sort" not in query  # how the page is sorted is not a filter
    assert "They cover the cohorts and arms shown above." in downloads
    # The form arrives with the same filters chosen.
    (form_link,) = [h for h in links if "format=" not in h]
    form = client.get(form_link).text
    assert re.search(rf'<option value="{running.program.slug}" selected>', form)
    assert '<option value="running" selected>' in form
    assert '<option value="control" selected>' in form
    assert 'value="2026-08-10"' in form
    assert 'value="2026-09-30"' in form


def test_without_filters_downloads_cover_every_cohort(client, three_cohorts, organization):
    downloads = overview(client).text.split('id="downloads"', 1)[1]
    assert f"They cover every cohort of {organization.name}." in downloads
    completion = [h for h in _hrefs(downloads) if "/export/completion/" in h]
    assert completion == [
        reverse("reports:export_download", args=["completion"]) + "?format=csv",
        reverse("reports:export_download", args=["completion"]) + "?format=xlsx",
    ]


def test_a_download_from_a_filtered_overview_holds_the_cohorts_it_shows(client, three_cohorts):
    page = overview(client, state="finished").text.split('id="downloads"', 1)[1]
    (csv_link,) = [h for h in _hrefs(page) if "/export/completion/" in h and "format=csv" in h]
    response = client.get(csv_link)
    assert response.status_code == 200
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert [row.split(",")[1] for row in rows[1:]] == ["August group"]
    assert rows[1].split(",")[12] == "finished"  # cohort_status
    upcoming = client.get(
        reverse("reports:export_download", args=["participants"]),
        {"format": "csv", "state": "upcoming", "start_to": "2026-12-31"},
    )
    lines = b"".join(upcoming.streaming_content).decode().splitlines()
    assert lines[1:] == []  # the October group has no participants
    control = client.get(
        reverse("reports:export_download", args=["participants"]),
        {"format": "csv", "state": "running", "arm": "control"},
    )
    lines = b"".join(control.streaming_content).decode().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["P-RUN"]


def test_an_export_form_with_a_start_range_the_wrong_way_round_says_so(client, three_cohorts):
    response = client.get(
        reverse("reports:export"),
        {
            "kind": "completion",
            "format": "csv",
            "start_from": "2026-10-01",
            "start_to": "2026-08-01",
        },
    )
    assert response.status_code == 400
    assert "The last start date must be on or after the first (2026-10-01)." in response.text
    assert 'value="2026-10-01"' in response.text  # what was typed stays


def test_the_overview_table_scrolls_in_a_named_focusable_region(client, three_cohorts):
    page = overview(client).text
    assert re.search(
        r'<div class="table-scroll" role="region" aria-labelledby="overview-caption" tabindex="0">',
        page,
    )
    assert '<caption id="overview-caption">' in page
    # Wider than the page on a computer: the caption says so, so no column is cut off unseen.
    assert "scroll it sideways, or select it and use the arrow keys, to see all 13 columns" in page


# --- natural order ------------------------------------------------------------------------------


def test_cohort_names_sort_naturally_on_the_overview(client, organization, coordinator_user):
    for name in ("Group 11", "Group 2", "group 3", "Group 1"):
        group_cohort(organization, [], name=name)
    client.force_login(coordinator_user)
    rows = row_texts(overview(client, sort="cohort", dir="asc", arm="intervention"))
    assert [" ".join(r.split(" ")[:2]) for r in rows] == [
        "Group 1",
        "Group 2",
        "group 3",
        "Group 11",
    ]


def test_the_cohort_page_lists_participant_codes_naturally(client, organization, facilitator_user):
    cohort = group_cohort(organization, [facilitator_user], name="Tuesday group")
    for code in ("DEMO11", "DEMO2", "demo3", "DEMO1"):
        enroll(cohort, participant_code=code)
    client.force_login(facilitator_user)
    page = cohort_parts_get(client, cohort.pk).text
    roster = page.split('id="participants"', 1)[1].split("</table>", 1)[0]
    progress = page.split('id="progress"', 1)[1].split("</table>", 1)[0]
    expected = ["DEMO1", "DEMO2", "demo3", "DEMO11"]
    for table in (roster, progress):
        found = re.findall(r'<th scope="row"[^>]*>\s*(?:<a [^>]*>\s*)?([A-Za-z]+\d+)', table)
        assert found == expected


# --- staff voice ----------------------------------------------------------------------------------


def test_the_cohort_page_quotes_what_participants_are_told_instead_of_addressing_staff(
    client, organization, facilitator_user
):
    cohort = ier_cohort(organization, [facilitator_user])
    enroll(cohort, participant_code="P-ANN")
    client.force_login(facilitator_user)
    page = cohort_parts_get(client, cohort.pk).text
    told = "participants are told: “We ring you on the number you gave us.”"
    assert f"<dt>By phone</dt><dd>P{told[1:]}</dd>" in page
    assert f"By phone; {told}" in page  # the one-on-one schedule's "How" column
    # Outside the quotes, nothing on the page addresses staff as if they were a participant.
    unquoted = re.sub(r"“[^”]*”", "", re.sub(r"<[^>]+>", " ", page))
    assert "you gave us" not in unquoted
