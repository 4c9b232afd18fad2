"""Parley's HTTP routes: ``path("", include("parley.urls"))`` in a project.

Pages: ``/`` (rooms), ``/chat/<room>/``, ``/settings/`` (profile, the data
export link, ``/settings/delete/`` deletes the account),
``/settings/tokens/`` (API tokens), ``/settings/notifications/``, the
signed one-click unsubscribe ``/notifications/unsubscribe/<token>/``,
the service worker ``/sw.js``, avatars at
``/avatars/<user id>/<version>.png``, attachments at ``/files/<id>/``;
the JSON API under ``/api/``.
Sign-in pages are in ``parley.web.accounts_urls``, for projects that have
none of their own.
"""

from django.templatetags.static import static
from django.urls import path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from parley.api.errors import api_urls
from parley.api.views import api
from parley.web import account, attachments, notifications, profile, tokens, views

urlpatterns = [
    path("", views.room_list, name="parley-rooms"),
    path("chat/<str:room>/", views.room, name="parley-room"),
    path("settings/", profile.settings_page, name="parley-settings"),
    path("settings/delete/", account.delete_account, name="parley-delete-account"),
    path("settings/tokens/", tokens.token_list, name="parley-tokens"),
    path(
        "settings/tokens/<int:token_id>/revoke/",
        tokens.token_revoke,
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
    path(
        "avatars/<int:user_id>/<int:version>.png",
        profile.avatar,
        name="parley-avatar",
    ),
    path("files/<int:attachment_id>/", attachments.download, name="parley-attachment"),
    path(
        "files/<int:attachment_id>/thumb/",
        attachments.thumbnail,
        name="parley-attachment-thumb",
    ),
    # Pages name their icon (base.html); this answers browsers and pages
    # that ask the site's root for it (the API docs), with no 404.
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("parley/favicon.svg")),
        name="parley-favicon",
    ),
    # Reversed as "parley-api:<operation>"; every answer JSON (api/errors.py).
    path("api/", api_urls(api.urls)),
]
