"""The coordinator's overview, 50 cohorts a page: captions, page links that keep the filters and
the sort, pages that do not exist, one order across all pages, and queries that do not grow
with the number of cohorts (2, 50 and 200)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse

from programs.models import Arm
from sessions.reports.selectors import overview as overview_selector
from sessions.reports.selectors.overview import (
    COLUMNS,
    OverviewFilters,
    overview_for_report,
    report_access_for_coordinator,
)
from sessions.services.schedule import schedule_sync_for_cohort
from tests.factories import CohortFactory, ProgramFactory
from tests.reports.test_report_definitions import flag, log_practice, mark, questionnaire
from tests.sessions.staff_cast import BEFORE, NOW, enroll, sessions_of

pytestmark = pytest.mark.django_db

OVERVIEW = "reports:reports_overview"


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def make_cohorts(organization, count, *, program=None, busy_every=0, first=1):
    """`count` cohorts named "Group <n>", starting on different days (a few on the same day).

    Every `busy_every`-th one has participants in both arms with attendance, practice, a
    questionnaire, open safety flags and a varying number of people, so figures differ from
    cohort to cohort.
    """
    program = program or ProgramFactory(sessions=4)
    made = []
    for n in range(first, first + count):
        cohort = CohortFactory(
            organization=organization,
            program=program,
            name=f"Group {n}",
            start_date=dt.date(2026, 9, 1) - dt.timedelta(days=7 * (n % 9)),
        )
        if busy_every and n % busy_every == 0:
            with time_machine.travel(BEFORE - dt.timedelta(days=60), tick=False):
                schedule_sync_for_cohort(cohort=cohort)
            held = [s for s in sessions_of(cohort) if s.starts_at < NOW]
            for p in range(1 + n % 4):
                arm = Arm.CONTROL if p == 1 else Arm.INTERVENTION
                enrollment = enroll(cohort, participant_code=f"G{n}-{p}", arm=arm)
                for session in held[: (n + p) % (len(held) + 1)]:
                    mark(session, enrollment, "attended")
                log_practice(enrollment, dt.date(2026, 9, 2))
                if p % 2 == 0:
                    questionnaire(enrollment, "baseline")
                if (n + p) % 3 == 0:
                    flag(enrollment)
        made.append(cohort)
    return made


def get(client, **params):
    response = client.get(reverse(OVERVIEW), params)
    assert response.status_code == 200
    return response


def body_rows(response):
    """Each body row's first words: the cohort name ("Group 12") and its arm."""
    body = response.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    texts = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]
    return [(" ".join(t.split(" ")[:2]), re.search(r"Intervention|Control", t)[0]) for t in texts]


def caption(response):
    found = re.search(r'<caption id="overview-caption">(.*?)\(', response.text, flags=re.S)
    return " ".join(found[1].split())


def pager(response):
    """The pager's links as (text, query), and which one is marked as the current page."""
    nav = re.search(
        r'<nav class="pager[^"]*" aria-label="Pages of cohorts">(.*?)</nav>',
        response.text,
        flags=re.S,
    )
    if nav is None:
        return None, None
    links = re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', nav[1], flags=re.S)
    found = [
        (" ".join(re.sub(r"<[^>]+>", " ", text).split()), parse_qs(urlsplit(unescape(h)).query))
        for h, text in links
    ]
    current = re.findall(
        r'aria-current="page"><span class="visually-hidden">Page </span>(\d+)', nav[1]
    )
    return found, current


# --- pages --------------------------------------------------------------------------------------


def test_fifty_cohorts_a_page_with_a_caption_saying_which(client, organization, coordinator_user):
    make_cohorts(organization, 120)
    client.force_login(coordinator_user)

    first = get(client, sort="cohort", dir="asc")
    assert caption(first) == "Cohorts 1\N{EN DASH}50 of 120"
    assert [name for name, _arm in body_rows(first)][:3] == ["Group 1", "Group 2", "Group 3"]
    assert len(body_rows(first)) == 50

    second = get(client, sort="cohort", dir="asc", page="2")
    assert caption(second) == "Cohorts 51\N{EN DASH}100 of 120"
    assert body_rows(second)[0][0] == "Group 51"

    last = get(client, sort="cohort", dir="asc", page="3")
    assert caption(last) == "Cohorts 101\N{EN DASH}120 of 120"
    assert [name for name, _arm in body_rows(last)][-1] == "Group 120"
    assert "Page 3 of 3" in last.text


def test_one_page_of_cohorts_has_no_pager(client, organization, coordinator_user):
    make_cohorts(organization, 3)
    client.force_login(coordinator_user)
    response = get(client)
    assert caption(response) == "Cohorts"
    assert pager(response) == (None, None)


def test_page_links_keep_the_filters_and_the_sort(client, organization, coordinator_user):
    program = ProgramFactory(sessions=4, name="Calm course")
    make_cohorts(organization, 130, program=program)
    make_cohorts(organization, 5, first=500)  # another program: filtered out
    client.force_login(coordinator_user)
    response = get(
        client, program=program.slug, start_from="2026-01-01", sort="cohort", dir="desc", page="2"
    )
    assert caption(response) == "Cohorts 51\N{EN DASH}100 of 130 matching the filters"
    links, current = pager(response)
    assert current == ["2"]
    texts = [text for text, _query in links]
    assert texts[0] == "Previous page of cohorts"
    assert texts[-1] == "Next page of cohorts"
    assert "Page 1" in texts
    assert "Page 3" in texts
    for _text, query in links:
        assert query["program"] == [program.slug]
        assert query["start_from"] == ["2026-01-01"]
        assert query["sort"] == ["cohort"]
        assert query["dir"] == ["desc"]
    # Page 1 is the overview's own address with the filters; the others name their page.
    assert "page" not in dict(links)["Previous page of cohorts"]
    assert dict(links)["Next page of cohorts"]["page"] == ["3"]
    # Sorting or filtering again starts from the first page.
    assert "page=" not in response.text.split("<thead>", 1)[1].split("</thead>", 1)[0]
    form = response.text.split('class="report-filters"', 1)[1].split("</form>", 1)[0]
    assert 'name="page"' not in form


def test_many_pages_show_first_last_and_neighbours(client, organization, coordinator_user):
    make_cohorts(organization, 501)  # 11 pages
    client.force_login(coordinator_user)
    links, current = pager(get(client, sort="cohort", dir="asc", page="6"))
    numbers = [text for text, _q in links if text.startswith("Page ")]
    assert numbers == ["Page 1", "Page 4", "Page 5", "Page 6", "Page 7", "Page 8", "Page 11"]
    assert current == ["6"]


@pytest.mark.parametrize(
    ("asked", "shown", "where"),
    [
        ("9", "3", "the last"),
        ("99999999999999999999999", "3", "the last"),
        ("9" * 5000, "3", "the last"),
        ("-" + "9" * 5000, "1", "the first"),
        ("+2", "1", "the first"),
        ("\N{ARABIC-INDIC DIGIT ONE}", "1", "the first"),
        ("0", "1", "the first"),
        ("-2", "1", "the first"),
        ("two", "1", "the first"),
        ("2.5", "1", "the first"),
        ("²", "1", "the first"),
    ],
)
def test_a_page_that_does_not_exist_shows_a_real_one_and_says_so(
    client, organization, coordinator_user, asked, shown, where
):
    make_cohorts(organization, 101)
    client.force_login(coordinator_user)
    response = get(client, sort="cohort", dir="asc", page=asked)
    assert (
        f"There is no such page of cohorts. This is {where} page, page {shown} of 3."
        in response.text
    )
    _links, current = pager(response)
    assert current == [shown]


def test_a_real_page_says_nothing_about_missing_pages(client, organization, coordinator_user):
    make_cohorts(organization, 60)
    client.force_login(coordinator_user)
    for asked in ("1", "2", ""):
        assert "There is no such page" not in get(client, page=asked).text


# --- one order over every page ----------------------------------------------------------------


@pytest.mark.parametrize("arm", ["", "intervention", "control"])
def test_pages_continue_the_order_of_all_cohorts_for_every_sort(
    organization, coordinator_user, monkeypatch, arm
):
    """Pages of 4 read one after the other give the same cohorts in the same order as one page
    of all of them (the overview before paging), and each page's rows in that same order."""
    make_cohorts(organization, 18, busy_every=2)
    access = report_access_for_coordinator(user=coordinator_user)
    filters = OverviewFilters(arm=arm, query={"arm": arm})

    def read(sort, direction, page=None):
        return overview_for_report(
            access=access, filters=filters, sort=sort, direction=direction, now=NOW, page=page
        )

    for column in COLUMNS:
        for direction in ("asc", "desc"):
            monkeypatch.setattr(overview_selector, "PER_PAGE", 1000)
            whole = read(column.key, direction).rows
            monkeypatch.setattr(overview_selector, "PER_PAGE", 4)
            first = read(column.key, direction)
            pages = [first.rows] + [
                read(column.key, direction, str(n)).rows
                for n in range(2, first.paging.page.paginator.num_pages + 1)
            ]
            order = list(dict.fromkeys(r.cohort.pk for r in whole))
            paged = [r.cohort.pk for rows in pages for r in rows]
            assert list(dict.fromkeys(paged)) == order, (column.key, direction)
            for rows in pages:
                shown = {r.cohort.pk for r in rows}
                expected = [(r.cohort.pk, r.summary.arm) for r in whole if r.cohort.pk in shown]
                assert [(r.cohort.pk, r.summary.arm) for r in rows] == expected
                assert len(shown) <= 4
            assert sum(len(rows) for rows in pages) == len(whole)


def test_thresholds_name_every_program_found_not_only_this_pages(
    client, organization, coordinator_user
):
    make_cohorts(organization, 60, program=ProgramFactory(sessions=4, name="Calm course"))
    older = CohortFactory(
        organization=organization,
        program=ProgramFactory(sessions=6, name="Older course"),
        name="Old group",
        start_date=dt.date(2020, 1, 7),
    )
    client.force_login(coordinator_user)
    page = get(client).text  # latest start first: the old group is on page 2
    assert "Old group" not in page.split("<tbody>", 1)[1]
    assert f"{older.program.name}: a participant completes the course by attending" in page
    assert "Calm course: a participant completes the course by attending" in page


# --- a fixed number of queries ------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 50, 200])
@pytest.mark.parametrize(
    ("sort", "limit"),
    [
        ("start", 15),  # figures of the page's cohorts only
        ("attendance", 15),  # figures of every cohort, to know which come first
        ("flags", 16),  # the page's figures, and the open flags of every cohort to order them
    ],
)
def test_the_paged_overview_makes_the_same_queries_for_2_50_and_200_cohorts(
    client, organization, coordinator_user, django_assert_max_num_queries, count, sort, limit
):
    make_cohorts(organization, count, busy_every=1 if count == 2 else 10)
    client.force_login(coordinator_user)
    url = reverse(OVERVIEW) + f"?sort={sort}&dir=desc&arm=intervention&page=2"
    client.get(url)  # the session's first request may touch more (organization switcher)
    # Sign-in and navigation (3), the coordinator's organization, the program list, the safety
    # banner, the cohorts (with status and arms), their programs (with completion rules), and
    # the definitions' eight for the cohorts whose figures are needed.
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    # Page 2 of 200 cohorts; with 2 or 50 there is one page, shown instead. Every cohort has an
    # intervention row.
    assert len(body_rows(response)) == min(count, 50)


# --- who sees it --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["facilitator", "participant"])
def test_other_pages_are_no_more_open_than_the_first(
    client, organization, facilitator_user, participant, who
):
    make_cohorts(organization, 60)
    client.force_login(facilitator_user if who == "facilitator" else participant)
    assert client.get(reverse(OVERVIEW), {"page": "2"}).status_code == 404


def test_another_organizations_coordinator_pages_only_their_own(
    client, organization, other_organization, coordinator_user
):
    from tests.factories import coordinator

    make_cohorts(organization, 60)
    make_cohorts(other_organization, 3, first=900)
    client.force_login(coordinator(other_organization))
    response = get(client, page="2")
    assert "There is no such page of cohorts. This is the last page, page 1 of 1." in (
        response.text
    )
    # Latest start first: Group 900 starts on 1 September, the others a week apart before it.
    assert [name for name, _arm in body_rows(response)] == ["Group 900", "Group 901", "Group 902"]
