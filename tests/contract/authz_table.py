"""The authorization matrix as data: every socket frame and every API route,
and what each role gets for it on each kind of room.

``tests/contract/test_authz_matrix.py`` runs each row against one real
server with one parametrized test.

``TABLE`` is the contract, written out: for each operation, what each role
gets in a public, a private and a direct room, and for a room (or message)
that does not exist. ``ROWS`` expands it into one ``Row`` (role, kind,
operation, expected answer) per cell; ``test_every_api_route_has_rows``
fails when the OpenAPI schema gains a route that no operation tries, so a
new endpoint cannot escape the matrix.

Roles, all signed in by session cookie (as the pages are):

- ``owner`` created the room (for the direct room: opened it; a direct room
  has no owner, so this is just one of its two members);
- ``member`` belongs to it (invited into the private room; the direct
  room's other person; in the public room, someone who has posted there);
- ``nonmember`` is signed in and belongs to none of them;
- ``guest`` signed in as a guest (``PARLEY_GUEST_ACCESS`` is on);
- ``anonymous`` has no session (only Django's CSRF cookie, as any visitor
  of a page has): sockets are refused at the handshake (HTTP 403), the API
  answers 401.

Socket answers are the reply frame's type (``subscribed``, ``ack`` ...) or
the ``error`` frame's code; ``refused`` is a handshake refused with 403.
HTTP answers are the status, with the body's ``code`` for a 4xx.

What the table shows (``docs/protocol.md``): a private or direct room that
is not yours answers exactly like one that does not exist, on both
transports (``room_not_found``, ``not_found`` for its messages), except
that its *slug* is taken: a room cannot be created under it (409
``room_exists``), and ``subscribe`` creates a public room only under a free
slug. Nobody reads or marks anyone else's notification, nor removes anyone
else's push subscription; a room's topic and pins are its owner's, and
a direct room, which has no owner, has neither (nor webhooks, which are
also the owner's alone); moderation (removing, banning, muting, roles,
archiving) is its owner's too, and a direct room has none; a guest reaches public
rooms only and has no notifications, subscriptions or notification
settings. ``ORACLE_TABLE``
adds a direct room's slug with no room (``dm-1-2``): it answers as one that
is not yours, so nobody learns who talks to whom (rows named ``... (oracle)``).
"""

from dataclasses import dataclass
from typing import Any

OWNER, MEMBER, NONMEMBER, GUEST, ANONYMOUS = (
    "owner",
    "member",
    "nonmember",
    "guest",
    "anonymous",
)
ROLES = (OWNER, MEMBER, NONMEMBER, GUEST, ANONYMOUS)
PUBLIC, PRIVATE, DIRECT, MISSING = "public", "private", "direct", "missing"
KINDS = (PUBLIC, PRIVATE, DIRECT, MISSING)
# A direct room's slug (dm-<id>-<id>) of two users who have no conversation,
# and of a user and an id no user has: ORACLE_TABLE's kinds.
DIRECT_NONE, DIRECT_NO_USER = "direct-none", "direct-no-user"
ORACLE_KINDS = (DIRECT, DIRECT_NONE, DIRECT_NO_USER)
# The kind of the rows of operations that involve no room.
NO_ROOM = "-"
REFUSED = "refused"  # the WebSocket handshake answered HTTP 403
# An answer a row does not have: the role cannot hold such a thing (a
# message of its own in a room it may not read, a guest's notification).
NA = None

# Socket answers: a reply frame's type, an `error` frame's code, or REFUSED.
NO_ROOM_FOUND = "room_not_found"
NOT_SUBSCRIBED = "not_subscribed"
# HTTP answers: the status, and the body's `code` for a 4xx.
OK, CREATED, NO_CONTENT = "200", "201", "204"
INVALID_REQUEST = "400 invalid_request"
INVALID_ROOM = "400 invalid_room"
NOT_AUTHENTICATED = "401 not_authenticated"
FORBIDDEN = "403 forbidden"
GUEST_FORBIDDEN = "403 guest_forbidden"
WRONG_PASSWORD = "403 wrong_password"
NOT_FOUND = "404 not_found"
ROOM_NOT_FOUND = "404 room_not_found"
ROOM_EXISTS = "409 room_exists"
LAST_OWNER = "409 last_owner"
UNPROCESSABLE = "422 invalid_request"
FILE_NOT_FOUND = "404"  # a download's page answer: no JSON body
FILE_GONE = "404 attachment_not_found"
# A search's answer: whether the word searched for was among the hits.
FOUND, UNFOUND = "200 found", "200 unfound"
# Every answer of an anonymous caller: a refused handshake, or 401.
REFUSED_4 = (REFUSED,) * 4
UNAUTHENTICATED_4 = (NOT_AUTHENTICATED,) * 4

# fmt: off
# Answers per role, one column per kind of room:
#             public        private        direct         missing
SOCKET_TABLE: dict[str, dict[str, Any]] = {
    "ws.subscribe": {
        OWNER:     ("subscribed", "subscribed",  "subscribed",  "subscribed"),
        MEMBER:    ("subscribed", "subscribed",  "subscribed",  "subscribed"),
        NONMEMBER: ("subscribed", NO_ROOM_FOUND, NO_ROOM_FOUND, "subscribed"),
        GUEST:     ("subscribed", NO_ROOM_FOUND, NO_ROOM_FOUND, "subscribed"),
        ANONYMOUS: REFUSED_4,
    },
    "ws.subscribe_after": {
        OWNER:     ("subscribed", "subscribed",  "subscribed",  "subscribed"),
        MEMBER:    ("subscribed", "subscribed",  "subscribed",  "subscribed"),
        NONMEMBER: ("subscribed", NO_ROOM_FOUND, NO_ROOM_FOUND, "subscribed"),
        GUEST:     ("subscribed", NO_ROOM_FOUND, NO_ROOM_FOUND, "subscribed"),
        ANONYMOUS: REFUSED_4,
    },
    # Leaving a room one never followed is no error, whatever the room.
    "ws.unsubscribe": {
        OWNER:     ("unsubscribed",) * 4,
        MEMBER:    ("unsubscribed",) * 4,
        NONMEMBER: ("unsubscribed",) * 4,
        GUEST:     ("unsubscribed",) * 4,
        ANONYMOUS: REFUSED_4,
    },
    # `send` never creates a room.
    "ws.send": {
        OWNER:     ("ack",        "ack",         "ack",         NO_ROOM_FOUND),
        MEMBER:    ("ack",        "ack",         "ack",         NO_ROOM_FOUND),
        NONMEMBER: ("ack",        NO_ROOM_FOUND, NO_ROOM_FOUND, NO_ROOM_FOUND),
        GUEST:     ("ack",        NO_ROOM_FOUND, NO_ROOM_FOUND, NO_ROOM_FOUND),
        ANONYMOUS: REFUSED_4,
    },
    "ws.edit_own": {
        OWNER:     ("edited",     "edited",      "edited",      NA),
        MEMBER:    ("edited",     "edited",      "edited",      NA),
        NONMEMBER: ("edited",     NA,            NA,            NA),
        GUEST:     ("edited",     NA,            NA,            NA),
        ANONYMOUS: REFUSED_4,
    },
    "ws.edit_other": {
        OWNER:     ("forbidden",  "forbidden",   "forbidden",   "not_found"),
        MEMBER:    ("forbidden",  "forbidden",   "forbidden",   "not_found"),
        NONMEMBER: ("forbidden",  "not_found",   "not_found",   "not_found"),
        GUEST:     ("forbidden",  "not_found",   "not_found",   "not_found"),
        ANONYMOUS: REFUSED_4,
    },
    "ws.delete_own": {
        OWNER:     ("deleted",    "deleted",     "deleted",     NA),
        MEMBER:    ("deleted",    "deleted",     "deleted",     NA),
        NONMEMBER: ("deleted",    NA,            NA,            NA),
        GUEST:     ("deleted",    NA,            NA,            NA),
        ANONYMOUS: REFUSED_4,
    },
    # The owner of a room deletes anyone's message in it; a direct room has
    # no owner.
    "ws.delete_other": {
        OWNER:     ("deleted",    "deleted",     "forbidden",   "not_found"),
        MEMBER:    ("forbidden",  "forbidden",   "forbidden",   "not_found"),
        NONMEMBER: ("forbidden",  "not_found",   "not_found",   "not_found"),
        GUEST:     ("forbidden",  "not_found",   "not_found",   "not_found"),
        ANONYMOUS: REFUSED_4,
    },
    # `typing` and `read` after a `subscribe` to the room (refused or not).
    "ws.typing": {
        OWNER:     ("typing",     "typing",       "typing",       "typing"),
        MEMBER:    ("typing",     "typing",       "typing",       "typing"),
        NONMEMBER: ("typing",     NOT_SUBSCRIBED, NOT_SUBSCRIBED, "typing"),
        GUEST:     ("typing",     NOT_SUBSCRIBED, NOT_SUBSCRIBED, "typing"),
        ANONYMOUS: REFUSED_4,
    },
    "ws.read": {
        OWNER:     ("read",       "read",         "read",         "read"),
        MEMBER:    ("read",       "read",         "read",         "read"),
        NONMEMBER: ("read",       NOT_SUBSCRIBED, NOT_SUBSCRIBED, "read"),
        GUEST:     ("read",       NOT_SUBSCRIBED, NOT_SUBSCRIBED, "read"),
        ANONYMOUS: REFUSED_4,
    },
    # The tutorial's socket /ws/chat/<room>/, then {"message": ...}.
    "ws.tutorial": {
        OWNER:     ("message",    "message",     "message",     "message"),
        MEMBER:    ("message",    "message",     "message",     "message"),
        NONMEMBER: ("message",    REFUSED,       REFUSED,       "message"),
        GUEST:     ("message",    REFUSED,       REFUSED,       "message"),
        ANONYMOUS: REFUSED_4,
    },
    # A reaction to another's message in the room of the kind.
    "ws.react": {
        OWNER:     ("reaction",   "reaction",    "reaction",    "not_found"),
        MEMBER:    ("reaction",   "reaction",    "reaction",    "not_found"),
        NONMEMBER: ("reaction",   "not_found",   "not_found",   "not_found"),
        GUEST:     ("reaction",   "not_found",   "not_found",   "not_found"),
        ANONYMOUS: REFUSED_4,
    },
    # A reply in the public room to another's message in the room of the
    # kind: a message one may not read is as unknown as a missing one.
    "ws.reply": {
        OWNER:     ("ack",        "reply_wrong_room", "reply_wrong_room", "not_found"),
        MEMBER:    ("ack",        "reply_wrong_room", "reply_wrong_room", "not_found"),
        NONMEMBER: ("ack",        "not_found",        "not_found",        "not_found"),
        GUEST:     ("ack",        "not_found",        "not_found",        "not_found"),
        ANONYMOUS: REFUSED_4,
    },
    "ws.ping": {
        OWNER: "pong", MEMBER: "pong", NONMEMBER: "pong", GUEST: "pong",
        ANONYMOUS: REFUSED,
    },
    # A room's topic and pins: its owner only (a direct room has none).
    "ws.topic": {
        OWNER:     ("topic",      "topic",       "forbidden",   NO_ROOM_FOUND),
        MEMBER:    ("forbidden",  "forbidden",   "forbidden",   NO_ROOM_FOUND),
        NONMEMBER: ("forbidden",  NO_ROOM_FOUND, NO_ROOM_FOUND, NO_ROOM_FOUND),
        GUEST:     ("forbidden",  NO_ROOM_FOUND, NO_ROOM_FOUND, NO_ROOM_FOUND),
        ANONYMOUS: REFUSED_4,
    },
    # Someone else's message (a member's for the owner).
    "ws.pin": {
        OWNER:     ("pin",        "pin",         "forbidden",   "not_found"),
        MEMBER:    ("forbidden",  "forbidden",   "forbidden",   "not_found"),
        NONMEMBER: ("forbidden",  "not_found",   "not_found",   "not_found"),
        GUEST:     ("forbidden",  "not_found",   "not_found",   "not_found"),
        ANONYMOUS: REFUSED_4,
    },
    "ws.unpin": {
        OWNER:     ("pin",        "pin",         "forbidden",   "not_found"),
        MEMBER:    ("forbidden",  "forbidden",   "forbidden",   "not_found"),
        NONMEMBER: ("forbidden",  "not_found",   "not_found",   "not_found"),
        GUEST:     ("forbidden",  "not_found",   "not_found",   "not_found"),
        ANONYMOUS: REFUSED_4,
    },
}

MODERATION_ROUTES = (
    "POST /api/rooms/{slug}/members/{username}/remove",
    "POST /api/rooms/{slug}/members/{username}/ban",
    "DELETE /api/rooms/{slug}/members/{username}/ban",
    "POST /api/rooms/{slug}/members/{username}/mute",
    "DELETE /api/rooms/{slug}/members/{username}/mute",
    "POST /api/rooms/{slug}/members/{username}/role",
    "POST /api/rooms/{slug}/archive",
    "DELETE /api/rooms/{slug}/archive",
)
# Moderation's routes (issue 15) all answer alike; the rows are in HTTP_TABLE.
#             public        private          direct          missing
MODERATION = {
    OWNER:     (OK,          OK,              FORBIDDEN,      ROOM_NOT_FOUND),
    MEMBER:    (FORBIDDEN,   FORBIDDEN,       FORBIDDEN,      ROOM_NOT_FOUND),
    NONMEMBER: (FORBIDDEN,   ROOM_NOT_FOUND,  ROOM_NOT_FOUND, ROOM_NOT_FOUND),
    GUEST:     (FORBIDDEN,   ROOM_NOT_FOUND,  ROOM_NOT_FOUND, ROOM_NOT_FOUND),
    ANONYMOUS: UNAUTHENTICATED_4,
}
#             public           private          direct           missing
HTTP_TABLE: dict[str, dict[str, Any]] = {
    # Whether the room is in the list.
    "GET /api/rooms": {
        OWNER:     ("200 listed", "200 listed",   "200 listed",   "200 unlisted"),
        MEMBER:    ("200 listed", "200 listed",   "200 listed",   "200 unlisted"),
        NONMEMBER: ("200 listed", "200 unlisted", "200 unlisted", "200 unlisted"),
        GUEST:     ("200 listed", "200 unlisted", "200 unlisted", "200 unlisted"),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    # A new room of the kind (a direct room is not created this way).
    "POST /api/rooms": {
        OWNER:     (CREATED,        CREATED,         UNPROCESSABLE,   NA),
        MEMBER:    (CREATED,        CREATED,         UNPROCESSABLE,   NA),
        NONMEMBER: (CREATED,        CREATED,         UNPROCESSABLE,   NA),
        GUEST:     (CREATED,        GUEST_FORBIDDEN, UNPROCESSABLE,   NA),
        ANONYMOUS: (NOT_AUTHENTICATED,) * 3 + (NA,),
    },
    # A public room titled like the room's slug: the slug is taken, even for
    # those who may not read the room; direct slugs are reserved.
    "POST /api/rooms (taken)": {
        OWNER:     (ROOM_EXISTS,    ROOM_EXISTS,     INVALID_ROOM,    NA),
        MEMBER:    (ROOM_EXISTS,    ROOM_EXISTS,     INVALID_ROOM,    NA),
        NONMEMBER: (ROOM_EXISTS,    ROOM_EXISTS,     INVALID_ROOM,    NA),
        GUEST:     (ROOM_EXISTS,    ROOM_EXISTS,     INVALID_ROOM,    NA),
        ANONYMOUS: (NOT_AUTHENTICATED,) * 3 + (NA,),
    },
    "GET /api/rooms/{slug}": {
        OWNER:     (OK,             OK,              OK,              ROOM_NOT_FOUND),
        MEMBER:    (OK,             OK,              OK,              ROOM_NOT_FOUND),
        NONMEMBER: (OK,             ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (OK,             ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    "POST /api/rooms/{slug}/read": {
        OWNER:     (OK,             OK,              OK,              ROOM_NOT_FOUND),
        MEMBER:    (OK,             OK,              OK,              ROOM_NOT_FOUND),
        NONMEMBER: (OK,             ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (OK,             ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    "GET /api/rooms/{slug}/members": {
        OWNER:     (OK,             OK,              OK,              ROOM_NOT_FOUND),
        MEMBER:    (OK,             OK,              OK,              ROOM_NOT_FOUND),
        NONMEMBER: (OK,             ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (OK,             ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    "GET /api/rooms/{slug}/pins": {
        OWNER:     (OK,             OK,              OK,              ROOM_NOT_FOUND),
        MEMBER:    (OK,             OK,              OK,              ROOM_NOT_FOUND),
        NONMEMBER: (OK,             ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (OK,             ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    # The topic: the owner only; a direct room has no owner.
    "POST /api/rooms/{slug}/topic": {
        OWNER:     (OK,             OK,              FORBIDDEN,       ROOM_NOT_FOUND),
        MEMBER:    (FORBIDDEN,      FORBIDDEN,       FORBIDDEN,       ROOM_NOT_FOUND),
        NONMEMBER: (FORBIDDEN,      ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (FORBIDDEN,      ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    # A room's outgoing webhooks: its owner only (staff too, not a role
    # here); a direct room has no owner. The DELETE row's webhook is the
    # owner's.
    "GET /api/rooms/{slug}/webhooks": {
        OWNER:     (OK,             OK,              FORBIDDEN,       ROOM_NOT_FOUND),
        MEMBER:    (FORBIDDEN,      FORBIDDEN,       FORBIDDEN,       ROOM_NOT_FOUND),
        NONMEMBER: (FORBIDDEN,      ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (FORBIDDEN,      ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    "POST /api/rooms/{slug}/webhooks": {
        OWNER:     (CREATED,        CREATED,         FORBIDDEN,       ROOM_NOT_FOUND),
        MEMBER:    (FORBIDDEN,      FORBIDDEN,       FORBIDDEN,       ROOM_NOT_FOUND),
        NONMEMBER: (FORBIDDEN,      ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (FORBIDDEN,      ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    "DELETE /api/rooms/{slug}/webhooks/{webhook_id}": {
        OWNER:     (NO_CONTENT,     NO_CONTENT,      FORBIDDEN,       ROOM_NOT_FOUND),
        MEMBER:    (FORBIDDEN,      FORBIDDEN,       FORBIDDEN,       ROOM_NOT_FOUND),
        NONMEMBER: (FORBIDDEN,      ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (FORBIDDEN,      ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    # Leaving a room of the kind made for the row (the world's stay as they
    # are): the owner is its last owner; a direct room cannot be left; in a
    # public room a non-member leaves nothing, which is no error.
    "POST /api/rooms/{slug}/leave": {
        OWNER:     (LAST_OWNER,     LAST_OWNER,      INVALID_REQUEST, ROOM_NOT_FOUND),
        MEMBER:    (OK,             OK,              INVALID_REQUEST, ROOM_NOT_FOUND),
        NONMEMBER: (OK,             ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (OK,             ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    # Someone else's message (a member's for the owner).
    "POST /api/messages/{message_id}/pin": {
        OWNER:     (OK,             OK,              FORBIDDEN,       NOT_FOUND),
        MEMBER:    (FORBIDDEN,      FORBIDDEN,       FORBIDDEN,       NOT_FOUND),
        NONMEMBER: (FORBIDDEN,      NOT_FOUND,       NOT_FOUND,       NOT_FOUND),
        GUEST:     (FORBIDDEN,      NOT_FOUND,       NOT_FOUND,       NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    "DELETE /api/messages/{message_id}/pin": {
        OWNER:     (OK,             OK,              FORBIDDEN,       NOT_FOUND),
        MEMBER:    (FORBIDDEN,      FORBIDDEN,       FORBIDDEN,       NOT_FOUND),
        NONMEMBER: (FORBIDDEN,      NOT_FOUND,       NOT_FOUND,       NOT_FOUND),
        GUEST:     (FORBIDDEN,      NOT_FOUND,       NOT_FOUND,       NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    # Inviting a user with an account (201: the one row that succeeds).
    "POST /api/rooms/{slug}/members": {
        OWNER:     (INVALID_REQUEST, CREATED,        INVALID_REQUEST, ROOM_NOT_FOUND),
        MEMBER:    (INVALID_REQUEST, FORBIDDEN,      INVALID_REQUEST, ROOM_NOT_FOUND),
        NONMEMBER: (INVALID_REQUEST, ROOM_NOT_FOUND, ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (INVALID_REQUEST, ROOM_NOT_FOUND, ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    # Inviting a guest.
    "POST /api/rooms/{slug}/members (guest)": {
        OWNER:     (INVALID_REQUEST, GUEST_FORBIDDEN, INVALID_REQUEST, ROOM_NOT_FOUND),
        MEMBER:    (INVALID_REQUEST, FORBIDDEN,       INVALID_REQUEST, ROOM_NOT_FOUND),
        NONMEMBER: (INVALID_REQUEST, ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (INVALID_REQUEST, ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    "GET /api/rooms/{slug}/messages": {
        OWNER:     (OK,             OK,              OK,              ROOM_NOT_FOUND),
        MEMBER:    (OK,             OK,              OK,              ROOM_NOT_FOUND),
        NONMEMBER: (OK,             ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (OK,             ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    # The page around a message (where a search result opens).
    "GET /api/rooms/{slug}/messages (around)": {
        OWNER:     (OK,             OK,              OK,              ROOM_NOT_FOUND),
        MEMBER:    (OK,             OK,              OK,              ROOM_NOT_FOUND),
        NONMEMBER: (OK,             ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (OK,             ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    # A word the owner said in the room: whether a search finds it.
    "GET /api/search": {
        OWNER:     (FOUND,          FOUND,           FOUND,           UNFOUND),
        MEMBER:    (FOUND,          FOUND,           FOUND,           UNFOUND),
        NONMEMBER: (FOUND,          UNFOUND,         UNFOUND,         UNFOUND),
        GUEST:     (FOUND,          UNFOUND,         UNFOUND,         UNFOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    # The same, in that room only (`room=<slug>`).
    "GET /api/search (room)": {
        OWNER:     (FOUND,          FOUND,           FOUND,           ROOM_NOT_FOUND),
        MEMBER:    (FOUND,          FOUND,           FOUND,           ROOM_NOT_FOUND),
        NONMEMBER: (FOUND,          ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (FOUND,          ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    "POST /api/rooms/{slug}/messages": {
        OWNER:     (CREATED,        CREATED,         CREATED,         ROOM_NOT_FOUND),
        MEMBER:    (CREATED,        CREATED,         CREATED,         ROOM_NOT_FOUND),
        NONMEMBER: (CREATED,        ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (CREATED,        ROOM_NOT_FOUND,  ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    # Uploading a file into the room: guests may not, even in public rooms.
    "POST /api/rooms/{slug}/attachments": {
        OWNER:     (CREATED,         CREATED,        CREATED,         ROOM_NOT_FOUND),
        MEMBER:    (CREATED,         CREATED,        CREATED,         ROOM_NOT_FOUND),
        NONMEMBER: (CREATED,         ROOM_NOT_FOUND, ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (GUEST_FORBIDDEN, ROOM_NOT_FOUND, ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    # Deleting one's own upload into the room, not sent yet (guests have
    # none; an anonymous caller tries the owner's).
    "DELETE /api/attachments/{attachment_id} (own)": {
        OWNER:     (NO_CONTENT,     NO_CONTENT,      NO_CONTENT,      NA),
        MEMBER:    (NO_CONTENT,     NO_CONTENT,      NO_CONTENT,      NA),
        NONMEMBER: (NO_CONTENT,     NA,              NA,              NA),
        GUEST:     (NA,             NA,              NA,              NA),
        ANONYMOUS: (NOT_AUTHENTICATED,) * 3 + (NA,),
    },
    # Someone else's unsent upload (the member's for the owner, the
    # owner's for everyone else); a missing id.
    "DELETE /api/attachments/{attachment_id}": {
        OWNER:     (FILE_GONE,      FILE_GONE,       FILE_GONE,       FILE_GONE),
        MEMBER:    (FILE_GONE,      FILE_GONE,       FILE_GONE,       FILE_GONE),
        NONMEMBER: (FILE_GONE,      FILE_GONE,       FILE_GONE,       FILE_GONE),
        GUEST:     (FILE_GONE,      FILE_GONE,       FILE_GONE,       FILE_GONE),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    # Downloading a file the owner sent in the room (a page, not the API:
    # the status only; anyone who may not read the room gets a plain 404).
    "GET /files/{attachment_id}/": {
        OWNER:     (OK,             OK,              OK,              FILE_NOT_FOUND),
        MEMBER:    (OK,             OK,              OK,              FILE_NOT_FOUND),
        NONMEMBER: (OK,             FILE_NOT_FOUND,  FILE_NOT_FOUND,  FILE_NOT_FOUND),
        GUEST:     (OK,             FILE_NOT_FOUND,  FILE_NOT_FOUND,  FILE_NOT_FOUND),
        ANONYMOUS: (FILE_NOT_FOUND,) * 4,
    },
    "PATCH /api/messages/{message_id} (own)": {
        OWNER:     (OK,             OK,              OK,              NA),
        MEMBER:    (OK,             OK,              OK,              NA),
        NONMEMBER: (OK,             NA,              NA,              NA),
        GUEST:     (OK,             NA,              NA,              NA),
        ANONYMOUS: (NOT_AUTHENTICATED,) * 3 + (NA,),
    },
    "PATCH /api/messages/{message_id}": {
        OWNER:     (FORBIDDEN,      FORBIDDEN,       FORBIDDEN,       NOT_FOUND),
        MEMBER:    (FORBIDDEN,      FORBIDDEN,       FORBIDDEN,       NOT_FOUND),
        NONMEMBER: (FORBIDDEN,      NOT_FOUND,       NOT_FOUND,       NOT_FOUND),
        GUEST:     (FORBIDDEN,      NOT_FOUND,       NOT_FOUND,       NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    "DELETE /api/messages/{message_id} (own)": {
        OWNER:     (OK,             OK,              OK,              NA),
        MEMBER:    (OK,             OK,              OK,              NA),
        NONMEMBER: (OK,             NA,              NA,              NA),
        GUEST:     (OK,             NA,              NA,              NA),
        ANONYMOUS: (NOT_AUTHENTICATED,) * 3 + (NA,),
    },
    "DELETE /api/messages/{message_id}": {
        OWNER:     (OK,             OK,              FORBIDDEN,       NOT_FOUND),
        MEMBER:    (FORBIDDEN,      FORBIDDEN,       FORBIDDEN,       NOT_FOUND),
        NONMEMBER: (FORBIDDEN,      NOT_FOUND,       NOT_FOUND,       NOT_FOUND),
        GUEST:     (FORBIDDEN,      NOT_FOUND,       NOT_FOUND,       NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    # Replies and reactions of another's message in the room of the kind.
    "GET /api/messages/{message_id}/replies": {
        OWNER:     (OK,             OK,              OK,              NOT_FOUND),
        MEMBER:    (OK,             OK,              OK,              NOT_FOUND),
        NONMEMBER: (OK,             NOT_FOUND,       NOT_FOUND,       NOT_FOUND),
        GUEST:     (OK,             NOT_FOUND,       NOT_FOUND,       NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    "POST /api/messages/{message_id}/reactions": {
        OWNER:     (OK,             OK,              OK,              NOT_FOUND),
        MEMBER:    (OK,             OK,              OK,              NOT_FOUND),
        NONMEMBER: (OK,             NOT_FOUND,       NOT_FOUND,       NOT_FOUND),
        GUEST:     (OK,             NOT_FOUND,       NOT_FOUND,       NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    "DELETE /api/messages/{message_id}/reactions/{emoji}": {
        OWNER:     (OK,             OK,              OK,              NOT_FOUND),
        MEMBER:    (OK,             OK,              OK,              NOT_FOUND),
        NONMEMBER: (OK,             NOT_FOUND,       NOT_FOUND,       NOT_FOUND),
        GUEST:     (OK,             NOT_FOUND,       NOT_FOUND,       NOT_FOUND),
        ANONYMOUS: UNAUTHENTICATED_4,
    },
    # The direct room with the owner.
    "POST /api/direct/{username}": {
        OWNER: INVALID_REQUEST, MEMBER: OK, NONMEMBER: CREATED,
        GUEST: GUEST_FORBIDDEN, ANONYMOUS: NOT_AUTHENTICATED,
    },
    # The direct room with the guest.
    "POST /api/direct/{username} (guest)": {
        OWNER: GUEST_FORBIDDEN, MEMBER: GUEST_FORBIDDEN,
        NONMEMBER: GUEST_FORBIDDEN, GUEST: GUEST_FORBIDDEN,
        ANONYMOUS: NOT_AUTHENTICATED,
    },
    # "200 own": the page holds the caller's notification and no one else's.
    "GET /api/notifications": {
        OWNER: "200 own", MEMBER: "200 own", NONMEMBER: "200 own",
        GUEST: GUEST_FORBIDDEN, ANONYMOUS: NOT_AUTHENTICATED,
    },
    "POST /api/notifications/read": {
        OWNER: OK, MEMBER: OK, NONMEMBER: OK,
        GUEST: GUEST_FORBIDDEN, ANONYMOUS: NOT_AUTHENTICATED,
    },
    "POST /api/notifications/{notification_id}/read (own)": {
        OWNER: OK, MEMBER: OK, NONMEMBER: OK, GUEST: NA, ANONYMOUS: NA,
    },
    # Someone else's notification.
    "POST /api/notifications/{notification_id}/read": {
        OWNER: NOT_FOUND, MEMBER: NOT_FOUND, NONMEMBER: NOT_FOUND,
        GUEST: GUEST_FORBIDDEN, ANONYMOUS: NOT_AUTHENTICATED,
    },
    # The VAPID public key is no secret: anyone signed in may read it.
    "GET /api/push/key": {
        OWNER: OK, MEMBER: OK, NONMEMBER: OK, GUEST: OK,
        ANONYMOUS: NOT_AUTHENTICATED,
    },
    "POST /api/push/subscriptions": {
        OWNER: CREATED, MEMBER: CREATED, NONMEMBER: CREATED,
        GUEST: GUEST_FORBIDDEN, ANONYMOUS: NOT_AUTHENTICATED,
    },
    "DELETE /api/push/subscriptions (own)": {
        OWNER: NO_CONTENT, MEMBER: NO_CONTENT, NONMEMBER: NO_CONTENT,
        GUEST: NA, ANONYMOUS: NA,
    },
    # Someone else's subscription.
    "DELETE /api/push/subscriptions": {
        OWNER: NOT_FOUND, MEMBER: NOT_FOUND, NONMEMBER: NOT_FOUND,
        GUEST: GUEST_FORBIDDEN, ANONYMOUS: NOT_AUTHENTICATED,
    },
    "GET /api/me/notification-settings": {
        OWNER: OK, MEMBER: OK, NONMEMBER: OK,
        GUEST: GUEST_FORBIDDEN, ANONYMOUS: NOT_AUTHENTICATED,
    },
    "PUT /api/me/notification-settings": {
        OWNER: OK, MEMBER: OK, NONMEMBER: OK,
        GUEST: GUEST_FORBIDDEN, ANONYMOUS: NOT_AUTHENTICATED,
    },
    # One's own data only: the export names no one else.
    "GET /api/me/export": {
        OWNER: "200 own", MEMBER: "200 own", NONMEMBER: "200 own",
        GUEST: "200 own", ANONYMOUS: NOT_AUTHENTICATED,
    },
    # Tried with a wrong password (the right one would end the matrix's
    # users): a signed-in session alone never deletes an account.
    "POST /api/me/delete": {
        OWNER: WRONG_PASSWORD, MEMBER: WRONG_PASSWORD, NONMEMBER: WRONG_PASSWORD,
        GUEST: GUEST_FORBIDDEN, ANONYMOUS: NOT_AUTHENTICATED,
    },
    # Moderation (issue 15), on a fresh room of the kind, acting on the
    # member: its owner moderates (a direct room has none); the member
    # does not outrank themselves.
    **{operation: MODERATION for operation in MODERATION_ROUTES},
}

# The direct-conversation oracle: a third person's answers for the direct
# room of two users, for the slug of two users who have no conversation,
# and for a slug naming a user who does not exist. All three answer alike,
# so a slug like dm-1-2 tells nobody who talks to whom. One column per kind:
#             direct          direct, none     direct, no user
ORACLE_TABLE: dict[str, dict[str, Any]] = {
    "ws.subscribe": {
        NONMEMBER: (NO_ROOM_FOUND,  NO_ROOM_FOUND,   NO_ROOM_FOUND),
        GUEST:     (NO_ROOM_FOUND,  NO_ROOM_FOUND,   NO_ROOM_FOUND),
    },
    "ws.subscribe_after": {
        NONMEMBER: (NO_ROOM_FOUND,  NO_ROOM_FOUND,   NO_ROOM_FOUND),
        GUEST:     (NO_ROOM_FOUND,  NO_ROOM_FOUND,   NO_ROOM_FOUND),
    },
    "ws.send": {
        NONMEMBER: (NO_ROOM_FOUND,  NO_ROOM_FOUND,   NO_ROOM_FOUND),
        GUEST:     (NO_ROOM_FOUND,  NO_ROOM_FOUND,   NO_ROOM_FOUND),
    },
    "ws.typing": {
        NONMEMBER: (NOT_SUBSCRIBED, NOT_SUBSCRIBED,  NOT_SUBSCRIBED),
        GUEST:     (NOT_SUBSCRIBED, NOT_SUBSCRIBED,  NOT_SUBSCRIBED),
    },
    "ws.tutorial": {
        NONMEMBER: (REFUSED,        REFUSED,         REFUSED),
        GUEST:     (REFUSED,        REFUSED,         REFUSED),
    },
    "GET /api/rooms/{slug}": {
        NONMEMBER: (ROOM_NOT_FOUND, ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (ROOM_NOT_FOUND, ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
    },
    "GET /api/rooms/{slug}/messages": {
        NONMEMBER: (ROOM_NOT_FOUND, ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (ROOM_NOT_FOUND, ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
    },
    "GET /api/search (room)": {
        NONMEMBER: (ROOM_NOT_FOUND, ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (ROOM_NOT_FOUND, ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
    },
    "POST /api/rooms/{slug}/messages": {
        NONMEMBER: (ROOM_NOT_FOUND, ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (ROOM_NOT_FOUND, ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
    },
    "POST /api/rooms/{slug}/members": {
        NONMEMBER: (ROOM_NOT_FOUND, ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
        GUEST:     (ROOM_NOT_FOUND, ROOM_NOT_FOUND,  ROOM_NOT_FOUND),
    },
}
# fmt: on

TABLE = {**SOCKET_TABLE, **HTTP_TABLE}


@dataclass(frozen=True)
class Row:
    """One cell of the matrix: ``role`` does ``operation`` on ``kind``."""

    role: str
    kind: str
    operation: str
    expected: str

    def __str__(self) -> str:
        return f"{self.operation}|{self.role}|{self.kind}"


def expand(table: dict[str, dict[str, Any]]) -> list[Row]:
    """The table's cells as rows, leaving out those marked ``NA``."""
    rows = []
    for operation, answers in table.items():
        for role in ROLES:
            answer = answers[role]
            if isinstance(answer, tuple):
                assert len(answer) == len(KINDS), (operation, role)
                cells = zip(KINDS, answer, strict=True)
            else:
                cells = [(NO_ROOM, answer)]
            rows.extend(
                Row(role, kind, operation, expected)
                for kind, expected in cells
                if expected is not NA
            )
    return rows


ROWS = expand(TABLE) + [
    Row(role, kind, f"{operation} (oracle)", expected)
    for operation, answers in ORACLE_TABLE.items()
    for role, cells in answers.items()
    for kind, expected in zip(ORACLE_KINDS, cells, strict=True)
]


def route_of(operation: str) -> tuple[str, str]:
    """``("GET", "/api/rooms/{slug}")`` of an HTTP operation's name."""
    method, path = operation.split(" (")[0].split(" ", 1)
    return method, path
