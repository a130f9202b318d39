"""A guided recording as the player asks for it, and its transcript as a page.

The file comes from Django storage (the filesystem, or S3-compatible object storage in
production), streamed a slice at a time and never through a public URL: each request passes the
listener check first. Browsers ask for ranges (to show the length, to seek, to resume), so a
`Range: bytes=a-b` request gets 206 with exactly those bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_safe

from accounts.http import AuthenticatedHttpRequest

from ..selectors import recording_get_for_listener

CHUNK_BYTES = 64 * 1024
SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Unsatisfiable(Exception):
    pass


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte a Range header asks for, or None to send the whole file (no
    header, a malformed one, or several ranges); Unsatisfiable when it lies past the end."""
    found = SINGLE_RANGE.match(header.strip())
    if found is None:
        return None
    first, last = found.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - suffix), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size:
        raise Unsatisfiable
    if last and int(last) < start:
        return None
    return start, end


def _slice(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        left = length
        while left > 0:
            chunk = handle.read(min(CHUNK_BYTES, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


@require_safe
def recording_audio(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The recording's bytes, the whole file or the one range asked for."""
    recording = recording_get_for_listener(user=request.user, pk=pk)
    handle = recording.file.storage.open(recording.file.name, "rb")
    size = handle.size
    try:
        wanted = byte_range(request.headers.get("Range", ""), size)
    except Unsatisfiable:
        handle.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    start, end = wanted if wanted is not None else (0, size - 1)
    length = end - start + 1 if size else 0
    response = StreamingHttpResponse(
        _slice(handle, start, length),
        status=206 if wanted is not None else 200,
        content_type=recording.content_type,
    )
    if wanted is not None:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    # Only for the person who may hear it: no shared cache may keep a copy.
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    return response


def recording_transcript(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Everything the recording says, to read instead of (or while) listening."""
    recording = recording_get_for_listener(user=request.user, pk=pk)
    return render(
        request,
        "authoring/recordings/recording_transcript.html",
        {
            "recording": recording,
            "practice_name": recording.program.practice_name(recording.practice_code),
        },
    )


urlpatterns: list[URLPattern] = [
    path("recordings/<int:pk>/audio/", recording_audio, name="recording_audio"),
    path("recordings/<int:pk>/transcript/", recording_transcript, name="recording_transcript"),
]
