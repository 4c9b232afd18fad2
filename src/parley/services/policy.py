"""Who may do what: the policy every operation asks, and the host's hook.

A host project sets ``PARLEY_POLICY = "shop.chat.Policy"``, the dotted path
of a subclass of ``Policy``, and overrides the methods whose answer it
decides (its own permissions, its own objects); the rest keep Parley's
rules. ``policy()`` returns the configured instance. The services ask it
for every operation, from sockets and HTTP alike (django-eventstream's
``can_read_channel`` and Centrifugo's proxy are the anchors):

=================== ============================================ ==========
method              asked by                                     refused as
=================== ============================================ ==========
``can_see``         every read: history, subscribe, search,      ``room_not_found``
                    room lists (``filter_visible``), reads,
                    pins, members, sockets' joins
``can_join``        becoming a member: reading in a room one     ``room_not_found``,
                    sees but is no member of, being invited      ``forbidden``
``can_post``        every send (socket, HTTP, ``parley.post``)   ``forbidden``
``can_moderate``    topic, pins, invitations, deleting           ``forbidden``
                    another's message
``can_create``      new rooms: by name, by form/API, direct      ``forbidden``
                    conversations
``display``         every name and avatar shown: messages,       --
                    quotes, members, the sidebar, the shell
=================== ============================================ ==========

A room one may not see answers exactly like a room that does not exist.
``can_join``, ``can_post`` and ``can_moderate`` are asked only about rooms
the user can see. A room attached to a host object (``parley.room_for``)
reaches it through ``linked_object(room)``.

Every answer must be cheap: ``can_see`` runs once per subscribe and per
history page, ``can_post`` once per send, ``display`` once per message
shaped (on the event loop: no queries there). The default's queries
are counted by tests (``tests/unit/services/test_policy.py``).
"""

import functools
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db.models import Model, Q, QuerySet
from django.utils.module_loading import import_string

from parley.conf import parley_settings
from parley.models import Ban, Membership, Room, RoomLink
from parley.services.guests import is_guest
from parley.wire.shapes import Display, profile_display

__all__ = ["Display", "Policy", "linked_object", "policy"]

DEFAULT_POLICY = "parley.services.policy.Policy"


class Policy:
    """Parley's rules, and the base of a host's policy.

    The defaults: anyone signed in sees, joins and posts in a public room;
    a private or direct room only its members (never a guest); nobody a
    public room they are banned from; the room's owners, moderators and
    staff moderate public and private rooms (nobody moderates a
    direct conversation); anyone signed in creates public rooms, everyone
    but guests private rooms and direct conversations; a user appears by
    profile (display name, else username; the uploaded avatar).

    Every method takes the user (possibly anonymous) and a
    ``parley.models.Room`` or a room kind, and returns a bool unless said.
    Override any of them. One instance serves every request and socket of
    a process, from several threads: keep no per-call state on it.
    """

    def can_see(self, user: AbstractBaseUser, room: Room) -> bool:
        """Whether ``user`` may read ``room``: its history, its live
        messages, its members. One indexed query: membership for a private
        or direct room, no ban (``parley.services.moderation``) for a
        public one.

        A subclass that overrides this should override ``filter_visible``
        to match, or lists check every room here, one by one (correct,
        but slow past a few hundred rooms; ``parley.checks`` warns).
        """
        if not user.is_authenticated:
            return False
        if room.kind == Room.Kind.PUBLIC:
            return not Ban.objects.filter(room=room, user_id=user.pk).exists()
        if is_guest(user):
            return False
        return Membership.objects.filter(room=room, user_id=user.pk).exists()

    def filter_visible(
        self, user: AbstractBaseUser, rooms: QuerySet[Room]
    ) -> QuerySet[Room]:
        """``rooms`` narrowed to those ``user`` may see, as one query
        (``can_see`` for lists: the room list, unread counts, search).

        The default is ``can_see``'s rule in SQL. When a subclass
        overrides ``can_see`` but not this, the answer is every room of
        ``rooms`` that ``can_see`` accepts, asked one by one: right, and a
        query per room. A subclass's own ``filter_visible`` may call this
        one for Parley's rule in SQL and widen it (``|``) or narrow it.
        """
        own = type(self)
        if (
            own.can_see is not Policy.can_see
            and own.filter_visible is Policy.filter_visible
        ):
            return rooms.filter(
                pk__in=[room.pk for room in rooms if self.can_see(user, room)]
            )
        if not user.is_authenticated:
            return rooms.none()
        # A subquery, not a join: readers of public rooms are members too,
        # and a join would pair every public room with all of them.
        mine = Membership.objects.filter(user_id=user.pk).values("room_id")
        banned = Ban.objects.filter(user_id=user.pk).values("room_id")
        return rooms.filter(Q(kind=Room.Kind.PUBLIC) | Q(pk__in=mine)).exclude(
            pk__in=banned
        )

    def can_join(self, user: AbstractBaseUser, room: Room) -> bool:
        """Whether ``user``, who may see ``room``, may become its member:
        by reading in it (which makes a member of a room one sees) or by an
        owner's invitation. Default: anyone signed in for a public room,
        no guest for a private one, nobody for a direct one (its two
        members are fixed)."""
        if not user.is_authenticated or room.kind == Room.Kind.DIRECT:
            return False
        return room.kind == Room.Kind.PUBLIC or not is_guest(user)

    def can_post(self, user: AbstractBaseUser, room: Room) -> bool:
        """Whether ``user``, who may see ``room``, may post in it. Default:
        yes (every reader writes); no query."""
        return bool(user.is_authenticated)

    def can_moderate(self, user: AbstractBaseUser, room: Room) -> bool:
        """Whether ``user``, who may see ``room``, may set its topic, pin,
        invite, delete others' messages and act on members (remove, ban,
        mute: ``parley.services.moderation``, which also asks that the
        moderator outranks whom they act on). Default: staff and the
        room's owners and moderators (one query), never in a direct room."""
        if not user.is_authenticated or room.kind == Room.Kind.DIRECT:
            return False
        if getattr(user, "is_staff", False):
            return True
        return Membership.objects.filter(
            room=room,
            user_id=user.pk,
            role__in=(Membership.Role.OWNER, Membership.Role.MODERATOR),
        ).exists()

    def can_create(self, user: AbstractBaseUser, kind: str) -> bool:
        """Whether ``user`` may create a room of ``kind`` (``"public"``,
        ``"private"`` or ``"direct"``, ``Room.Kind``). Default: anyone
        signed in a public room, everyone but guests the others. The
        per-user budget (``PARLEY_ROOMS_PER_USER_PER_DAY``) applies after
        this says yes."""
        if not user.is_authenticated:
            return False
        return kind == Room.Kind.PUBLIC or not is_guest(user)

    def display(self, user: Any) -> Display:
        """How ``user`` appears to others (``Display(name, avatar_url)``).

        Default: the profile's display name, else the username; the
        uploaded avatar (``parley.services.profiles``). Called for every
        message shaped, with ``user.parley_profile`` loaded alongside, and
        on the server's event loop too (a socket's broadcast), so it must
        not query the database: read what is loaded with the user. An
        avatar URL must be one the pages' Content-Security-Policy allows
        (``img-src 'self'``: a path on the same site).
        """
        return profile_display(user)


def linked_object(room: Room) -> Model | None:
    """The host object ``room`` is attached to (``parley.room_for``), or
    None for a room of its own (or one whose object was deleted). One query
    for the link and one for the object; a policy that asks for it often
    may cache it on the room (``room.parley_link`` is kept once read)."""
    link: RoomLink | None
    try:
        link = room.parley_link
    except RoomLink.DoesNotExist:
        link = None
    if link is None:
        return None
    model = link.content_type.model_class()
    if model is None:
        return None
    found: Model | None = model._default_manager.filter(pk=link.object_id).first()
    return found


@functools.cache
def _load(path: str) -> Policy:
    """The instance of the policy class at ``path`` (cached per path).

    Raises:
        ImproperlyConfigured: the path does not import, or names no
            subclass of ``Policy``.
    """
    try:
        found = import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(
            f"PARLEY_POLICY = {path!r} does not import: {error}"
        ) from error
    if not (isinstance(found, type) and issubclass(found, Policy)):
        raise ImproperlyConfigured(
            f"PARLEY_POLICY = {path!r} is not a subclass of "
            "parley.services.policy.Policy."
        )
    return found()


def policy() -> Policy:
    """The configured policy: an instance of ``PARLEY_POLICY`` (a dotted
    path; default ``Policy``), made once per process and made again when
    the setting changes (``override_settings`` sends ``setting_changed``).

    Raises:
        ImproperlyConfigured: see ``_load`` (``parley.checks`` reports the
            same at start-up as ``parley.E003``).
    """
    return _load(parley_settings.POLICY)


def _forget(*, setting: str, **kwargs: Any) -> None:
    """``setting_changed`` receiver: a changed ``PARLEY_POLICY`` is loaded
    anew (the class at a path may change under ``override_settings``)."""
    if setting == "PARLEY_POLICY":
        _load.cache_clear()


setting_changed.connect(_forget, dispatch_uid="parley.policy")
