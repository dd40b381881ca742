"""Plain Redis for the few things that are neither cache nor channel layer (leases, sets).

Keys share the deployment's channel-layer prefix, so test runs and benches sharing one Redis
never see each other's keys.
"""

from __future__ import annotations

import os

import redis
from django.conf import settings

_client: redis.Redis | None = None
_client_pid = 0


def redis_client() -> redis.Redis:
    """One connection pool per process (re-created after fork: django-q forks its workers)."""
    global _client, _client_pid
    if _client is None or _client_pid != os.getpid():
        _client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
        _client_pid = os.getpid()
    return _client


def redis_key(*parts: str) -> str:
    return ":".join([settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"], "radtik", *parts])
