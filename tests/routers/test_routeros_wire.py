"""Byte-level checks with a raw socket and hand-built words (no client library)."""

from __future__ import annotations

import socket

import pytest

from routers.routeros.simulator.wire import decode_length, encode_length

LENGTH_VECTORS = [
    (0, b"\x00"),
    (1, b"\x01"),
    (127, b"\x7f"),
    (128, b"\x80\x80"),
    (16383, b"\xbf\xff"),
    (16384, b"\xc0\x40\x00"),
    (2097151, b"\xdf\xff\xff"),
    (2097152, b"\xe0\x20\x00\x00"),
    (268435455, b"\xef\xff\xff\xff"),
    (268435456, b"\xf0\x10\x00\x00\x00"),
]


def word(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return _prefix(len(raw)) + raw


def _prefix(n: int) -> bytes:
    """Independent of the simulator's encoder: straight from the protocol description."""
    if n < 0x80:
        return bytes([n])
    if n < 0x4000:
        return bytes([0x80 | n >> 8, n & 0xFF])
    if n < 0x200000:
        return bytes([0xC0 | n >> 16, n >> 8 & 0xFF, n & 0xFF])
    if n < 0x10000000:
        return bytes([0xE0 | n >> 24, n >> 16 & 0xFF, n >> 8 & 0xFF, n & 0xFF])
    return b"\xf0" + n.to_bytes(4, "big")


def sentence(*words: str | bytes) -> bytes:
    return b"".join(word(w) for w in words) + b"\x00"


class Raw:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)

    def send(self, *words: str | bytes) -> None:
        self.sock.sendall(sentence(*words))

    def read_exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError(f"closed after {len(data)} of {n} bytes")
            data += chunk
        return data

    def read_sentence_bytes(self) -> bytes:
        """The raw bytes of one reply sentence, prefixes included."""
        out = b""
        while True:
            first = self.read_exactly(1)
            extra = (
                0
                if first[0] < 0x80
                else 1
                if first[0] < 0xC0
                else 2
                if first[0] < 0xE0
                else 3
                if first[0] < 0xF0
                else 4
            )
            prefix = first + self.read_exactly(extra)
            length = decode_length(prefix)
            out += prefix + self.read_exactly(length)
            if length == 0:
                return out

    def is_closed(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def login(self) -> None:
        self.send("/login", "=name=admin", "=password=admin")
        assert self.read_sentence_bytes() == b"\x05!done\x00"

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw(routeros_router):
    client = Raw(routeros_router.port)
    yield client
    client.close()


@pytest.mark.parametrize(("length", "encoded"), LENGTH_VECTORS)
def test_length_encodings_both_ways(length, encoded):
    assert encode_length(length) == encoded == _prefix(length)
    assert decode_length(encoded) == length


def test_login_then_identity_print_exact_bytes(raw):
    raw.login()
    raw.send("/system/identity/print")
    assert raw.read_sentence_bytes() == b"\x03!re\x15=name=sim-router-0000\x00"
    assert raw.read_sentence_bytes() == b"\x05!done\x00"


def test_tag_is_echoed_in_every_reply_sentence(raw):
    raw.send("/login", "=name=admin", "=password=admin", ".tag=a1")
    assert raw.read_sentence_bytes() == b"\x05!done\x07.tag=a1\x00"
    raw.send("/ip/pool/print", "?name=hs-pool-1", "=.proplist=name,ranges", ".tag=42")
    assert raw.read_sentence_bytes() == (
        b"\x03!re\x07.tag=42\x0f=name=hs-pool-1\x1d=ranges=10.5.50.2-10.5.50.254\x00"
    )
    assert raw.read_sentence_bytes() == b"\x05!done\x07.tag=42\x00"


def test_bad_login_trap_bytes(raw):
    raw.send("/login", "=name=admin", "=password=nope")
    message = b"=message=invalid user name or password (6)"
    assert raw.read_sentence_bytes() == b"\x05!trap" + bytes([len(message)]) + message + b"\x00"
    assert raw.read_sentence_bytes() == b"\x05!done\x00"
    raw.login()  # the connection stays open for another try, as on RouterOS


def test_command_before_login_is_fatal_and_closes(raw):
    raw.send("/system/identity/print")
    assert raw.read_sentence_bytes() == b"\x06!fatal\x0dnot logged in\x00"
    assert raw.is_closed()


def test_quit_is_fatal_and_closes(raw):
    raw.login()
    raw.send("/quit", ".tag=9")
    assert raw.read_sentence_bytes() == b"\x06!fatal\x1dsession terminated on request\x00"
    assert raw.is_closed()


def test_add_returns_ret_and_duplicate_traps_with_category(raw):
    raw.login()
    raw.send("/ip/pool/add", "=name=wire-pool", "=ranges=10.1.1.1-10.1.1.9")
    assert raw.read_sentence_bytes() == b"\x05!done\x07=ret=*4\x00"
    raw.send("/ip/pool/add", "=name=wire-pool", "=ranges=10.1.1.1")
    message = b"=message=failure: already have pool with such name"
    assert raw.read_sentence_bytes() == (
        b"\x05!trap\x0b=category=1" + bytes([len(message)]) + message + b"\x00"
    )
    assert raw.read_sentence_bytes() == b"\x05!done\x00"


def test_unknown_command_and_missing_item(raw):
    raw.login()
    raw.send("/ip/frobnicate/print")
    assert raw.read_sentence_bytes() == (
        b"\x05!trap\x0b=category=0\x1f=message=no such command prefix\x00"
    )
    raw.read_sentence_bytes()
    raw.send("/ip/pool/remove", "=.id=*99")
    assert raw.read_sentence_bytes() == b"\x05!trap\x0b=category=0\x15=message=no such item\x00"
    assert raw.read_sentence_bytes() == b"\x05!done\x00"


@pytest.mark.parametrize("length", [127, 128, 16383, 16384, 2097152])
def test_words_at_length_boundaries_round_trip(raw, length):
    """A `=name=...` word of exactly `length` bytes goes in and comes back byte for byte."""
    raw.login()
    value = ("x" * (length - 6)).encode()
    name_word = b"=name=" + value
    assert len(name_word) == length
    raw.send("/system/identity/set", name_word)
    assert raw.read_sentence_bytes() == b"\x05!done\x00"
    raw.send("/system/identity/print")
    assert raw.read_sentence_bytes() == b"\x03!re" + _prefix(length) + name_word + b"\x00"


def test_empty_sentence_is_ignored_and_empty_value_word_accepted(raw, routeros_router):
    raw.login()
    raw.sock.sendall(b"\x00")  # a sentence of no words
    raw.send("/ip/pool/set", "=.id=*1", "=comment")  # '=comment' = empty value (routeros-api)
    assert raw.read_sentence_bytes() == b"\x05!done\x00"
    assert routeros_router.state.row("/ip/pool", "*1")["comment"] == ""


def test_reserved_control_byte_closes_the_connection(raw):
    raw.login()
    raw.sock.sendall(b"\xf8\x00")
    assert raw.is_closed()


def test_query_stack_operations(raw):
    raw.login()

    def names(*query: str) -> list[str]:
        raw.send("/ppp/secret/print", "=.proplist=name", *query)
        found = []
        while True:
            data = raw.read_sentence_bytes()
            if data.startswith(b"\x05!done"):
                return found
            found.append(data.split(b"=name=")[1][:-1].decode())

    assert names("?name=alice", "?name=bob", "?#|") == ["alice", "bob"]
    assert names("?=name=alice", "?#!") == ["bob", "carol"]
    assert names("?name=alice", "?name=bob", "?#|!") == ["carol"]
    assert names("?>name=alice", "?<name=carol", "?#&") == ["bob"]
    assert names("?-comment") == ["alice", "bob", "carol"]
    assert names("?comment") == []
    assert names("?name=alice", "?#.&") == ["alice"]
    assert names() == ["alice", "bob", "carol"]
    raw.send("/ppp/secret/print", "=count-only=", "?name=bob")
    assert raw.read_sentence_bytes() == b"\x05!done\x06=ret=1\x00"
