"""Reminder pages: settings, one-click unsubscribe, a participant's delivery log with 'send now',
and the organization's list of messages that did not arrive."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation
from programs.services import enrollment_invite
from sessions.notifications.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    Preferences,
)
from sessions.notifications.services.messages import notification_email
from sessions.notifications.services.unsubscribe import SALT, unsubscribe_token
from sessions.questionnaires.models import Assessment
from tests.factories import CohortFactory, UserFactory, coordinator, facilitator
from tests.sessions.staff_cast import enroll, group_cohort

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# Wednesday 16 September 2026, 13:00 in London: outside everybody's quiet hours.
NOW = dt.datetime(2026, 9, 16, 12, 0, tzinfo=UTC)
PREFERENCES = reverse("notifications:preferences")
PARTICIPANT_ONLY = ["practice_nudges", "practice_nudge_time", "daily_cap"]
STAFF_ONLY = ["weekly_digest", "digest_weekday", "staff_alerts"]


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def enrolled(organization, facilitator_user, participant):
    cohort = group_cohort(organization, [facilitator_user])
    return enroll(cohort, user=participant, participant_code="P-7K3Q9")


def participant_form(**changes: str) -> dict[str, str]:
    """What a participant's browser sends; an unticked checkbox is simply absent."""
    data = {
        "session_reminders": "on",
        "session_reminder_1h": "on",
        "questionnaire_reminders": "on",
        "practice_nudges": "on",
        "practice_nudge_time": "07:30",
        "daily_cap": "5",
        "quiet_hours_start": "22:30",
        "quiet_hours_end": "07:15",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def field_names(page: str) -> set[str]:
    """The names of the form controls on the page (other than the CSRF token and sign-out)."""
    controls = re.findall(r'<(?:input|select|textarea)\b[^>]*\bname="([a-z_0-9]+)"', page)
    return set(controls) - {"csrfmiddlewaretoken"}


# --- reminder settings --------------------------------------------------------------------------


def test_participant_reaches_reminder_settings_in_two_clicks(client, enrolled, participant):
    client.force_login(participant)
    home = client.get(reverse("reports:participant_home")).text
    # First click: "My details" in the main navigation, on every participant page.
    assert re.search(rf'<a href="{reverse("profile")}"[^>]*>My details</a>', home)
    details = client.get(reverse("profile")).text
    # Second click: a link that says what it leads to.
    assert re.search(
        rf'<a href="{PREFERENCES}">Choose which reminders you get, and when</a>', details
    )
    assert client.get(PREFERENCES).status_code == 200


def test_participant_sees_their_course_and_quiet_hours_sections_with_the_defaults(
    client, enrolled, participant
):
    client.force_login(participant)
    page = client.get(PREFERENCES).text
    assert "<legend>Your course</legend>" in page
    assert "<legend>Quiet hours</legend>" in page
    assert "<legend>Your cohorts</legend>" not in page
    assert field_names(page) == {
        "session_reminders",
        "session_reminder_1h",
        "questionnaire_reminders",
        "missed_session_material",
        "practice_nudges",
        "practice_nudge_time",
        "daily_cap",
        "quiet_hours_start",
        "quiet_hours_end",
    }
    assert 'value="21:00"' in page
    assert 'value="08:00"' in page
    assert re.search(r'name="daily_cap" value="3" min="1" max="20"', page)
    # Times are in the participant's own zone, and the page says which.
    assert "Europe/London" in page
    # How questionnaires are shown is a setting of its own now, and the page says where.
    assert f'<a href="{reverse("questionnaire_layout")}">How to show questionnaires</a>' in page


def test_participant_saves_and_the_settings_stay_saved(client, enrolled, participant):
    client.force_login(participant)
    response = client.post(PREFERENCES, participant_form(), follow=True)
    assert response.redirect_chain[-1][0] == PREFERENCES
    assert "Your reminder settings are saved." in response.text
    saved = Preferences.objects.get(user=participant)
    assert saved.session_reminder_1h is True
    assert saved.missed_session_material is False
    assert saved.practice_nudges is True
    assert saved.practice_nudge_time == dt.time(7, 30)
    assert saved.daily_cap == 5
    assert (saved.quiet_hours_start, saved.quiet_hours_end) == (dt.time(22, 30), dt.time(7, 15))
    # Shown again as saved when the participant comes back.
    page = client.get(PREFERENCES).text
    assert 'value="07:30"' in page
    assert 'value="22:30"' in page
    assert re.search(r'name="daily_cap" value="5"', page)
    assert not re.search(r'name="missed_session_material"[^>]*checked', page)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"daily_cap": "0"},
            "daily_cap",
            "Choose at least 1 reminder a day, or turn off the reminders you do not want.",
        ),
        ({"daily_cap": "25"}, "daily_cap", "Choose 20 reminders a day or fewer."),
        ({"daily_cap": "three"}, "daily_cap", "Enter a whole number, like 3."),
        ({"practice_nudge_time": "25:99"}, "practice_nudge_time", "Enter a time like 19:00."),
        ({"quiet_hours_start": "25:99"}, "quiet_hours_start", "Enter a time like 21:00."),
    ],
)
def test_bad_input_is_explained_and_nothing_typed_or_saved_is_lost(
    client, enrolled, participant, changes, field, message
):
    Preferences.objects.create(user=participant, daily_cap=4, practice_nudge_time=dt.time(18))
    client.force_login(participant)
    response = client.post(PREFERENCES, participant_form(**changes))
    assert response.status_code == 200
    page = response.text
    assert re.search(r"<title>Error: Reminder settings", page)
    # The summary at the top takes focus and links to the field...
    summary = re.search(
        r'<div class="error-summary" role="alert" tabindex="-1" autofocus>(.*?)</div>', page, re.S
    )
    assert summary, page
    assert f'href="#id_{field}"' in summary.group(1)
    assert message in summary.group(1)
    # ...and the same message is next to the field.
    assert page.count(message) == 2
    assert re.search(
        rf'id="id_{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="id_{field}"', page
    )
    # Everything else typed is still there, as typed.
    typed = participant_form(**changes)
    for name in ("practice_nudge_time", "quiet_hours_start", "quiet_hours_end", "daily_cap"):
        assert f'value="{typed[name]}"' in page, name
    assert re.search(r'name="session_reminder_1h"[^>]*checked', page)
    assert not re.search(r'name="missed_session_material"[^>]*checked', page)
    # Nothing saved was changed.
    saved = Preferences.objects.get(user=participant)
    assert (saved.daily_cap, saved.practice_nudge_time) == (4, dt.time(18))
    assert saved.session_reminder_1h is False


def test_facilitator_sees_their_cohorts_section_and_none_of_the_participant_fields(
    client, facilitator_user
):
    client.force_login(facilitator_user)
    page = client.get(PREFERENCES).text
    assert "<legend>Your cohorts</legend>" in page
    assert "<legend>Your course</legend>" not in page
    assert field_names(page) == {*STAFF_ONLY, "quiet_hours_start", "quiet_hours_end"}
    assert "Day for the weekly summary" in page
    assert '<option value="0" selected>Monday</option>' in page
    assert "Safety alerts are always sent." in page


def test_facilitator_chooses_the_summary_day_and_turns_alerts_off(client, facilitator_user):
    client.force_login(facilitator_user)
    response = client.post(
        PREFERENCES,
        {
            "weekly_digest": "on",
            "digest_weekday": "4",
            "quiet_hours_start": "21:00",
            "quiet_hours_end": "08:00",
        },
    )
    assert response.status_code == 302
    saved = Preferences.objects.get(user=facilitator_user)
    assert (saved.weekly_digest, saved.digest_weekday, saved.staff_alerts) == (True, 4, False)
    assert '<option value="4" selected>Friday</option>' in client.get(PREFERENCES).text


def test_a_participant_cannot_change_staff_settings_by_adding_them_to_the_form(
    client, enrolled, participant
):
    client.force_login(participant)
    client.post(PREFERENCES, participant_form(digest_weekday="5"))
    saved = Preferences.objects.get(user=participant)
    assert saved.digest_weekday == 0
    assert saved.weekly_digest is True
    assert saved.staff_alerts is True


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(PREFERENCES)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- one-click unsubscribe ---------------------------------------------------------------------


@pytest.fixture
def bare():
    """A mail program: no session cookie, and CSRF checks as strict as in production."""
    return Client(enforce_csrf_checks=True)


def unsubscribe_path(user, kind=NotificationKind.PRACTICE_NUDGE) -> str:
    return reverse("notifications:unsubscribe", args=[unsubscribe_token(user=user, kind=kind)])


def one_click(bare: Client, path: str, encoding: str):
    if encoding == "urlencoded":
        return bare.post(
            path,
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
    return bare.post(path, {"List-Unsubscribe": "One-Click"})  # multipart/form-data


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_one_click_unsubscribe_works_without_a_session_or_csrf_token_and_twice(
    bare, participant, encoding
):
    Preferences.objects.create(user=participant, practice_nudges=True, session_reminders=True)
    path = unsubscribe_path(participant)
    response = one_click(bare, path, encoding)
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "E-mails turned off" in response.text
    assert "a daily practice reminder" in response.text
    saved = Preferences.objects.get(user=participant)
    assert saved.practice_nudges is False
    # Only that kind: the session reminders still come.
    assert saved.session_reminders is True

    again = one_click(bare, path, encoding)
    assert again.status_code == 200
    assert "Location" not in again.headers
    assert Preferences.objects.get(user=participant).practice_nudges is False


def test_one_click_unsubscribe_for_someone_who_never_saved_settings(bare, participant):
    path = unsubscribe_path(participant, NotificationKind.SESSION_24H)
    assert one_click(bare, path, "urlencoded").status_code == 200
    saved = Preferences.objects.get(user=participant)
    assert saved.session_reminders is False
    assert saved.questionnaire_reminders is True


def test_opening_the_link_asks_first_and_changes_nothing(bare, participant):
    Preferences.objects.create(user=participant, practice_nudges=True)
    response = bare.get(unsubscribe_path(participant))
    assert response.status_code == 200
    assert "Stop these e-mails?" in response.text
    assert "This turns off: <strong>a daily practice reminder</strong>" in response.text
    assert '<form method="post">' in response.text
    assert Preferences.objects.get(user=participant).practice_nudges is True
    # A link checker opening the link of someone without saved settings creates nothing either.
    other = UserFactory()
    assert bare.get(unsubscribe_path(other)).status_code == 200
    assert not Preferences.objects.filter(user=other).exists()


def test_the_confirm_button_turns_it_off(bare, participant):
    Preferences.objects.create(user=participant, practice_nudges=True)
    path = unsubscribe_path(participant)
    # The page's own form posts back to the same address with no body at all.
    response = bare.post(path)
    assert response.status_code == 200
    assert "You will no longer get: <strong>a daily practice reminder</strong>" in response.text
    assert Preferences.objects.get(user=participant).practice_nudges is False


def _forgeries(user) -> dict[str, str]:
    genuine = unsubscribe_token(user=user, kind=NotificationKind.PRACTICE_NUDGE)
    other = UserFactory()
    genuine_for_other = unsubscribe_token(user=other, kind=NotificationKind.PRACTICE_NUDGE)
    payload, stamp, _signature = genuine_for_other.rsplit(":", 2)
    return {
        "signature changed": genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"),
        "cut short": genuine[: len(genuine) // 2],
        "someone else's payload, this signature": f"{payload}:{stamp}:{genuine.rsplit(':', 1)[1]}",
        "signed with another key": signing.dumps(
            {"u": user.pk, "p": "practice_nudges"}, salt=SALT, key="not-our-secret-key-" * 3
        ),
        "a preference that is not a message kind": signing.dumps(
            {"u": user.pk, "p": "daily_cap"}, salt=SALT, compress=True
        ),
        "made up": "hello",
    }


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_changed_or_made_up_link_gets_a_clear_page_and_changes_nothing(bare, participant, method):
    Preferences.objects.create(user=participant, practice_nudges=True, daily_cap=3)
    for name, token in _forgeries(participant).items():
        path = reverse("notifications:unsubscribe", args=[token])
        response = getattr(bare, method)(path)
        assert response.status_code == 400, name
        assert "This link does not work" in response.text, name
        assert "Nothing has been changed in your settings." in response.text
    saved = Preferences.objects.get(user=participant)
    assert (saved.practice_nudges, saved.daily_cap) == (True, 3)
    assert Preferences.objects.count() == 1


def test_the_link_in_a_real_e_mail_turns_that_kind_off(bare, settings, enrolled, participant):
    settings.SITE_URL = "https://stillwater.example.org"
    Preferences.objects.create(user=participant, practice_nudges=True)
    row = Notification.objects.create(
        kind=NotificationKind.PRACTICE_NUDGE,
        dedupe_key="practice_nudge:test",
        recipient=participant,
        send_at=NOW,
        enrollment=enrolled,
        for_date=NOW.date(),
    )
    header = notification_email(row).extra_headers["List-Unsubscribe"]
    url = re.fullmatch(r"<https://stillwater\.example\.org(/\S+)>", header)
    assert url, header
    response = one_click(bare, url.group(1), "urlencoded")
    assert response.status_code == 200
    assert Preferences.objects.get(user=participant).practice_nudges is False


# --- delivery log and send now -----------------------------------------------------------------


@pytest.fixture
def cast(organization, other_organization, facilitator_user, coordinator_user, participant):
    cohort = group_cohort(organization, [facilitator_user])
    other_facilitator = facilitator(organization, user__email="finn@example.org")
    group_cohort(organization, [other_facilitator])
    enrollment = enroll(cohort, user=participant, participant_code="P-7K3Q9")
    point = cohort.program.measurement_points.create(kind="baseline", label="Before the course")
    check_in = Assessment.objects.create(
        enrollment=enrollment,
        measurement_point=point,
        instruments=["phq9"],
        opens_at=NOW - dt.timedelta(days=1),
        closes_at=NOW + dt.timedelta(days=13),
    )
    return {
        "cohort": cohort,
        "enrollment": enrollment,
        "check_in": check_in,
        "facilitator": facilitator_user,
        "coordinator": coordinator_user,
        "other_facilitator": other_facilitator,
        "other_coordinator": coordinator(other_organization, user__email="olga@example.org"),
        "participant": participant,
        "other_participant": enroll(group_cohort(organization, [facilitator_user])).user,
    }


def log_url(enrollment) -> str:
    return reverse("notifications:delivery_log", args=[enrollment.pk])


def send_url(enrollment) -> str:
    return reverse("notifications:send_now", args=[enrollment.pk])


def send_check_in(client, cast, click_id: str, capture) -> object:
    with capture(execute=True):
        return client.post(
            send_url(cast["enrollment"]),
            {"click_id": click_id, "kind": "questionnaire_open", "assessment": cast["check_in"].pk},
            follow=True,
        )


@pytest.mark.parametrize("who", ["facilitator", "coordinator"])
def test_cohort_staff_see_the_log_and_the_send_buttons(client, cast, now, who):
    client.force_login(cast[who])
    response = client.get(log_url(cast["enrollment"]))
    assert response.status_code == 200
    assert "<h1>Messages to P-7K3Q9</h1>" in response.text
    assert "Send a reminder for the baseline questionnaires" in response.text


@pytest.mark.parametrize(
    "who", ["other_facilitator", "other_coordinator", "participant", "other_participant"]
)
def test_everyone_else_gets_404_for_the_log_and_for_send_now(
    client, cast, now, who, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(cast[who])
    assert client.get(log_url(cast["enrollment"])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            send_url(cast["enrollment"]),
            {
                "click_id": str(uuid.uuid4()),
                "kind": "questionnaire_open",
                "assessment": cast["check_in"].pk,
            },
        )
    assert response.status_code == 404
    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_send_now_is_post_only(client, cast, now):
    client.force_login(cast["facilitator"])
    assert client.get(send_url(cast["enrollment"])).status_code == 405


def test_send_now_sends_one_check_in_reminder_however_often_the_button_is_pressed(
    client, cast, now, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(cast["facilitator"])
    page = client.get(log_url(cast["enrollment"])).text
    click_id = re.search(r'name="click_id" value="([0-9a-f-]{36})"', page).group(1)

    first = send_check_in(client, cast, click_id, django_capture_on_commit_callbacks)
    assert first.redirect_chain[-1][0] == log_url(cast["enrollment"])
    assert "Check-in ready: on its way to P-7K3Q9." in first.text
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [cast["participant"].email]
    assert mailoutbox[0].subject == "Your check-in is ready"
    # The log shows it, who sent it and that it went.
    log = client.get(log_url(cast["enrollment"])).text
    assert "(sent by hand by Fay Facilitator)" in log
    assert re.search(r'data-label="Status">Sent<', log)

    send_check_in(client, cast, click_id, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1
    assert Notification.objects.count() == 1

    # A fresh page (a new click id) is a new, deliberate request.
    send_check_in(client, cast, str(uuid.uuid4()), django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"completed_at": NOW}, "The questionnaires are already completed."),
        ({"closes_at": NOW - dt.timedelta(minutes=1)}, "The questionnaires are not open now."),
    ],
)
def test_a_completed_or_closed_check_in_is_not_sent_and_the_page_says_why(
    client, cast, now, mailoutbox, django_capture_on_commit_callbacks, change, reason
):
    client.force_login(cast["facilitator"])
    page = client.get(log_url(cast["enrollment"])).text
    click_id = re.search(r'name="click_id" value="([0-9a-f-]{36})"', page).group(1)
    # The participant finishes (or the window closes) while the facilitator has the page open.
    Assessment.objects.filter(pk=cast["check_in"].pk).update(**change)
    response = send_check_in(client, cast, click_id, django_capture_on_commit_callbacks)
    assert reason in response.text
    assert mailoutbox == []
    assert not Notification.objects.exists()
    # And the button is gone once the page is fresh.
    assert "Send a reminder for the baseline questionnaires" not in response.text
    assert "no questionnaires are open for P-7K3Q9" in response.text


def test_a_check_in_of_another_participant_cannot_be_sent_from_this_page(
    client, cast, now, mailoutbox, django_capture_on_commit_callbacks
):
    other = cast["other_participant"].enrollments.get()
    theirs = Assessment.objects.create(
        enrollment=other,
        measurement_point=other.cohort.program.measurement_points.create(
            kind="baseline", label="Before the course"
        ),
        instruments=["phq9"],
        opens_at=NOW - dt.timedelta(days=1),
        closes_at=NOW + dt.timedelta(days=13),
    )
    client.force_login(cast["facilitator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            send_url(cast["enrollment"]),
            {"click_id": str(uuid.uuid4()), "kind": "questionnaire_open", "assessment": theirs.pk},
            follow=True,
        )
    assert "That questionnaire is not this participant&#x27;s." in response.text
    assert mailoutbox == []


def test_a_tampered_form_is_refused_with_a_clear_message(
    client, cast, now, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(cast["facilitator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            send_url(cast["enrollment"]),
            {"click_id": "not-a-uuid", "kind": "safety_alert"},
            follow=True,
        )
    assert "This page is out of date. Reload it and try again." in response.text
    assert mailoutbox == []


ACCEPT = re.compile(r"https?://\S+?(/invitations/[\w-]+/)")


def test_sending_the_invitation_again_makes_a_new_link_and_the_old_one_stops_working(
    client,
    organization,
    facilitator_user,
    coordinator_user,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    cohort = CohortFactory(
        organization=organization, facilitators=[facilitator_user], start_date=dt.date(2026, 10, 6)
    )
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            enrollment = enrollment_invite(
                cohort=cohort,
                email="new.person@example.org",
                full_name="New Person",
                invited_by=coordinator_user,
            )
        old_link = ACCEPT.search(mailoutbox[-1].body).group(1)
        client.force_login(facilitator_user)
        page = client.get(log_url(enrollment)).text
        assert "Send the invitation again" in page
        click_id = re.search(r'name="click_id" value="([0-9a-f-]{36})"', page).group(1)
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(
                    send_url(enrollment), {"click_id": click_id, "kind": "invitation"}, follow=True
                )
        assert "Invitation to join: on its way to" in response.text
        assert len(mailoutbox) == 2
        resent = mailoutbox[-1]
        assert resent.to == ["new.person@example.org"]
        new_link = ACCEPT.search(resent.body).group(1)
        assert new_link != old_link
        client.logout()
        assert "Choose a password" in client.get(new_link).text
        assert client.get(old_link).status_code == 404
    assert Invitation.objects.get().accepted_at is None


def test_each_button_on_the_page_sends_its_own_message(
    client,
    organization,
    facilitator_user,
    coordinator_user,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    # Someone invited who has not accepted yet, whose first questionnaire is already open.
    cohort = CohortFactory(
        organization=organization, facilitators=[facilitator_user], start_date=dt.date(2026, 10, 6)
    )
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            enrollment = enrollment_invite(
                cohort=cohort,
                email="new.person@example.org",
                full_name="New Person",
                invited_by=coordinator_user,
            )
        Assessment.objects.create(
            enrollment=enrollment,
            measurement_point=cohort.program.measurement_points.create(
                kind="baseline", label="Before the course"
            ),
            instruments=["phq9"],
            opens_at=NOW - dt.timedelta(days=1),
            closes_at=NOW + dt.timedelta(days=13),
        )
        client.force_login(facilitator_user)
        page = client.get(log_url(enrollment)).text
        forms = re.findall(
            r'name="click_id" value="([^"]+)">\s*<input type="hidden" name="kind" value="(\w+)"',
            page,
        )
        assert [kind for _, kind in forms] == ["questionnaire_open", "invitation"]
        assert forms[0][0] != forms[1][0]
        assessment = enrollment.assessments.get()
        for click_id, kind in forms:
            with django_capture_on_commit_callbacks(execute=True):
                client.post(
                    send_url(enrollment),
                    {"click_id": click_id, "kind": kind, "assessment": assessment.pk},
                )
    subjects = [m.subject for m in mailoutbox[1:]]
    assert subjects == [
        "Your check-in is ready",
        "Fay Facilitator has invited you to Stillwater",
    ]


def test_the_log_lists_each_message_with_its_status_and_error(client, cast, now):
    enrollment = cast["enrollment"]
    Notification.objects.create(
        kind=NotificationKind.SESSION_24H,
        dedupe_key="a",
        recipient=cast["participant"],
        enrollment=enrollment,
        send_at=NOW - dt.timedelta(days=1),
        status=NotificationStatus.SENT,
        sent_at=NOW - dt.timedelta(days=1),
        attempts=1,
    )
    Notification.objects.create(
        kind=NotificationKind.QUESTIONNAIRE_CLOSING,
        dedupe_key="b",
        recipient=cast["participant"],
        enrollment=enrollment,
        send_at=NOW - dt.timedelta(hours=2),
        status=NotificationStatus.FAILED,
        attempts=5,
        last_error="SMTPRecipientsRefused: mailbox unavailable",
    )
    client.force_login(cast["facilitator"])
    page = client.get(log_url(enrollment)).text
    assert "<caption>Messages planned for P-7K3Q9, newest first</caption>" in page
    assert page.index("Check-in closing soon") < page.index("Session coming up (the day before)")
    assert "Failed after 5 tries" in page
    assert "SMTPRecipientsRefused: mailbox unavailable" in page
    # Times in the viewer's zone, with the zone named.
    assert "Tuesday 15 September 2026, 13:00 (Europe/London time)" in page


def _fill_log(cast, count: int) -> None:
    enrollment = cast["enrollment"]
    Notification.objects.bulk_create(
        Notification(
            kind=NotificationKind.SESSION_24H if n % 2 else NotificationKind.QUESTIONNAIRE_OPEN,
            dedupe_key=f"log:{enrollment.pk}:{n}",
            recipient=cast["participant"] if n % 3 else cast["facilitator"],
            enrollment=enrollment,
            send_at=NOW - dt.timedelta(hours=n),
            status=NotificationStatus.SENT,
            sent_at=NOW - dt.timedelta(hours=n),
            requested_by=cast["coordinator"] if n % 5 == 0 else None,
        )
        for n in range(count)
    )


def test_log_queries_do_not_grow_with_the_number_of_messages(
    client, cast, now, django_assert_max_num_queries
):
    client.force_login(cast["facilitator"])
    counts = []
    for total in (3, 120):
        Notification.objects.all().delete()
        _fill_log(cast, total)
        with django_assert_max_num_queries(6) as captured:
            response = client.get(log_url(cast["enrollment"]))
        assert response.text.count('data-label="Message"') == total
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


# --- messages that did not arrive ---------------------------------------------------------------


PROBLEMS = reverse("notifications:delivery_problems")


def _problem(cast, *, key: str, status: str, enrollment=None, recipient=None, error: str = ""):
    enrollment = enrollment or cast["enrollment"]
    return Notification.objects.create(
        kind=NotificationKind.SESSION_24H,
        dedupe_key=key,
        recipient=recipient or enrollment.user,
        enrollment=enrollment,
        cohort=enrollment.cohort,
        send_at=NOW - dt.timedelta(hours=1),
        status=status,
        last_error=error,
    )


def test_coordinator_sees_failed_and_unknown_messages_of_their_organization_only(
    client, cast, now, other_organization
):
    _problem(cast, key="failed", status=NotificationStatus.FAILED, error="SMTPDataError: 550 no")
    _problem(cast, key="unknown", status=NotificationStatus.UNKNOWN, error="Sender stopped")
    _problem(cast, key="sent", status=NotificationStatus.SENT)
    _problem(cast, key="pending", status=NotificationStatus.PENDING)
    elsewhere = enroll(group_cohort(other_organization, []), participant_code="P-ELSEWH")
    _problem(cast, key="theirs", status=NotificationStatus.FAILED, enrollment=elsewhere)

    client.force_login(cast["coordinator"])
    page = client.get(PROBLEMS).text
    rows = re.findall(r"<tr>\s*<th scope=\"row\"", page)
    assert len(rows) == 2
    assert "SMTPDataError: 550 no" in page
    assert "Unknown: the sender stopped mid-way" in page
    assert f'href="{log_url(cast["enrollment"])}">Messages to P-7K3Q9</a>' in page
    assert "P-ELSEWH" not in page

    client.force_login(cast["other_coordinator"])
    page = client.get(PROBLEMS).text
    assert "P-ELSEWH" in page
    assert "P-7K3Q9" not in page


def test_a_failed_weekly_summary_to_a_facilitator_of_the_organization_is_listed(client, cast, now):
    Notification.objects.create(
        kind=NotificationKind.WEEKLY_DIGEST,
        dedupe_key="digest",
        recipient=cast["facilitator"],
        send_at=NOW - dt.timedelta(hours=1),
        for_date=NOW.date(),
        status=NotificationStatus.FAILED,
        last_error="SMTPDataError: 550 mailbox full",
    )
    client.force_login(cast["coordinator"])
    assert "SMTPDataError: 550 mailbox full" in client.get(PROBLEMS).text


def test_coordinator_with_nothing_to_check_is_told_so(client, cast, now):
    client.force_login(cast["coordinator"])
    assert "Every message went out. Nothing needs checking." in client.get(PROBLEMS).text


@pytest.mark.parametrize("who", ["facilitator", "participant"])
def test_facilitators_and_participants_get_404_for_the_problems_page(client, cast, now, who):
    _problem(cast, key="failed", status=NotificationStatus.FAILED)
    client.force_login(cast[who])
    assert client.get(PROBLEMS).status_code == 404


def test_the_coordinators_organization_page_links_to_the_problems_page(client, cast):
    client.force_login(cast["coordinator"])
    page = client.get(reverse("coordinator_home")).text
    assert f'<a href="{PROBLEMS}">Messages that did not arrive</a>' in page


def test_problems_page_queries_do_not_grow_with_the_number_of_problems(
    client, cast, now, organization, django_assert_max_num_queries
):
    client.force_login(cast["coordinator"])
    counts = []
    for total in (2, 60):
        Notification.objects.all().delete()
        for n in range(total):
            enrollment = cast["enrollment"] if n % 2 else enroll(cast["cohort"])
            _problem(cast, key=f"p{n}", status=NotificationStatus.FAILED, enrollment=enrollment)
        with django_assert_max_num_queries(5) as captured:
            page = client.get(PROBLEMS).text
        assert len(re.findall(r"<tr>\s*<th scope=\"row\"", page)) == total
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
