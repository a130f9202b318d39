"""The concealed allocation sequence: drawing permuted blocks with `secrets`, sealing each slot.

Each stratum's sequence is a run of blocks. A block's size is drawn with `secrets.choice` from
the study's block sizes (multiples of the ratio's sum), and the block is that many arm codes in
the ratio's proportions, shuffled by `secrets.SystemRandom` (the operating system's generator,
which nobody can seed or replay). Each slot's arm, block number and block size are encrypted
(Fernet) before they are written: the table's plain columns say only stratum, position and
when the slot was used, so no page, export, admin screen, log or database reader learns what
comes next.

The key is derived with HKDF from SECRET_KEY and, when set, ALLOCATION_SEAL_KEY (environment
STILLWATER_ALLOCATION_SEAL_KEY): with a separate seal key, a copy of the database plus the
application's SECRET_KEY is still not enough to read the sequence.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

# Slots drawn per stratum when a study is set up; more blocks are drawn when a stratum runs out.
SLOTS_PER_STRATUM = 60

_random = secrets.SystemRandom()


class SealBroken(Exception):
    """A sealed slot could not be opened, or it was not written for the place it sits in."""


@dataclass(frozen=True)
class SlotContent:
    """What a sealed slot holds: the arm's code, its block's number and size."""

    arm: str
    block: int
    block_size: int


def _fernet() -> Fernet:
    extra = getattr(settings, "ALLOCATION_SEAL_KEY", "") or ""
    material = f"{settings.SECRET_KEY}\x00{extra}".encode()
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"stillwater-allocation-seal",
        info=b"allocation slots v1",
    ).derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def _place(study_id: int, stratum_key: str, position: int) -> str:
    return f"{study_id}:{stratum_key}:{position}"


def seal(*, study_id: int, stratum_key: str, position: int, content: SlotContent) -> bytes:
    """The slot's content encrypted, bound to its place (a sealed value moved elsewhere fails)."""
    payload = {
        "place": _place(study_id, stratum_key, position),
        "arm": content.arm,
        "block": content.block,
        "size": content.block_size,
    }
    return _fernet().encrypt(json.dumps(payload, separators=(",", ":")).encode())


def unseal(*, study_id: int, stratum_key: str, position: int, sealed: bytes) -> SlotContent:
    """Open a slot; only randomization (for the slot it uses) and exports of made allocations call this."""
    try:
        payload = json.loads(_fernet().decrypt(bytes(sealed)))
    except (InvalidToken, ValueError) as exc:
        raise SealBroken("The allocation slot cannot be opened with this key.") from exc
    if payload.get("place") != _place(study_id, stratum_key, position):
        raise SealBroken("The allocation slot was not written for this place in the sequence.")
    return SlotContent(
        arm=payload["arm"], block=int(payload["block"]), block_size=int(payload["size"])
    )


def block_draw(ratio: Sequence[tuple[str, int]], block_sizes: Sequence[int]) -> list[str]:
    """One permuted block: a size drawn at random, the arms in the ratio's proportions, shuffled."""
    ratio_sum = sum(share for _code, share in ratio)
    size = secrets.choice(list(block_sizes))
    times = size // ratio_sum
    block = [code for code, share in ratio for _ in range(share * times)]
    _random.shuffle(block)
    return block


def sequence_draw(
    ratio: Sequence[tuple[str, int]],
    block_sizes: Sequence[int],
    *,
    at_least: int,
    first_block: int = 1,
) -> list[SlotContent]:
    """Whole blocks until there are at least `at_least` slots (a block is never cut short)."""
    slots: list[SlotContent] = []
    number = first_block
    while len(slots) < at_least:
        block = block_draw(ratio, block_sizes)
        slots.extend(SlotContent(arm=code, block=number, block_size=len(block)) for code in block)
        number += 1
    return slots
