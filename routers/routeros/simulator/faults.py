"""Failure injection for one simulated router; tests flip these at runtime from their thread.

Plain attribute reads and writes are atomic under the GIL, which is all the server needs: it
reads the current values at each connection, command and reply.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class Faults:
    latency_ms: float = 0.0  # added before every reply (not per sentence)
    jitter_ms: float = 0.0  # plus 0..jitter, drawn from the router's seeded RNG
    refuse_connections: bool = False  # accept, then close at once (peer sees a reset/EOF)
    never_answer: bool = False  # accept and read, never reply (client hits its timeout)
    drop_after_sentences: int | None = None  # close after K reply sentences post-login
    fail_login: bool = False  # every /login gets "invalid user name or password"
    # command word -> None (trap on every call) or N (trap on the Nth call only, 1-based)
    trap_on: dict[str, int | None] = field(default_factory=dict)
    trap_message: str = "failure: simulated fault"
    _calls: dict[str, int] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def clear(self) -> None:
        """Back to a healthy router (keeps call counters, so 'Nth call' stays meaningful)."""
        self.latency_ms = self.jitter_ms = 0.0
        self.refuse_connections = self.never_answer = self.fail_login = False
        self.drop_after_sentences = None
        self.trap_on = {}
        self.trap_message = "failure: simulated fault"

    def should_trap(self, command: str) -> bool:
        """Count this call of `command` and say whether it must fail."""
        with self._lock:
            count = self._calls.get(command, 0) + 1
            self._calls[command] = count
        if command not in self.trap_on:
            return False
        nth = self.trap_on[command]
        return nth is None or nth == count

    def calls(self, command: str) -> int:
        return self._calls.get(command, 0)
