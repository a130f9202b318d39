"""Small real audio files for the upload checks, made here so the tests need no encoder.

WAV comes from the standard library; MP3, OGG (Vorbis, Opus) and M4A are built from their
container structures (MPEG frames, Ogg pages with their checksums, MP4 atoms): silent, but
what mutagen (and a browser) reads as those formats, with a known length.
"""

from __future__ import annotations

import io
import struct
import wave

from mutagen.ogg import OggPage


def wav_bytes(*, seconds: float = 2.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


def mp3_bytes(*, frames: int = 100) -> bytes:
    """MPEG-1 layer III frames, 128 kbit/s at 44.1 kHz: 1152 samples (26 ms) each."""
    header = b"\xff\xfb\x90\x64"
    return (header + b"\x00" * (417 - len(header))) * frames


def _ogg(first_packets: list[bytes], *, samples: int, serial: int = 1) -> bytes:
    pages = []
    for sequence, packet in enumerate(first_packets):
        page = OggPage()
        page.serial = serial
        page.sequence = sequence
        page.position = 0
        page.packets = [packet]
        page.first = sequence == 0
        pages.append(page)
    last = OggPage()
    last.serial = serial
    last.sequence = len(first_packets)
    last.position = samples
    last.packets = [b"\x00" * 64]
    last.last = True
    pages.append(last)
    return b"".join(page.write() for page in pages)


def ogg_vorbis_bytes(*, seconds: int = 3, rate: int = 44100) -> bytes:
    identification = b"\x01vorbis" + struct.pack("<IBIiii", 0, 1, rate, 0, 96000, 0) + b"\xb8\x01"
    comment = b"\x03vorbis" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0) + b"\x01"
    return _ogg([identification, comment], samples=seconds * rate)


def ogg_opus_bytes(*, seconds: int = 3) -> bytes:
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0)
    return _ogg([head, tags], samples=seconds * 48000 + 312)


def _atom(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def m4a_bytes(*, seconds: int = 3, handler: bytes = b"soun") -> bytes:
    """ftyp + moov with one AAC audio track (no sample data: the length is in the headers)."""
    rate = 44100
    mvhd = _atom(
        b"mvhd", b"\x00" * 4 + struct.pack(">IIII", 0, 0, 1000, seconds * 1000) + b"\x00" * 80
    )
    mdhd = _atom(
        b"mdhd", b"\x00" * 4 + struct.pack(">IIII", 0, 0, rate, seconds * rate) + b"\x00" * 4
    )
    hdlr = _atom(b"hdlr", b"\x00" * 4 + b"\x00" * 4 + handler + b"\x00" * 12 + b"\x00")
    esds = _atom(
        b"esds",
        b"\x00" * 4
        + bytes([0x03, 0x19, 0x00, 0x01, 0x00])
        + bytes([0x04, 0x11, 0x40, 0x15, 0x00, 0x00, 0x00])
        + struct.pack(">II", 128000, 128000)
        + bytes([0x05, 0x02, 0x12, 0x10])
        + bytes([0x06, 0x01, 0x02]),
    )
    mp4a = _atom(
        b"mp4a",
        b"\x00" * 6
        + struct.pack(">H", 1)
        + b"\x00" * 8
        + struct.pack(">HHHH", 1, 16, 0, 0)
        + struct.pack(">I", rate << 16)
        + esds,
    )
    stsd = _atom(b"stsd", b"\x00" * 4 + struct.pack(">I", 1) + mp4a)
    stbl = _atom(b"stbl", stsd)
    minf = _atom(b"minf", _atom(b"smhd", b"\x00" * 8) + stbl)
    mdia = _atom(b"mdia", mdhd + hdlr + minf)
    trak = _atom(b"trak", mdia)
    moov = _atom(b"moov", mvhd + trak)
    ftyp = _atom(b"ftyp", b"M4A " + b"\x00\x00\x00\x00" + b"M4A isom")
    return ftyp + moov


PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
