"""Listening to realtime groups the way a websocket consumer does: on the real channel layer."""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


class GroupListener:
    """A channel added to `groups` on the channel layer; collects what publish() sends them."""

    def __init__(self, *groups: str) -> None:
        self.layer = get_channel_layer()
        self.groups = groups
        self.channel = async_to_sync(self.layer.new_channel)()
        for group in groups:
            async_to_sync(self.layer.group_add)(group, self.channel)
        self.received: list[dict] = []

    def __enter__(self) -> GroupListener:
        return self

    def __exit__(self, *exc: object) -> None:
        for group in self.groups:
            async_to_sync(self.layer.group_discard)(group, self.channel)

    def wait_for(self, event: str, *, topic: str | None = None, timeout: float = 10) -> dict:
        """The first message of `event` (on `topic`, if given), waiting up to `timeout` s."""

        async def receive() -> dict:
            async with asyncio.timeout(timeout):
                while True:
                    message = await self.layer.receive(self.channel)
                    self.received.append(message)
                    if message["event"] == event and topic in (None, message["topic"]):
                        return message

        for message in self.received:
            if message["event"] == event and topic in (None, message["topic"]):
                return message
        try:
            return async_to_sync(receive)()
        except TimeoutError:
            seen = [(m["topic"], m["event"]) for m in self.received]
            raise AssertionError(f"no {event} on {topic or self.groups}; received {seen}") from None

    def events(self) -> list[tuple[str, str]]:
        return [(m["topic"], m["event"]) for m in self.received]
