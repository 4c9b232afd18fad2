"""The Channels tutorial's socket (``parley.realtime.tutorial``), under
Channels' WebsocketCommunicator (no server, no network)."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from parley.services import rooms
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
