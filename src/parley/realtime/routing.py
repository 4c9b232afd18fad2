"""WebSocket URL patterns; include them in your project's ``URLRouter``."""

from django.urls import path, re_path

from parley.realtime.consumers import ChatConsumer
from parley.realtime.tutorial import TutorialChatConsumer

websocket_urlpatterns = [
    path("ws/", ChatConsumer.as_asgi()),
    re_path(r"^ws/chat/(?P<room_name>[^/]+)/$", TutorialChatConsumer.as_asgi()),
]
