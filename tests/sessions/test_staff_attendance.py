"""The attendance grid and the rules that follow attendance: follow-ups and confirmed make-ups."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from programs.models import Arm
from sessions.models import Attendance, FollowUp, SessionCompletion
from sessions.services.attendance import (
    AttendanceEntry,
    AttendanceError,
    attendance_confirm_makeup,
    attendance_record,
)
from sessions.services.schedule import session_cancel
from tests.factories import facilitator
from tests.sessions.staff_cast import (
    NOW,
    enroll,
    group_cohort,
    ier_cohort,
    sessions_of,
    withdraw,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cohort(organization, facilitator_user):
    return group_cohort(organization, [facilitator_user])


@pytest.fixture
def people(cohort):
    return [enroll(cohort, participant_code=f"P-00{n}") for n in range(1, 4)]


def _grid_url(cohort, session=None):
    url = reverse("program_sessions:attendance_grid", args=[cohort.pk])
    return f"{url}?session={session.pk}" if session else url


def _as_posted(response):
    """What a browser posts back for the grid as drawn: every input with its current value."""
    data = {}
    for bf in response.context["form"]:
        value = bf.value()
        data[bf.html_name] = "" if value is None else str(value)
    return data


def _cell(session, enrollment, part="status"):
    return f"s{session.pk}-e{enrollment.pk}-{part}"


def _status(session, enrollment):
    record = Attendance.objects.filter(scheduled_session=session, enrollment=enrollment).first()
    return record.status if record else None


# --- the grid as drawn ----------------------------------------------------------------------


def test_grid_has_a_column_per_held_session_and_a_row_per_intervention_participant(
    client, cohort, people, facilitator_user, now
):
    control = enroll(cohort, participant_code="P-CTRL", arm=Arm.CONTROL)
    client.force_login(facilitator_user)
    response = client.get(_grid_url(cohort))
    grid = response.context["grid"]
    assert [c.number for c in grid.columns] == [1, 2, 3]  # session 4 has not started
    assert [r.enrollment.participant_code for r in grid.rows] == ["P-001", "P-002", "P-003"]
    assert control.participant_code not in response.text
    page = response.text
    assert '<th scope="col">Participant</th>' in page
    assert '<th scope="row">P-001' in page
    assert "<caption" in page


def test_every_cell_is_a_labelled_select_named_by_participant_session_and_date(
    client, cohort, people, facilitator_user, now
):
    third = sessions_of(cohort)[2]
    client.force_login(facilitator_user)
    page = client.get(_grid_url(cohort)).text
    field_id = f"id_{_cell(third, people[0])}"
    assert (
        f'<label class="visually-hidden" for="{field_id}">P-001, session 3, 15 Sep</label>' in page
    )
    select = re.search(rf'<select name="{_cell(third, people[0])}"[^>]*>', page)
    assert select is not None
    assert f'id="{field_id}"' in select.group(0)
    for option in ["Not recorded", "Attended", "Absent", "Excused", "Made up"]:
        assert f">{option}</option>" in page


def test_withdrawn_participant_is_shown_but_cannot_be_changed(
    client, cohort, people, facilitator_user, now
):
    first = sessions_of(cohort)[0]
    attendance_record(
        entries=[AttendanceEntry(first, people[2], "attended")], recorded_by=facilitator_user
    )
    withdraw(people[2])
    client.force_login(facilitator_user)
    response = client.get(_grid_url(cohort))
    assert "P-003" in response.text
    assert "withdrawn" in response.text
    assert _cell(first, people[2]) not in response.text
    assert _cell(first, people[1]) in response.text


# --- saving ---------------------------------------------------------------------------------


def test_saving_the_grid_records_each_changed_cell(client, cohort, people, facilitator_user, now):
    first, second, _third, _fourth = sessions_of(cohort)
    client.force_login(facilitator_user)
    data = _as_posted(client.get(_grid_url(cohort)))
    data[_cell(first, people[0])] = "attended"
    data[_cell(first, people[1])] = "absent"
    data[_cell(second, people[0])] = "excused"
    response = client.post(_grid_url(cohort), data)
    assert response.status_code == 302
    assert _status(first, people[0]) == "attended"
    assert _status(first, people[1]) == "absent"
    assert _status(second, people[0]) == "excused"
    assert Attendance.objects.count() == 3
    assert Attendance.objects.first().recorded_by == facilitator_user
    assert "Attendance saved: 3 changes." in client.get(response.url).text


def test_saving_leaves_cells_alone_that_were_not_touched_here(
    client, cohort, people, facilitator_user, now, organization
):
    first = sessions_of(cohort)[0]
    colleague = facilitator(organization)
    client.force_login(facilitator_user)
    data = _as_posted(client.get(_grid_url(cohort)))
    # A colleague records P-002 while this page is open; this page still shows it empty.
    attendance_record(entries=[AttendanceEntry(first, people[1], "excused")], recorded_by=colleague)
    data[_cell(first, people[0])] = "attended"
    client.post(_grid_url(cohort), data)
    assert _status(first, people[1]) == "excused"
    assert _status(first, people[0]) == "attended"


def test_bad_cells_come_back_with_their_reason_and_typed_values_while_good_ones_save(
    client, organization, facilitator_user, now
):
    cohort = ier_cohort(organization, [facilitator_user])
    ann = enroll(cohort, participant_code="P-ANN")
    ben = enroll(cohort, participant_code="P-BEN")
    ann_phone = sessions_of(cohort, ann)[1]  # session 2, by phone, 8 September
    ben_phone = sessions_of(cohort, ben)[1]
    ann_first = sessions_of(cohort, ann)[0]
    client.force_login(facilitator_user)
    data = _as_posted(client.get(_grid_url(cohort)))
    data[_cell(ann_first, ann)] = "attended"
    data[_cell(ann_phone, ann)] = "attended"
    data[_cell(ann_phone, ann, "outcome")] = "reached"
    data[_cell(ann_phone, ann, "minutes")] = "abc"
    data[_cell(ben_phone, ben)] = "attended"
    data[_cell(ben_phone, ben, "minutes")] = "500"
    response = client.post(_grid_url(cohort), data)

    assert response.status_code == 200
    assert _status(ann_first, ann) == "attended"
    assert _status(ann_phone, ann) is None
    assert _status(ben_phone, ben) is None
    page = response.text
    assert "There is a problem" in page
    assert "Saved 1 change." in page
    message = "Call minutes must be a whole number from 1 to 240."
    assert f"P-ANN, session 2, 8 Sep, call minutes: {message}" in page
    assert f"P-BEN, session 2, 8 Sep, call minutes: {message}" in page
    minutes_id = f"id_{_cell(ann_phone, ann, 'minutes')}"
    assert f'href="#{minutes_id}"' in page
    ann_minutes = re.search(rf'<input[^>]*name="{_cell(ann_phone, ann, "minutes")}"[^>]*>', page)
    assert 'value="abc"' in ann_minutes.group(0)
    assert 'aria-invalid="true"' in ann_minutes.group(0)
    assert f'aria-describedby="{minutes_id}_error"' in ann_minutes.group(0)
    assert f'id="{minutes_id}_error"' in page
    ben_minutes = re.search(rf'<input[^>]*name="{_cell(ben_phone, ben, "minutes")}"[^>]*>', page)
    assert 'value="500"' in ben_minutes.group(0)
    # The typed status and outcome of the bad cells are still selected.
    assert re.search(
        rf'<select name="{_cell(ann_phone, ann, "outcome")}".*?<option value="reached" selected>',
        page,
        re.S,
    )
    assert re.search(
        rf'<select name="{_cell(ben_phone, ben)}".*?<option value="attended" selected>',
        page,
        re.S,
    )

    # Corrected and saved again, the rest goes in; the saved cell is not written twice.
    data = _as_posted(response)
    data[_cell(ann_phone, ann, "minutes")] = "35"
    data[_cell(ben_phone, ben, "minutes")] = "20"
    assert client.post(_grid_url(cohort), data).status_code == 302
    ann_call = Attendance.objects.get(scheduled_session=ann_phone)
    assert (ann_call.status, ann_call.call_outcome, ann_call.call_minutes) == (
        "attended",
        "reached",
        35,
    )
    assert Attendance.objects.get(scheduled_session=ben_phone).call_minutes == 20


def test_cell_of_a_session_cancelled_while_the_page_was_open_comes_back_with_the_reason(
    client, cohort, people, facilitator_user, now
):
    first, second, *_ = sessions_of(cohort)
    client.force_login(facilitator_user)
    data = _as_posted(client.get(_grid_url(cohort)))
    session_cancel(session=second, reason="Room flooded")
    data[_cell(second, people[0])] = "attended"
    data[_cell(first, people[0])] = "attended"
    response = client.post(_grid_url(cohort), data)
    assert response.status_code == 200
    assert "This session was cancelled, so there is no attendance to record." in response.text
    assert _status(second, people[0]) is None
    assert _status(first, people[0]) == "attended"
    select = re.search(
        rf'<select name="{_cell(second, people[0])}".*?</select>', response.text, re.S
    )
    assert '<option value="attended" selected>' in select.group(0)


def test_attendance_for_a_session_on_a_later_day_is_refused(
    client, cohort, people, facilitator_user, now
):
    fourth = sessions_of(cohort)[3]
    client.force_login(facilitator_user)
    data = _as_posted(client.get(_grid_url(cohort)))
    data[_cell(fourth, people[0])] = "attended"
    response = client.post(_grid_url(cohort), data)
    assert response.status_code == 200
    assert "This session is on a later day." in response.text
    assert "Attendance can be recorded from the day of the session." in response.text
    assert not Attendance.objects.exists()


# Session 4 starts on Tuesday 22 September at 18:00 in London (17:00 UTC).
MORNING_OF_SESSION_4 = dt.datetime(2026, 9, 22, 8, 0, tzinfo=dt.UTC)


def test_register_is_taken_at_the_door_on_the_morning_of_todays_session(
    client, cohort, people, facilitator_user
):
    fourth = sessions_of(cohort)[3]
    client.force_login(facilitator_user)
    with time_machine.travel(MORNING_OF_SESSION_4, tick=False):
        grid = client.get(_grid_url(cohort))
        assert [c.number for c in grid.context["grid"].columns] == [1, 2, 3, 4]
        data = _as_posted(grid)
        data[_cell(fourth, people[0])] = "attended"
        data[_cell(fourth, people[1])] = "absent"
        response = client.post(_grid_url(cohort), data)
    assert response.status_code == 302
    assert _status(fourth, people[0]) == "attended"
    assert _status(fourth, people[1]) == "absent"


def test_session_page_offers_the_register_on_the_day_before_the_session_starts(
    client, cohort, people, facilitator_user
):
    fourth = sessions_of(cohort)[3]
    client.force_login(facilitator_user)
    url = reverse("program_sessions:session_detail", args=[fourth.pk])
    with time_machine.travel(MORNING_OF_SESSION_4, tick=False):
        page = client.get(url).text
    assert "Record attendance for this session" in page
    with time_machine.travel(MORNING_OF_SESSION_4 - dt.timedelta(days=1), tick=False):
        page = client.get(url).text
    assert "Record attendance for this session" not in page
    assert "Attendance can be recorded from the day of the session" in page


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        # 23:30 on Monday in London: still the day before.
        (dt.datetime(2026, 9, 21, 22, 30, tzinfo=dt.UTC), False),
        # 00:30 on Tuesday in London, though still Monday in UTC.
        (dt.datetime(2026, 9, 21, 23, 30, tzinfo=dt.UTC), True),
    ],
)
def test_the_day_of_the_session_is_the_cohorts_day(
    cohort, people, facilitator_user, moment, allowed
):
    fourth = sessions_of(cohort)[3]
    result = attendance_record(
        entries=[
            AttendanceEntry(scheduled_session=fourth, enrollment=people[0], status="attended")
        ],
        recorded_by=facilitator_user,
        now=moment,
    )
    assert bool(result.saved) is allowed


def test_call_details_are_refused_for_a_session_not_by_phone(cohort, people, facilitator_user, now):
    first = sessions_of(cohort)[0]
    result = attendance_record(
        entries=[
            AttendanceEntry(first, people[0], "attended", call_outcome="reached"),
            AttendanceEntry(first, people[1], "attended", call_minutes=20),
            AttendanceEntry(first, people[2], "attended"),
        ],
        recorded_by=facilitator_user,
    )
    assert [(i.entry.enrollment, i.field) for i in result.invalid] == [
        (people[0], "call_outcome"),
        (people[1], "call_minutes"),
    ]
    assert "only recorded for sessions by phone" in result.invalid[0].message
    assert [a.enrollment for a in result.saved] == [people[2]]


def test_one_on_one_grid_has_a_column_per_session_number_with_each_participants_own_session(
    client, organization, facilitator_user, now
):
    cohort = ier_cohort(organization, [facilitator_user])
    early = enroll(cohort, participant_code="P-EARLY")
    late = enroll(cohort, participant_code="P-LATE", start_date=dt.date(2026, 9, 10))
    client.force_login(facilitator_user)
    response = client.get(_grid_url(cohort))
    grid = response.context["grid"]
    assert [c.key for c in grid.columns] == ["n1", "n2", "n3"]
    late_row = next(r for r in grid.rows if r.enrollment == late)
    assert [c.state for c in late_row.cells] == ["edit", "not_yet", "not_yet"]
    early_cells = next(r for r in grid.rows if r.enrollment == early).cells
    assert [c.session for c in early_cells] == sessions_of(cohort, early)[:3]
    # Sessions 2-5 are by phone, so their cells also ask how the call went.
    assert early_cells[1].outcome is not None
    assert early_cells[0].outcome is None
    assert "P-LATE, session 1, 10 Sep" in response.text


# --- mark all present -----------------------------------------------------------------------


def test_mark_all_present_fills_only_the_cells_not_yet_recorded(
    client, cohort, people, facilitator_user, now
):
    first, second, *_ = sessions_of(cohort)
    attendance_record(
        entries=[AttendanceEntry(first, people[0], "absent")], recorded_by=facilitator_user
    )
    client.force_login(facilitator_user)
    data = _as_posted(client.get(_grid_url(cohort)))
    data[_cell(first, people[1])] = "excused"  # typed, not saved yet: typed wins
    data[_cell(second, people[2])] = "attended"  # typed in another column: saved too
    data["mark_present"] = f"s{first.pk}"
    response = client.post(_grid_url(cohort), data)
    assert response.status_code == 302
    assert [_status(first, p) for p in people] == ["absent", "excused", "attended"]
    assert [_status(second, p) for p in people] == [None, None, "attended"]


def test_mark_all_present_buttons_come_after_a_hidden_default_save(
    client, cohort, people, facilitator_user, now
):
    # Enter in a box submits with the form's first button: that must be Save.
    client.force_login(facilitator_user)
    page = client.get(_grid_url(cohort)).text
    form = page[page.index('<form method="post" action="/cohorts/') :]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert 'name="save"' in first_button
    assert 'tabindex="-1"' in first_button
    assert form.count('name="mark_present"') == 3


# --- follow-ups -----------------------------------------------------------------------------


def test_absent_or_excused_opens_one_follow_up_and_attended_closes_it(
    cohort, people, facilitator_user, now
):
    first = sessions_of(cohort)[0]
    record = lambda status: attendance_record(  # noqa: E731
        entries=[AttendanceEntry(first, people[0], status)], recorded_by=facilitator_user
    )
    record("absent")
    follow_up = FollowUp.objects.get()
    assert follow_up.is_open
    assert (follow_up.scheduled_session, follow_up.enrollment) == (first, people[0])
    record("excused")
    assert FollowUp.objects.count() == 1
    record("attended")
    follow_up.refresh_from_db()
    assert not follow_up.is_open
    assert follow_up.resolution == "Attendance changed to attended"
    assert follow_up.resolved_by == facilitator_user
    record("absent")  # wrong again: the same follow-up opens again
    follow_up.refresh_from_db()
    assert follow_up.is_open
    assert FollowUp.objects.count() == 1
    record("made_up")
    follow_up.refresh_from_db()
    assert follow_up.resolution == "Attendance changed to made up"


def test_a_handled_follow_up_stays_handled_when_absent_becomes_excused(
    cohort, people, facilitator_user, now
):
    from sessions.services.followups import follow_up_resolve

    first = sessions_of(cohort)[0]
    attendance_record(
        entries=[AttendanceEntry(first, people[0], "absent")], recorded_by=facilitator_user
    )
    follow_up_resolve(follow_up=FollowUp.objects.get(), by=facilitator_user, resolution="Rang")
    attendance_record(
        entries=[AttendanceEntry(first, people[0], "excused")], recorded_by=facilitator_user
    )
    follow_up = FollowUp.objects.get()
    assert not follow_up.is_open
    assert follow_up.resolution == "Rang"


def test_cohort_page_lists_open_follow_ups_and_mark_as_handled_closes_one(
    client, cohort, people, facilitator_user, now
):
    first, second, *_ = sessions_of(cohort)
    attendance_record(
        entries=[
            AttendanceEntry(first, people[0], "absent"),
            AttendanceEntry(second, people[1], "excused"),
        ],
        recorded_by=facilitator_user,
    )
    client.force_login(facilitator_user)
    url = reverse("reports:cohort_follow_ups", args=[cohort.pk])
    page = client.get(url).text
    assert "was absent at" in page
    assert "was excused at" in page
    # Each button says whose follow-up it is, to screen readers only.
    assert 'Mark as handled<span class="visually-hidden"> for P-001, session 1</span>' in page
    handled = FollowUp.objects.get(enrollment=people[0])
    response = client.post(
        reverse("program_sessions:follow_up_resolve", args=[handled.pk]),
        {"resolution": "Phoned; sent the week's material"},
    )
    assert response.url == url
    handled.refresh_from_db()
    assert handled.resolution == "Phoned; sent the week's material"
    assert handled.resolved_by == facilitator_user
    page = client.get(url).text
    assert "marked as handled" in page
    assert f"follow-ups/{handled.pk}/resolve/" not in page
    assert "was excused at" in page
    # Pressed twice (two tabs): the second says so instead of changing who handled it.
    client.post(reverse("program_sessions:follow_up_resolve", args=[handled.pk]), {})
    assert "already marked as handled" in client.get(url).text


# --- confirming a week completed on one's own ----------------------------------------------


def test_confirm_as_made_up_from_the_grid_counts_the_week_and_confirms_the_completion(
    client, cohort, people, facilitator_user, now
):
    first = sessions_of(cohort)[0]
    attendance_record(
        entries=[AttendanceEntry(first, people[0], "absent")], recorded_by=facilitator_user
    )
    completion = SessionCompletion.objects.create(
        enrollment=people[0], program_session=first.program_session, completed_at=NOW
    )
    client.force_login(facilitator_user)
    response = client.get(_grid_url(cohort))
    assert "Confirm as made up" in response.text
    data = _as_posted(response)
    data["confirm"] = f"s{first.pk}-e{people[0].pk}"
    assert client.post(_grid_url(cohort), data).status_code == 302
    assert _status(first, people[0]) == "made_up"
    completion.refresh_from_db()
    assert completion.confirmed_at == NOW
    assert completion.confirmed_by == facilitator_user
    assert not FollowUp.objects.get().is_open
    assert "Confirm as made up" not in client.get(_grid_url(cohort)).text


def test_confirm_as_made_up_from_the_session_page(client, cohort, people, facilitator_user, now):
    first = sessions_of(cohort)[0]
    completion = SessionCompletion.objects.create(
        enrollment=people[1], program_session=first.program_session, completed_at=NOW
    )
    client.force_login(facilitator_user)
    url = reverse("program_sessions:session_detail", args=[first.pk])
    assert "Confirm as made up" in client.get(url).text
    response = client.post(
        reverse("program_sessions:makeup_confirm", args=[first.pk]),
        {"completion": completion.pk},
    )
    assert response.url == url
    assert _status(first, people[1]) == "made_up"
    completion.refresh_from_db()
    assert completion.confirmed_by == facilitator_user


def test_a_week_that_was_not_completed_or_was_attended_cannot_be_confirmed(
    cohort, people, facilitator_user, now
):
    first, second, *_ = sessions_of(cohort)
    draft = SessionCompletion.objects.create(
        enrollment=people[0], program_session=first.program_session
    )
    with pytest.raises(AttendanceError, match="not marked this week as completed"):
        attendance_confirm_makeup(completion=draft, scheduled_session=first, by=facilitator_user)
    done = SessionCompletion.objects.create(
        enrollment=people[1], program_session=first.program_session, completed_at=NOW
    )
    with pytest.raises(AttendanceError, match="different week"):
        attendance_confirm_makeup(completion=done, scheduled_session=second, by=facilitator_user)
    attendance_record(
        entries=[AttendanceEntry(first, people[1], "attended")], recorded_by=facilitator_user
    )
    with pytest.raises(AttendanceError, match="nothing to make up"):
        attendance_confirm_makeup(completion=done, scheduled_session=first, by=facilitator_user)
    done.refresh_from_db()
    assert done.confirmed_at is None


def test_a_whole_one_on_one_grid_of_60_participants_saves_in_one_post(
    client, organization, facilitator_user
):
    # Six sessions each, four of them by phone with two more inputs: 840 inputs in one post,
    # which must stay under Django's limit of 1,000 posted fields.
    cohort = ier_cohort(organization, [facilitator_user])
    people = [enroll(cohort, participant_code=f"P-{n:03d}") for n in range(60)]
    with time_machine.travel(dt.datetime(2026, 10, 20, tzinfo=dt.UTC), tick=False):
        client.force_login(facilitator_user)
        data = _as_posted(client.get(_grid_url(cohort)))
        assert len(data) > 800
        for name in data:
            if name.endswith("-status"):
                data[name] = "attended"
        response = client.post(_grid_url(cohort), data)
    assert response.status_code == 302
    assert Attendance.objects.filter(status="attended").count() == 60 * 6
    assert {a.enrollment_id for a in Attendance.objects.all()} == {p.pk for p in people}
