"""The preview of a week: the draft, a chosen version or the newest, as participants see it."""

import pytest
from django.urls import reverse

from programs.authoring.models import Recording
from programs.authoring.services.versions import (
    draft_get,
    draft_get_or_start,
    draft_publish,
    line_copy_from_shipped,
)
from tests.factories import ship_programs, shipped_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(organization, coordinator_user):
    ship_programs()
    return line_copy_from_shipped(
        user=coordinator_user,
        organization=organization,
        source=shipped_program("mbsr-8-ms"),
        name="Our MBSR",
    )


def url(line, number, query=""):
    return reverse("authoring:preview_week", args=[line.pk, number]) + query


def _week(program, number, **fields):
    program.sessions.filter(number=number).update(**fields)


def test_the_draft_week_shows_as_a_participant_sees_it(
    client, line, coordinator_user, django_assert_max_num_queries
):
    program = draft_get(line=line).program
    practice = program.practices[0]
    program.sessions.filter(number=2).update(
        title="Noticing the breath",
        aims="Notice the breath\nBe kind to yourself",
        material="# Start here\n\nSome **bold** words.",
        practices=[practice["code"]],
        home_practice="Ten minutes a day\nA pause before meals",
        reflection_prompt="What did you notice?",
    )
    Recording.objects.create(
        program=program,
        practice_code=practice["code"],
        title="Guided breath",
        file="recordings/x.wav",
        storage_key="x.wav",
        content_type="audio/wav",
        duration_seconds=600,
        size_bytes=100,
        transcript="Breathe in.",
    )
    client.force_login(coordinator_user)
    client.get(url(line, 1))
    with django_assert_max_num_queries(7):
        response = client.get(url(line, 2))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Preview: this is how participants see week 2" in text
    assert "This is the draft" in text
    assert "<h1>Week 2: Noticing the breath</h1>" in text
    assert "<li>Be kind to yourself</li>" in text
    assert "<h3>Start here</h3>" in text
    assert "<strong>bold</strong>" in text
    assert practice["name"] in text
    assert "Guided breath" in text
    # The participant's player (authoring/_player.html), with the transcript beside it.
    assert "<audio" in text
    assert "Playback speed" in text
    assert "Breathe in." in text
    assert "<li>A pause before meals</li>" in text
    assert "What did you notice?" in text
    assert reverse("authoring:preview_week", args=[line.pk, 1]) in text
    assert reverse("authoring:preview_week", args=[line.pk, 3]) in text
    assert reverse("authoring:draft_week", args=[line.pk, 2]) in text


def test_the_query_count_does_not_grow_with_recordings(
    client, line, coordinator_user, django_assert_max_num_queries
):
    program = draft_get(line=line).program
    codes = [p["code"] for p in program.practices]
    program.sessions.filter(number=1).update(practices=codes)
    for code in codes:
        for n in range(3):
            Recording.objects.create(
                program=program,
                practice_code=code,
                title=f"{code} {n}",
                file="recordings/x.wav",
                duration_seconds=60,
                size_bytes=1,
                content_type="audio/wav",
            )
    client.force_login(coordinator_user)
    client.get(url(line, 2))
    # Signed-in user and session, line, draft, sessions, recordings (one query for them all).
    with django_assert_max_num_queries(7):
        assert client.get(url(line, 1)).status_code == 200


def test_a_version_is_previewed_on_request_and_the_newest_without_a_draft(
    client, line, coordinator_user
):
    first = draft_publish(user=coordinator_user, line=line)
    _week(first.program, 1, title="Version one title")
    draft = draft_get_or_start(user=coordinator_user, line=line)
    _week(draft.program, 1, title="Draft title")
    client.force_login(coordinator_user)
    assert "Draft title" in client.get(url(line, 1)).content.decode()
    old = client.get(url(line, 1, "?version=1")).content.decode()
    assert "Version one title" in old
    assert "This is version 1" in old
    # The week links keep to the version being previewed.
    assert url(line, 2, "?version=1") in old
    second = draft_publish(user=coordinator_user, line=line)
    assert second.number == 2
    newest = client.get(url(line, 1)).content.decode()
    assert "Draft title" in newest
    assert "This is version 2, which new cohorts get" in newest


@pytest.mark.parametrize("query", ["?version=9", "?version=x", "?version=-1"])
def test_an_unknown_version_or_week_is_404(client, line, coordinator_user, query):
    client.force_login(coordinator_user)
    assert client.get(url(line, 1, query)).status_code == 404
    assert client.get(url(line, 99)).status_code == 404


def test_only_the_lines_coordinators_may_preview(
    client, line, facilitator_user, other_coordinator, participant
):
    for user in (facilitator_user, other_coordinator, participant):
        client.force_login(user)
        assert client.get(url(line, 1)).status_code == 404
    client.logout()
    assert client.get(url(line, 1)).status_code == 302
