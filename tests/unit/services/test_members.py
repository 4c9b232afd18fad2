"""Private rooms' members, without sockets."""

import pytest

from parley.services import rooms
from parley.wire.errors import ErrorCode, Forbidden, NotFound, ParleyError
from tests.unit.services.frames import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret(alice):
    return rooms.create_room(user=alice, title="Secret", kind="private")


def test_only_members_read_a_private_room(alice, bob, secret):
    assert rooms.get_readable(user=alice, slug="secret") == secret
    with pytest.raises(NotFound) as error:
        rooms.get_readable(user=bob, slug="secret")
    assert error.value.code == ErrorCode.ROOM_NOT_FOUND
    assert list(rooms.readable_rooms(bob)) == []


def test_the_owner_invites_and_the_invited_hears_of_it(
    alice, bob, secret, django_capture_on_commit_callbacks
):
    tab = Listener.user(bob)
    with django_capture_on_commit_callbacks(execute=True):
        membership, created = rooms.add_member(user=alice, room=secret, username="bob")
        again, created_again = rooms.add_member(user=alice, room=secret, username="bob")
    assert created and not created_again and again == membership
    assert tab.frames() == [
        {"type": "joined", "room": "secret", "title": "Secret", "kind": "private"}
    ]
    assert rooms.get_readable(user=bob, slug="secret") == secret
    assert [(m.user.username, m.role) for m in rooms.members(room=secret)] == [
        ("alice", "owner"),
        ("bob", "member"),
    ]


def test_only_the_owner_invites(alice, bob, carol, secret):
    rooms.add_member(user=alice, room=secret, username="bob")
    with pytest.raises(Forbidden) as error:
        rooms.add_member(user=bob, room=secret, username="carol")
    assert (error.value.code, error.value.status) == (ErrorCode.FORBIDDEN, 403)


@pytest.mark.parametrize(
    ("username", "error", "code"),
    [
        ("nobody", NotFound, ErrorCode.NOT_FOUND),
        ("Bob", NotFound, ErrorCode.NOT_FOUND),  # usernames are case-sensitive
    ],
)
def test_inviting_unknown_users_is_not_found(alice, bob, secret, username, error, code):
    with pytest.raises(error) as raised:
        rooms.add_member(user=alice, room=secret, username=username)
    assert raised.value.code == code


def test_public_rooms_have_no_invitations(alice, bob):
    lobby = rooms.join_or_create(user=alice, name="lobby")
    with pytest.raises(ParleyError) as error:
        rooms.add_member(user=alice, room=lobby, username="bob")
    assert error.value.code == ErrorCode.INVALID_REQUEST


@pytest.mark.parametrize("title", ["dm-1-2", "DM 12 345"])
def test_direct_slugs_are_reserved(alice, title):
    with pytest.raises(ParleyError) as error:
        rooms.create_room(user=alice, title=title)
    assert error.value.code == ErrorCode.INVALID_ROOM
