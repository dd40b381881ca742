"""RouterOS API wire format: length-prefixed words, sentences ended by an empty word.

Lengths (big-endian): < 0x80 one byte; < 0x4000 two bytes | 0x8000; < 0x200000 three bytes
| 0xC00000; < 0x10000000 four bytes | 0xE0000000; else 0xF0 + four bytes. 0xF8.. are reserved.
Words are bytes on the wire; we decode them as UTF-8 with surrogateescape so that any byte
sequence round-trips unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

MAX_WORD = 64 * 1024 * 1024  # refuse absurd lengths instead of allocating them


class ProtocolViolation(Exception):
    """The peer sent bytes that are not a valid API word (e.g. a reserved control byte)."""


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes((length,))
    if length < 0x4000:
        return (length | 0x8000).to_bytes(2, "big")
    if length < 0x200000:
        return (length | 0xC00000).to_bytes(3, "big")
    if length < 0x10000000:
        return (length | 0xE0000000).to_bytes(4, "big")
    return b"\xf0" + length.to_bytes(4, "big")


def encode_word(word: str | bytes) -> bytes:
    raw = word if isinstance(word, bytes) else word.encode("utf-8", "surrogateescape")
    return encode_length(len(raw)) + raw


def encode_sentence(words: Iterable[str | bytes]) -> bytes:
    return b"".join(encode_word(w) for w in words) + b"\x00"


def extra_length_bytes(first: int) -> int:
    """How many more length bytes follow a first byte."""
    if first < 0x80:
        return 0
    if first < 0xC0:
        return 1
    if first < 0xE0:
        return 2
    if first < 0xF0:
        return 3
    if first == 0xF0:
        return 4
    raise ProtocolViolation(f"reserved control byte 0x{first:02x}")


def decode_length(prefix: bytes) -> int:
    first = prefix[0]
    extra = extra_length_bytes(first)
    if extra == 0:
        return first
    if extra == 4:
        return int.from_bytes(prefix[1:5], "big")
    mask = (0x3F, 0x1F, 0x0F)[extra - 1]
    return int.from_bytes(bytes((first & mask,)) + prefix[1 : extra + 1], "big")


async def read_word(reader: asyncio.StreamReader) -> bytes:
    prefix = await reader.readexactly(1)
    extra = extra_length_bytes(prefix[0])
    if extra:
        prefix += await reader.readexactly(extra)
    length = decode_length(prefix)
    if length > MAX_WORD:
        raise ProtocolViolation(f"word of {length} bytes is too long")
    return await reader.readexactly(length) if length else b""


async def read_sentence(reader: asyncio.StreamReader) -> list[str]:
    """Words of one sentence (without the terminating empty word). Raises IncompleteReadError
    when the peer closes."""
    words: list[str] = []
    while True:
        word = await read_word(reader)
        if not word:
            return words
        words.append(word.decode("utf-8", "surrogateescape"))
