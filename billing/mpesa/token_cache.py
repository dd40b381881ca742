"""OAuth tokens shared by every client in the process, so a worker fetches one per hour, not one
per payment.

Keyed by (base_url, sha256(consumer_key)): two tills on the same Daraja app share a token, and the
key itself is not kept in memory as a dict key.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# Refresh this long before Daraja's expiry so a token never dies between fetch and use.
SAFETY_MARGIN_SECONDS = 60.0

CacheKey = tuple[str, str]


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: float  # time.monotonic()


class TokenCache:
    """Thread-safe; one fetch per key at a time, other threads wait for its result."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[CacheKey, _Token] = {}
        self._fetch_locks: dict[CacheKey, threading.Lock] = {}

    @staticmethod
    def key(base_url: str, consumer_key: str) -> CacheKey:
        return (base_url, hashlib.sha256(consumer_key.encode()).hexdigest())

    def get_or_fetch(self, key: CacheKey, fetch: Callable[[], tuple[str, float]]) -> str:
        """A live token for `key`, calling `fetch() -> (token, expires_in_seconds)` if needed."""
        token = self._live(key)
        if token is not None:
            return token
        with self._lock:
            fetch_lock = self._fetch_locks.setdefault(key, threading.Lock())
        with fetch_lock:
            token = self._live(key)  # another thread may have fetched while we waited
            if token is not None:
                return token
            value, expires_in = fetch()
            # Short-lived tokens (tests, odd gateways) still get half their life cached.
            margin = min(SAFETY_MARGIN_SECONDS, expires_in / 2)
            with self._lock:
                self._tokens[key] = _Token(value, time.monotonic() + expires_in - margin)
            return value

    def invalidate(self, key: CacheKey, value: str) -> None:
        """Drop `value` if it is still the cached token (not a newer one another thread got)."""
        with self._lock:
            current = self._tokens.get(key)
            if current is not None and current.value == value:
                del self._tokens[key]

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()

    def _live(self, key: CacheKey) -> str | None:
        with self._lock:
            token = self._tokens.get(key)
        if token is None or token.expires_at <= time.monotonic():
            return None
        return token.value


shared_token_cache = TokenCache()
