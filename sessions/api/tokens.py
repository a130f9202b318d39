"""Making and checking token secrets: `sw_<prefix>_<secret>`, stored as SHA-256 only."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_START = "sw_"  # noqa: S105 (the start every token shares, not a secret)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_new() -> tuple[str, str]:
    """A new token and its prefix: the prefix finds the row, the whole token is hashed."""
    prefix = secrets.token_hex(6)
    raw = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
    return raw, prefix


def token_prefix(raw: str) -> str | None:
    """The prefix of something shaped like a token, or None."""
    if not raw.startswith(TOKEN_START):
        return None
    prefix, _, secret = raw[len(TOKEN_START) :].partition("_")
    if len(prefix) != 12 or not secret:
        return None
    return prefix


def token_matches(raw: str, key_hash: str) -> bool:
    return hmac.compare_digest(token_hash(raw), key_hash)
