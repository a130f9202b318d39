"""The recordings pages of an organization's own program: only its coordinators reach them;
uploads are checked and nothing is saved when refused; a published version cannot change."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.authoring.models import ProgramChange, Recording
from programs.authoring.services.recordings import recording_update
from programs.authoring.services.versions import (
    ProgramEditError,
    draft_get,
    draft_get_or_start,
    draft_publish,
    line_copy_from_shipped,
)
from tests.authoring.audio_samples import PNG_BYTES, mp3_bytes, wav_bytes
from tests.factories import shipped_program


@pytest.fixture(autouse=True)
def _own_media_folder(settings, tmp_path):
    # Each test sees only the files it stored.
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def line(organization, coordinator_user):
    return line_copy_from_shipped(
        user=coordinator_user,
        organization=organization,
        source=shipped_program("mbsr-8-ms"),
        name="Our MBSR",
    )


def _upload(client, line, *, name="body-scan.wav", data=None, transcript="A bell rings.", **extra):
    return client.post(
        reverse("authoring:draft_recordings", args=[line.pk]),
        {
            "practice": "body_scan",
            "title": "Body scan, short",
            "transcript": transcript,
            "file": SimpleUploadedFile(name, wav_bytes() if data is None else data),
            **extra,
        },
    )


def _files(settings):
    from pathlib import Path

    folder = Path(settings.MEDIA_ROOT) / "recordings"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def recording(client, line, coordinator_user):
    client.force_login(coordinator_user)
    _upload(client, line)
    return Recording.objects.get(program=draft_get(line=line).program)


def test_owner_uploads_a_recording_and_sees_it_on_the_page(
    client, line, coordinator_user, settings
):
    client.force_login(coordinator_user)
    practices = [code for code, _ in draft_get(line=line).program.practice_choices()]
    assert "body_scan" in practices
    response = _upload(client, line, transcript="")
    assert response.status_code == 302
    recording = Recording.objects.get()
    assert recording.content_type == "audio/wav"
    assert recording.duration_seconds == pytest.approx(2.0)
    assert recording.file.name == f"recordings/{recording.storage_key}"
    assert recording.file.name.rsplit("/", 1)[1] in _files(settings)
    page = client.get(reverse("authoring:draft_recordings", args=[line.pk]))
    text = page.content.decode()
    assert "Body scan, short" in text
    assert "2 seconds" in text
    assert "Transcript missing:" in text
    assert "needed before publishing" in text
    change = line.changes.get(action=ProgramChange.Action.RECORDING_ADDED)
    assert "Body scan" in change.subject
    # Publishing is refused while the transcript is missing.
    with pytest.raises(ProgramEditError) as caught:
        draft_publish(user=coordinator_user, line=line)
    assert any("no transcript" in problem for problem in caught.value.problems)


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("notes.mp3", b"Just some words, not audio at all." * 10, "not audio we can play"),
        ("picture.mp3", PNG_BYTES, "a PNG image"),
        ("body-scan.mp3", wav_bytes(), "named .mp3 but it is WAV audio"),
    ],
)
def test_a_refused_upload_saves_nothing_and_keeps_what_was_typed(
    client, line, coordinator_user, settings, name, data, says
):
    client.force_login(coordinator_user)
    before = line.changes.count()
    response = _upload(client, line, name=name, data=data, transcript="Every word I typed.")
    assert response.status_code == 200
    text = response.content.decode()
    assert says in text
    assert "Every word I typed." in text
    assert 'value="Body scan, short"' in text
    assert not Recording.objects.exists()
    assert _files(settings) == []
    assert line.changes.count() == before


def test_too_large_and_too_long_uploads_are_refused(client, line, coordinator_user, settings):
    client.force_login(coordinator_user)
    settings.STILLWATER_AUDIO_MAX_BYTES = 1000
    response = _upload(client, line, data=mp3_bytes(frames=10))
    assert "The file is 5 KB; the limit is 1 KB" in response.content.decode()
    settings.STILLWATER_AUDIO_MAX_BYTES = 100 * 1024 * 1024
    settings.STILLWATER_AUDIO_MAX_SECONDS = 1
    response = _upload(client, line)
    assert "The recording is 2 seconds; the limit is 1 second" in response.content.decode()
    assert not Recording.objects.exists()
    assert _files(settings) == []


def test_owner_changes_the_transcript_and_the_history_says_so(
    client, line, coordinator_user, recording
):
    url = reverse("authoring:draft_recording_edit", args=[line.pk, recording.pk])
    assert "A bell rings." in client.get(url).content.decode()
    response = client.post(
        url, {"action": "save", "title": "Body scan", "transcript": "[A bell.] Breathe in."}
    )
    assert response.status_code == 302
    recording.refresh_from_db()
    assert recording.title == "Body scan"
    assert recording.transcript == "[A bell.] Breathe in."
    changes = line.changes.filter(action=ProgramChange.Action.RECORDING_CHANGED)
    assert {c.after for c in changes} == {"Body scan", "[A bell.] Breathe in."}
    assert changes.get(after="[A bell.] Breathe in.").before == "A bell rings."


def test_an_empty_title_is_refused_and_the_transcript_kept(
    client, line, coordinator_user, recording
):
    url = reverse("authoring:draft_recording_edit", args=[line.pk, recording.pk])
    response = client.post(url, {"action": "save", "title": " ", "transcript": "Kept text."})
    assert response.status_code == 200
    assert "Give the recording a title." in response.content.decode()
    assert "Kept text." in response.content.decode()
    recording.refresh_from_db()
    assert recording.transcript == "A bell rings."


def test_owner_removes_a_recording_after_confirming(
    client, line, coordinator_user, recording, settings
):
    url = reverse("authoring:draft_recording_edit", args=[line.pk, recording.pk])
    confirm = client.get(url + "?confirm=remove").content.decode()
    assert "Yes, remove it" in confirm
    assert Recording.objects.filter(pk=recording.pk).exists()
    with_commit = client.post(url, {"action": "remove"})
    assert with_commit.status_code == 302
    assert not Recording.objects.filter(pk=recording.pk).exists()
    assert line.changes.filter(action=ProgramChange.Action.RECORDING_REMOVED).exists()


def test_removing_a_draft_copy_keeps_the_file_a_published_version_uses(
    client, line, coordinator_user, recording, settings, django_capture_on_commit_callbacks
):
    recording_update(
        user=coordinator_user, recording=recording, title="Body scan", transcript="Words."
    )
    published = draft_publish(user=coordinator_user, line=line)
    draft = draft_get_or_start(user=coordinator_user, line=line)
    copy = Recording.objects.get(program=draft.program)
    assert copy.file.name == recording.file.name
    url = reverse("authoring:draft_recording_edit", args=[line.pk, copy.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "remove"})
    assert Recording.objects.filter(program=published.program).exists()
    assert recording.file.name.rsplit("/", 1)[1] in _files(settings)


def test_a_published_version_recording_cannot_be_changed(client, line, coordinator_user, recording):
    recording_update(
        user=coordinator_user, recording=recording, title="Body scan", transcript="Words."
    )
    draft_publish(user=coordinator_user, line=line)
    url = reverse("authoring:draft_recording_edit", args=[line.pk, recording.pk])
    page = client.get(url).content.decode()
    assert "belongs to a published version and cannot be changed" in page
    response = client.post(
        url, {"action": "save", "title": "New", "transcript": "New words."}, follow=True
    )
    assert "is published and cannot be changed" in response.content.decode()
    client.post(url, {"action": "remove"})
    recording.refresh_from_db()
    assert recording.title == "Body scan"
    with pytest.raises(ProgramEditError, match="published"):
        recording_update(user=coordinator_user, recording=recording, title="X", transcript="Y")


def test_uploading_without_a_draft_starts_one(client, line, coordinator_user):
    client.force_login(coordinator_user)
    first = draft_publish(user=coordinator_user, line=line)
    page = client.get(reverse("authoring:draft_recordings", args=[line.pk])).content.decode()
    assert "Uploading a recording starts a new draft" in page
    assert _upload(client, line).status_code == 302
    draft = draft_get(line=line)
    assert draft is not None
    assert draft.pk != first.pk
    assert Recording.objects.get().program_id == draft.program_id


@pytest.mark.parametrize("who", ["facilitator_user", "other_coordinator", "participant"])
def test_member_and_outsiders_get_404_on_every_recordings_page(
    client, request, line, coordinator_user, recording, who
):
    client.force_login(request.getfixturevalue(who))
    urls = [
        reverse("authoring:draft_recordings", args=[line.pk]),
        reverse("authoring:draft_recording_edit", args=[line.pk, recording.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "remove"}).status_code == 404
    assert _upload(client, line).status_code == 404
    assert Recording.objects.count() == 1


def test_a_recording_of_another_line_is_404_through_this_one(
    client, line, coordinator_user, recording, organization
):
    other = line_copy_from_shipped(
        user=coordinator_user,
        organization=organization,
        source=shipped_program("ier-6"),
        name="Our IER",
    )
    url = reverse("authoring:draft_recording_edit", args=[other.pk, recording.pk])
    assert client.get(url).status_code == 404


def test_the_recordings_page_makes_a_fixed_number_of_queries(
    client, line, coordinator_user, recording, django_assert_max_num_queries
):
    for _ in range(3):
        _upload(client, line)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("authoring:draft_recordings", args=[line.pk]))
    assert response.content.decode().count("Body scan, short") >= 4


def test_a_file_past_the_size_limit_is_not_kept_while_it_arrives(
    client, line, coordinator_user, settings, monkeypatch
):
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    kept: list[int] = []
    original = TemporaryFileUploadHandler.receive_data_chunk

    def counting(self, raw_data, start):
        kept.append(len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload goes to a temporary file
    settings.STILLWATER_AUDIO_MAX_BYTES = 100 * 1024
    client.force_login(coordinator_user)
    big = wav_bytes(seconds=60)  # about 940 KB
    response = _upload(client, line, data=big, transcript="Still here.")
    text = response.content.decode()
    assert "The file is 938 KB; the limit is 100 KB" in text
    assert "Still here." in text
    assert sum(kept) <= 100 * 1024 + 64 * 1024  # at most one chunk past the limit
    assert not Recording.objects.exists()


def test_an_upload_without_the_csrf_token_is_refused(line, coordinator_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator_user)
    assert _upload(client, line).status_code == 403
    assert not Recording.objects.exists()
