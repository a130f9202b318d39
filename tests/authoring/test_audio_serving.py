"""Recordings are streamed with HTTP range requests, only to people in a course that uses them."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from programs.authoring.models import Recording
from programs.models import Arm, EnrollmentStatus
from tests.authoring.audio_samples import wav_bytes
from tests.factories import CohortFactory, EnrollmentFactory, ProgramFactory, facilitator

AUDIO = wav_bytes(seconds=1)


@pytest.fixture(autouse=True)
def _own_media_folder(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def program(organization):
    return ProgramFactory(organization=organization, status="published")


@pytest.fixture
def recording(program):
    recording = Recording(
        program=program,
        practice_code="body_scan",
        title="Body scan",
        storage_key="abc.wav",
        content_type="audio/wav",
        duration_seconds=1.0,
        size_bytes=len(AUDIO),
        transcript="[A bell rings.]\n\nBreathe in.",
    )
    recording.file.save("abc.wav", ContentFile(AUDIO), save=False)
    recording.save()
    return recording


@pytest.fixture
def cohort(organization, program):
    return CohortFactory(organization=organization, program=program)


@pytest.fixture
def listener(cohort):
    return EnrollmentFactory(cohort=cohort).user


def _audio(client, recording, **headers):
    response = client.get(
        reverse("authoring:recording_audio", args=[recording.pk]), headers=headers
    )
    body = b"".join(response.streaming_content) if response.status_code in (200, 206) else b""
    return response, body


def test_without_a_range_the_whole_file_comes_with_accept_ranges(client, listener, recording):
    client.force_login(listener)
    response, body = _audio(client, recording)
    assert response.status_code == 200
    assert body == AUDIO
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Length"] == str(len(AUDIO))
    assert "private" in response["Cache-Control"]


def test_a_range_gets_206_with_exactly_those_bytes(client, listener, recording):
    client.force_login(listener)
    response, body = _audio(client, recording, Range="bytes=0-99")
    assert response.status_code == 206
    assert body == AUDIO[:100]
    assert response["Content-Range"] == f"bytes 0-99/{len(AUDIO)}"
    assert response["Content-Length"] == "100"


def test_an_open_ended_range_runs_to_the_end(client, listener, recording):
    client.force_login(listener)
    response, body = _audio(client, recording, Range="bytes=100-")
    assert response.status_code == 206
    assert body == AUDIO[100:]
    assert response["Content-Range"] == f"bytes 100-{len(AUDIO) - 1}/{len(AUDIO)}"


def test_a_suffix_range_gets_the_last_bytes(client, listener, recording):
    client.force_login(listener)
    response, body = _audio(client, recording, Range="bytes=-50")
    assert response.status_code == 206
    assert body == AUDIO[-50:]
    assert response["Content-Range"] == f"bytes {len(AUDIO) - 50}-{len(AUDIO) - 1}/{len(AUDIO)}"


def test_a_range_past_the_end_is_clamped(client, listener, recording):
    client.force_login(listener)
    response, body = _audio(client, recording, Range=f"bytes=10-{len(AUDIO) + 500}")
    assert response.status_code == 206
    assert body == AUDIO[10:]


def test_a_range_starting_past_the_end_is_416(client, listener, recording):
    client.force_login(listener)
    response, _ = _audio(client, recording, Range=f"bytes={len(AUDIO)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(AUDIO)}"


def test_several_ranges_get_the_whole_file(client, listener, recording):
    client.force_login(listener)
    response, body = _audio(client, recording, Range="bytes=0-1,5-6")
    assert response.status_code == 200
    assert body == AUDIO


def test_the_transcript_is_a_page(client, listener, recording):
    client.force_login(listener)
    response = client.get(reverse("authoring:recording_transcript", args=[recording.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Transcript: Body scan" in text
    assert "[A bell rings.]" in text


@pytest.mark.parametrize(
    "who",
    ["staff_of_cohort", "coordinator_of_organization"],
)
def test_staff_may_listen(client, request, cohort, recording, organization, coordinator_user, who):
    user = coordinator_user
    if who == "staff_of_cohort":
        user = facilitator(organization)
        cohort.facilitators.add(user)
    client.force_login(user)
    assert _audio(client, recording, Range="bytes=0-9")[0].status_code == 206


def test_a_facilitator_not_running_the_program_gets_404(client, organization, recording):
    client.force_login(facilitator(organization))
    assert _audio(client, recording)[0].status_code == 404


@pytest.mark.parametrize(
    ("arm", "status"),
    [
        (Arm.CONTROL, EnrollmentStatus.ACTIVE),
        (Arm.PENDING, EnrollmentStatus.ACTIVE),
        (Arm.INTERVENTION, EnrollmentStatus.WITHDRAWN),
        (Arm.INTERVENTION, EnrollmentStatus.INVITED),
    ],
)
def test_participants_without_sessions_get_404(client, cohort, recording, arm, status):
    extra = {"withdrawn_at": "2026-10-01"} if status == EnrollmentStatus.WITHDRAWN else {}
    enrollment = EnrollmentFactory(cohort=cohort, arm=arm, status=status, **extra)
    client.force_login(enrollment.user)
    for name in ("recording_audio", "recording_transcript"):
        assert client.get(reverse(f"authoring:{name}", args=[recording.pk])).status_code == 404


def test_participants_of_another_cohort_or_organization_get_404(
    client, organization, other_organization, recording
):
    elsewhere = EnrollmentFactory(cohort=CohortFactory(organization=organization)).user
    abroad = EnrollmentFactory(cohort=CohortFactory(organization=other_organization)).user
    for user in (elsewhere, abroad):
        client.force_login(user)
        assert _audio(client, recording)[0].status_code == 404
        url = reverse("authoring:recording_transcript", args=[recording.pk])
        assert client.get(url).status_code == 404


def test_a_coordinator_of_another_organization_gets_404(client, other_coordinator, recording):
    client.force_login(other_coordinator)
    assert _audio(client, recording)[0].status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, recording):
    response = client.get(reverse("authoring:recording_audio", args=[recording.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_shipped_program_recording_is_open_to_staff_of_any_organization(
    client, other_coordinator, recording, program
):
    program.organization = None
    program.save(update_fields=["organization"])
    client.force_login(other_coordinator)
    assert _audio(client, recording)[0].status_code == 200
