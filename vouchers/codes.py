"""Voucher code generation: cryptographically random, no look-alike characters, fast in bulk."""

from __future__ import annotations

import os

from vouchers.choices import CODE_ALPHABET

_SIZE = len(CODE_ALPHABET)
_LIMIT = (
    256 - 256 % _SIZE
)  # bytes at or above this are dropped, so every character is equally likely
_TABLE = bytes(ord(CODE_ALPHABET[b % _SIZE]) if b < _LIMIT else 0 for b in range(256))
_DROP = bytes(range(_LIMIT, 256))


def random_codes(count: int, length: int) -> list[str]:
    """`count` random strings of `length` characters (not yet checked for uniqueness)."""
    needed = count * length
    chars = b""
    while len(chars) < needed:
        chunk = os.urandom(int((needed - len(chars)) * 1.05) + 64)
        chars += chunk.translate(_TABLE, _DROP)
    text = chars[:needed].decode("ascii")
    return [text[i : i + length] for i in range(0, needed, length)]
