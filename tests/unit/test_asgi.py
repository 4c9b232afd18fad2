"""``parley.asgi``: the one call a host project's ``asgi.py`` makes."""

import pytest
from channels.routing import ProtocolTypeRouter
from channels.testing import WebsocketCommunicator

import parley.asgi
from parley.bus.tasks import TASKS_CHANNEL


def test_application_routes_http_websockets_and_the_task_channel():
    app = parley.asgi.application()
    assert isinstance(app, ProtocolTypeRouter)
    assert set(app.application_mapping) == {"http", "websocket", "channel"}
    channel_router = app.application_mapping["channel"]
    assert set(channel_router.application_mapping) == {TASKS_CHANNEL}


def test_the_project_may_bring_its_own_http_application():
    async def own_http(scope, receive, send):
        raise AssertionError("not called")

    app = parley.asgi.application(own_http)
    assert app.application_mapping["http"] is own_http


def test_the_routes_are_parleys_socket_and_the_tutorials():
    routes = [str(pattern.pattern) for pattern in parley.asgi.websocket_urlpatterns()]
    assert routes == ["ws/", "^ws/chat/(?P<room_name>[^/]+)/$"]


@pytest.mark.django_db(transaction=True)
async def test_the_websocket_side_refuses_a_foreign_origin_and_a_stranger():
    app = parley.asgi.websocket_application()
    foreign = WebsocketCommunicator(
        app, "/ws/", headers=[(b"origin", b"http://evil.test")]
    )
    connected, _ = await foreign.connect()
    assert not connected
    anonymous = WebsocketCommunicator(
        app, "/ws/", headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")]
    )
    connected, _ = await anonymous.connect()
    assert not connected
