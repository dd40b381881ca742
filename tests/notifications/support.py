"""Waiting for what the real clusters do."""

from __future__ import annotations

import time

from django_tenants.utils import schema_context


def wait_for(predicate, *, schema: str = "alpha", timeout: float = 45, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with schema_context(schema):
            value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
