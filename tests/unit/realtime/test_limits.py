"""Limits that depend on time, on consumers in process with a clock we move.

The boundaries that need no clock are tested against a real server in
``tests/live/test_limits.py``.
"""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from parley.models import Message
from parley.services import reads, rooms
from tests.unit.realtime.test_consumers import open_socket, subscribe

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_layer"),
]


async def next_of(ws, frame_type: str) -> dict:
    """The next frame of ``frame_type``, skipping others (presence...)."""
    async with asyncio.timeout(5):
        while True:
            frame = await ws.receive_json_from()
            if frame["type"] == frame_type:
                return frame


async def test_a_refused_send_can_be_retried_with_its_client_id(user, settings, clock):
    """Over the room's budget: `rate_limited` with `retry_after`, no ack,
    nothing stored. After retry_after the same client_id is stored once."""
    settings.PARLEY_ROOM_MESSAGE_BURST = 1
    settings.PARLEY_ROOM_MESSAGES_PER_MIN = 6.0  # one token in 10 s
    ws = await open_socket(user)
    await subscribe(ws, "calm")
    send = {"type": "send", "room": "calm", "text": "one", "client_id": "c1"}
    await ws.send_json_to(send)
    assert (await next_of(ws, "ack"))["seq"] == 1
    await ws.send_json_to({**send, "text": "two", "client_id": "c2"})
    refused = await next_of(ws, "error")
    assert (refused["code"], refused["ref"]) == ("rate_limited", "c2")
    assert refused["retry_after"] == 10.0
    assert await sync_to_async(Message.objects.filter(client_id="c2").count)() == 0

    clock.now += 9.9
    await ws.send_json_to({**send, "text": "two", "client_id": "c2"})
    assert (await next_of(ws, "error"))["retry_after"] == pytest.approx(0.1)
    clock.now += 0.1
    await ws.send_json_to({**send, "text": "two", "client_id": "c2"})
    ack = await next_of(ws, "ack")
    assert (ack["client_id"], ack["seq"]) == ("c2", 2)
    assert await sync_to_async(Message.objects.filter(client_id="c2").count)() == 1
    await ws.disconnect()


async def test_typing_is_passed_on_once_per_throttle_period(user, settings, clock):
    """At 0 s it passes; at 1.999 s it is dropped; at 2 s it passes again."""
    settings.PARLEY_TYPING_THROTTLE_SECS = 2.0
    ws = await open_socket(user)
    await subscribe(ws, "desk")
    typing = {"type": "typing", "room": "desk"}
    for at, passed in ((0.0, True), (1.999, False), (2.0, True)):
        clock.now = 1000.0 + at
        await ws.send_json_to(typing)
        await ws.send_json_to({"type": "ping"})
        frames = [await ws.receive_json_from()]
        while frames[-1]["type"] != "pong":
            frames.append(await ws.receive_json_from())
        assert any(f["type"] == "typing" for f in frames) is passed, at
    await ws.disconnect()


async def test_reads_within_the_throttle_period_are_stored_once_at_its_end(
    user, settings
):
    """The first read is stored at once; the next ones in the period are
    held and the newest is stored at its end, with one `read` frame."""
    settings.PARLEY_READ_THROTTLE_SECS = 0.3
    room = await sync_to_async(rooms.join_or_create)(user=user, name="news")
    ws = await open_socket(user)
    await subscribe(ws, "news")
    for i in range(3):
        send = {"type": "send", "room": "news", "text": f"n{i}", "client_id": f"n{i}"}
        await ws.send_json_to(send)
        await next_of(ws, "ack")
    await ws.send_json_to({"type": "read", "room": "news", "seq": 1})
    assert (await next_of(ws, "read"))["seq"] == 1
    await ws.send_json_to({"type": "read", "room": "news", "seq": 3})
    await ws.send_json_to({"type": "read", "room": "news", "seq": 2})
    await ws.send_json_to({"type": "ping"})
    assert (await next_of(ws, "pong")) == {"type": "pong"}  # nothing stored yet
    read = await next_of(ws, "read")
    assert (read["seq"], read["unread"]) == (3, 0)
    state = await sync_to_async(reads.read_state)(user=user, room=room)
    assert state.seq == 3
    await ws.disconnect()


async def test_a_held_read_is_stored_after_its_socket_closed(user, settings):
    """The position a closing tab held is stored all the same: the user's
    other tab hears it, and the store has it."""
    settings.PARLEY_READ_THROTTLE_SECS = 0.2
    room = await sync_to_async(rooms.join_or_create)(user=user, name="gone")
    ws = await open_socket(user)
    other_tab = await open_socket(user)
    await subscribe(ws, "gone")
    for i in range(2):
        send = {"type": "send", "room": "gone", "text": f"g{i}", "client_id": f"g{i}"}
        await ws.send_json_to(send)
        await next_of(ws, "ack")
    await ws.send_json_to({"type": "read", "room": "gone", "seq": 1})
    assert (await next_of(other_tab, "read"))["seq"] == 1
    await ws.send_json_to({"type": "read", "room": "gone", "seq": 2})
    await ws.send_json_to({"type": "ping"})
    await next_of(ws, "pong")
    await ws.disconnect()
    assert (await next_of(other_tab, "read"))["seq"] == 2
    state = await sync_to_async(reads.read_state)(user=user, room=room)
    assert state.seq == 2
    await other_tab.disconnect()
