"""Parley's HTTP routes: ``path("", include("parley.urls"))`` in a project.

Pages: ``/`` (rooms), ``/chat/<room>/``, ``/settings/tokens/`` (API
tokens), ``/settings/notifications/``, the signed one-click unsubscribe
``/notifications/unsubscribe/<token>/`` and the service worker ``/sw.js``;
the JSON API under ``/api/``.
Sign-in pages are in ``parley.web.accounts_urls``, for projects that have
none of their own.
"""

from django.urls import path

from parley.api.views import api
from parley.web import notifications, views

urlpatterns = [
    path("", views.room_list, name="parley-rooms"),
    path("chat/<str:room>/", views.room, name="parley-room"),
    path("settings/tokens/", views.token_list, name="parley-tokens"),
    path(
        "settings/tokens/<int:token_id>/revoke/",
        views.token_revoke,
        name="parley-token-revoke",
    ),
    path(
        "settings/notifications/",
        notifications.notification_settings,
        name="parley-notification-settings",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        notifications.unsubscribe,
        name="parley-unsubscribe",
    ),
    path("sw.js", notifications.service_worker, name="parley-service-worker"),
    # Reversed as "parley-api:<operation>".
    path("api/", api.urls),
]
