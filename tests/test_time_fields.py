"""Every time people type is written one way, 24-hour "HH:MM", with the same hint beside it:
the practice reminder and quiet hours, a cohort's meeting time, a participant's own session
time, a rescheduled session and a make-up session."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django import forms

from accounts.forms import TIME_HINT
from accounts.models import User
from programs.forms import CohortForm, EnrollmentForm, EnrollmentUpdateForm
from programs.models import Cohort, Enrollment
from sessions.forms.staff import MakeupForm, RescheduleForm
from sessions.notifications.forms import PreferencesForm
from sessions.notifications.models import Preferences
from tests.factories import CohortFactory, shipped_program

pytestmark = pytest.mark.django_db

HINT = "For example, 19:00."


@pytest.fixture
def one_to_one() -> Cohort:
    return CohortFactory(program=shipped_program("ier-6"), timezone="America/New_York")


def time_fields(cohort: Cohort) -> list[tuple[forms.Form, str, str]]:
    """(form, field name, its message for a time it cannot read) of every time field."""
    preferences = PreferencesForm(
        instance=Preferences(user=User(email="p@example.org")), participant=True, staff=True
    )
    return [
        (preferences, "practice_nudge_time", "Enter a time like 19:00."),
        (preferences, "quiet_hours_start", "Enter a time like 21:00."),
        (preferences, "quiet_hours_end", "Enter a time like 08:00."),
        (CohortForm(memberships=[]), "meeting_time", "Enter a time like 19:00."),
        (
            EnrollmentForm(cohort=cohort, default_start=dt.date(2026, 9, 1)),
            "session_time",
            "Enter a time like 19:00.",
        ),
        (EnrollmentUpdateForm(cohort=cohort), "session_time", "Enter a time like 19:00."),
        (RescheduleForm(cohort=cohort), "new_time", "Enter a time such as 18:00."),
        (
            MakeupForm(cohort=cohort, participants=Enrollment.objects.none()),
            "at",
            "Enter a time such as 18:00.",
        ),
    ]


def test_the_hint_is_the_same_everywhere():
    assert TIME_HINT == HINT


def test_every_time_field_is_a_text_box_with_the_hint(one_to_one):
    for form, name, _message in time_fields(one_to_one):
        field = form[name]
        assert str(field.help_text).endswith(HINT), (type(form).__name__, name)
        html = field.as_field_group()
        assert f'<div class="helptext" id="id_{name}_helptext">' in html
        assert HINT in html
        widget = str(field)
        # A text box, not <input type="time">: that one shows 07:00 PM on many computers.
        assert 'type="text"' in widget, widget
        assert re.search(rf'aria-describedby="id_{name}_helptext', widget), widget


def test_what_the_field_meant_stays_before_the_hint(one_to_one):
    fields = {(type(f).__name__, n): f[n].help_text for f, n, _ in time_fields(one_to_one)}
    assert fields[("PreferencesForm", "practice_nudge_time")] == (
        "In your own time zone. For example, 19:00."
    )
    assert fields[("CohortForm", "meeting_time")] == (
        "The local time in the cohort's time zone. It stays the same when the clocks change. "
        "For example, 19:00."
    )
    assert fields[("EnrollmentForm", "session_time")] == (
        "In the cohort's time zone (America/New York). For example, 19:00."
    )
    assert fields[("RescheduleForm", "new_time")] == (
        "The cohort meets by America/New York time, which may differ from your own time zone. "
        "For example, 19:00."
    )


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("19:00", dt.time(19, 0)),
        ("7:05", dt.time(7, 5)),
        (" 19.30 ", dt.time(19, 30)),
        ("7:30 pm", dt.time(19, 30)),
        ("19:00:00", dt.time(19, 0)),
    ],
)
def test_times_written_a_little_differently_are_understood(one_to_one, typed, read):
    for form, name, _message in time_fields(one_to_one):
        assert form.fields[name].clean(typed) == read, (type(form).__name__, name)


def test_a_time_it_cannot_read_gets_a_message_with_an_example(one_to_one):
    for form, name, message in time_fields(one_to_one):
        with pytest.raises(forms.ValidationError) as caught:
            form.fields[name].clean("25:99")
        assert caught.value.messages == [message], (type(form).__name__, name)


def test_a_saved_time_is_shown_as_hours_and_minutes(one_to_one):
    form = CohortForm(memberships=[], initial={"meeting_time": dt.time(18, 5)})
    assert 'value="18:05"' in str(form["meeting_time"])
