"""The practice log: local dates, the 7-day window, future dates, IER strategy entries, access."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from programs.models import Arm
from sessions.models import PracticeLog
from sessions.services.practice import (
    PracticeError,
    practice_log_create,
    practice_log_delete,
    practice_log_update,
)
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, shipped_program

pytestmark = pytest.mark.django_db

LIST = reverse("program_sessions:practice_list")
CREATE = reverse("program_sessions:practice_create")
# 02:00 UTC on Wednesday 16 September is still Tuesday 15 September, 22:00, in New York.
NOW = dt.datetime(2026, 9, 16, 2, tzinfo=dt.UTC)
TODAY_IN_NEW_YORK = dt.date(2026, 9, 15)


def update_url(log):
    return reverse("program_sessions:practice_update", args=[log.pk])


def delete_url(log):
    return reverse("program_sessions:practice_delete", args=[log.pk])


@pytest.fixture
def mbsr():
    """A participant in New York on the MBSR course."""
    cohort = CohortFactory(program=shipped_program("mbsr-8-ms"))
    return EnrollmentFactory(cohort=cohort, user=UserFactory(timezone="America/New_York"))


@pytest.fixture
def ier():
    cohort = CohortFactory(program=shipped_program("ier-6"))
    return EnrollmentFactory(cohort=cohort, user=UserFactory(timezone="America/New_York"))


def entry(enrollment, date, **kwargs):
    values = {"practice": "body_scan", "minutes": 20, **kwargs}
    return PracticeLog.objects.create(enrollment=enrollment, date=date, **values)


def practice_form(date, **overrides):
    return {"date": date.isoformat(), "practice": "body_scan", "minutes": "20", **overrides}


def strategy_form(date, **overrides):
    return {
        "date": date.isoformat(),
        "strategy": "ask_for_support",
        "situation": "Low after a bad night",
        "mood_before": "3",
        "mood_after": "6",
        **overrides,
    }


# --- adding ----------------------------------------------------------------------------------


@time_machine.travel(NOW)
def test_form_starts_with_todays_date_where_the_participant_is(client, mbsr):
    client.force_login(mbsr.user)
    page = client.get(CREATE).text
    assert 'value="2026-09-15"' in page
    assert 'min="2026-09-08" max="2026-09-15"' in page


@time_machine.travel(NOW)
def test_participant_logs_practice_and_sees_it_under_its_local_date(client, mbsr):
    client.force_login(mbsr.user)
    response = client.post(CREATE, practice_form(TODAY_IN_NEW_YORK, note="Felt heavy legs."))
    assert response.status_code == 302
    assert response.url == LIST
    log = PracticeLog.objects.get(enrollment=mbsr)
    assert (log.date, log.practice, log.minutes, log.note) == (
        TODAY_IN_NEW_YORK,
        "body_scan",
        20,
        "Felt heavy legs.",
    )
    page = client.get(LIST).text
    assert "Saved: Body scan, 20 minutes on Tuesday 15 September." in page
    assert "Tuesday 15 September 2026" in page
    assert "Felt heavy legs." in page


@time_machine.travel(NOW)
def test_a_date_that_has_not_come_yet_in_the_participants_zone_is_refused(client, mbsr):
    client.force_login(mbsr.user)
    # The 16th has begun in London and in UTC, but not in New York.
    response = client.post(CREATE, practice_form(dt.date(2026, 9, 16), note="typed note"))
    assert response.status_code == 200
    assert "That date hasn&#x27;t come yet." in response.text
    assert "typed note" in response.text
    assert not PracticeLog.objects.exists()


@time_machine.travel(NOW)
def test_entries_can_be_added_up_to_7_days_back_and_not_before(client, mbsr):
    client.force_login(mbsr.user)
    week_ago = TODAY_IN_NEW_YORK - dt.timedelta(days=7)
    assert client.post(CREATE, practice_form(week_ago)).status_code == 302
    response = client.post(CREATE, practice_form(week_ago - dt.timedelta(days=1)))
    assert response.status_code == 200
    assert "older than 7 days can&#x27;t be added" in response.text
    assert list(PracticeLog.objects.values_list("date", flat=True)) == [week_ago]


@time_machine.travel(NOW)
@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ("0", "Enter a number of minutes from 1 to 600."),
        ("601", "Enter a number of minutes from 1 to 600."),
        ("", "Enter how many minutes you practised."),
        ("ten", "Enter a number of minutes from 1 to 600."),
    ],
)
def test_bad_minutes_come_back_with_a_message_and_everything_typed_kept(
    client, mbsr, minutes, message
):
    client.force_login(mbsr.user)
    response = client.post(
        CREATE,
        practice_form(
            TODAY_IN_NEW_YORK, minutes=minutes, practice="walking_meditation", note="kept note"
        ),
    )
    assert response.status_code == 200
    assert message in response.text
    assert "There is a problem" in response.text
    assert "kept note" in response.text
    assert 'value="walking_meditation" required id="id_practice_3" checked' in response.text
    assert 'value="2026-09-15"' in response.text
    assert not PracticeLog.objects.exists()


@time_machine.travel(NOW)
def test_a_practice_that_is_not_in_the_program_is_refused(client, mbsr):
    client.force_login(mbsr.user)
    response = client.post(CREATE, practice_form(TODAY_IN_NEW_YORK, practice="marathon"))
    assert response.status_code == 200
    assert not PracticeLog.objects.exists()


@time_machine.travel(NOW)
def test_practice_choices_come_from_the_program(client, mbsr):
    client.force_login(mbsr.user)
    page = client.get(CREATE).text
    assert "Walking meditation" in page
    assert "Three-minute breathing space" in page
    assert "Ask for support" not in page


# --- IER strategy entries --------------------------------------------------------------------


@time_machine.travel(NOW)
def test_ier_participant_logs_a_strategy_with_situation_and_mood(client, ier):
    client.force_login(ier.user)
    page = client.get(CREATE).text
    assert "<h1>Log a strategy you used</h1>" in page
    assert "Picture a supportive person" in page
    assert 'name="minutes"' not in page
    response = client.post(CREATE, strategy_form(TODAY_IN_NEW_YORK))
    assert response.status_code == 302
    log = PracticeLog.objects.get(enrollment=ier)
    assert (log.practice, log.situation, log.mood_before, log.mood_after, log.minutes) == (
        "ask_for_support",
        "Low after a bad night",
        3,
        6,
        None,
    )
    assert "Ask for support, mood 3 before and 6 after" in client.get(LIST).text


@time_machine.travel(NOW)
@pytest.mark.parametrize(("field", "value"), [("mood_before", "11"), ("mood_after", "-1")])
def test_mood_outside_0_to_10_comes_back_with_a_message(client, ier, field, value):
    client.force_login(ier.user)
    response = client.post(CREATE, strategy_form(TODAY_IN_NEW_YORK, **{field: value}))
    assert response.status_code == 200
    assert "Choose a number from 0 (very low) to 10 (very good)." in response.text
    assert "Low after a bad night" in response.text
    assert not PracticeLog.objects.exists()


@time_machine.travel(NOW)
@pytest.mark.parametrize("mood", ["0", "10"])
def test_mood_0_and_10_are_both_accepted(client, ier, mood):
    client.force_login(ier.user)
    response = client.post(
        CREATE, strategy_form(TODAY_IN_NEW_YORK, mood_before=mood, mood_after=mood)
    )
    assert response.status_code == 302


@time_machine.travel(NOW)
def test_strategy_log_refuses_an_mbsr_practice_and_a_missing_situation(client, ier):
    client.force_login(ier.user)
    response = client.post(CREATE, strategy_form(TODAY_IN_NEW_YORK, strategy="body_scan"))
    assert response.status_code == 200
    response = client.post(CREATE, strategy_form(TODAY_IN_NEW_YORK, situation=""))
    assert "Write a few words about the situation." in response.text
    assert not PracticeLog.objects.exists()


# --- changing and deleting -------------------------------------------------------------------


@time_machine.travel(NOW)
def test_participant_changes_a_recent_entry(client, mbsr):
    log = entry(mbsr, TODAY_IN_NEW_YORK - dt.timedelta(days=2))
    client.force_login(mbsr.user)
    page = client.get(update_url(log)).text
    assert "<h1>Change your entry</h1>" in page
    assert 'value="20"' in page
    response = client.post(
        update_url(log), practice_form(TODAY_IN_NEW_YORK, minutes="35", practice="body_scan")
    )
    assert response.status_code == 302
    log.refresh_from_db()
    assert (log.date, log.minutes) == (TODAY_IN_NEW_YORK, 35)


def test_entry_older_than_7_days_can_no_longer_be_changed_or_deleted(client, mbsr):
    log = entry(mbsr, dt.date(2026, 9, 1))
    client.force_login(mbsr.user)
    with time_machine.travel(dt.datetime(2026, 9, 8, 20, tzinfo=dt.UTC)):
        assert client.get(update_url(log)).status_code == 200
    with time_machine.travel(dt.datetime(2026, 9, 9, 20, tzinfo=dt.UTC)):
        response = client.get(update_url(log), follow=True)
        assert "This entry is older than 7 days, so it can no longer be changed." in response.text
        response = client.post(update_url(log), practice_form(dt.date(2026, 9, 9), minutes="5"))
        assert response.status_code == 200
        assert "older than 7 days, so it can no longer be changed" in response.text
        response = client.post(delete_url(log), follow=True)
        assert "older than 7 days, so it can no longer be deleted" in response.text
        list_page = client.get(LIST).text
    log.refresh_from_db()
    assert log.minutes == 20
    assert update_url(log) not in list_page
    assert delete_url(log) not in list_page


@time_machine.travel(NOW)
def test_a_recent_entry_cannot_be_moved_to_a_future_or_old_date(client, mbsr):
    log = entry(mbsr, TODAY_IN_NEW_YORK)
    client.force_login(mbsr.user)
    response = client.post(update_url(log), practice_form(dt.date(2026, 9, 16)))
    assert "That date hasn&#x27;t come yet." in response.text
    response = client.post(update_url(log), practice_form(dt.date(2026, 9, 1)))
    assert "older than 7 days can&#x27;t be added" in response.text
    log.refresh_from_db()
    assert log.date == TODAY_IN_NEW_YORK


@time_machine.travel(NOW)
def test_delete_asks_first_and_deletes_only_on_post(client, mbsr):
    log = entry(mbsr, TODAY_IN_NEW_YORK)
    client.force_login(mbsr.user)
    page = client.get(delete_url(log)).text
    assert "Delete this entry?" in page
    assert "Body scan, 20 minutes" in page
    assert PracticeLog.objects.filter(pk=log.pk).exists()
    response = client.post(delete_url(log))
    assert response.status_code == 302
    assert not PracticeLog.objects.filter(pk=log.pk).exists()


# --- who may see and change entries ----------------------------------------------------------


@time_machine.travel(NOW)
def test_another_participants_entry_is_404_to_see_change_or_delete(client, mbsr):
    log = entry(mbsr, TODAY_IN_NEW_YORK)
    other = EnrollmentFactory(cohort=mbsr.cohort, user=UserFactory())
    client.force_login(other.user)
    assert client.get(update_url(log)).status_code == 404
    assert client.post(update_url(log), practice_form(TODAY_IN_NEW_YORK)).status_code == 404
    assert client.get(delete_url(log)).status_code == 404
    assert client.post(delete_url(log)).status_code == 404
    assert "Body scan" not in client.get(LIST).text
    log.refresh_from_db()
    assert log.minutes == 20


@time_machine.travel(NOW)
def test_staff_of_the_cohort_get_404_on_a_participants_entry(
    client, mbsr, facilitator_user, coordinator_user
):
    mbsr.cohort.organization = coordinator_user.memberships.get().organization
    mbsr.cohort.save()
    mbsr.cohort.facilitators.add(facilitator_user)
    log = entry(mbsr, TODAY_IN_NEW_YORK)
    for staff in (facilitator_user, coordinator_user):
        client.force_login(staff)
        assert client.get(update_url(log)).status_code == 404
        assert client.post(delete_url(log)).status_code == 404
        assert client.get(CREATE).status_code == 404
        page = client.get(LIST)
        assert page.status_code == 200
        assert "There is no home practice to log" in page.text
    assert PracticeLog.objects.filter(pk=log.pk).exists()


@time_machine.travel(NOW)
def test_control_arm_has_no_practice_log(client):
    enrollment = EnrollmentFactory(arm=Arm.CONTROL, user=UserFactory())
    client.force_login(enrollment.user)
    assert client.get(CREATE).status_code == 404
    assert "There is no home practice to log" in client.get(LIST).text


def test_anonymous_visitor_is_sent_to_sign_in(client):
    for url in (LIST, CREATE):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


# --- the list --------------------------------------------------------------------------------


@time_machine.travel(NOW)
def test_list_is_newest_first_grouped_by_date_with_changes_only_in_the_last_7_days(client, mbsr):
    old = entry(mbsr, dt.date(2026, 9, 2), practice="walking_meditation")
    monday_a = entry(mbsr, dt.date(2026, 9, 14), minutes=10)
    monday_b = entry(mbsr, dt.date(2026, 9, 14), practice="breathing_space", minutes=3)
    today = entry(mbsr, TODAY_IN_NEW_YORK, minutes=45)
    client.force_login(mbsr.user)
    page = client.get(LIST).text
    positions = [
        page.index("Tuesday 15 September 2026"),
        page.index("Monday 14 September 2026"),
        page.index("Wednesday 2 September 2026"),
    ]
    assert positions == sorted(positions)
    assert page.count("Monday 14 September 2026</h2>") == 1
    for recent in (today, monday_a, monday_b):
        assert update_url(recent) in page
        assert delete_url(recent) in page
    assert update_url(old) not in page
    assert "Walking meditation, 20 minutes" in page


@time_machine.travel(NOW)
def test_list_makes_the_same_queries_for_5_or_60_entries(
    client, mbsr, django_assert_max_num_queries
):
    client.force_login(mbsr.user)

    def add(count):
        PracticeLog.objects.bulk_create(
            PracticeLog(
                enrollment=mbsr,
                date=TODAY_IN_NEW_YORK - dt.timedelta(days=n % 30),
                practice="body_scan",
                minutes=10,
            )
            for n in range(count)
        )

    def load() -> int:
        with django_assert_max_num_queries(8) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    add(5)
    small = load()
    add(55)
    assert load() == small


# --- the services, without HTTP --------------------------------------------------------------


def test_services_use_the_participants_local_today(mbsr):
    with time_machine.travel(NOW):
        log = practice_log_create(
            enrollment=mbsr, date=TODAY_IN_NEW_YORK, practice="body_scan", minutes=10
        )
        with pytest.raises(PracticeError, match="hasn't come yet"):
            practice_log_update(
                log=log, date=dt.date(2026, 9, 16), practice="body_scan", minutes=10
            )
    # Eight days later in New York the entry is out of reach.
    with time_machine.travel(NOW + dt.timedelta(days=8)):
        with pytest.raises(PracticeError, match="older than 7 days"):
            practice_log_delete(log=log)
        with pytest.raises(PracticeError, match="older than 7 days"):
            practice_log_update(log=log, date=TODAY_IN_NEW_YORK, practice="body_scan", minutes=9)
    assert PracticeLog.objects.get(pk=log.pk).minutes == 10


def test_service_refuses_minutes_outside_1_to_600_and_moods_outside_0_to_10(mbsr, ier):
    with time_machine.travel(NOW):
        with pytest.raises(PracticeError, match="from 1 to 600"):
            practice_log_create(
                enrollment=mbsr, date=TODAY_IN_NEW_YORK, practice="body_scan", minutes=601
            )
        with pytest.raises(PracticeError, match="from 0 \\(very low\\) to 10"):
            practice_log_create(
                enrollment=ier,
                date=TODAY_IN_NEW_YORK,
                practice="ask_for_support",
                situation="Tired",
                mood_before=11,
                mood_after=5,
            )
    assert not PracticeLog.objects.exists()


def test_service_refuses_a_control_arm_entry():
    enrollment = EnrollmentFactory(arm=Arm.CONTROL)
    with time_machine.travel(NOW), pytest.raises(PracticeError):
        practice_log_create(
            enrollment=enrollment, date=dt.date(2026, 9, 15), practice="body_scan", minutes=5
        )


def _main(page: str) -> str:
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def test_strategy_log_pages_speak_of_strategies_never_of_practice_or_minutes(client, ier):
    client.force_login(ier.user)
    with time_machine.travel(NOW):
        empty = _main(client.get(LIST).text)
        form = _main(client.get(CREATE).text)
        client.post(CREATE, strategy_form(TODAY_IN_NEW_YORK))
        listed = _main(client.get(LIST).text)
    assert "<h1>My strategy log</h1>" in empty
    # No session has taken place yet: nothing suggests logging is due.
    assert "Logging the strategies you use starts after your first session." in empty
    assert "Log a strategy you used" not in empty
    assert "Log a strategy you used" in form
    assert "Save to my log" in form
    assert "mood" in listed
    for page in (empty, form, listed):
        for word in ("minutes", "practise", "practice log", "Practice"):
            assert word not in page


def test_log_form_labels_have_no_colons(client, mbsr):
    client.force_login(mbsr.user)
    with time_machine.travel(NOW):
        form = client.get(CREATE).text
    assert ">Date</label>" in form
    assert ">Minutes</label>" in form
    assert "Date:" not in form
