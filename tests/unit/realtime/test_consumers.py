"""Consumers under Channels' WebsocketCommunicator (no server, no network)."""

import asyncio
import gc

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from parley.bus.publish import publish
from parley.realtime.consumers import ChatConsumer
from parley.realtime.routing import websocket_urlpatterns
from parley.services import messages, rooms
from parley.wire import events, shapes
from parley.wire.events import room_group

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_layer"),
]

application = URLRouter(websocket_urlpatterns)


async def open_socket(user, path: str = "/ws/") -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path)
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def subscribe(
    ws: WebsocketCommunicator, room: str, after: int | None = None
) -> dict:
    await ws.send_json_to({"type": "subscribe", "room": room, "after": after})
    frame = await ws.receive_json_from()
    assert frame["type"] == "subscribed", frame
    return frame


post = sync_to_async(messages.store)


async def broadcast(message) -> None:
    """Publish a stored message's room event, as a send does."""
    await publish(events.message_event(message.room_id, shapes.message(message)))


join = sync_to_async(rooms.join_or_create)


async def test_anonymous_sockets_are_refused():
    for path in ("/ws/", "/ws/chat/lobby/"):
        communicator = WebsocketCommunicator(application, path)
        communicator.scope["user"] = AnonymousUser()
        connected, _ = await communicator.connect()
        assert not connected


async def test_send_stores_then_acks_then_broadcasts(user):
    ws = await open_socket(user)
    subscribed = await subscribe(ws, "general")
    assert subscribed | {"title": None} == {
        "type": "subscribed",
        "room": "general",
        "title": None,
        "kind": "public",
        "topic": "",
        "last_seq": 0,
        "first_seq": 1,
        "online": ["carol"],
        "read_seq": 0,
        "unread": 0,
    }
    await ws.send_json_to(
        {"type": "send", "room": "general", "text": "hi", "client_id": "c1"}
    )
    ack = await ws.receive_json_from()
    assert ack["type"] == "ack" and (ack["client_id"], ack["seq"], ack["room"]) == (
        "c1",
        1,
        "general",
    )
    message = await ws.receive_json_from()
    assert message | {"ts": None} == {
        "type": "message",
        "id": ack["id"],
        "seq": 1,
        "room": "general",
        "author": "carol",
        "author_id": user.pk,
        "author_name": "carol",
        "text": "hi",
        "html": "<p>hi</p>",
        "ts": None,
        "client_id": "c1",
        "reply_count": 0,
        "reactions": [],
    }
    assert message["ts"] == ack["ts"]
    await ws.disconnect()


async def test_subscribe_after_replays_the_gap_then_continues_live(user):
    room = await join(user=user, name="replay")
    for i in range(1, 4):
        await post(room=room, author=user, text=f"m{i}")
    ws = await open_socket(user)
    assert (await subscribe(ws, "replay", after=1))["last_seq"] == 3
    assert [(await ws.receive_json_from())["seq"] for _ in range(2)] == [2, 3]
    live = await post(room=room, author=user, text="m4")
    await broadcast(live.message)
    assert (await ws.receive_json_from())["seq"] == 4
    await ws.disconnect()


async def test_events_already_replayed_or_repeated_are_not_sent_twice(user):
    room = await join(user=user, name="dedupe")
    ws = await open_socket(user)
    await subscribe(ws, "dedupe")
    first = await post(room=room, author=user, text="once")
    await broadcast(first.message)
    await broadcast(first.message)  # a layer delivering twice
    assert (await ws.receive_json_from())["text"] == "once"
    assert await ws.receive_nothing(timeout=0.2)
    await ws.disconnect()


async def test_a_lost_event_is_filled_from_the_store(user):
    room = await join(user=user, name="gappy")
    ws = await open_socket(user)
    await subscribe(ws, "gappy")
    for i in range(1, 4):
        posted = await post(room=room, author=user, text=f"m{i}")
        if i != 2:  # the layer drops the event of m2
            await broadcast(posted.message)
    assert [(await ws.receive_json_from())["text"] for _ in range(3)] == [
        "m1",
        "m2",
        "m3",
    ]
    assert await ws.receive_nothing(timeout=0.2)
    await ws.disconnect()


async def test_a_gap_wider_than_the_replay_limit_asks_for_resync(user, settings):
    settings.PARLEY_REPLAY_LIMIT = 2
    room = await join(user=user, name="wide")
    ws = await open_socket(user)
    await subscribe(ws, "wide")
    for _ in range(3):
        await post(room=room, author=user, text="lost")
    fourth = await post(room=room, author=user, text="m4")
    await broadcast(fourth.message)
    hint = await ws.receive_json_from()
    assert hint == {"type": "subscribed", "room": "wide", "last_seq": 3, "resync": True}
    assert (await ws.receive_json_from())["seq"] == 4
    await ws.disconnect()


async def test_subscribe_with_a_long_gap_answers_resync(user, settings):
    settings.PARLEY_REPLAY_LIMIT = 2
    room = await join(user=user, name="long-gap")
    for _ in range(3):
        await post(room=room, author=user, text="x")
    ws = await open_socket(user)
    subscribed = await subscribe(ws, "long-gap", after=0)
    assert (subscribed["last_seq"], subscribed["resync"]) == (3, True)
    assert await ws.receive_nothing(timeout=0.2)
    await ws.disconnect()


async def test_unsubscribe_stops_delivery(user):
    room = await join(user=user, name="leave")
    ws = await open_socket(user)
    await subscribe(ws, "leave")
    await ws.send_json_to({"type": "unsubscribe", "room": "leave", "ref": "u"})
    assert await ws.receive_json_from() == {
        "type": "unsubscribed",
        "room": "leave",
        "ref": "u",
    }
    await broadcast((await post(room=room, author=user, text="unseen")).message)
    assert await ws.receive_nothing(timeout=0.2)
    await ws.disconnect()


async def test_private_rooms_of_others_are_not_found(user, django_user_model):
    owner = await sync_to_async(django_user_model.objects.create_user)("dave")
    await sync_to_async(rooms.create_room)(user=owner, title="hideout", kind="private")
    ws = await open_socket(user)
    for frame in (
        {"type": "subscribe", "room": "hideout"},
        {"type": "send", "room": "hideout", "text": "knock", "client_id": "k"},
    ):
        await ws.send_json_to(frame)
        assert (await ws.receive_json_from())["code"] == "room_not_found"
    await ws.disconnect()


async def test_an_unexpected_failure_is_an_internal_error_and_the_socket_lives(
    user, monkeypatch
):
    async def broken(consumer, room, after):
        raise RuntimeError("database down")

    monkeypatch.setattr(ChatConsumer, "snapshot", broken)
    ws = await open_socket(user)
    await ws.send_json_to({"type": "subscribe", "room": "fragile", "ref": "r1"})
    error = await ws.receive_json_from()
    assert (error["type"], error["code"], error["ref"]) == (
        "error",
        "internal_error",
        "r1",
    )
    assert "database" not in error["message"]
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.disconnect()


async def test_a_lost_last_event_is_delivered_by_the_subscription_check(user, settings):
    settings.PARLEY_SUBSCRIPTION_CHECK_SECS = 0.1
    room = await join(user=user, name="tail")
    ws = await open_socket(user)
    await subscribe(ws, "tail")
    await post(room=room, author=user, text="no live event")  # never published
    frame = await ws.receive_json_from(timeout=2)
    assert (frame["text"], frame["seq"]) == ("no live event", 1)
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_sockets_rejoin_groups_a_restarted_layer_forgot(user, settings):
    settings.PARLEY_SUBSCRIPTION_CHECK_SECS = 0.1
    room = await join(user=user, name="amnesia")
    ws = await open_socket(user)
    await subscribe(ws, "amnesia")
    layer = get_channel_layer()
    layer.groups.clear()  # what a restarted Redis does to group membership
    await asyncio.sleep(0.3)
    assert layer.groups.get(room_group(room.id))
    await ws.disconnect()


async def test_a_failing_layer_does_not_fail_an_acknowledged_send(user, monkeypatch):
    ws = await open_socket(user)
    await subscribe(ws, "flaky")
    layer = get_channel_layer()

    async def down(*args, **kwargs):
        raise ConnectionError("redis is restarting")

    monkeypatch.setattr(layer, "group_send", down)
    await ws.send_json_to(
        {"type": "send", "room": "flaky", "text": "kept", "client_id": "k"}
    )
    assert (await ws.receive_json_from())["type"] == "ack"
    monkeypatch.undo()
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.disconnect()


async def test_a_room_crosses_the_layer_once_per_process(user, django_user_model):
    other = await sync_to_async(django_user_model.objects.create_user)("frank")
    sockets = [await open_socket(u) for u in (user, user, other)]
    for ws in sockets:
        await subscribe(ws, "crowded")
    room = await join(user=user, name="crowded")
    assert len(get_channel_layer().groups[room_group(room.id)]) == 1
    await broadcast((await post(room=room, author=other, text="all")).message)
    for ws in sockets:
        frame = await ws.receive_json_from()
        while frame["type"] == "presence":
            frame = await ws.receive_json_from()
        assert frame["text"] == "all"
        await ws.disconnect()


class ClosedByServer:
    """The server's side of a socket it has failed on its own, on a client's
    protocol error the consumer has not heard of yet: Uvicorn's send raises
    RuntimeError ("Unexpected ASGI message 'websocket.send', after sending
    'websocket.close'") once ``closed`` is set, as Autobahn's cases 3 and 4
    showed (``make compliance``)."""

    def __init__(self, application):
        self.application = application
        self.closed = False

    async def __call__(self, scope, receive, send):
        async def server_send(message):
            if self.closed and message["type"] == "websocket.send":
                raise RuntimeError(
                    "Unexpected ASGI message 'websocket.send', after sending "
                    "'websocket.close'."
                )
            await send(message)

        await self.application(scope, receive, server_send)


async def test_frames_for_a_socket_the_server_closed_are_dropped_quietly(user, caplog):
    """A frame the server refuses since it closed the socket is dropped: no
    task error is left to the log, and the consumer ends on the disconnect."""
    server = ClosedByServer(application)
    ws = WebsocketCommunicator(server, "/ws/")
    ws.scope["user"] = user
    assert (await ws.connect())[0]
    server.closed = True
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_nothing()
    await ws.send_input({"type": "websocket.disconnect", "code": 1002})
    await ws.wait()
    gc.collect()
    assert "exception was never retrieved" not in caplog.text
