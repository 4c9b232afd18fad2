"""Property: replayed and live messages merge into one gap-free, duplicate-free
sequence, whatever the channel layer does to the live events."""

import asyncio
import itertools

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parley.realtime.consumers import ChatConsumer
from parley.services import messages, rooms
from tests.unit.realtime.test_consumers import broadcast, open_socket

pytestmark = pytest.mark.django_db(transaction=True)

rooms_made = itertools.count()
# What the layer does to one live event.
FATES = st.sampled_from(["deliver", "drop", "duplicate"])


@st.composite
def scenarios(draw):
    before = draw(st.integers(0, 6))
    live = draw(st.lists(FATES, max_size=8))
    return {
        "before": before,
        "after": draw(st.none() | st.integers(0, before)),
        "during_replay": draw(st.integers(0, 3)),
        "live": live,
        "order": draw(st.permutations(range(len(live)))),
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(scenario=scenarios())
def test_replay_and_live_merge_without_gap_or_duplicate(django_user_model, scenario):
    user, _ = django_user_model.objects.get_or_create(username="merger")
    async_to_sync(run_scenario)(user, scenario)


async def run_scenario(user, scenario) -> None:
    room = await sync_to_async(rooms.join_or_create)(
        user=user, name=f"m{next(rooms_made)}"
    )
    post = sync_to_async(messages.store)

    async def post_text(text: str):
        return (await post(room=room, author=user, text=text)).message

    for i in range(scenario["before"]):
        await post_text(f"before {i}")

    # Messages posted (and published) after the socket joined the group but
    # before its replay reads the store.
    real_snapshot = ChatConsumer.snapshot

    async def snapshot_with_traffic(consumer, room, after):
        for i in range(scenario["during_replay"]):
            await broadcast(await post_text(f"during {i}"))
        return await real_snapshot(consumer, room, after)

    ChatConsumer.snapshot = snapshot_with_traffic
    try:
        ws = await open_socket(user)
        await ws.send_json_to(
            {"type": "subscribe", "room": room.slug, "after": scenario["after"]}
        )
        subscribed = await ws.receive_json_from()
    finally:
        ChatConsumer.snapshot = real_snapshot
    start = (
        scenario["after"] if scenario["after"] is not None else subscribed["last_seq"]
    )

    live = [await post_text(f"live {i}") for i in range(len(scenario["live"]))]
    for index in scenario["order"]:
        fate = scenario["live"][index]
        if fate != "drop":
            await broadcast(live[index])
        if fate == "duplicate":
            await broadcast(live[index])
    # One last message, delivered: any earlier loss now shows as a gap.
    last = await post_text("last")
    await broadcast(last)

    received = []
    while not received or received[-1] != last.seq:
        frame = await ws.receive_json_from(timeout=5)
        assert frame["type"] == "message", frame
        received.append(frame["seq"])
    assert received == list(range(start + 1, last.seq + 1))
    assert await ws.receive_nothing(timeout=0.05)
    await ws.disconnect()
    await get_channel_layer().flush()
    await asyncio.sleep(0)
