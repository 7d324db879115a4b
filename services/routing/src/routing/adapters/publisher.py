"""Routing's publisher on the faust app's producer.

A routing decision goes through faust's topic (``buffered``): the agent's offset is committed only after
faust flushed its producer, so the decision is on the broker before the submission counts as handled.
A deadline, published by the sweep (no offset to commit), waits for the broker's acknowledgement before
the store remembers it was published."""

import faust


class FaustPublisher:
    def __init__(self, app: faust.App, buffered: dict[str, faust.TopicT]):
        self.app = app
        self.buffered = buffered

    async def publish(self, topic: str, key: bytes, value: bytes) -> None:
        channel = self.buffered.get(topic)
        if channel is not None:
            await channel.send(key=key, value=value)
        else:
            await self.app.producer.send_and_wait(topic, key, value, None, None, None)
