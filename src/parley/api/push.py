"""JSON API of push subscriptions and notification preferences.

``GET /api/push/key``, ``POST``/``DELETE /api/push/subscriptions``,
``GET``/``PUT /api/me/notification-settings``; mounted on Parley's API
(``parley.api.views.api``), with its sign-in, request budget and errors.
"""

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field, StringConstraints

from parley.api.schemas import NO_NUL, Body, Error, RateLimitedError
from parley.services import preferences, push
from parley.services.preferences import KindSetting, Preferences

router = Router(tags=["notifications"])
# 400: a body that is not JSON, or a request the service refuses.
ERRORS = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    422: Error,
    429: RateLimitedError,
}
# Enough for the longest key a browser sends; the service checks the sizes.
Key = Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)]


class PushKeyOut(Schema):
    public_key: str = Field(
        description="the VAPID public key: `applicationServerKey` of "
        "`PushManager.subscribe`, base64url"
    )


class SubscriptionKeys(Body):
    p256dh: Key
    auth: Key


class SubscriptionIn(Body):
    """A browser's ``PushSubscription.toJSON()``."""

    endpoint: Annotated[str, StringConstraints(max_length=2000, pattern=NO_NUL)]
    keys: SubscriptionKeys
    expirationTime: float | None = None


class SubscriptionOut(Schema):
    endpoint: str


class EndpointIn(Body):
    endpoint: Annotated[str, StringConstraints(max_length=2000, pattern=NO_NUL)]


class KindSettingIO(Body):
    kind: Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=NO_NUL)]
    in_app: bool = True
    push: bool = True
    email: bool = True


class SettingsIn(Body):
    kinds: list[KindSettingIO] = Field(default_factory=list, max_length=100)
    muted_rooms: list[Annotated[str, StringConstraints(pattern=NO_NUL)]] | None = Field(
        None, max_length=500, description="replaces the muted rooms; null keeps them"
    )


class SettingsOut(Schema):
    kinds: list[dict] = Field(
        description="`{kind, in_app, push, email}` each: `direct`, `mention`, "
        "then every kind the user has received, by name"
    )
    muted_rooms: list[str] = Field(description="slugs of the rooms the user muted")


def settings_out(prefs: Preferences) -> dict:
    return {
        "kinds": [
            {"kind": k.kind, "in_app": k.in_app, "push": k.push, "email": k.email}
            for k in prefs.kinds
        ],
        "muted_rooms": prefs.muted_rooms,
    }


@router.get("/push/key", response={200: PushKeyOut, **ERRORS})
def push_key(request: HttpRequest):
    """The VAPID public key to subscribe with; 404 ``push_unavailable``
    when the server has none."""
    return PushKeyOut(public_key=push.public_key())


@router.post("/push/subscriptions", response={201: SubscriptionOut, **ERRORS})
def subscribe(request: HttpRequest, body: SubscriptionIn):
    """Store this browser's push subscription (again: its keys are
    updated). 400 ``endpoint_not_allowed`` unless the endpoint is https on
    a known push service; ``invalid_subscription`` for bad keys;
    ``too_many_subscriptions`` past the user's limit."""
    stored = push.subscribe(
        user=request.user,
        subscription={"endpoint": body.endpoint, "keys": body.keys.model_dump()},
    )
    return Status(201, SubscriptionOut(endpoint=stored.endpoint))


@router.delete("/push/subscriptions", response={204: None, **ERRORS})
def unsubscribe(request: HttpRequest, body: EndpointIn):
    """Delete one of the user's push subscriptions; 404 for anyone else's."""
    push.unsubscribe(user=request.user, endpoint=body.endpoint)
    return HttpResponse(status=204)


@router.get("/me/notification-settings", response={200: SettingsOut, **ERRORS})
def notification_settings(request: HttpRequest):
    """The user's notification preferences (guests: 403)."""
    return settings_out(preferences.preferences(user=request.user))


@router.put("/me/notification-settings", response={200: SettingsOut, **ERRORS})
def update_notification_settings(request: HttpRequest, body: SettingsIn):
    """Store the user's choices for the kinds named (others keep theirs)
    and, when given, replace the muted rooms (404 ``room_not_found`` for a
    room they may not read)."""
    prefs = preferences.update_preferences(
        user=request.user,
        kinds=[KindSetting(k.kind, k.in_app, k.push, k.email) for k in body.kinds],
        muted_rooms=body.muted_rooms,
    )
    return settings_out(prefs)
