"""What every socket gets from ``FrameConsumer`` (``parley.realtime.base``):
failures answered as frames, the frame budget, the 1008 for a flood. On a
small consumer of the test's own, under Channels' WebsocketCommunicator,
with the rate limiters' clock under the test's hand."""

import asyncio
import logging

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from parley.realtime.base import FrameConsumer
from parley.realtime.hub import Hub
from parley.realtime.runtime import RUNTIME_SCOPE_KEY, Runtime
from parley.wire.errors import ErrorCode, Forbidden
from parley.wire.frames import CloseCode, ServerFrameType, encode_frame

pytestmark = pytest.mark.django_db(transaction=True)


class EchoConsumer(FrameConsumer):
    """Answers ``pong`` with the frame's text; ``refuse`` and ``boom`` fail."""

    async def connect(self) -> None:
        self.hub = None
        if not self.signed_in():
            await self.close()
            return
        await self.open_socket()

    def leave(self) -> None:
        if self.hub is not None:
            hub, self.hub = self.hub, None
            hub.discard_socket(self)

    async def receive_frame(self, raw) -> None:
        self.ref = raw
        if raw == "refuse":
            raise Forbidden(ErrorCode.FORBIDDEN, "Not yours.")
        if raw == "boom":
            raise RuntimeError("secret detail")
        self.queue(encode_frame(ServerFrameType.PONG, ref=raw))


async def open_echo(user) -> tuple[WebsocketCommunicator, Hub]:
    hub = Hub()
    communicator = WebsocketCommunicator(EchoConsumer.as_asgi(), "/echo/")
    communicator.scope["user"] = user
    communicator.scope[RUNTIME_SCOPE_KEY] = Runtime(hub=hub)
    connected, _ = await communicator.connect()
    assert connected
    return communicator, hub


async def test_a_refusal_is_answered_with_its_error_and_the_socket_lives(user):
    ws, hub = await open_echo(user)
    assert hub.socket_count(user.pk) == 1
    await ws.send_to(text_data="refuse")
    assert await ws.receive_json_from() == {
        "type": "error",
        "code": "forbidden",
        "message": "Not yours.",
        "ref": "refuse",
    }
    await ws.send_to(text_data="again")
    assert await ws.receive_json_from() == {"type": "pong", "ref": "again"}
    await ws.disconnect()
    assert hub.socket_count(user.pk) == 0


async def test_an_unexpected_failure_is_an_internal_error_without_detail(user, caplog):
    ws, _ = await open_echo(user)
    with caplog.at_level(logging.ERROR, logger="parley.realtime.base"):
        await ws.send_to(text_data="boom")
        frame = await ws.receive_json_from()
    assert (frame["code"], frame["ref"]) == (ErrorCode.INTERNAL_ERROR, "boom")
    assert "secret" not in frame["message"]
    assert "secret detail" in caplog.text
    await ws.send_to(text_data="still here")
    assert (await ws.receive_json_from())["ref"] == "still here"
    await ws.disconnect()


async def test_an_anonymous_socket_is_refused_at_the_handshake():
    communicator = WebsocketCommunicator(EchoConsumer.as_asgi(), "/echo/")
    communicator.scope["user"] = AnonymousUser()
    connected, _ = await communicator.connect()
    assert not connected


async def test_frames_over_the_budget_are_refused_unhandled(user, settings, clock):
    """Each frame spends a token; one over the burst is answered
    ``rate_limited`` with the wait, and a token later it passes again."""
    settings.PARLEY_SOCKET_FRAME_BURST = 2
    settings.PARLEY_SOCKET_FRAMES_PER_SEC = 1
    ws, _ = await open_echo(user)
    for text in ("one", "two"):
        await ws.send_to(text_data=text)
        assert (await ws.receive_json_from())["type"] == "pong"
    await ws.send_to(text_data="three")
    refused = await ws.receive_json_from()
    assert (refused["code"], refused["retry_after"]) == (ErrorCode.RATE_LIMITED, 1.0)
    clock.now += 1
    await ws.send_to(text_data="four")
    assert await ws.receive_json_from() == {"type": "pong", "ref": "four"}
    await ws.disconnect()


async def test_a_socket_that_goes_on_flooding_is_closed_with_1008(
    user, settings, clock
):
    settings.PARLEY_SOCKET_FRAME_BURST = 1
    settings.PARLEY_SOCKET_FRAMES_PER_SEC = 1
    settings.PARLEY_SOCKET_FLOOD_REFUSALS_PER_MIN = 1
    ws, _ = await open_echo(user)
    await ws.send_to(text_data="one")
    assert (await ws.receive_json_from())["type"] == "pong"
    await ws.send_to(text_data="two")
    assert (await ws.receive_json_from())["code"] == ErrorCode.RATE_LIMITED
    await ws.send_to(text_data="three")
    assert await ws.receive_output() == {
        "type": "websocket.close",
        "code": CloseCode.POLICY_VIOLATION,
    }


async def test_a_frame_records_its_user_active_once_per_third_of_the_window(
    user, settings
):
    """No push while the user is here (parley.services.delivery): the first
    frame records them active; more frames within PARLEY_ACTIVE_SECS / 3
    write nothing more."""
    from asgiref.sync import sync_to_async

    from parley.models import Activity

    settings.PARLEY_ACTIVE_SECS = 600.0
    ws, hub = await open_echo(user)
    await ws.send_to(text_data="one")
    await ws.receive_json_from()
    seen = sync_to_async(Activity.objects.filter(user=user).first)
    for _ in range(200):  # the write runs beside the frame: up to 10 s
        if (first := await seen()) is not None:
            break
        await asyncio.sleep(0.05)
    assert first is not None
    await ws.send_to(text_data="two")
    await ws.receive_json_from()
    again = await sync_to_async(Activity.objects.get)(user=user)
    assert again.seen_at == first.seen_at
    await ws.disconnect()
    await hub.close()
