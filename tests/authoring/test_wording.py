"""Reminder wording of an organization's own program: the checker, the page, history, publishing
and the reminders that go out (a cohort keeps the wording of the version it started on)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from programs.authoring.models import ProgramChange, ProgramVersion
from programs.authoring.services.versions import (
    ProgramEditError,
    draft_get,
    draft_get_or_start,
    draft_publish,
    line_copy_from_shipped,
)
from programs.authoring.wording import (
    HEALTH_WORDS,
    INTRO_MAX_LENGTH,
    REWORDABLE_KINDS,
    SUBJECT_MAX_LENGTH,
    wording_text_problems,
)
from sessions.notifications.models import (
    SAFETY_KINDS,
    STAFF_KINDS,
    Notification,
    NotificationKind,
)
from sessions.notifications.services.messages import notification_email
from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    ship_programs,
    shipped_program,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 9, 16, 12, 0, tzinfo=dt.UTC)


def subject_problems(text: str) -> list[str]:
    return wording_text_problems(text, max_length=SUBJECT_MAX_LENGTH, single_line=True)


def intro_problems(text: str) -> list[str]:
    return wording_text_problems(text, max_length=INTRO_MAX_LENGTH, single_line=False)


# --- the checker -----------------------------------------------------------------------------


def test_only_participant_reminders_may_be_reworded():
    kinds = {kind.value: kind.label for kind in NotificationKind}
    for kind, label in REWORDABLE_KINDS.items():
        assert kinds[kind] == label
    never = {*STAFF_KINDS, *SAFETY_KINDS, "invitation", "waitlist_offer", "allocation_made"}
    assert not never & set(REWORDABLE_KINDS)


def test_lengths_are_refused_one_character_past_the_limit():
    assert subject_problems("a" * SUBJECT_MAX_LENGTH) == []
    [problem] = subject_problems("a" * (SUBJECT_MAX_LENGTH + 1))
    assert f"{SUBJECT_MAX_LENGTH} characters or fewer" in problem
    assert intro_problems("a" * INTRO_MAX_LENGTH) == []
    assert intro_problems("a" * (INTRO_MAX_LENGTH + 1))


@pytest.mark.parametrize(
    "text",
    [
        "Your MS group meets tomorrow",
        "ms group tomorrow",
        "Tired? Fatigue is normal",
        "A moment of Mindfulness",
        "Your course continues",
        "Our MBSR programme",
        "Feeling depressed?",
        "Your wellbeing matters",
        "Body scan tonight",
        "Your health check-in",
    ],
)
def test_health_and_course_words_are_refused_in_any_case(text):
    [problem] = subject_problems(text)
    assert "health or what the course is" in problem
    assert intro_problems(text)


@pytest.mark.parametrize(
    "text",
    [
        "See you tomorrow",
        "Your next session is coming up",
        "A moment for today's practice",
        "The Riverside team looks forward to seeing you.",
        "Smiths & Jones",
    ],
)
def test_friendly_plain_words_pass(text):
    assert subject_problems(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Visit https://example.org now",
        "see www.example.org",
        "example.com has more",
        "javascript:alert(1)",
        "Mail mailto:x@y.z",
    ],
)
def test_links_are_refused(text):
    assert any("Take the link out" in p for p in subject_problems(text))


@pytest.mark.parametrize(
    "text", ["<b>Hi</b>", "[click](here)", "Hi {{ user }}", "Hi &amp; bye", "{% now %}"]
)
def test_markup_is_refused(text):
    assert any("Write plain text" in p for p in subject_problems(text))


def test_a_line_break_is_refused_in_a_subject_but_not_in_an_intro():
    assert any("one line" in p for p in subject_problems("Hello\nBcc: x"))
    assert intro_problems("Hello.\nSee you soon.") == []
    assert intro_problems("Hello\u202e") != []


def test_the_notification_tests_scan_every_message_for_the_production_health_words():
    from tests.notifications.test_messages import HEALTH_WORDS as MESSAGE_WORDS

    assert list(HEALTH_WORDS) == MESSAGE_WORDS
    assert subject_problems("Multiple  Sclerosis")


# --- the page --------------------------------------------------------------------------------


@pytest.fixture
def line(organization, coordinator_user):
    ship_programs()
    return line_copy_from_shipped(
        user=coordinator_user,
        organization=organization,
        source=shipped_program("mbsr-8-ms"),
        name="Our MBSR",
    )


def url(line):
    return reverse("authoring:draft_reminders", args=[line.pk])


def form_data(**fields):
    data = {f"{kind}-{part}": "" for kind in REWORDABLE_KINDS for part in ("subject", "intro")}
    data.update({key.replace("__", "-"): value for key, value in fields.items()})
    return data


def test_the_coordinator_sees_every_participant_reminder_with_its_shipped_subject(
    client, line, coordinator_user, django_assert_max_num_queries
):
    client.force_login(coordinator_user)
    client.get(url(line))
    with django_assert_max_num_queries(5):
        response = client.get(url(line))
    assert response.status_code == 200
    text = response.content.decode()
    for label in REWORDABLE_KINDS.values():
        assert label in text
    assert "Your next session is coming up" in text
    assert "Left empty: “A moment for today" in text
    assert "Safety" not in text


def test_a_facilitator_and_another_organizations_coordinator_get_404(
    client, line, facilitator_user, other_coordinator
):
    for user in (facilitator_user, other_coordinator):
        client.force_login(user)
        assert client.get(url(line)).status_code == 404
        assert client.post(url(line), form_data()).status_code == 404
    assert draft_get(line=line).program.reminder_wording == {}


def test_saving_writes_the_draft_and_a_history_line_per_reminder(client, line, coordinator_user):
    first = draft_publish(user=coordinator_user, line=line)
    client.force_login(coordinator_user)
    response = client.post(
        url(line),
        form_data(
            practice_nudge__subject="Time for a pause",
            practice_nudge__intro="The Riverside team says hello.",
            session_24h__subject="See you tomorrow",
        ),
        follow=True,
    )
    assert "saved in the draft" in response.content.decode()
    draft = draft_get(line=line)
    assert draft.program.reminder_wording == {
        "practice_nudge": {
            "subject": "Time for a pause",
            "intro": "The Riverside team says hello.",
        },
        "session_24h": {"subject": "See you tomorrow", "intro": ""},
    }
    first.program.refresh_from_db()
    assert first.program.reminder_wording == {}
    changes = ProgramChange.objects.filter(line=line, action=ProgramChange.Action.EDITED)
    assert sorted(changes.values_list("subject", flat=True)) == [
        "Reminders: Daily practice reminder",
        "Reminders: Session coming up (the day before)",
    ]
    nudge = changes.get(subject="Reminders: Daily practice reminder")
    assert nudge.before == "As shipped"
    assert "Time for a pause" in nudge.after
    assert nudge.user == coordinator_user
    # The page now shows what is saved; saving the same again changes nothing.
    again = client.post(
        url(line),
        form_data(
            practice_nudge__subject="Time for a pause",
            practice_nudge__intro="The Riverside team says hello.",
            session_24h__subject="See you tomorrow",
        ),
        follow=True,
    )
    assert "Nothing was changed" in again.content.decode()
    assert ProgramChange.objects.filter(line=line, action="edited").count() == 2


def test_a_health_word_is_refused_and_what_was_typed_stays(client, line, coordinator_user):
    client.force_login(coordinator_user)
    response = client.post(
        url(line),
        form_data(
            practice_nudge__subject="Practice for your MS fatigue",
            session_1h__intro="Nearly time: grab a cup of tea.",
        ),
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text
    assert "Daily practice reminder, subject: Leave out “fatigue”, “ms”" in text
    assert 'value="Practice for your MS fatigue"' in text
    assert "Nearly time: grab a cup of tea." in text
    assert draft_get(line=line).program.reminder_wording == {}
    assert not ProgramChange.objects.filter(line=line, action="edited").exists()


def test_a_draft_with_unsafe_wording_cannot_be_published(line, coordinator_user):
    draft = draft_get(line=line)
    draft.program.reminder_wording = {
        "practice_nudge": {"subject": "Your mindfulness course", "intro": ""},
        "safety_alert": {"subject": "Hello", "intro": ""},
    }
    draft.program.save()
    with pytest.raises(ProgramEditError) as raised:
        draft_publish(user=coordinator_user, line=line)
    problems = " ".join(raised.value.problems)
    assert "Daily practice reminder" in problems
    assert "“course”" in problems
    assert "“safety_alert” cannot be reworded" in problems
    assert draft_get(line=line) is not None


# --- the reminders that go out ----------------------------------------------------------------


def _nudge(cohort, email):
    enrollment = EnrollmentFactory(cohort=cohort, user__email=email)
    row = Notification.objects.create(
        kind=NotificationKind.PRACTICE_NUDGE,
        dedupe_key=f"test:{email}",
        recipient=enrollment.user,
        enrollment=enrollment,
        for_date=NOW.date(),
        send_at=NOW,
    )
    return notification_email(Notification.objects.get(pk=row.pk))


def _publish_with(line, user, subject, intro):
    draft = draft_get_or_start(user=user, line=line)
    draft.program.reminder_wording = {"practice_nudge": {"subject": subject, "intro": intro}}
    draft.program.save()
    return draft_publish(user=user, line=line)


def test_a_cohort_keeps_the_reminder_wording_of_the_version_it_started_on(
    line, organization, coordinator_user
):
    v1 = _publish_with(line, coordinator_user, "A quiet moment", "Hello from Riverside.")
    old = CohortFactory(organization=organization, program=v1.program)
    v2 = _publish_with(line, coordinator_user, "Ten minutes for you", "New words & all.")
    new = CohortFactory(organization=organization, program=v2.program)
    shipped = CohortFactory(organization=organization, program=shipped_program("mbsr-8-ms"))

    with time_machine.travel(NOW, tick=False):
        on_v1 = _nudge(old, "one@example.org")
        on_v2 = _nudge(new, "two@example.org")
        on_shipped = _nudge(shipped, "three@example.org")

    assert on_v1.subject == "A quiet moment"
    assert "Hello from Riverside." in on_v1.body
    assert "<p>Hello from Riverside.</p>" in on_v1.alternatives[0][0]
    assert "Ten minutes" not in on_v1.body
    assert on_v2.subject == "Ten minutes for you"
    assert "New words & all." in on_v2.body
    assert "New words &amp; all." in on_v2.alternatives[0][0]
    assert on_shipped.subject == "A moment for today's practice"
    assert "Hello from Riverside" not in on_shipped.body
    # The standard text and the way to stop reminders stay whatever the wording.
    for message in (on_v1, on_v2):
        assert "Any length counts" in message.body
        assert "Stop “daily practice reminder” e-mails" in message.body


def test_wording_never_reaches_staff_messages(line, coordinator_user):
    draft = draft_get(line=line)
    draft.program.reminder_wording = {"weekly_digest": {"subject": "Hi", "intro": "x"}}
    assert ProgramVersion.objects.filter(line=line).count() == 1
    from programs.authoring.wording import wording_of

    assert wording_of(draft.program.reminder_wording, "weekly_digest") is None
