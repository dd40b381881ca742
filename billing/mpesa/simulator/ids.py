"""Identifiers shaped like Daraja's, deterministic for a seed (one RNG per kind)."""

from __future__ import annotations

import itertools
import random
import string
from datetime import datetime

_UPPER_ALNUM = string.ascii_uppercase + string.digits
_TOKEN_CHARS = string.ascii_letters + string.digits


class IdGenerator:
    """Not thread-safe: the simulator calls it under its own lock."""

    def __init__(self, seed: int) -> None:
        self._receipts_rng = random.Random(f"receipts-{seed}")
        self._ids_rng = random.Random(f"ids-{seed}")
        self._tokens_rng = random.Random(f"tokens-{seed}")
        self._seq = itertools.count(1)
        self._receipts: set[str] = set()

    def receipt(self) -> str:
        """10 upper-case letters/digits starting with a letter, e.g. OEB44R5U3U; never repeated."""
        while True:
            first = self._receipts_rng.choice(string.ascii_uppercase)
            rest = "".join(self._receipts_rng.choices(_UPPER_ALNUM, k=9))
            receipt = first + rest
            if receipt not in self._receipts:
                self._receipts.add(receipt)
                return receipt

    def merchant_request_id(self) -> str:
        rng = self._ids_rng
        return f"{rng.randint(10000, 99999)}-{rng.randint(10**7, 10**8 - 1)}-{next(self._seq)}"

    def checkout_request_id(self, now: datetime) -> str:
        """ws_CO_<ddmmyyyyhhmmss><digits>; the sequence number keeps it unique."""
        return f"ws_CO_{now:%d%m%Y%H%M%S}{next(self._seq):04d}{self._ids_rng.randint(10, 99)}"

    def request_id(self) -> str:
        return f"{self._ids_rng.randint(1000, 9999)}-{next(self._seq)}"

    def token(self) -> str:
        return "".join(self._tokens_rng.choices(_TOKEN_CHARS, k=28))
