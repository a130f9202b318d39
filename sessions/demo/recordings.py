"""A guided recording for the demo, generated here so the player can be tried anywhere.

No voice synthesiser is assumed on a newcomer's laptop: the recording is three soft bells a
few seconds apart with quiet between them, made with the standard library (16-bit mono WAV),
and its transcript says so. The same bytes every run, so the demo is reproducible.
"""

from __future__ import annotations

import io
import math
import wave

from django.core.files.base import ContentFile

from accounts.models import User
from programs.authoring.models import Recording
from programs.models import Program

SAMPLE_RATE = 8000
BELL_EVERY_SECONDS = 8
BELLS = 3
TAIL_SECONDS = 6
DEMO_TRANSCRIPT = """\
[A soft bell rings.]

Find a comfortable position, lying down or sitting in a supported chair. Let your eyes close, or rest your gaze on the floor.

[Quiet for a few seconds.]

[A second bell.]

Notice where your body touches the bed or the chair. If a part of the body feels numb, tingly or hard to sense, simply notice that.

[Quiet for a few seconds.]

[A third bell.]

When you are ready, open your eyes and move gently. This short recording is a sample: your course's full body scan is longer.
"""


def bell_wav() -> bytes:
    """Three bells, each a decaying tone with a soft overtone, then quiet."""
    total = BELL_EVERY_SECONDS * BELLS + TAIL_SECONDS
    frames = bytearray()
    for index in range(total * SAMPLE_RATE):
        since_bell = (index % (BELL_EVERY_SECONDS * SAMPLE_RATE)) / SAMPLE_RATE
        ringing = index < BELLS * BELL_EVERY_SECONDS * SAMPLE_RATE
        value = 0.0
        if ringing:
            envelope = math.exp(-since_bell * 1.2)
            value = envelope * (
                0.5 * math.sin(2 * math.pi * 528 * since_bell)
                + 0.2 * math.sin(2 * math.pi * 1056 * since_bell)
            )
        frames += int(value * 12000).to_bytes(2, "little", signed=True)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(bytes(frames))
    return buffer.getvalue()


def demo_recording_add(
    *, program: Program, practice_code: str, title: str, uploaded_by: User | None = None
) -> Recording:
    """The generated recording on one of the program's practices (once: re-runs reuse it)."""
    existing = Recording.objects.filter(
        program=program, practice_code=practice_code, title=title
    ).first()
    if existing is not None:
        return existing
    data = bell_wav()
    key = f"demo-{program.pk}-{practice_code}.wav"
    recording = Recording(
        program=program,
        practice_code=practice_code,
        title=title,
        storage_key=key,
        content_type="audio/wav",
        duration_seconds=float(BELL_EVERY_SECONDS * BELLS + TAIL_SECONDS),
        size_bytes=len(data),
        transcript=DEMO_TRANSCRIPT,
        uploaded_by=uploaded_by,
    )
    recording.file.save(key, ContentFile(data), save=False)
    recording.save()
    return recording
