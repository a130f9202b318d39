"""The cohort page in parts: each at its own URL, with the cohort's name, a sub-navigation that
marks where you are, an overview that links into the others, and access for the cohort's staff."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from sessions.reports.selectors.cohort import COHORT_PARTS
from tests.factories import coordinator, facilitator
from tests.sessions.staff_cast import NOW, enroll, group_cohort

pytestmark = pytest.mark.django_db

RENDERED_HERE = [p for p in COHORT_PARTS if p.template]


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cohort(organization, facilitator_user):
    cohort = group_cohort(organization, [facilitator_user], name="Tuesday group")
    enroll(cohort, participant_code="P-001")
    return cohort


@pytest.mark.parametrize("part", RENDERED_HERE, ids=lambda p: p.key)
@pytest.mark.parametrize("who", ["facilitator", "coordinator"])
def test_each_part_has_the_cohort_name_and_marks_itself_in_the_sub_navigation(
    client, cohort, facilitator_user, organization, now, part, who
):
    user = facilitator_user if who == "facilitator" else coordinator(organization)
    client.force_login(user)
    text = client.get(reverse(part.url_name, args=[cohort.pk])).text
    assert re.search(r"<h1>\s*Tuesday group\s*</h1>", text)
    nav = text.split('<nav class="sub-nav" aria-label="Cohort">', 1)[1].split("</nav>", 1)[0]
    for other in COHORT_PARTS:
        assert reverse(other.url_name, args=[cohort.pk]) in nav
    current = re.findall(r'href="([^"]+)" aria-current="page">([^<]+)<', nav)
    assert current == [(reverse(part.url_name, args=[cohort.pk]), part.label)]


@pytest.mark.parametrize("part", RENDERED_HERE, ids=lambda p: p.key)
def test_outsiders_get_404_on_every_part(
    client, cohort, organization, other_organization, now, part
):
    url = reverse(part.url_name, args=[cohort.pk])
    for outsider in (
        facilitator(organization, user__email="finn@example.org"),
        coordinator(other_organization, user__email="olga@example.org"),
    ):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_safety_flags_are_part_of_the_sub_navigation():
    assert any(p.url_name == "questionnaires:cohort_safety" for p in COHORT_PARTS)


def test_overview_sums_up_and_links_into_the_parts(client, cohort, facilitator_user, now):
    client.force_login(facilitator_user)
    text = client.get(reverse("reports:cohort_detail", args=[cohort.pk])).text
    assert "Next session" in text
    assert "Session 4" in text
    assert "1 participant" in text
    assert "0 open" in text  # follow-ups and safety flags
    assert "Questionnaires to chase" in text
    for name in ("cohort_schedule", "cohort_people", "cohort_follow_ups", "cohort_charts"):
        assert reverse(f"reports:{name}", args=[cohort.pk]) in text
    # Links to the sections of the old one-page cohort page still land on the card for them.
    for anchor in ("follow-ups", "schedule", "participants", "progress", "attendance"):
        assert f'id="{anchor}"' in text


def test_buttons_and_links_repeated_per_row_name_their_participant_for_screen_readers_only(
    client, cohort, organization, now
):
    client.force_login(coordinator(organization))
    people = client.get(reverse("reports:cohort_people", args=[cohort.pk])).text
    assert 'Edit<span class="visually-hidden"> P-001</span>' in people
