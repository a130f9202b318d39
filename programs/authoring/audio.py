"""Checking an uploaded recording by what it contains, not by what it is called.

A file is accepted only when mutagen reads it as MP3, M4A (MP4 audio), OGG (Vorbis or Opus) or
WAV, with a length above zero and within the limit, and when that format is the one its name
says: a `.mp3` that is really WAV would be served with the wrong type and fail in some browsers.
The size is checked first, from what the upload already knows, before anything is read.
"""

from __future__ import annotations

import io
import math
import secrets
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest
from mutagen import MutagenError
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

MEGABYTE = 1024 * 1024
DEFAULT_MAX_SECONDS = 90 * 60
DEFAULT_MAX_BYTES = 100 * MEGABYTE

# Format found → (its name for people, the extensions that may carry it, the type it is served as).
FORMATS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "mp3": ("MP3", ("mp3",), "audio/mpeg"),
    "m4a": ("M4A", ("m4a",), "audio/mp4"),
    "vorbis": ("OGG", ("ogg", "oga"), "audio/ogg"),
    "opus": ("OGG Opus", ("opus", "ogg"), "audio/ogg"),
    "wav": ("WAV", ("wav",), "audio/wav"),
}
# Which mutagen class reads each family the first bytes announce (OGG: Vorbis, else Opus).
PARSERS: dict[str, list[tuple[str, Any]]] = {
    "wav": [("wav", WAVE)],
    "ogg": [("vorbis", OggVorbis), ("opus", OggOpus)],
    "m4a": [("m4a", MP4)],
    "mp3": [("mp3", MP3)],
}
ACCEPTED_EXTENSIONS = sorted({ext for _, exts, _ in FORMATS.values() for ext in exts})
ACCEPTED_WORDS = "MP3, M4A, OGG or WAV"

# What a file that is not audio most often is, so the message can say so.
NOT_AUDIO_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or an office document"),
)


class AudioError(Exception):
    """An upload that cannot be a recording; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedAudio:
    extension: str
    content_type: str
    duration_seconds: float
    size_bytes: int
    storage_key: str


def max_seconds() -> int:
    return int(getattr(settings, "STILLWATER_AUDIO_MAX_SECONDS", DEFAULT_MAX_SECONDS))


def max_bytes() -> int:
    return int(getattr(settings, "STILLWATER_AUDIO_MAX_BYTES", DEFAULT_MAX_BYTES))


def size_words(size: int) -> str:
    # Rounded up: a file just over the limit must not read as "100 MB; the limit is 100 MB".
    if size < MEGABYTE:
        return f"{math.ceil(size / 1024)} KB"
    return f"{math.ceil(size / MEGABYTE)} MB"


def duration_words(seconds: float) -> str:
    # Rounded up, like the size: just over the limit must not read as the limit itself.
    if seconds < 60:
        return length_words(math.ceil(seconds))
    minutes = math.ceil(seconds / 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{minutes} min"


def limit_words(seconds: int) -> str:
    if seconds % 60 == 0:
        return f"{seconds // 60} minutes"
    return length_words(seconds)


def _not_audio(what: str) -> AudioError:
    return AudioError(
        f"This file is not audio we can play: {what}. Upload the recording as {ACCEPTED_WORDS}."
    )


def _sniff(head: bytes) -> str | None:
    """The audio family the first bytes announce (the parser then has the last word)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def _parse(family: str, fileobj: IO[bytes]) -> tuple[str, Any]:
    """The format and mutagen's stream information, or AudioError."""
    candidates = PARSERS[family]
    for name, kind in candidates:
        fileobj.seek(0)
        try:
            parsed = kind(fileobj)
        except (MutagenError, ValueError, EOFError, OSError):
            continue
        info = parsed.info
        if name == "m4a" and not str(getattr(info, "codec", "")).startswith(("mp4a", "alac")):
            # An MP4 with no audio track (a video, say) has nothing for the player.
            raise _not_audio("the MP4 file has no audio we can play")
        return name, info
    raise _not_audio(f"it starts like {FORMATS[candidates[0][0]][0]} but cannot be read")


def audio_check(*, name: str, size: int, fileobj: IO[bytes]) -> CheckedAudio:
    """Check an upload (its original name, size in bytes and content); AudioError says why not."""
    limit = max_bytes()
    if size > limit:
        raise AudioError(
            f"The file is {size_words(size)}; the limit is {size_words(limit)}. "
            "Export the recording at a lower quality (MP3 at 96 kbit/s is plenty for a voice)."
        )
    extension = PurePosixPath(name).suffix.lower().lstrip(".")
    if extension not in ACCEPTED_EXTENSIONS:
        raise _not_audio(
            f"its name ends in “.{extension}”" if extension else "its name has no extension"
        )
    if size == 0:
        raise _not_audio("the file is empty")
    fileobj.seek(0)
    head = fileobj.read(16)
    family = _sniff(head)
    if family is None:
        found = next((what for magic, what in NOT_AUDIO_SIGNATURES if head.startswith(magic)), "")
        raise _not_audio(found or f"we found no {ACCEPTED_WORDS} audio in it")
    kind, info = _parse(family, fileobj)
    fileobj.seek(0)
    label, extensions, content_type = FORMATS[kind]
    if extension not in extensions:
        raise AudioError(
            f"The file is named .{extension} but it is {label} audio. Rename it to "
            f".{extensions[0]}, or export it again as {FORMATS[_kind_for(extension)][0]}."
        )
    length = float(getattr(info, "length", 0) or 0)
    if not math.isfinite(length) or length <= 0:
        raise _not_audio("we could not read how long it is")
    if length > max_seconds():
        raise AudioError(
            f"The recording is {duration_words(length)}; the limit is "
            f"{limit_words(max_seconds())}. Shorten it, or split it into parts."
        )
    return CheckedAudio(
        extension=extension,
        content_type=content_type,
        duration_seconds=round(length, 2),
        size_bytes=size,
        storage_key=f"{secrets.token_urlsafe(18)}.{extension}",
    )


def _kind_for(extension: str) -> str:
    return next(kind for kind, (_, exts, _) in FORMATS.items() if extension in exts)


def length_words(seconds: float) -> str:
    """A recording's length as people say it: “45 seconds”, “20 min”, “1 h 5 min”."""
    if seconds < 60:
        whole = max(1, round(seconds))
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = round(seconds / 60)
    hours, rest = divmod(minutes, 60)
    if hours:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{minutes} min"


class OversizedUpload(UploadedFile):
    """What is left of an upload past the size limit: its name and size, none of its bytes."""

    def __init__(self, *, name: str, size: int) -> None:
        super().__init__(io.BytesIO(), name=name, content_type=None, size=size)


class RecordingSizeLimit(FileUploadHandler):
    """Stops keeping an uploaded file once it passes the recording limit (the rest of the request
    is still read, so the title and transcript typed come back with the message); the form then
    gets an `OversizedUpload` that says how big the file was. Put it first in
    `request.upload_handlers`, before anything reads request.POST."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        # None keeps the chunk from the handlers after this one (the temporary file).
        return raw_data if self.received <= self.limit else None

    def file_complete(self, _file_size: int) -> UploadedFile | None:
        if self.received <= self.limit:
            return None  # the next handler's file, as usual
        return OversizedUpload(name=self.file_name or "", size=self.received)
