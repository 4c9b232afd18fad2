"""Parley's HTTP routes: ``path("", include("parley.urls"))`` in a project.

Pages: ``/`` (rooms), ``/chat/<room>/`` and ``/settings/tokens/`` (API
tokens); the JSON API under ``/api/``.
Sign-in pages are in ``parley.web.accounts_urls``, for projects that have
none of their own.
"""

from django.urls import path

from parley.api.errors import api_urls
from parley.api.views import api
from parley.web import views

urlpatterns = [
    path("", views.room_list, name="parley-rooms"),
    path("chat/<str:room>/", views.room, name="parley-room"),
    path("settings/tokens/", views.token_list, name="parley-tokens"),
    path(
        "settings/tokens/<int:token_id>/revoke/",
        views.token_revoke,
        name="parley-token-revoke",
    ),
    # Reversed as "parley-api:<operation>"; every answer JSON (api/errors.py).
    path("api/", api_urls(api.urls)),
]
