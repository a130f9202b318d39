"""Week pages: which weeks open when, the material and practices, the timer form, the reflection."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from programs.models import Arm, Delivery
from sessions.models import (
    Attendance,
    AttendanceStatus,
    FacilitatorNote,
    PracticeLog,
    ScheduledSession,
    SessionCompletion,
)
from sessions.progress import open_week_numbers
from sessions.services.completion import CompletionError, completion_record
from sessions.services.schedule import schedule_sync_for_cohort, schedule_sync_for_enrollment
from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    ProgramFactory,
    UserFactory,
    shipped_program,
)

pytestmark = pytest.mark.django_db

# The factory cohort meets on Tuesdays at 18:00 London time (17:00 UTC) from 2026-09-01.
BEFORE_COURSE = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
AFTER_WEEK_1 = dt.datetime(2026, 9, 3, 12, tzinfo=dt.UTC)
AFTER_WEEK_3 = dt.datetime(2026, 9, 16, 12, tzinfo=dt.UTC)


def week_url(number):
    return reverse("program_sessions:week_detail", args=[number])


def complete_url(number):
    return reverse("program_sessions:week_complete", args=[number])


def enrolled(program=None, **cohort_kwargs):
    """A participant in a scheduled group cohort (factory program of 4 weeks by default)."""
    cohort = CohortFactory(program=program or ProgramFactory(sessions=4), **cohort_kwargs)
    with time_machine.travel(BEFORE_COURSE):
        schedule_sync_for_cohort(cohort=cohort)
    return EnrollmentFactory(cohort=cohort, user=UserFactory())


def self_guided(**enrollment_kwargs):
    program = ProgramFactory(delivery=Delivery.SELF_GUIDED, sessions=3)
    cohort = CohortFactory(program=program, start_date=dt.date(2026, 9, 1))
    return EnrollmentFactory(cohort=cohort, user=UserFactory(), **enrollment_kwargs)


def mark(enrollment, number, status):
    Attendance.objects.create(
        scheduled_session=ScheduledSession.objects.get(
            cohort=enrollment.cohort, program_session__number=number
        ),
        enrollment=enrollment,
        status=status,
    )


# --- which weeks are open ------------------------------------------------------------------


def test_before_the_course_only_week_1_is_open_to_prepare(client):
    enrollment = enrolled()
    client.force_login(enrollment.user)
    with time_machine.travel(BEFORE_COURSE):
        assert client.get(week_url(1)).status_code == 200
        assert client.get(week_url(2)).status_code == 404


def test_weeks_open_as_their_sessions_start_plus_the_next_one(client):
    enrollment = enrolled()
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_1):
        assert client.get(week_url(1)).status_code == 200
        assert client.get(week_url(2)).status_code == 200
        assert client.get(week_url(3)).status_code == 404
    # Week 3's session starts at 17:00 UTC on 15 September.
    with time_machine.travel(dt.datetime(2026, 9, 15, 16, 59, tzinfo=dt.UTC)):
        assert client.get(week_url(4)).status_code == 404
    with time_machine.travel(dt.datetime(2026, 9, 15, 17, 0, tzinfo=dt.UTC)):
        assert client.get(week_url(4)).status_code == 200


def test_week_that_does_not_exist_is_404(client):
    enrollment = enrolled()
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_3):
        assert client.get(week_url(99)).status_code == 404


def test_self_guided_week_1_opens_on_the_start_date_in_the_participants_own_zone(client):
    enrollment = self_guided()
    enrollment.user.timezone = "Australia/Sydney"
    enrollment.user.save()
    client.force_login(enrollment.user)
    # 13:00 UTC on 31 August is 23:00 in Sydney: not yet the 1st there.
    with time_machine.travel(dt.datetime(2026, 8, 31, 13, tzinfo=dt.UTC)):
        assert client.get(week_url(1)).status_code == 404
    # 14:00 UTC is midnight in Sydney, though it is still 31 August in London.
    with time_machine.travel(dt.datetime(2026, 8, 31, 14, tzinfo=dt.UTC)):
        assert client.get(week_url(1)).status_code == 200
        assert client.get(week_url(2)).status_code == 404


def test_self_guided_next_week_opens_once_the_previous_week_is_completed(client):
    enrollment = self_guided()
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_1):
        client.post(complete_url(1), {"reflection": "", "action": "save"})
        assert client.get(week_url(2)).status_code == 404
        response = client.post(
            complete_url(1), {"reflection": "Calmer.", "action": "complete"}, follow=True
        )
        assert "Week 2 is now open." in response.text
        assert client.get(week_url(2)).status_code == 200
        assert client.get(week_url(3)).status_code == 404
        page = client.get(reverse("reports:participant_home")).text
    assert "You have completed 1 of 3 weeks." in page
    assert "Week 2: Week 2" in page


def test_optional_week_does_not_hold_back_the_weeks_after_it():
    program = ProgramFactory(delivery=Delivery.SELF_GUIDED, sessions=3)
    optional = program.sessions.create(
        number=9, title="Day of practice", optional=True, schedule_after=1
    )
    weeks = list(program.sessions.all())
    common = {
        "delivery": Delivery.SELF_GUIDED,
        "program_sessions": weeks,
        "sessions": [],
        "missed_numbers": [],
        "start_date": dt.date(2026, 9, 1),
        "today": dt.date(2026, 9, 2),
        "now": AFTER_WEEK_1,
    }
    assert open_week_numbers(completed_numbers=[], **common) == {1}
    assert open_week_numbers(completed_numbers=[1], **common) == {1, 2, optional.number}
    assert open_week_numbers(completed_numbers=[1, 2], **common) == {1, 2, 3, 9}


def test_missed_week_stays_open_and_says_the_facilitator_will_count_a_catch_up(client):
    enrollment = enrolled()
    mark(enrollment, 2, AttendanceStatus.ABSENT)
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_3):
        page = client.get(week_url(2)).text
        assert "You missed this session." in page
        assert "your facilitator will count this as a catch-up" in page
        response = client.post(
            complete_url(2), {"reflection": "Read it at home.", "action": "complete"}, follow=True
        )
    assert "Your facilitator will count this as a catch-up." in response.text
    completion = SessionCompletion.objects.get(enrollment=enrollment)
    assert completion.program_session.number == 2
    assert completion.completed_at is not None
    assert completion.confirmed_at is None


def test_attended_week_does_not_talk_about_catching_up(client):
    enrollment = enrolled()
    mark(enrollment, 1, AttendanceStatus.ATTENDED)
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_3):
        page = client.get(week_url(1)).text
    assert "You missed this session." not in page
    assert "catch-up" not in page


# --- who may open a week ---------------------------------------------------------------------


def test_control_arm_participant_gets_404_on_week_pages(client):
    enrollment = enrolled()
    enrollment.arm = Arm.CONTROL
    enrollment.save()
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_3):
        assert client.get(week_url(1)).status_code == 404
        assert client.post(complete_url(1), {"action": "complete"}).status_code == 404


def test_staff_without_a_course_get_404_on_week_pages(client, facilitator_user, coordinator_user):
    enrollment = enrolled(organization=coordinator_user.memberships.get().organization)
    enrollment.cohort.facilitators.add(facilitator_user)
    with time_machine.travel(AFTER_WEEK_3):
        for staff in (facilitator_user, coordinator_user):
            client.force_login(staff)
            assert client.get(week_url(1)).status_code == 404


def test_other_participants_course_does_not_open_weeks_for_them(client):
    started = enrolled()
    later = enrolled(start_date=dt.date(2026, 10, 6))
    client.force_login(later.user)
    with time_machine.travel(AFTER_WEEK_3):
        assert client.get(week_url(2)).status_code == 404
        client.post(complete_url(2), {"reflection": "mine", "action": "complete"})
    assert not SessionCompletion.objects.filter(enrollment=started).exists()
    assert not SessionCompletion.objects.exists()


def test_locked_week_cannot_be_completed(client):
    enrollment = enrolled()
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_1):
        response = client.post(complete_url(4), {"reflection": "early", "action": "complete"})
    assert response.status_code == 404
    assert not SessionCompletion.objects.exists()


def test_facilitator_notes_never_appear_on_the_week_page(client):
    enrollment = enrolled()
    session = ScheduledSession.objects.get(cohort=enrollment.cohort, program_session__number=1)
    FacilitatorNote.objects.create(scheduled_session=session, text="Group was restless today.")
    FacilitatorNote.objects.create(
        scheduled_session=session, enrollment=enrollment, text="Seemed very tired."
    )
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_1):
        page = client.get(week_url(1)).text
    assert "restless" not in page
    assert "very tired" not in page


# --- content and timer -----------------------------------------------------------------------


def test_week_page_shows_aims_material_practices_and_their_ms_adaptations(client):
    enrollment = enrolled(program=shipped_program("mbsr-8-ms"))
    client.force_login(enrollment.user)
    # MBSR week 3 (mindful movement) opens once week 2's session has started.
    with time_machine.travel(dt.datetime(2026, 9, 9, 12, tzinfo=dt.UTC)):
        page = client.get(week_url(3)).text
    assert "Week 3: Being here in the body" in page
    assert "What this week is about" in page
    assert "Mindful movement" in page
    assert "Every movement has a chair version and a lying version." in page
    assert "Seated, lying and shorter options" in page
    assert "Lengths: 10, 20, 30, 45 minutes." in page
    assert "Three-minute breathing space" in page


def test_timer_is_an_enhancement_over_a_log_form_that_works_without_javascript(client):
    enrollment = enrolled(program=shipped_program("mbsr-8-ms"))
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_1):
        page = client.get(week_url(1)).text
        # The timer waits hidden for its script; the form needs nothing but a submit.
        assert "data-practice-timer hidden" in page
        assert 'data-durations="10,20,30,45"' in page
        assert 'aria-live="polite"' in page
        assert '<script src="/static/js/practice-timer.js" defer></script>' in page
        assert f'action="{reverse("program_sessions:practice_create")}"' in page
        assert 'name="minutes"' in page
        assert "Log this practice" in page
        response = client.post(
            reverse("program_sessions:practice_create"),
            {"date": "2026-09-03", "practice": "body_scan", "minutes": "20", "next": week_url(1)},
        )
    assert response.status_code == 302
    assert response.url == week_url(1)
    log = PracticeLog.objects.get(enrollment=enrollment)
    assert (log.date, log.practice, log.minutes) == (dt.date(2026, 9, 3), "body_scan", 20)


def test_week_page_has_no_inline_script_or_style(client):
    enrollment = enrolled(program=shipped_program("mbsr-8-ms"))
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_1):
        page = client.get(week_url(1)).text
    assert "<script>" not in page
    assert " style=" not in page
    assert " onclick=" not in page


def test_strategy_week_lists_the_strategies_and_links_to_the_strategy_log(client):
    cohort = CohortFactory(program=shipped_program("ier-6"), start_date=dt.date(2026, 9, 1))
    enrollment = EnrollmentFactory(cohort=cohort, user=UserFactory())
    with time_machine.travel(BEFORE_COURSE):
        schedule_sync_for_enrollment(enrollment=enrollment)
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_1):
        page = client.get(week_url(1)).text
    assert "Strategies to try" in page
    assert "Picture a supportive person" in page
    assert "Log a strategy you used" in page
    assert "data-practice-timer" not in page


def test_next_url_to_another_site_is_ignored(client):
    enrollment = enrolled()
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_1):
        response = client.post(
            reverse("program_sessions:practice_create"),
            {
                "date": "2026-09-03",
                "practice": "body_scan",
                "minutes": "5",
                "next": "https://evil.example/",
            },
        )
    assert response.url == reverse("program_sessions:practice_list")


# --- reflection and completion ---------------------------------------------------------------


def test_save_for_later_keeps_the_draft_and_shows_it_again(client):
    enrollment = self_guided()
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_1):
        response = client.post(
            complete_url(1), {"reflection": "I noticed my shoulders.", "action": "save"}
        )
        assert response.status_code == 302
        page = client.get(week_url(1)).text
    assert "I noticed my shoulders." in page
    assert "Save for later" in page
    assert "I've completed this week" in page
    completion = SessionCompletion.objects.get(enrollment=enrollment)
    assert completion.completed_at is None


def test_group_participant_is_never_asked_to_complete_a_session_they_attend(client):
    enrollment = enrolled()
    mark(enrollment, 1, AttendanceStatus.ATTENDED)
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_1):
        page = client.get(week_url(1)).text
        # Even a hand-made "complete" only saves the reflection: attendance is the facilitator's.
        response = client.post(
            complete_url(1), {"reflection": "Calm.", "action": "complete"}, follow=True
        )
    assert "completed this week" not in page
    assert 'value="complete"' not in page
    assert "Save my reflection" in page
    assert "Your reflection is saved." in response.text
    completion = SessionCompletion.objects.get(enrollment=enrollment)
    assert completion.reflection == "Calm."
    assert completion.completed_at is None


def test_one_on_one_participant_is_not_asked_to_complete_a_session_either(client):
    cohort = CohortFactory(program=shipped_program("ier-6"), start_date=dt.date(2026, 9, 1))
    enrollment = EnrollmentFactory(
        cohort=cohort, user=UserFactory(), start_date=dt.date(2026, 9, 1), session_time=dt.time(11)
    )
    with time_machine.travel(BEFORE_COURSE):
        schedule_sync_for_enrollment(enrollment=enrollment)
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_1):
        page = client.get(week_url(1)).text
    assert 'value="complete"' not in page
    assert "Save my reflection" in page


def test_a_week_opened_ahead_of_its_session_prepares_and_asks_for_no_practice_yet(client):
    enrollment = enrolled(program=shipped_program("mbsr-8-ms"))
    client.force_login(enrollment.user)
    with time_machine.travel(dt.datetime(2026, 8, 30, 12, tzinfo=dt.UTC)):
        page = client.get(week_url(1)).text
    assert (
        "This week's home practice is for after the session on "
        "Tuesday 1 September 2026, 18:00" in page
    )
    assert 'id="log-form"' not in page
    assert "data-practice-timer" not in page
    with time_machine.travel(AFTER_WEEK_1):
        after = client.get(week_url(1)).text
    assert 'id="log-form"' in after


def test_completing_the_week_records_it_once_and_keeps_the_reflection(client):
    enrollment = self_guided()
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_1):
        response = client.post(
            complete_url(1), {"reflection": "Done.", "action": "complete"}, follow=True
        )
        assert "Well done: you have completed week 1." in response.text
        assert "You marked this week as completed on Thursday 3 September 2026." in response.text
        assert "I've completed this week" not in response.text
    first = SessionCompletion.objects.get(enrollment=enrollment).completed_at
    with time_machine.travel(AFTER_WEEK_3):
        client.post(complete_url(1), {"reflection": "Done, and more.", "action": "save"})
    completion = SessionCompletion.objects.get(enrollment=enrollment)
    assert completion.completed_at == first
    assert completion.reflection == "Done, and more."


def test_too_long_reflection_comes_back_with_the_text_kept(client):
    enrollment = enrolled()
    client.force_login(enrollment.user)
    text = "calm " * 1100
    with time_machine.travel(AFTER_WEEK_1):
        response = client.post(complete_url(1), {"reflection": text, "action": "complete"})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert text.strip() in response.text
    # The practice form on the re-rendered page still returns to the week, not to this POST URL.
    assert f'name="next" value="{week_url(1)}"' in response.text
    assert not SessionCompletion.objects.exists()


def test_completion_page_accepts_only_post(client):
    enrollment = enrolled()
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_1):
        assert client.get(complete_url(1)).status_code == 405


def test_completion_of_a_week_from_another_program_is_refused():
    enrollment = enrolled()
    other_week = ProgramFactory(sessions=1).sessions.get()
    with pytest.raises(CompletionError, match="not part of your course"):
        completion_record(
            enrollment=enrollment, program_session=other_week, reflection="", completed=True
        )


def test_strategy_course_week_speaks_of_strategies_not_practice_or_minutes(client):
    cohort = CohortFactory(program=shipped_program("ier-6"), start_date=dt.date(2026, 9, 1))
    enrollment = EnrollmentFactory(
        cohort=cohort, user=UserFactory(), start_date=dt.date(2026, 9, 1), session_time=dt.time(11)
    )
    with time_machine.travel(BEFORE_COURSE):
        schedule_sync_for_enrollment(enrollment=enrollment)
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_1):
        page = client.get(week_url(1)).text
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert '<h2 id="home-practice">Between sessions</h2>' in main
    assert "Log a strategy you used" in main
    for word in ("Home practice", "Log this practice", "minutes", "practised"):
        assert word not in main


def test_a_missed_group_session_is_caught_up_with_its_own_button(client):
    enrollment = enrolled()
    mark(enrollment, 1, AttendanceStatus.ABSENT)
    client.force_login(enrollment.user)
    with time_machine.travel(AFTER_WEEK_3):
        page = client.get(week_url(1)).text
    assert "I've caught up on this week" in page
    assert "When you have caught up, say so at the bottom of this page" in page
