"""Page views: thin, as consumers are. The pages' live part is static JS."""

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from parley.conf import parley_settings
from parley.errors import NotFound, ParleyError
from parley.services import rooms, tokens


class JoinRoomForm(forms.Form):
    name = forms.CharField(label=_("Room name"), max_length=100)


class NewTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=tokens.NAME_MAX_CHARS,
        help_text=_("What it is for, e.g. “deploy bot”."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def room_list(request: HttpRequest) -> HttpResponse:
    """The rooms the user may read; POST ``name`` joins or creates one."""
    form = JoinRoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            room = rooms.join_or_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ParleyError as error:
            form.add_error("name", error.message)
        else:
            return redirect("parley-room", room.slug)
    return render(
        request,
        "parley/room_list.html",
        {"form": form, "rooms": rooms.readable_rooms(request.user).order_by("slug")},
    )


@login_required
def room(request: HttpRequest, room: str) -> HttpResponse:
    """A room's page, at the tutorials' address ``/chat/<room>/``.

    Visiting a new public name creates the room, as in the tutorials; a
    name that is not in slug form redirects to its slug.
    """
    try:
        slug = rooms.slug_for(room)
    except ParleyError:
        raise Http404 from None
    if slug != room:
        return redirect("parley-room", slug)
    try:
        current = rooms.join_or_create(user=request.user, name=slug)
    except NotFound:
        raise Http404 from None
    config = {
        "room": current.slug,
        "title": current.title,
        "user": request.user.get_username(),
        "socketPath": "/ws/",
        "loginUrl": resolve_url(settings.LOGIN_URL),
        "historyUrl": reverse("parley-api:room_history", args=[current.slug]),
        "pageSize": parley_settings.HISTORY_PAGE_DEFAULT,
        "maxChars": parley_settings.MAX_MESSAGE_CHARS,
        "pageMax": parley_settings.HISTORY_PAGE_MAX,
        "strings": {
            "connecting": _("Connecting…"),
            "connected": _("Connected"),
            "reconnecting": _("Offline, reconnecting…"),
            "offline": _("No network; messages will be sent when you are back online."),
            "roomGone": _("This room is gone, or no longer yours to read."),
            "pending": _("sending…"),
            "failed": _("not sent"),
            "retry": _("Retry"),
            "discard": _("Discard"),
            "loadingOlder": _("Loading older messages…"),
            "start": _("This is the start of the room."),
            "deletedUser": _("deleted user"),
        },
    }
    return render(request, "parley/room.html", {"room": current, "config": config})


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account with Django's ``UserCreationForm``, then sign in."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = reverse("parley-rooms")
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_url)
    return render(
        request, "parley/accounts/signup.html", {"form": form, "next": next_url}
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's API tokens; POST ``name`` creates one and shows it once.

    The new token is in this one response only (not stored, not cached,
    not carried through a redirect); reloading the page does not show it.
    """
    form = NewTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, plaintext = tokens.create_token(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ParleyError as error:
            form.add_error("name", error.message)
        else:
            created = {"token": token, "plaintext": plaintext}
            form = NewTokenForm()
    return render(
        request,
        "parley/tokens.html",
        {"form": form, "created": created, "tokens": tokens.tokens_of(request.user)},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the user's tokens, then back to the list; 404 for others'."""
    try:
        tokens.revoke_token(user=request.user, token_id=token_id)
    except NotFound:
        raise Http404 from None
    return redirect("parley-tokens")
