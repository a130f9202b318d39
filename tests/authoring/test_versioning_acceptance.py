"""Acceptance: a cohort started on version 1 keeps every page, reminder and export unchanged
after version 2 is published with other titles, material, practices, measurement plan and
reminder wording; a cohort created afterwards gets version 2."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from programs.access import program_list_offered
from programs.authoring.services.versions import (
    draft_get_or_start,
    draft_publish,
    line_copy_from_shipped,
)
from programs.models import Cohort
from sessions.models import Attendance, ScheduledSession
from sessions.notifications.models import Notification, NotificationKind
from sessions.notifications.services.messages import notification_email
from sessions.questionnaires.models import Assessment
from sessions.reports.selectors.cohort import COHORT_PARTS
from sessions.services.schedule import schedule_sync_for_cohort
from tests.factories import CohortFactory, EnrollmentFactory, ship_programs, shipped_program
from tests.questionnaires.test_questionnaire_staff import phq9, respond

pytestmark = pytest.mark.django_db
UTC = dt.UTC
START = dt.date(2026, 9, 1)
# A Wednesday in the third week: weeks 1-3 are open, a session was missed, a check-in is open.
NOW = dt.datetime(2026, 9, 16, 12, 0, tzinfo=UTC)

# What legitimately differs between two renderings of the same page.
_MASKS = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken"'),
    (re.compile(r'nonce="[^"]+"'), 'nonce=""'),
    (re.compile(r"/u/[^/\s\"'<>]+/"), "/u/TOKEN/"),
]


def _mask(text: str) -> str:
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


@pytest.fixture
def world(organization, coordinator_user, facilitator_user, participant):
    ship_programs()
    line = line_copy_from_shipped(
        user=coordinator_user,
        organization=organization,
        source=shipped_program("mbsr-8-ms"),
        name="Our MBSR",
    )
    draft = draft_get_or_start(user=coordinator_user, line=line)
    draft.program.reminder_wording = {
        "practice_nudge": {"subject": "A quiet moment", "intro": "Hello from Riverside."},
        "session_24h": {"subject": "See you tomorrow", "intro": "Bring a blanket."},
    }
    draft.program.save()
    v1 = draft_publish(user=coordinator_user, line=line)
    with time_machine.travel(dt.datetime(2026, 8, 1, tzinfo=UTC), tick=False):
        cohort = CohortFactory(
            organization=organization,
            program=v1.program,
            name="Autumn group",
            start_date=START,
            facilitators=[facilitator_user],
        )
        schedule_sync_for_cohort(cohort=cohort)
        enrollment = EnrollmentFactory(cohort=cohort, user=participant, participant_code="P-AC1")
    sessions = list(
        ScheduledSession.objects.filter(cohort=cohort, enrollment=None).order_by("starts_at")
    )
    Attendance.objects.create(
        scheduled_session=sessions[0], enrollment=enrollment, status="present"
    )
    Attendance.objects.create(scheduled_session=sessions[1], enrollment=enrollment, status="absent")
    with time_machine.travel(NOW, tick=False):
        points = {p.kind: p for p in v1.program.measurement_points.all()}
        baseline = Assessment.objects.create(
            enrollment=enrollment,
            measurement_point=points["baseline"],
            instruments=["phq9", "gad7"],
            opens_at=dt.datetime(2026, 8, 18, 17, tzinfo=UTC),
            closes_at=dt.datetime(2026, 9, 1, 17, tzinfo=UTC),
            completed_at=dt.datetime(2026, 8, 20, 9, tzinfo=UTC),
        )
        respond(baseline, "phq9", phq9(8, 0))
        respond(baseline, "gad7", dict.fromkeys(range(1, 8), 1))
        assessment = Assessment.objects.create(
            enrollment=enrollment,
            measurement_point=points["post"],
            instruments=["phq9"],
            opens_at=dt.datetime(2026, 9, 15, 17, tzinfo=UTC),
            closes_at=dt.datetime(2026, 9, 29, 17, tzinfo=UTC),
        )
    upcoming = next(s for s in sessions if s.starts_at > NOW)
    rows = {
        NotificationKind.PRACTICE_NUDGE: {"enrollment": enrollment, "for_date": NOW.date()},
        NotificationKind.SESSION_24H: {
            "enrollment": enrollment,
            "scheduled_session": upcoming,
            "about_time": upcoming.starts_at,
        },
        NotificationKind.MISSED_SESSION: {
            "enrollment": enrollment,
            "scheduled_session": sessions[1],
        },
    }
    rows[NotificationKind.QUESTIONNAIRE_OPEN] = {
        "enrollment": enrollment,
        "assessment": assessment,
        "about_time": assessment.opens_at,
    }
    notifications = [
        Notification.objects.create(
            kind=kind, dedupe_key=f"accept:{kind}", recipient=participant, send_at=NOW, **about
        )
        for kind, about in rows.items()
    ]
    return {
        "line": line,
        "v1": v1,
        "cohort": cohort,
        "enrollment": enrollment,
        "participant": participant,
        "coordinator": coordinator_user,
        "facilitator": facilitator_user,
        "notifications": notifications,
        "weeks": sorted(v1.program.sessions.values_list("number", flat=True)),
    }


def _export(*args: str) -> str:
    out = io.StringIO()
    call_command("export", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot(world) -> dict[str, str]:
    """Everything the v1 cohort's people and staff see, keyed by where it was seen."""
    seen: dict[str, str] = {}
    cohort = world["cohort"]
    with time_machine.travel(NOW, tick=False):
        person = Client()
        person.force_login(world["participant"])
        seen["participant home"] = person.get(reverse("reports:participant_home"))
        for number in world["weeks"]:
            seen[f"week {number}"] = person.get(
                reverse("program_sessions:week_detail", args=[number])
            )
        seen["practice log form"] = person.get(reverse("program_sessions:practice_create"))
        for who in ("coordinator", "facilitator"):
            staff = Client()
            staff.force_login(world[who])
            for part in COHORT_PARTS:
                seen[f"{who}: cohort {part.key}"] = staff.get(
                    reverse(part.url_name, args=[cohort.pk])
                )
            for s in ScheduledSession.objects.filter(cohort=cohort).order_by("starts_at")[:3]:
                seen[f"{who}: session {s.pk}"] = staff.get(
                    reverse("program_sessions:session_detail", args=[s.pk])
                )
        seen = {
            key: f"{response.status_code}\n{_mask(response.content.decode())}"
            for key, response in seen.items()
        }
        for row in Notification.objects.filter(pk__in=[n.pk for n in world["notifications"]]):
            message = notification_email(row)
            seen[f"reminder {row.kind}"] = _mask(
                f"{message.subject}\n{message.body}\n{message.alternatives[0][0]}"
            )
        for kind in ("completion", "participants", "outcomes", "fidelity"):
            seen[f"export {kind}"] = _export(kind, "--cohort", str(cohort.pk))
        for file in ("responses", "scores", "dictionary"):
            seen[f"export responses/{file}"] = _export(
                "responses", "--cohort", str(cohort.pk), "--file", file
            )
    return seen


def publish_a_different_version_2(world):
    user, line = world["coordinator"], world["line"]
    draft = draft_get_or_start(user=user, line=line)
    program = draft.program
    for program_session in program.sessions.all():
        program_session.title = f"New title {program_session.number}"
        program_session.aims = "A new aim"
        program_session.material = "Completely **new** material."
        program_session.home_practice = "New home practice"
        program_session.reflection_prompt = "A new question?"
        program_session.save()
    program.practices = [
        {**practice, "name": f"New {practice['name']}", "description": "New description"}
        for practice in program.practices
    ]
    program.reminder_wording = {
        "practice_nudge": {"subject": "Version two pause", "intro": "Version two intro."},
        "session_24h": {"subject": "Version two tomorrow", "intro": ""},
        "questionnaire_open": {"subject": "Version two check-in", "intro": "Hi."},
    }
    program.save()
    for point in program.measurement_points.all():
        point.label = f"New {point.label}"
        point.instruments = point.instruments[:1]
        point.optional_instruments = []
        point.opens_days -= 3
        point.save()
    return draft_publish(user=user, line=line)


def test_a_cohort_on_version_1_sees_the_same_after_version_2_is_published(world):
    before = snapshot(world)
    # The pages are worth comparing: they show version 1's own content and wording.
    for number in (1, 2, 3):
        assert before[f"week {number}"].startswith("200\n")
    assert "P-AC1" in before["export responses/responses"]
    assert before["reminder questionnaire_open"].startswith("Your check-in is ready\n")
    assert "Our MBSR, version 1" in before["coordinator: cohort overview"]
    assert before["reminder practice_nudge"].startswith("A quiet moment\n")
    assert "Hello from Riverside." in before["reminder practice_nudge"]
    v1_title = world["v1"].program.sessions.get(number=1).title
    assert v1_title in before["week 1"]

    v2 = publish_a_different_version_2(world)
    assert v2.number == 2
    after = snapshot(world)

    assert after.keys() == before.keys()
    for key in before:
        assert after[key] == before[key], f"{key} changed after version 2 was published"
    everything = "\n".join(after.values())
    for new in ("New title", "new** material", "A new question?", "Version two", "New description"):
        assert new not in everything


def test_a_cohort_created_after_publishing_runs_version_2(world, client, organization):
    v2 = publish_a_different_version_2(world)
    offered = list(program_list_offered(organization_id=organization.pk))
    assert v2.program in offered
    assert world["v1"].program not in offered
    client.force_login(world["coordinator"])
    form_page = client.get(reverse("programs:cohort_create")).content.decode()
    choices = re.findall(r'name="program" value="(\d+)"', form_page)
    assert str(v2.program.pk) in choices
    assert str(world["v1"].program.pk) not in choices

    cohort = CohortFactory(organization=organization, program=v2.program, name="Winter group")
    text = client.get(reverse("reports:cohort_detail", args=[cohort.pk])).content.decode()
    assert "Our MBSR, version 2" in text
    listing = client.get(reverse("programs:cohort_list")).content.decode()
    assert "Our MBSR, version 2" in listing
    assert "Our MBSR, version 1" in listing
    assert Cohort.objects.get(pk=world["cohort"].pk).program == world["v1"].program


def test_the_cohort_list_names_versions_in_a_fixed_number_of_queries(
    world, client, organization, django_assert_max_num_queries
):
    client.force_login(world["coordinator"])
    url = reverse("programs:cohort_list")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(4):
        CohortFactory(organization=organization, program=world["v1"].program, name=f"More {n}")
    CohortFactory(organization=organization, program=shipped_program("ier-6"), name="Shipped")
    with django_assert_max_num_queries(len(one.captured_queries)):
        text = client.get(url).content.decode()
    assert text.count("Our MBSR, version 1") == 5
