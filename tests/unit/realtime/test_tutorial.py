"""The Channels tutorial's socket (``parley.realtime.tutorial``), under
Channels' WebsocketCommunicator (no server, no network)."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from parley.bus.publish import publish
from parley.models import Room
from parley.services import rooms
from parley.wire.events import left_room, room_frame
from parley.wire.frames import ServerFrameType
from tests.unit.realtime.test_consumers import application, open_socket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_layer"),
]


async def test_tutorial_socket_round_trip(user):
    ws = await open_socket(user, "/ws/chat/Лобби/")
    await ws.send_json_to({"message": "hello"})
    frame = await ws.receive_json_from()
    assert (frame["message"], frame["author"], frame["room"], frame["seq"]) == (
        "hello",
        "carol",
        "лобби",
        1,
    )
    await ws.send_json_to({"message": ""})
    assert (await ws.receive_json_from())["code"] == "invalid_frame"
    await ws.disconnect()


async def test_tutorial_socket_to_a_private_room_of_others_is_refused(
    user, django_user_model
):
    owner = await sync_to_async(django_user_model.objects.create_user)("erin")
    await sync_to_async(rooms.create_room)(user=owner, title="vault", kind="private")
    communicator = WebsocketCommunicator(application, "/ws/chat/vault/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert not connected


async def test_anonymous_tutorial_sockets_are_refused():
    communicator = WebsocketCommunicator(application, "/ws/chat/lobby/")
    communicator.scope["user"] = AnonymousUser()
    connected, _ = await communicator.connect()
    assert not connected


async def test_the_tutorial_socket_gets_messages_only(user):
    """Typing, edits and the like have no tutorial form: the tutorial's page
    would show them as messages, so they are skipped. The typing event is
    published first: had it been forwarded, it would come first."""
    ws = await open_socket(user, "/ws/chat/lobby/")
    room = await sync_to_async(Room.objects.get)(slug="lobby")
    await publish(room_frame(room.id, ServerFrameType.TYPING, room="lobby"))
    await ws.send_json_to({"message": "hi"})
    frame = await ws.receive_json_from()
    assert (frame["message"], frame["seq"]) == ("hi", 1)
    await ws.disconnect()


async def test_the_tutorial_socket_closes_when_its_user_is_removed(user):
    ws = await open_socket(user, "/ws/chat/lobby/")
    room = await sync_to_async(Room.objects.get)(slug="lobby")
    await publish(left_room(user.pk, room.pk, room.slug, "removed"))
    assert (await ws.receive_output(5))["type"] == "websocket.close"
