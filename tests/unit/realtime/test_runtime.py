"""One event loop's shared state (``parley.realtime.runtime``): how sockets
find it, and a consumer built with a runtime of a test's own."""

import asyncio
import gc

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from parley.realtime.routing import websocket_urlpatterns
from parley.realtime.runtime import RUNTIME_SCOPE_KEY, Runtime, RuntimeMiddleware
from parley.wire.events import user_frame
from parley.wire.frames import CloseCode, ServerFrameType


async def test_a_loop_has_one_runtime():
    assert Runtime.current() is Runtime.current()


def test_each_loop_has_a_runtime_of_its_own():
    async def current() -> Runtime:
        return Runtime.current()

    first, second = asyncio.run(current()), asyncio.run(current())
    assert first is not second


def test_without_a_running_loop_there_is_no_runtime():
    with pytest.raises(RuntimeError):
        Runtime.current()


async def test_a_socket_uses_its_scopes_runtime_else_the_loops():
    own = Runtime()
    assert Runtime.of({RUNTIME_SCOPE_KEY: own}) is own
    assert Runtime.of({}) is Runtime.current()
    assert Runtime.of({RUNTIME_SCOPE_KEY: None}) is Runtime.current()


class Inner:
    """An ASGI app that keeps the scope it was called with."""

    scope: dict | None = None

    async def __call__(self, scope, receive, send):
        self.scope = scope


async def test_the_middleware_puts_the_loops_runtime_in_the_scope():
    inner = Inner()
    scope = {"type": "websocket"}
    await RuntimeMiddleware(inner)(scope, None, None)
    assert inner.scope[RUNTIME_SCOPE_KEY] is Runtime.current()
    assert inner.scope is scope, "no copy of the scope per socket"


async def test_the_middleware_keeps_a_runtime_already_in_the_scope():
    inner, own = Inner(), Runtime()
    await RuntimeMiddleware(inner)({RUNTIME_SCOPE_KEY: own}, None, None)
    assert inner.scope[RUNTIME_SCOPE_KEY] is own


async def test_detach_keeps_a_task_until_its_end():
    """A held ``read`` finishes though its socket is gone; nothing else
    keeps the task from the garbage collector meanwhile."""
    runtime, release, done = Runtime(), asyncio.Event(), []

    async def held() -> None:
        await release.wait()
        done.append(True)

    task = runtime.detach(held())
    del task
    gc.collect()
    assert len(runtime.detached) == 1
    release.set()
    await asyncio.gather(*runtime.detached)
    assert done == [True]
    assert runtime.detached == set()


async def test_a_runtime_that_opened_no_socket_drains_and_closes_at_once():
    runtime = Runtime()
    await runtime.drain()
    await runtime.close()
    assert runtime._hub is None


class FakeHub:
    """What a ``ChatConsumer`` asks of its hub, recorded; ``full`` says the
    user has the most sockets already."""

    def __init__(self, *, full: bool = False):
        self.full = full
        self.calls: list[tuple[str, object]] = []
        self.attached: list = []

    def socket_count(self, user_id: int) -> int:
        return 10**6 if self.full else 0

    def add_socket(self, socket) -> None:
        self.calls.append(("add_socket", socket))

    async def attach(self, socket) -> None:
        self.calls.append(("attach", socket))
        self.attached.append(socket)

    def detach(self, socket) -> None:
        self.calls.append(("detach", socket))

    def discard_socket(self, socket) -> None:
        self.calls.append(("discard_socket", socket))


async def open_with(hub: FakeHub, user) -> tuple[WebsocketCommunicator, bool]:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/")
    communicator.scope["user"] = user
    communicator.scope[RUNTIME_SCOPE_KEY] = Runtime(hub=hub)
    connected, _ = await communicator.connect()
    return communicator, connected


@pytest.mark.django_db(transaction=True)
async def test_a_consumer_uses_the_hub_of_the_runtime_in_its_scope(user):
    """The point of the runtime object: a test, or a host, gives a socket
    its hub without touching the process's."""
    hub = FakeHub()
    ws, connected = await open_with(hub, user)
    assert connected
    assert [name for name, _ in hub.calls] == ["add_socket", "attach"]
    (socket,) = hub.attached
    socket.user_event(user_frame(user.pk, ServerFrameType.READ, room="a", seq=3))
    assert await ws.receive_json_from() == {"type": "read", "room": "a", "seq": 3}
    await ws.disconnect()
    assert [name for name, _ in hub.calls[2:]] == ["detach", "discard_socket"]
    assert Runtime.current()._hub is None, "the loop's own hub was never made"


@pytest.mark.django_db(transaction=True)
async def test_a_full_hub_in_the_scope_refuses_the_socket(user):
    ws, connected = await open_with(FakeHub(full=True), user)
    assert connected, "accepted first, so the client sees why"
    assert (await ws.receive_json_from())["code"] == "too_many_sockets"
    assert (await ws.receive_output())["code"] == CloseCode.TOO_MANY_SOCKETS
