"""The public JSON shapes (``parley.wire.shapes``), built from plain objects
standing in for loaded models: what frames, events and the API carry."""

import datetime as dt
from types import SimpleNamespace

import orjson
import pytest

from parley.wire import shapes

CREATED = dt.datetime(2026, 11, 21, 7, 35, 46, 123456, tzinfo=dt.UTC)
EDITED = dt.datetime(2026, 11, 21, 8, 0, 0, tzinfo=dt.UTC)


class Author:
    def get_username(self) -> str:
        return "ann"


def a_message(**fields):
    values = {
        "id": 7,
        "seq": 3,
        "room": SimpleNamespace(slug="лобби"),
        "author": Author(),
        "author_id": 5,
        "text": "hello",
        "html": "<p>hello</p>",
        "created_at": CREATED,
        "client_id": "",
        "edited_at": None,
        "deleted_at": None,
        "reply_to_id": None,
        "reply_to": None,
        "reply_count": 0,
    }
    values.update(fields)
    return SimpleNamespace(**values)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (CREATED, "2026-11-21T07:35:46.123Z"),
        (
            dt.datetime(
                2026,
                11,
                21,
                10,
                35,
                46,
                123999,
                tzinfo=dt.timezone(dt.timedelta(hours=3)),
            ),
            "2026-11-21T07:35:46.123Z",
        ),
        (dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "2026-01-02T03:04:05.000Z"),
    ],
)
def test_timestamps_are_utc_with_milliseconds_and_z(value, text):
    """ISO 8601 in UTC, milliseconds always present, ``Z`` for the zone."""
    assert shapes.timestamp(value) == text


def test_a_message_has_its_public_fields_only():
    assert shapes.message(a_message()) == {
        "id": 7,
        "seq": 3,
        "room": "лобби",
        "author": "ann",
        "author_id": 5,
        "author_name": "ann",
        "text": "hello",
        "html": "<p>hello</p>",
        "ts": "2026-11-21T07:35:46.123Z",
        "reply_count": 0,
        "reactions": [],
    }


def test_a_reply_quotes_the_start_of_its_parent_and_reactions_are_carried():
    """The quote is cut at ``QUOTE_CHARS``; a deleted parent quotes nothing."""
    parent = a_message(id=3, seq=1, text="é" * (shapes.QUOTE_CHARS + 1))
    reply = a_message(reply_to_id=3, reply_to=parent, reply_count=0)
    reply.parley_reactions = [{"emoji": "👍", "count": 2, "me": True}]
    shape = shapes.message(reply)
    assert shape["reply_to"] == {
        "id": 3,
        "seq": 1,
        "author": "ann",
        "author_name": "ann",
        "excerpt": "é" * shapes.QUOTE_CHARS + "…",
        "deleted": False,
    }
    assert shape["reactions"] == [{"emoji": "👍", "count": 2, "me": True}]
    parent.text, parent.deleted_at = "secret", EDITED
    gone = shapes.message(reply)["reply_to"]
    assert (gone["excerpt"], gone["deleted"]) == ("", True)
    parent.text, parent.deleted_at = "x" * shapes.QUOTE_CHARS, None
    assert shapes.message(reply)["reply_to"]["excerpt"] == "x" * shapes.QUOTE_CHARS


def test_a_message_shows_its_authors_display_name_and_avatar():
    """The display name replaces the username in ``author_name``; the
    username stays in ``author`` (mentions and DMs address it)."""
    author = Author()
    author.parley_profile = SimpleNamespace(
        display_name="Ann Lee", avatar_url="/avatars/1/2.png"
    )
    shape = shapes.message(a_message(author=author))
    assert shape["author"] == "ann"
    assert shape["author_name"] == "Ann Lee"
    assert shape["author_avatar"] == "/avatars/1/2.png"


def test_a_profile_without_name_or_avatar_shows_the_username_and_no_avatar():
    author = Author()
    author.parley_profile = SimpleNamespace(display_name="", avatar_url="")
    shape = shapes.message(a_message(author=author))
    assert shape["author_name"] == "ann"
    assert "author_avatar" not in shape


def test_a_message_keeps_its_client_id_and_edit_time_when_it_has_them():
    shape = shapes.message(a_message(client_id="c-1", edited_at=EDITED))
    assert shape["client_id"] == "c-1"
    assert shape["edited_ts"] == "2026-11-21T08:00:00.000Z"
    assert "deleted" not in shape


def test_a_deleted_message_is_marked_and_its_text_blanked():
    """The text of a deleted message never leaves the server."""
    shape = shapes.message(
        a_message(text="secret", html="<p>secret</p>", deleted_at=EDITED)
    )
    assert shape["deleted"] is True
    assert shape["text"] == shape["html"] == ""
    assert "secret" not in orjson.dumps(shape).decode()


def test_a_deleted_account_is_a_null_author():
    shape = shapes.message(a_message(author=None, author_id=None))
    assert shape["author"] is None and shape["author_name"] is None
    assert shape["author_id"] is None


def test_edited_and_deleted_frames_carry_their_fields():
    message = a_message(text="*fixed*", html="<p><em>fixed</em></p>", edited_at=EDITED)
    assert shapes.edited(message) == {
        "id": 7,
        "seq": 3,
        "room": "лобби",
        "text": "*fixed*",
        "html": "<p><em>fixed</em></p>",
        "edited_ts": "2026-11-21T08:00:00.000Z",
    }
    assert shapes.deleted(message) == {"id": 7, "seq": 3, "room": "лобби"}


@pytest.mark.parametrize(
    ("ref", "expected"), [(None, None), ("c-1", None), ("r-9", "r-9")]
)
def test_an_ack_names_its_ref_only_when_it_differs_from_the_client_id(ref, expected):
    """``ref`` is None (left out of the frame) when absent or only repeating
    ``client_id``."""
    assert shapes.ack(a_message(), client_id="c-1", ref=ref) == {
        "client_id": "c-1",
        "id": 7,
        "seq": 3,
        "room": "лобби",
        "ts": "2026-11-21T07:35:46.123Z",
        "html": "<p>hello</p>",
        "ref": expected,
    }


@pytest.mark.parametrize(("read_at", "read"), [(None, False), (EDITED, True)])
def test_a_notification_says_whether_it_was_read(read_at, read):
    notification = SimpleNamespace(
        id=1,
        kind="order",
        title="Shipped",
        body="Your order",
        url="/orders/1",
        data={"order": 1},
        created_at=CREATED,
        read_at=read_at,
    )
    assert shapes.notification(notification) == {
        "id": 1,
        "kind": "order",
        "title": "Shipped",
        "body": "Your order",
        "url": "/orders/1",
        "data": {"order": 1},
        "ts": "2026-11-21T07:35:46.123Z",
        "read": read,
    }


def test_a_room_is_shaped_as_the_user_sees_it():
    """The title, read position and unread count are the caller's, for this
    user; the rest comes from the room."""
    room = SimpleNamespace(
        slug="dm-1-2",
        kind="direct",
        topic="",
        last_seq=9,
        created_at=CREATED,
        archived_at=None,
    )
    assert shapes.room(
        room, title="ben", read_seq=4, unread=5, peer="ben", url="/rooms/dm-1-2/"
    ) == {
        "slug": "dm-1-2",
        "title": "ben",
        "kind": "direct",
        "topic": "",
        "last_seq": 9,
        "read_seq": 4,
        "unread": 5,
        "peer": "ben",
        "created_at": CREATED,
        "url": "/rooms/dm-1-2/",
        "archived": False,
    }
