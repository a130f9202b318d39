"""Uploads are checked by what they contain: real MP3, M4A, OGG and WAV pass with their length;
anything else, a mismatched name, too long or too large is refused with a message that says why."""

import io

import pytest

from programs.authoring.audio import AudioError, audio_check, length_words
from tests.authoring.audio_samples import (
    PNG_BYTES,
    m4a_bytes,
    mp3_bytes,
    ogg_opus_bytes,
    ogg_vorbis_bytes,
    wav_bytes,
)


def check(name: str, data: bytes):
    return audio_check(name=name, size=len(data), fileobj=io.BytesIO(data))


@pytest.mark.parametrize(
    ("name", "data", "content_type", "seconds"),
    [
        ("Body scan.WAV", wav_bytes(seconds=2), "audio/wav", 2.0),
        ("body-scan.mp3", mp3_bytes(frames=100), "audio/mpeg", 2.6),
        ("body-scan.ogg", ogg_vorbis_bytes(seconds=3), "audio/ogg", 3.0),
        ("body-scan.opus", ogg_opus_bytes(seconds=3), "audio/ogg", 3.0),
        ("body-scan.m4a", m4a_bytes(seconds=3), "audio/mp4", 3.0),
    ],
)
def test_real_audio_is_accepted_with_its_length_and_type(name, data, content_type, seconds):
    checked = check(name, data)
    assert checked.content_type == content_type
    assert checked.duration_seconds == pytest.approx(seconds, abs=0.05)
    assert checked.size_bytes == len(data)
    extension = name.rsplit(".", 1)[1].lower()
    # The stored name is random and says nothing about the upload's name.
    assert checked.storage_key.endswith(f".{extension}")
    assert "scan" not in checked.storage_key.lower()
    assert check(name, data).storage_key != checked.storage_key


def test_a_png_is_not_audio():
    with pytest.raises(AudioError, match=r"not audio we can play: its name ends in “\.png”"):
        check("bell.png", PNG_BYTES)
    with pytest.raises(AudioError, match="This file is not audio we can play: a PNG image"):
        check("bell.mp3", PNG_BYTES)


def test_a_text_file_renamed_mp3_is_not_audio():
    with pytest.raises(AudioError, match="This file is not audio we can play") as caught:
        check("body-scan.mp3", b"Breathe in, breathe out.\n" * 40)
    assert "MP3, M4A, OGG or WAV" in caught.value.message


def test_broken_audio_is_refused():
    with pytest.raises(AudioError, match="starts like WAV but cannot be read"):
        check("scan.wav", wav_bytes()[:20])


def test_an_mp4_without_audio_is_refused():
    with pytest.raises(AudioError, match="no audio"):
        check("clip.m4a", m4a_bytes(handler=b"vide"))


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("body-scan.mp3", wav_bytes(), "named .mp3 but it is WAV audio"),
        ("body-scan.wav", mp3_bytes(), "named .wav but it is MP3 audio"),
        ("body-scan.m4a", ogg_vorbis_bytes(), "named .m4a but it is OGG audio"),
        ("body-scan.ogg", m4a_bytes(), "named .ogg but it is M4A audio"),
    ],
)
def test_a_name_that_does_not_match_the_content_is_refused_naming_both(name, data, says):
    with pytest.raises(AudioError, match=says):
        check(name, data)


def test_an_empty_or_silent_length_is_refused():
    with pytest.raises(AudioError, match="could not read how long"):
        check("scan.wav", wav_bytes(seconds=0))


def test_a_recording_longer_than_the_limit_is_refused(settings):
    settings.STILLWATER_AUDIO_MAX_SECONDS = 2
    with pytest.raises(AudioError, match="The recording is 3 seconds; the limit is 2 seconds"):
        check("scan.ogg", ogg_vorbis_bytes(seconds=3))
    settings.STILLWATER_AUDIO_MAX_SECONDS = 90 * 60
    long = ogg_vorbis_bytes(seconds=2 * 3600 + 5 * 60)
    with pytest.raises(AudioError, match="The recording is 2 h 5 min; the limit is 90 minutes"):
        check("scan.ogg", long)


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(settings):
    settings.STILLWATER_AUDIO_MAX_BYTES = 100 * 1024 * 1024

    class Unread(io.BytesIO):
        def read(self, *args):  # pragma: no cover - the point is that it is never called
            raise AssertionError("read a file that was already too large")

    with pytest.raises(AudioError, match="The file is 140 MB; the limit is 100 MB"):
        audio_check(name="scan.mp3", size=140 * 1024 * 1024, fileobj=Unread())


def test_a_file_just_over_the_limit_does_not_read_as_the_limit(settings):
    settings.STILLWATER_AUDIO_MAX_BYTES = 1024 * 1024
    with pytest.raises(AudioError, match="The file is 2 MB; the limit is 1 MB"):
        audio_check(name="scan.mp3", size=1024 * 1024 + 1, fileobj=io.BytesIO())


def test_lengths_read_as_people_say_them():
    assert length_words(30) == "30 seconds"
    assert length_words(20 * 60 + 10) == "20 min"
    assert length_words(65 * 60) == "1 h 5 min"
