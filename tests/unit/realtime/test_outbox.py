"""A socket's outgoing queue (``parley.realtime.outbox``) with fake ASGI
``send`` callables: order, bounds, and a client that does not read."""

import asyncio
import logging

import pytest

from parley.realtime.outbox import Outbox


class FakeSend:
    """An ASGI ``send``: records texts; ``hold`` makes it wait until
    ``release``; ``error`` makes it raise."""

    def __init__(self, *, hold: bool = False, error: Exception | None = None):
        self.texts: list[str] = []
        self.released = asyncio.Event()
        if not hold:
            self.released.set()
        self.error = error

    async def __call__(self, message: dict) -> None:
        assert message["type"] == "websocket.send"
        await self.released.wait()
        if self.error is not None:
            raise self.error
        self.texts.append(message["text"])


class Stuck:
    """The outbox's owner: counts ``stuck()`` calls and lets a test wait for
    the first."""

    def __init__(self):
        self.calls = 0
        self.called = asyncio.Event()

    def stuck(self) -> None:
        self.calls += 1
        self.called.set()


def outbox(send, *, max_frames: int = 100, timeout: float = 60.0):
    stuck = Stuck()
    box = Outbox(send, max_frames=max_frames, send_timeout_secs=timeout, owner=stuck)
    return box, stuck


async def test_frames_are_written_in_the_order_they_were_put():
    send = FakeSend()
    box, stuck = outbox(send)
    for n in range(10):
        box.put(f"f{n}")
    assert await box.flush(5.0) is True
    assert send.texts == [f"f{n}" for n in range(10)]
    assert stuck.calls == 0


async def test_flush_with_nothing_queued_is_done_at_once():
    box, _ = outbox(FakeSend())
    assert await box.flush(0.0) is True


async def test_flush_gives_up_after_its_time_and_leaves_the_writer_running():
    send = FakeSend(hold=True)
    box, _ = outbox(send)
    box.put("a")
    assert await box.flush(0.01) is False
    send.released.set()
    assert await box.flush(5.0) is True
    assert send.texts == ["a"]


async def test_past_max_frames_the_client_is_stuck_once_and_later_frames_drop(caplog):
    """A client that does not read holds up only itself: its queue stops
    at ``max_frames`` and ``owner.stuck()`` is called once."""
    send = FakeSend(hold=True)
    box, stuck = outbox(send, max_frames=3)
    for n in range(3):
        box.put(f"f{n}")
    assert stuck.calls == 0
    with caplog.at_level(logging.WARNING, logger="parley.realtime.outbox"):
        box.put("f3")
        box.put("f4")
    assert stuck.calls == 1
    assert box.closed
    assert "3 frames unwritten" in caplog.text
    send.released.set()
    await box.flush(5.0)
    assert "f3" not in send.texts and "f4" not in send.texts


async def test_a_frame_the_client_never_takes_ends_the_socket_after_the_timeout():
    send = FakeSend(hold=True)
    box, stuck = outbox(send, timeout=0.01)
    box.put("a")
    box.put("b")
    await stuck.called.wait()
    assert stuck.calls == 1
    assert box.closed and box.writer is None
    box.put("c")
    assert stuck.calls == 1


@pytest.mark.parametrize("error", [OSError("gone"), RuntimeError("after close")])
async def test_a_socket_gone_mid_send_drops_the_queue_quietly(error, caplog):
    """The client left; its disconnect ends the consumer, not the outbox."""
    box, stuck = outbox(FakeSend(error=error))
    with caplog.at_level(logging.WARNING):
        for n in range(3):
            box.put(f"f{n}")
        assert await box.flush(5.0) is True
    assert (box.frames, box.unwritten, stuck.calls) == (None, 0, 0)
    assert caplog.records == []


async def test_close_cancels_the_writer_and_refuses_later_frames():
    send = FakeSend(hold=True)
    box, stuck = outbox(send)
    box.put("a")
    await asyncio.sleep(0)  # the writer starts and waits on send
    writer = box.writer
    box.close()
    await asyncio.gather(writer, return_exceptions=True)
    assert writer.cancelled()
    box.put("b")
    send.released.set()
    assert await box.flush(5.0) is True
    assert send.texts == []
    assert stuck.calls == 0
