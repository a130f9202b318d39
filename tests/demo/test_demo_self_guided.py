"""seed_demo's self-guided course: the demo organization's own published version of the shipped
self-guided MBSR-8 for MS, with its generated recording, and a cohort with no facilitator whose
participants are at different weeks."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from programs.authoring.models import ProgramVersion, Recording
from programs.models import Cohort, Enrollment, ProgramStatus
from sessions.models import PracticeLog, SessionCompletion
from sessions.questionnaires.models import Assessment, Response

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 12, tzinfo=dt.UTC)


@pytest.fixture
def seeded(settings, capsys):
    settings.DEBUG = True
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo")
    return capsys.readouterr().out


def _cohort():
    return Cohort.objects.select_related("program").get(name="Self-guided mindfulness")


def test_the_cohort_runs_the_organizations_own_published_version_with_no_facilitator(seeded):
    cohort = _cohort()
    program = cohort.program
    assert cohort.organization.slug == "demo"
    assert list(cohort.facilitators.all()) == []
    assert program.is_self_guided
    assert program.status == ProgramStatus.PUBLISHED
    assert program.is_active
    assert program.organization_id == cohort.organization_id
    version = ProgramVersion.objects.get(program=program)
    assert version.number == 1
    assert version.line.source.slug == "mbsr-self-8-ms"
    assert program.sessions.count() == 8
    recording = Recording.objects.get(program=program)
    assert (recording.practice_code, recording.title) == ("body_scan", "Body scan (short sample)")
    assert recording.transcript.strip()


def test_the_output_names_the_sign_in(seeded):
    assert "sign in as selfguided@demo.test" in seeded
    assert "Self-guided mindfulness" in seeded


def test_selfguided_signs_in_with_the_demo_password_and_week_2_is_open(seeded, client):
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            "/accounts/login/", {"login": "selfguided@demo.test", "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302
        week_2 = client.get(reverse("program_sessions:week_detail", args=[2]))
        assert week_2.status_code == 200
        assert "How we see things" in week_2.text
        assert client.get(reverse("program_sessions:week_detail", args=[3])).status_code == 404
        home = client.get(reverse("reports:participant_home")).text
    assert "You have completed 1 of 8 weeks." in home


def test_participants_are_at_different_weeks_and_the_first_two_answered_the_baseline(seeded):
    enrollments = {
        e.user.email: e for e in Enrollment.objects.filter(cohort=_cohort()).select_related("user")
    }
    assert set(enrollments) == {
        "selfguided@demo.test",
        "selfguided2@demo.test",
        "selfguided3@demo.test",
    }
    weeks = {
        email: SessionCompletion.objects.filter(enrollment=e, completed_at__isnull=False).count()
        for email, e in enrollments.items()
    }
    assert weeks == {
        "selfguided@demo.test": 1,
        "selfguided2@demo.test": 3,
        "selfguided3@demo.test": 0,
    }
    baseline = {
        email: Assessment.objects.get(enrollment=e, measurement_point__kind="baseline")
        for email, e in enrollments.items()
    }
    assert baseline["selfguided@demo.test"].completed_at is not None
    assert baseline["selfguided2@demo.test"].completed_at is not None
    # The one who has not begun still has their questionnaires before the course to fill in.
    waiting = baseline["selfguided3@demo.test"]
    assert waiting.completed_at is None
    assert waiting.opens_at <= NOW < waiting.closes_at
    assert PracticeLog.objects.filter(enrollment=enrollments["selfguided@demo.test"]).exists()


def test_running_again_days_later_adds_nothing(seeded, settings):
    def counts():
        return [
            model.objects.count()
            for model in (
                Cohort,
                Enrollment,
                ProgramVersion,
                Recording,
                SessionCompletion,
                PracticeLog,
                Assessment,
                Response,
                User,
            )
        ]

    before = counts()
    with time_machine.travel(NOW + dt.timedelta(days=9), tick=False):
        call_command("seed_demo")
    assert counts() == before
