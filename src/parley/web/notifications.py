"""Pages of notifications: the settings page, the one-click unsubscribe,
and the service worker that shows pushes (``/sw.js``)."""

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from parley.services import email, preferences
from parley.web.shell import my_rooms
from parley.web.views import page
from parley.wire.errors import ParleyError

SERVICE_WORKER = Path(__file__).resolve().parent.parent / "static" / "parley" / "sw.js"
CHANNEL_LABELS = {
    "in_app": _("In the app"),
    "push": _("Push"),
    "email": _("E-mail"),
}
KIND_LABELS = {
    preferences.DIRECT_KIND: _("Direct messages"),
    preferences.MENTION_KIND: _("Mentions"),
}


@never_cache
@login_required
@require_GET
def notification_settings(request: HttpRequest) -> HttpResponse:
    """``/settings/notifications/``: per kind, in the app / push / e-mail;
    per room, mute; and push on this browser (``static/parley/push.js``
    saves through the API). Guests get 403 from the service."""
    try:
        prefs = preferences.preferences(user=request.user)
    except ParleyError as error:
        return HttpResponse(error.message, status=error.status)
    muted = set(prefs.muted_rooms)
    joined = my_rooms(request.user, paged=False)
    return page(
        request,
        "parley/settings_notifications.html",
        {
            "kinds": [
                {
                    "kind": k.kind,
                    "label": KIND_LABELS.get(k.kind, k.kind),
                    "channels": [
                        (name, CHANNEL_LABELS[name], getattr(k, name))
                        for name in preferences.CHANNELS
                    ],
                }
                for k in prefs.kinds
            ],
            "rooms": [
                {**room, "muted": room["slug"] in muted}
                for room in joined["rooms"] + joined["direct"]
            ],
            "push_config": {
                "settingsUrl": reverse("parley-api:notification_settings"),
                "keyUrl": reverse("parley-api:push_key"),
                "subscriptionsUrl": reverse("parley-api:subscribe"),
                "workerUrl": reverse("parley-service-worker"),
                "strings": {
                    "saved": _("Saved."),
                    "saveFailed": _("Could not save: %(message)s"),
                    "pushOn": _("Push notifications are on in this browser."),
                    "pushOff": _("Push notifications are off in this browser."),
                    "pushDenied": _(
                        "This browser blocks notifications from this site; "
                        "allow them in its site settings."
                    ),
                    "pushUnsupported": _("This browser cannot get push notifications."),
                    "pushFailed": _("Could not turn push on: %(message)s"),
                },
            },
        },
    )


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The one-click unsubscribe of an e-mail (RFC 8058), signed-out.

    GET shows a button (a link checker that follows the link changes
    nothing); POST (the mail client's ``List-Unsubscribe=One-Click``, or
    the button) turns e-mail off for the kinds the token names. Exempt from
    CSRF: the signed token is the authority, no cookie is needed or used.
    A forged or altered token gets 400 and changes nothing.
    """
    try:
        email.read_unsubscribe_token(token)
        done = email.unsubscribe(token) if request.method == "POST" else None
    except ParleyError as error:
        return render(
            request,
            "parley/unsubscribe.html",
            {"error": error.message},
            status=error.status,
        )
    return render(request, "parley/unsubscribe.html", {"done": done is not None})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """``/sw.js``: the service worker, from the site root so that its scope
    may be the whole site (``Service-Worker-Allowed: /``), revalidated on
    each check so that an update reaches browsers."""
    response = HttpResponse(
        SERVICE_WORKER.read_bytes(), content_type="text/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
