"""Page views: thin, as consumers are. The pages' live part is static JS.

Every page of a signed-in user carries ``live``, the configuration of its
socket, bell and room badges (``static/parley/live.js``), rendered with
``json_script``: pages hold no inline script, so a strict Content Security
Policy (``script-src 'self'``) applies.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods

from parley import ratelimit
from parley.conf import parley_settings
from parley.models import Room
from parley.services import guests, listing, reads, rooms
from parley.web import reasons
from parley.web.details import can_leave, details_config
from parley.web.forms import SignUpForm
from parley.web.moderation import moderation_config
from parley.web.shell import members_panel, room_title, shell_context
from parley.web.threads import thread_config
from parley.web.webhooks import can_manage_webhooks, webhooks_config
from parley.wire.errors import ErrorCode, ParleyError

# Placeholders in URL templates the pages' scripts fill in; reverse() is
# called with them and the script replaces them (they survive URL quoting).
ROOM_PLACEHOLDER = "__room__"
USER_PLACEHOLDER = "__user__"
ID_PLACEHOLDER = 999999999


class JoinRoomForm(forms.Form):
    name = forms.CharField(label=_("Room name"), max_length=100)


class PrivateRoomForm(forms.Form):
    title = forms.CharField(label=_("Room name"), max_length=100)


class GuestForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=guests.GUEST_NAME_MAX_CHARS,
        help_text=_("Letters, digits, _, - and . only."),
    )


def live_config(request: HttpRequest) -> dict[str, Any] | None:
    """The configuration of a page's live part, or None for visitors.

    Returns:
        ``{user, guest, socketPath, loginUrl, roomUrl, notificationsUrl,
        notificationReadUrl, notificationsReadAllUrl, searchUrl, roomsUrl,
        strings}``; URLs with
        a placeholder (``__room__``, the id ``999999999``) are templates.
    """
    user = request.user
    if not user.is_authenticated:
        return None
    read_url = reverse("parley-api:mark_notification_read", args=[ID_PLACEHOLDER])
    return {
        "user": user.get_username(),
        "guest": guests.is_guest(user),
        "socketPath": "/ws/",
        "loginUrl": resolve_url(settings.LOGIN_URL),
        "roomUrl": reverse("parley-room", args=[ROOM_PLACEHOLDER]),
        "notificationsUrl": reverse("parley-api:list_notifications"),
        "notificationReadUrl": read_url.replace(str(ID_PLACEHOLDER), "__id__"),
        "notificationsReadAllUrl": reverse("parley-api:mark_all_notifications_read"),
        "searchUrl": reverse("parley-api:search_messages"),
        "roomsUrl": reverse("parley-api:list_rooms"),
        "searchMaxChars": parley_settings.SEARCH_QUERY_MAX_CHARS,
        "strings": {
            "connecting": _("Connecting…"),
            "connected": _("Connected"),
            "reconnecting": _("Offline, reconnecting…"),
            "offline": _("No network; messages will be sent when you are back online."),
            "bellLabel": _("Notifications: %(count)s unread"),
            "noNotifications": _("No notifications yet."),
            "markRead": _("Mark read"),
            "unread": _("unread messages"),
            "kinds": dict(Room.Kind.choices),
            "notifyDirect": _("%(user)s wrote to you"),
            "searchNone": _("No messages found."),
            "searchFailed": _("The search failed; try again."),
            "searchErrors": {
                ErrorCode.INVALID_QUERY: reasons.error_reasons()[
                    ErrorCode.INVALID_QUERY
                ],
                ErrorCode.ROOM_NOT_FOUND: _("No room you may read has this name."),
            },
        },
    }


def page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """``render`` with what every page's shell needs: ``live`` (see
    ``live_config``), ``shell`` (``parley.web.shell.shell_context``) and
    ``guest_access``."""
    return render(
        request,
        template,
        {
            "live": live_config(request),
            "shell": shell_context(request),
            "guest_access": parley_settings.GUEST_ACCESS,
            **context,
        },
    )


class LoginView(auth_views.LoginView):
    """Django's sign-in page, with a guest's way in when guests are allowed.

    Sign-in attempts (POST) are counted per client address and username
    (``PARLEY_LOGIN_ATTEMPTS_PER_MIN``, burst ``LOGIN_ATTEMPT_BURST``)
    against password guessing; over the budget the page answers 429 with
    ``Retry-After`` and checks no password (hashing one costs CPU on
    purpose).
    """

    template_name = "parley/accounts/login.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")[:150]
        key = (request.META.get("REMOTE_ADDR", ""), username.casefold())
        wait = ratelimit.LOGIN_ATTEMPTS.take(key)
        if wait is None:
            return super().post(request, *args, **kwargs)
        seconds = ratelimit.retry_after_header(wait)
        form = self.get_form_class()(request, initial={"username": username})
        response = self.render_to_response(
            self.get_context_data(
                form=form,
                throttled=_(
                    "Too many sign-in attempts for this name; try again in "
                    "%(seconds)s s."
                )
                % {"seconds": seconds},
            ),
            status=429,
        )
        response["Retry-After"] = seconds
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["live"] = live_config(self.request)
        context["shell"] = shell_context(self.request)
        context["guest_access"] = parley_settings.GUEST_ACCESS
        context["guest_form"] = GuestForm()
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change page. Django keeps this session signed in
    (under a new key) and ends every other one; their sockets close with
    4001, this session's stay open (``parley.services.sessions``). Guests
    have no password to change (404)."""

    template_name = "parley/accounts/password_change.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any):
        if guests.is_guest(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["live"] = live_config(self.request)
        context["shell"] = shell_context(self.request)
        return context


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    """Where a password change lands: says it is done."""

    template_name = "parley/accounts/password_change_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["live"] = live_config(self.request)
        context["shell"] = shell_context(self.request)
        return context


def _next_url(request: HttpRequest) -> str:
    """Where to go after signing up or in: ``next`` if it is a path of this
    site (no open redirect), else the room list."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = reverse("parley-rooms")
    return next_url


@require_http_methods(["GET", "POST"])
def guest(request: HttpRequest) -> HttpResponse:
    """``/accounts/guest/``: POST ``name`` signs the visitor in as a guest,
    then goes to ``next`` (a path of this site) or the room list. 404 when
    ``PARLEY_GUEST_ACCESS`` is off."""
    if not parley_settings.GUEST_ACCESS:
        raise Http404
    next_url = _next_url(request)
    form = GuestForm(request.POST or None)
    if request.method == "POST" and _start_guest(request, form):
        return redirect(next_url)
    return page(request, "parley/accounts/guest.html", {"form": form, "next": next_url})


def _start_guest(request: HttpRequest, form: GuestForm) -> bool:
    """Sign in as a guest from a valid ``form``; errors go on the form."""
    if not form.is_valid():
        return False
    try:
        guests.start_guest(request, form.cleaned_data["name"])
    except ParleyError as error:
        form.add_error("name", error.message)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def room_list(request: HttpRequest) -> HttpResponse:
    """The user's rooms and direct conversations with unread counts, and the
    public rooms. POST ``name`` joins or creates a public room; POST
    ``title`` (with ``private``) creates a private room."""
    private = "private" in request.POST
    form = JoinRoomForm(None if private else request.POST or None)
    private_form = PrivateRoomForm(request.POST if private else None)
    if form.is_bound and form.is_valid():
        try:
            room = rooms.join_or_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ParleyError as error:
            form.add_error("name", error.message)
        else:
            return redirect("parley-room", room.slug)
    if private_form.is_bound and private_form.is_valid():
        try:
            room = rooms.create_room(
                user=request.user,
                title=private_form.cleaned_data["title"],
                kind=Room.Kind.PRIVATE,
            )
        except ParleyError as error:
            private_form.add_error("title", error.message)
        else:
            return redirect("parley-room", room.slug)
    return page(
        request,
        "parley/room_list.html",
        {
            "form": form,
            "private_form": private_form,
            "public_rooms": public_rooms(request),
            "is_guest": guests.is_guest(request.user),
        },
    )


def public_rooms(request: HttpRequest) -> listing.RoomsPage:
    """A page of the public rooms the user never joined, by slug, from the
    cursor in ``?after=`` (the page's "More rooms" link); the first page for
    a cursor Parley did not make."""
    after = request.GET.get("after") or None
    kinds = [Room.Kind.PUBLIC]
    try:
        return listing.rooms_page(
            user=request.user, member=False, kinds=kinds, after=after
        )
    except ParleyError:
        return listing.rooms_page(user=request.user, member=False, kinds=kinds)


@require_http_methods(["GET", "POST"])
def room(request: HttpRequest, room: str) -> HttpResponse:
    """A room's page, at the tutorials' address ``/chat/<room>/``.

    Visiting a new public name creates the room, as in the tutorials; a
    name that is not in slug form redirects to its slug. A visitor who is
    not signed in goes to sign in, or, with ``PARLEY_GUEST_ACCESS``, may
    also continue as a guest (POST ``name``) right here.
    """
    try:
        slug = rooms.slug_for(room)
    except ParleyError:
        raise Http404 from None
    if slug != room:
        return redirect("parley-room", slug)
    if not request.user.is_authenticated:
        return _visitor(request, slug)
    if request.method != "GET":
        return redirect("parley-room", slug)
    try:
        current = rooms.join_or_create(user=request.user, name=slug)
    except ParleyError:
        raise Http404 from None
    user = request.user
    # The controls of the room's moderators (the policy's can_moderate).
    is_owner = rooms.can_moderate(user=user, room=current)
    title = room_title(current, user)
    members = members_panel(current, parley_settings.ROOM_PAGE_MEMBERS_MAX)
    config = {
        "room": current.slug,
        "title": title,
        "kind": current.kind,
        "user": user.get_username(),
        "userId": user.pk,
        # Where the user had read to on arriving: the "new messages" line
        # goes above the first message after it.
        "readSeq": reads.read_seqs(user=user, room_ids=[current.pk]).get(current.pk, 0),
        "isOwner": is_owner,
        "canDirect": not guests.is_guest(user),
        "people": {p["username"]: p for p in members["people"]},
        "historyUrl": reverse("parley-api:room_history", args=[current.slug]),
        "threads": thread_config(),
        "directUrl": reverse("parley-api:open_direct", args=[USER_PLACEHOLDER]),
        "membersUrl": reverse("parley-api:add_member", args=[current.slug]),
        "roomUrl": reverse("parley-room", args=[ROOM_PLACEHOLDER]),
        "pageSize": parley_settings.HISTORY_PAGE_DEFAULT,
        "maxChars": parley_settings.MAX_MESSAGE_CHARS,
        "pageMax": parley_settings.HISTORY_PAGE_MAX,
        "typingThrottleMs": int(parley_settings.TYPING_THROTTLE_SECS * 1000),
        "typingTtlSecs": parley_settings.TYPING_TTL_SECS,
        "attachmentsUrl": reverse("parley-api:upload_attachment", args=[current.slug]),
        # An unsent upload's address is this followed by its id.
        "attachmentUrlPrefix": reverse(
            "parley-api:discard_attachment", args=[1]
        ).removesuffix("1"),
        "attachmentMaxBytes": parley_settings.ATTACHMENT_MAX_BYTES,
        "attachmentsMax": parley_settings.ATTACHMENTS_PER_MESSAGE,
        "strings": {
            "roomGone": _("This room is gone, or no longer yours to read."),
            "pending": _("sending…"),
            "failed": _("not sent"),
            "retry": _("Retry"),
            "discard": _("Discard"),
            "loadingOlder": _("Loading older messages…"),
            "start": _("This is the start of the room."),
            "deletedUser": _("deleted user"),
            "edit": _("Edit"),
            "editLabel": _("Edit the message"),
            "save": _("Save"),
            "cancel": _("Cancel"),
            "delete": _("Delete"),
            "deleteQuestion": _("Delete this message?"),
            "edited": _("(edited)"),
            "messageDeleted": _("message deleted"),
            "notConnected": _("Not connected; try again in a moment."),
            "messageUser": pgettext_lazy("write to this person", "Message"),
            "typingOne": _("%(user)s is typing…"),
            "typingTwo": _("%(first)s and %(second)s are typing…"),
            "typingMany": _("%(first)s, %(second)s and others are typing…"),
            "invited": _("%(user)s was invited."),
            "errors": reasons.error_reasons(),
            "today": _("Today"),
            "yesterday": _("Yesterday"),
            "sent": _("sent"),
            "waiting": _("Waiting %(seconds)s s…"),
            "newMessages": _("New messages"),
            "jumpLatest": _("Jump to latest"),
            "jumpLatestCount": _("Jump to latest: %(count)s new"),
            "actions": _("Message actions"),
            "messages": _("Messages"),
            "announce": _("%(user)s: %(text)s"),
            "uploading": _("Uploading %(name)s"),
            "removeFile": _("Remove %(name)s"),
            "uploadFailed": _("The file was not uploaded."),
        },
    }
    config.update(details_config(current, is_owner=is_owner))
    config.update(webhooks_config(current))
    config.update(moderation_config(current, user))  # parley.web.moderation
    return page(
        request,
        "parley/room.html",
        {
            "room": current,
            "title": title,
            "config": config,
            "members": members,
            "can_invite": is_owner and current.kind == Room.Kind.PRIVATE,
            "can_set_topic": is_owner,
            "can_leave": can_leave(current),
            "can_manage_webhooks": can_manage_webhooks(current, is_owner=is_owner),
        },
    )


def _visitor(request: HttpRequest, slug: str) -> HttpResponse:
    """A room's page for a visitor who is not signed in: sign in, or (with
    guest access) continue as a guest and come back."""
    if not parley_settings.GUEST_ACCESS:
        return redirect_to_login(request.get_full_path())
    form = GuestForm(request.POST or None)
    if request.method == "POST" and _start_guest(request, form):
        return redirect("parley-room", slug)
    return page(
        request,
        "parley/room_visitor.html",
        {"slug": slug, "form": form, "next": request.path},
    )


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account (``SignUpForm``: Django's, and no look-alike
    names), then sign in."""
    next_url = _next_url(request)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend=guests.MODEL_BACKEND)
        return redirect(next_url)
    return page(
        request, "parley/accounts/signup.html", {"form": form, "next": next_url}
    )
