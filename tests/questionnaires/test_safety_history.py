"""A cohort's safety history: every flag, open and acknowledged, newest first, for its staff only;
and the participant page keeps the same history for that person."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from sessions.questionnaires.services.safety import safety_event_acknowledge
from tests.factories import EnrollmentFactory, UserFactory, coordinator, facilitator
from tests.questionnaires.test_questionnaire_staff import NOW, mbsr_cohort, safety_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(organization, facilitator_user):
    """Two flags in one cohort: Robin's (older, acknowledged by Fay) and Sam's (newer, open)."""
    cohort = mbsr_cohort(organization, [facilitator_user])
    robin = EnrollmentFactory(
        cohort=cohort, participant_code="P-ROB", user=UserFactory(full_name="Robin Reed")
    )
    sam = EnrollmentFactory(
        cohort=cohort, participant_code="P-SAM", user=UserFactory(full_name="Sam Stone")
    )
    with time_machine.travel(dt.datetime(2026, 10, 19, 10, tzinfo=dt.UTC), tick=False):
        older = safety_event(robin, item9=2)
    with time_machine.travel(dt.datetime(2026, 10, 20, 11, tzinfo=dt.UTC), tick=False):
        safety_event_acknowledge(
            event=older, by=facilitator_user, action_taken="Phoned Robin; safe at home."
        )
    with time_machine.travel(dt.datetime(2026, 10, 22, 15, tzinfo=dt.UTC), tick=False):
        newer = safety_event(sam, item9=1)
    return {"cohort": cohort, "older": older, "newer": newer}


def _url(cohort) -> str:
    return reverse("questionnaires:cohort_safety", args=[cohort.pk])


# --- who may see it ---------------------------------------------------------------------------


def test_the_cohorts_facilitator_sees_every_flag_newest_first(
    client, history, facilitator_user, now
):
    client.force_login(facilitator_user)
    text = client.get(_url(history["cohort"])).text
    assert "1 open, 1 acknowledged." in text
    assert text.index("P-SAM") < text.index("P-ROB")
    assert "Sam Stone" in text
    assert "Robin Reed" in text
    assert "answered PHQ-9 item 9 with “Several days”" in text
    assert "answered PHQ-9 item 9 with “More than half the days”" in text
    # The acknowledged one says who, when and what was done.
    assert "By Fay Facilitator, Tuesday 20 October 2026, 12:00 (Europe/London time)." in text
    assert "Phoned Robin; safe at home." in text
    for event in (history["older"], history["newer"]):
        assert reverse("questionnaires:safety_event_detail", args=[event.pk]) in text
        assert reverse("reports:participant_detail", args=[event.enrollment_id]) in text


def test_a_coordinator_of_the_organization_sees_it(client, history, coordinator_user, now):
    client.force_login(coordinator_user)
    response = client.get(_url(history["cohort"]))
    assert response.status_code == 200
    assert "P-ROB" in response.text


@pytest.mark.parametrize("who", ["other facilitator", "other organization", "participant"])
def test_anyone_else_gets_404(client, history, organization, other_coordinator, now, who):
    person = {
        "other facilitator": lambda: facilitator(organization),
        "other organization": lambda: other_coordinator,
        "participant": lambda: history["newer"].enrollment.user,
    }[who]()
    client.force_login(person)
    assert client.get(_url(history["cohort"])).status_code == 404


def test_a_cohort_without_flags_says_so(client, organization, facilitator_user, now):
    cohort = mbsr_cohort(organization, [facilitator_user])
    client.force_login(facilitator_user)
    assert "No safety flags have been raised in this cohort." in client.get(_url(cohort)).text


def test_opening_the_history_is_recorded_with_the_participants_it_showed(
    client, history, facilitator_user, now
):
    client.force_login(facilitator_user)
    client.get(_url(history["cohort"]))
    event = AuditEvent.objects.filter(action=AuditAction.VIEW_ANSWERS).latest("pk")
    assert event.participant_codes.split() == ["P-ROB", "P-SAM"]
    assert event.details["page"] == "safety history"


def test_the_page_makes_the_same_queries_however_many_flags(
    client, organization, facilitator_user, now, django_assert_max_num_queries
):
    cohort = mbsr_cohort(organization, [facilitator_user])
    safety_event(EnrollmentFactory(cohort=cohort, participant_code="P-Q0"))
    client.force_login(facilitator_user)
    with django_assert_max_num_queries(30) as one:
        client.get(_url(cohort))
    for n in range(1, 12):
        event = safety_event(EnrollmentFactory(cohort=cohort, participant_code=f"P-Q{n}"))
        if n % 2:
            safety_event_acknowledge(
                event=event, by=coordinator(organization), action_taken="Rang."
            )
    with django_assert_max_num_queries(30) as many:
        text = client.get(_url(cohort)).text
    assert "6 open, 6 acknowledged." in text
    assert len(one) == len(many)


# --- the same history on the participant page ---------------------------------------------------


def test_the_participant_page_keeps_acknowledged_flags_and_links_to_the_cohorts_history(
    client, history, facilitator_user, now
):
    client.force_login(facilitator_user)
    enrollment = history["older"].enrollment
    page = client.get(reverse("reports:participant_detail", args=[enrollment.pk])).text
    # The page's own section (the banner above it shows the cohort's open flags).
    text = page[page.index('id="safety"') : page.index('id="follow-ups"')]
    assert "Acknowledged</strong>: P-ROB answered PHQ-9 item 9" in text
    assert "Phoned Robin; safe at home." in text
    assert _url(history["cohort"]) in text
    # Only this person's flags.
    assert "P-SAM" not in text


def test_the_flag_page_links_to_the_cohorts_history(client, history, facilitator_user, now):
    client.force_login(facilitator_user)
    text = client.get(
        reverse("questionnaires:safety_event_detail", args=[history["older"].pk])
    ).text
    assert _url(history["cohort"]) in text
    assert "None: it was acknowledged before it had to be." in text
