"""One simulated router: an asyncio TCP server speaking the RouterOS API on a loopback port.

Runs on an event loop owned by a `SimulatorFarm` thread; the sync helpers here (stop_listening,
apply_bootstrap...) are safe to call from test threads.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from routers.routeros.simulator.commands import Sentence, execute, trap_sentences
from routers.routeros.simulator.faults import Faults
from routers.routeros.simulator.profile import RouterProfile, build_state
from routers.routeros.simulator.wire import ProtocolViolation, encode_sentence, read_sentence

if TYPE_CHECKING:
    from routers.routeros.client import Credentials

_T = TypeVar("_T")
LOGIN_FAILED = "invalid user name or password (6)"


def parse_command(words: list[str]) -> tuple[str, dict[str, str], list[str], str | None]:
    """Split a sentence into command word, `=key=value` arguments, `?` queries and `.tag`."""
    args: dict[str, str] = {}
    queries: list[str] = []
    tag: str | None = None
    for word in words[1:]:
        if word.startswith("="):
            key, _, value = word[1:].partition("=")  # '=comment' (no value) is an empty value
            args[key] = value
        elif word.startswith("?"):
            queries.append(word)
        elif word.startswith(".tag="):
            tag = word[5:]
    return words[0], args, queries, tag


class SimulatedRouter:
    def __init__(
        self,
        profile: RouterProfile | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.profile = profile or RouterProfile()
        self.state = build_state(self.profile)
        self.faults = faults or Faults()
        self.host = host
        self.port = port  # the bound port once started (0 asks for an ephemeral one)
        self.tls = tls
        self.connections_accepted = 0
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def __repr__(self) -> str:
        return (
            f"<SimulatedRouter {self.state.singleton('/system/identity').get('name')} "
            f"{self.host}:{self.port}>"
        )

    # -- lifecycle (coroutines run on the farm's loop) -------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._server = await asyncio.start_server(
            self._serve, self.host, self.port, ssl=self.tls, backlog=128
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        await self._close_listener()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _close_listener(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def stop_listening(self) -> None:
        """Close the listening socket: new connections are refused (ECONNREFUSED)."""
        self._call(self._close_listener())

    def start_listening(self) -> None:
        """Listen again on the same port after stop_listening()."""
        if self._server is None:
            self._call(self.start())

    def _call(self, coro: Coroutine[Any, Any, _T]) -> _T:
        assert self._loop is not None, "router not started"
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            raise RuntimeError("on the simulator's own loop: await the coroutine instead")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    # -- conveniences for tests ------------------------------------------------------------------
    @property
    def username(self) -> str:
        return self.profile.username

    @property
    def password(self) -> str:
        return self.profile.password

    def credentials(self, **overrides: Any) -> Credentials:
        """Adapter credentials for this router (seeded admin unless overridden)."""
        from routers.routeros.client import Credentials

        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "password": self.password,
            "timeout": 5.0,
        }
        values.update(overrides)
        return Credentials(**values)

    def apply_bootstrap(
        self, *, identity: str, api_user: str, password: str, group: str = "full"
    ) -> None:
        """What radtik's bootstrap script does on a real router: name it, add the API user,
        make sure the api service is enabled."""
        self.state.set_singleton("/system/identity", {"name": identity})
        existing = self.state.find("/user", name=api_user)
        if existing:
            self.state.set_row("/user", existing[0][".id"], {"group": group, "password": password})
        else:
            self.state.add_row("/user", {"name": api_user, "group": group, "password": password})
        for row in self.state.find("/ip/service", name="api"):
            self.state.set_row("/ip/service", row[".id"], {"disabled": "false"})

    # -- protocol --------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections_accepted += 1
        if self.faults.refuse_connections:
            sock = writer.get_extra_info("socket")
            if sock is not None:  # linger 0: the peer gets a reset, as from a dropping firewall
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        self._writers.add(writer)
        try:
            await self._session(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ProtocolViolation, ssl.SSLError):
            pass  # the client went away or spoke garbage: RouterOS just drops the connection
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        logged_in = False
        sent = 0  # reply sentences since login, for drop_after_sentences
        while True:
            words = await read_sentence(reader)
            if not words or self.faults.never_answer:
                continue
            command, args, queries, tag = parse_command(words)
            if command == "/login":
                replies = self._login(args)
                logged_in = logged_in or replies[0][0] == "!done"
            elif not logged_in:
                await self._send(writer, [["!fatal", "not logged in"]])
                return
            elif command == "/quit":
                await self._send(writer, [["!fatal", "session terminated on request"]])
                return
            elif command == "/cancel":
                replies = [["!done"]]
            else:
                self.state.command_log.append((command, dict(args)))
                if self.faults.should_trap(command):
                    replies = trap_sentences(self.faults.trap_message)
                else:
                    replies = execute(self.state, command, args, queries)
            if tag is not None:
                replies = [[s[0], f".tag={tag}", *s[1:]] for s in replies]
            await self._delay()
            limit = self.faults.drop_after_sentences
            if logged_in and command != "/login" and limit is not None:
                if sent + len(replies) > limit:
                    await self._send(writer, replies[: max(0, limit - sent)])
                    return
                sent += len(replies)
            await self._send(writer, replies)

    def _login(self, args: dict[str, str]) -> list[Sentence]:
        name, password = args.get("name"), args.get("password")
        if (
            not self.faults.fail_login
            and name is not None
            and password is not None
            and self.state.check_login(name, password)
        ):
            return [["!done"]]
        return trap_sentences(LOGIN_FAILED)

    async def _delay(self) -> None:
        faults = self.faults
        delay = faults.latency_ms
        if faults.jitter_ms:
            delay += self.state.rng.uniform(0, faults.jitter_ms)
        if delay > 0:
            await asyncio.sleep(delay / 1000)

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, sentences: list[Sentence]) -> None:
        if sentences:
            writer.write(b"".join(encode_sentence(s) for s in sentences))
            await writer.drain()
