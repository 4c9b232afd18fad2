"""The echo consumer the fuzzing client talks to.

Autobahn|Testsuite's cases expect the server to send every message back as
it came. ``EchoConsumer`` is one of Parley's ``FrameConsumer`` sockets, so the
cases exercise what Parley's own sockets run: the sign-in check before
accepting, the outbox and its single writer task, and the close handling.
"""

import asyncio

from parley.realtime.base import FrameConsumer


class EchoConsumer(FrameConsumer):
    """Send each message back: text through Parley's outbox, binary as is.

    Parley's protocol has no binary frames, so its outbox holds text only; a
    binary message is written once every queued text frame has left, which
    keeps the order the client sent them in.
    """

    async def connect(self) -> None:
        if not self.signed_in():
            await self.close()  # before accept(): the handshake gets HTTP 403
            return
        await self.accept()

    async def receive_frame(self, raw: str) -> None:
        self.queue(raw)

    async def receive_binary(self, data: bytes) -> None:
        # Parley's sockets close on a binary frame (1003); the echo sends it
        # back, as Autobahn's cases expect.
        writer = self.outbox.writer
        if writer is not None:
            await asyncio.wait([writer])
        await self.base_send({"type": "websocket.send", "bytes": data})
