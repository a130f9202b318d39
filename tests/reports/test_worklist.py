"""The facilitator's worklist: today's and this week's sessions and calls, follow-ups due, open
safety flags (overdue once the organization's working hours have passed) and questionnaires to chase, in their own cohorts.

The group cohorts meet on Tuesdays at 18:00 London time from 1 September 2026 (17:00 UTC): at
NOW, a Tuesday morning, session 3 is today and session 4 next Tuesday.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Organization, User
from programs.models import Cohort, Enrollment, MeasurementPoint
from sessions.models import FollowUp, ScheduledSession
from sessions.questionnaires.models import Assessment, Response, SafetyEvent
from sessions.reports.selectors.worklist import safety_flag_is_overdue
from sessions.services.schedule import schedule_sync_for_cohort
from tests.factories import CohortFactory, ProgramFactory, UserFactory, facilitator
from tests.sessions.staff_cast import BEFORE, enroll, group_cohort, ier_cohort

pytestmark = pytest.mark.django_db

UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 9, 15, 8, 0, tzinfo=UTC)  # Tuesday
WORKLIST = "reports:worklist"


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def sessions_of(cohort: Cohort, enrollment: Enrollment | None = None) -> list[ScheduledSession]:
    return list(
        ScheduledSession.objects.filter(cohort=cohort, enrollment=enrollment).order_by("starts_at")
    )


def worklist(client, user: User) -> str:
    client.force_login(user)
    response = client.get(reverse(WORKLIST))
    assert response.status_code == 200
    return response.text


def section(page: str, heading_id: str) -> str:
    """The page from one h2 to the next."""
    start = page.index(f'id="{heading_id}"')
    following = page.find("<h2", start)
    return page[start : following if following != -1 else len(page)]


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def flag(enrollment: Enrollment, *, raised_at: dt.datetime) -> SafetyEvent:
    assessment = assessment_for(
        enrollment,
        opens_at=raised_at - dt.timedelta(days=1),
        closes_at=raised_at + dt.timedelta(days=7),
        kind="weekly",
    )
    response = Response.objects.create(
        assessment=assessment, instrument="phq9", instrument_version="1", answers={"9": 1}
    )
    event = SafetyEvent.objects.create(
        enrollment=enrollment, response=response, flag="item9_positive", flag_value=True
    )
    SafetyEvent.objects.filter(pk=event.pk).update(raised_at=raised_at)
    return event


def assessment_for(
    enrollment: Enrollment,
    *,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    kind: str = "baseline",
    completed_at: dt.datetime | None = None,
) -> Assessment:
    point, _ = MeasurementPoint.objects.get_or_create(
        program=enrollment.cohort.program,
        kind=kind,
        defaults={"label": f"{kind.title()} questionnaires", "instruments": ["phq9"]},
    )
    return Assessment.objects.create(
        enrollment=enrollment,
        measurement_point=point,
        instruments=["phq9"],
        opens_at=opens_at,
        closes_at=closes_at,
        completed_at=completed_at,
    )


# --- the overdue rule -------------------------------------------------------------------------


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A London time in September 2026 (the 11th is a Friday, the 14th a Monday)."""
    return dt.datetime(2026, 9, day, hour, minute, tzinfo=LONDON)


ONE_DAY = Organization(escalate_after_working_hours=8, default_timezone="Europe/London")
TWO_DAYS = Organization(escalate_after_working_hours=16, default_timezone="Europe/London")


@pytest.mark.parametrize(
    ("raised", "seen", "organization", "overdue"),
    [
        (at(15, 10), at(16, 9, 59), ONE_DAY, False),  # Tuesday to Wednesday: under a working day
        (at(15, 10), at(16, 10, 1), ONE_DAY, True),
        (at(11, 10), at(14, 9, 59), ONE_DAY, False),  # Friday: the weekend does not count
        (at(11, 10), at(14, 10, 1), ONE_DAY, True),
        (at(12, 10), at(14, 16, 59), ONE_DAY, False),  # Saturday: counting starts Monday 09:00
        (at(12, 10), at(14, 17, 1), ONE_DAY, True),
        (at(13, 23), at(14, 17, 1), ONE_DAY, True),  # Sunday night: the same
        (at(15, 20), at(16, 16, 59), ONE_DAY, False),  # Tuesday evening: from Wednesday 09:00
        (at(10, 10), at(14, 9), ONE_DAY, True),  # Thursday to Monday
        (at(15, 10), at(16, 10, 1), TWO_DAYS, False),  # the organization's own number of hours
        (at(15, 10), at(17, 10, 1), TWO_DAYS, True),
    ],
)
def test_a_safety_flag_is_overdue_after_the_organizations_working_hours(
    raised, seen, organization, overdue
):
    """The same moment the flag is e-mailed to the coordinators (sessions.working_hours)."""
    assert safety_flag_is_overdue(raised_at=raised, now=seen, organization=organization) is overdue


# --- what the worklist shows ------------------------------------------------------------------


def test_sessions_today_and_this_week_are_listed_soonest_first(
    client, organization, facilitator_user
):
    tuesday = group_cohort(organization, [facilitator_user], name="Tuesday group")
    thursday = CohortFactory(
        organization=organization,
        program=ProgramFactory(sessions=4),
        facilitators=[facilitator_user],
        name="Thursday group",
        meeting_weekday=3,
        start_date=dt.date(2026, 9, 3),
    )
    with time_machine.travel(BEFORE, tick=False):
        schedule_sync_for_cohort(cohort=thursday)
    page = worklist(client, facilitator_user)
    today = text(section(page, "today-heading"))
    week = text(section(page, "week-heading"))
    assert "Tuesday group, session 3" in today
    assert "Thursday group" not in today
    assert week.index("Thursday group, session 3") < week.index("Tuesday group, session 4")
    assert "session 2" not in week  # held last week
    third = sessions_of(tuesday)[2]
    assert reverse("program_sessions:session_detail", args=[third.pk]) in page
    assert sessions_of(thursday)[2].starts_at.date() == dt.date(2026, 9, 17)


def test_a_phone_session_shows_the_number_to_call_and_the_participants_own_time(
    client, organization, facilitator_user
):
    cohort = ier_cohort(organization, [facilitator_user])
    person = UserFactory(phone="+44 7700 900123", timezone="America/New_York")
    enrollment = enroll(cohort, user=person, participant_code="IER-07")
    call = next(s for s in sessions_of(cohort, enrollment) if s.starts_at.date() == NOW.date())
    assert call.is_phone
    today = section(worklist(client, facilitator_user), "today-heading")
    assert '<a href="tel:+447700900123">+44 7700 900123</a>' in today
    there = call.starts_at.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M")
    here = call.starts_at.astimezone(LONDON).strftime("%H:%M")
    assert f"Their time: {there} (America/New York time); yours: {here} (Europe/London time)" in (
        text(today)
    )
    assert "IER-07" in today


def test_follow_ups_safety_flags_and_questionnaires_link_to_where_they_are_handled(
    client, organization, facilitator_user
):
    cohort = group_cohort(organization, [facilitator_user], name="Tuesday group")
    first, second, third, fourth = (enroll(cohort, participant_code=f"P-{n}") for n in range(1, 5))
    sessions = sessions_of(cohort)
    FollowUp.objects.create(scheduled_session=sessions[1], enrollment=second)
    FollowUp.objects.create(scheduled_session=sessions[0], enrollment=first)
    FollowUp.objects.create(
        scheduled_session=sessions[0], enrollment=third, resolved_at=NOW, resolution="Called"
    )
    # Raised on Friday (overdue by Tuesday) and on Monday evening (not yet).
    old = flag(first, raised_at=dt.datetime(2026, 9, 11, 10, tzinfo=UTC))
    new = flag(second, raised_at=dt.datetime(2026, 9, 14, 20, tzinfo=UTC))
    missed = assessment_for(
        third, opens_at=NOW - dt.timedelta(days=10), closes_at=NOW - dt.timedelta(days=3)
    )
    closing = assessment_for(
        fourth, opens_at=NOW - dt.timedelta(days=5), closes_at=NOW + dt.timedelta(days=1)
    )
    started = assessment_for(
        second, opens_at=NOW - dt.timedelta(days=5), closes_at=NOW + dt.timedelta(hours=20)
    )
    Response.objects.create(
        assessment=started, instrument="phq9", instrument_version="1", answers={"1": 1}
    )
    long_ago = assessment_for(
        first,
        opens_at=NOW - dt.timedelta(days=40),
        closes_at=NOW - dt.timedelta(days=30),
        kind="post",
    )

    page = worklist(client, facilitator_user)

    follow_ups = text(section(page, "follow-ups"))
    assert follow_ups.index("P-1") < follow_ups.index("P-2")  # oldest session first
    assert "P-3" not in follow_ups  # handled
    assert reverse("reports:cohort_follow_ups", args=[cohort.pk]) in page

    safety = page[page.index('id="safety-heading"') : page.index('id="today-heading"')]
    assert text(safety).index("P-1") < text(safety).index("P-2")  # oldest first
    assert text(safety).count("Overdue") == 1
    assert re.search(r"Overdue</strong>\s*<strong>P-1</strong>", safety)
    assert "3 days, 22 hours ago" in text(safety)
    assert reverse("questionnaires:safety_event_detail", args=[old.pk]) in safety
    assert reverse("questionnaires:safety_event_detail", args=[new.pk]) in safety

    chase = section(page, "questionnaires")
    entry = "questionnaires:questionnaire_entry"
    assert reverse(entry, args=[missed.pk]) in chase
    assert reverse(entry, args=[closing.pk]) in chase
    assert reverse(entry, args=[started.pk]) not in chase  # started: it is under way
    assert reverse(entry, args=[long_ago.pk]) not in chase  # closed too long ago
    assert reverse("questionnaires:questionnaire_status", args=[cohort.pk]) in chase
    closing_part = chase[chase.index('id="closing-heading"') : chase.index('id="missed-heading"')]
    assert "P-4" in closing_part
    assert "P-3" in chase[chase.index('id="missed-heading"') :]


def test_an_empty_day_says_so(client, facilitator_user):
    page = text(worklist(client, facilitator_user))
    assert "No sessions or calls today." in page
    assert "No open follow-ups." in page
    assert "No questionnaires to chase." in page
    assert "Safety flag" not in page


# --- whose work -------------------------------------------------------------------------------


def test_only_the_facilitators_own_cohorts_appear(
    client, organization, other_organization, facilitator_user, coordinator_user
):
    colleague = facilitator(organization, user__email="colleague@example.org")
    elsewhere = facilitator(other_organization, user__email="elsewhere@example.org")
    mine = group_cohort(organization, [facilitator_user], name="My group")
    theirs = group_cohort(organization, [colleague], name="Colleague group")
    far = group_cohort(other_organization, [elsewhere], name="Far group")
    for cohort in (mine, theirs, far):
        enrollment = enroll(cohort, participant_code=f"{cohort.name[:2].upper()}-1")
        FollowUp.objects.create(scheduled_session=sessions_of(cohort)[0], enrollment=enrollment)
        flag(enrollment, raised_at=NOW - dt.timedelta(hours=2))

    page = worklist(client, facilitator_user)
    assert "My group" in page
    assert "MY-1" in page
    assert "Colleague group" not in page
    assert "CO-1" not in page
    assert "Far group" not in page
    assert "FA-1" not in page

    page = worklist(client, colleague)
    assert "Colleague group" in page
    assert "My group" not in page

    # The coordinator sees every cohort of the organization elsewhere, but runs none of them.
    page = worklist(client, coordinator_user)
    assert "My group" not in page
    assert "Colleague group" not in page


def test_a_participant_gets_404(client, organization, facilitator_user, participant):
    enroll(group_cohort(organization, [facilitator_user]), user=participant)
    client.force_login(participant)
    assert client.get(reverse(WORKLIST)).status_code == 404


def test_home_sends_a_facilitator_to_the_worklist(client, facilitator_user):
    client.force_login(facilitator_user)
    assert client.get(reverse("home")).url == reverse(WORKLIST)


# --- a fixed number of queries ----------------------------------------------------------------


def _busy_cohorts(organization, person: User, count: int, first: int = 0) -> None:
    for n in range(first, first + count):
        cohort = group_cohort(organization, [person], name=f"Group {n}")
        enrollments = [enroll(cohort, participant_code=f"G{n}-{k}") for k in range(2)]
        sessions = sessions_of(cohort)
        FollowUp.objects.create(scheduled_session=sessions[1], enrollment=enrollments[0])
        flag(enrollments[1], raised_at=NOW - dt.timedelta(days=1))
        assessment_for(
            enrollments[0],
            opens_at=NOW - dt.timedelta(days=9),
            closes_at=NOW - dt.timedelta(days=2),
        )


def test_the_worklist_makes_the_same_queries_for_3_and_30_cohorts(
    client, organization, facilitator_user, django_assert_max_num_queries
):
    def load() -> int:
        with django_assert_max_num_queries(16) as captured:
            assert client.get(reverse(WORKLIST)).status_code == 200
        return len(captured)

    client.force_login(facilitator_user)
    _busy_cohorts(organization, facilitator_user, 3)
    small = load()
    _busy_cohorts(organization, facilitator_user, 27, first=3)
    page = client.get(reverse(WORKLIST)).text
    assert page.count("Group 29, session 3") == 1
    assert load() == small


def test_names_with_markup_are_shown_as_text(client, organization, facilitator_user):
    cohort = group_cohort(organization, [facilitator_user], name='<b>Bold</b> "group"')
    enrollment = enroll(cohort, participant_code="P-<i>1</i>", invited_name="<script>x</script>")
    FollowUp.objects.create(scheduled_session=sessions_of(cohort)[0], enrollment=enrollment)
    flag(enrollment, raised_at=NOW - dt.timedelta(hours=1))
    page = worklist(client, facilitator_user)
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page
    assert "P-&lt;i&gt;1&lt;/i&gt;" in page
    assert "<b>Bold</b>" not in page
    assert "<i>1</i>" not in page
