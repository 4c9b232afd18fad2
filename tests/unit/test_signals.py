"""Parley's signals reach a host project's receivers once, after commit,
and never for a change that rolled back."""

import logging

import pytest
from django.db import transaction

from parley import signals
from parley.models import Message, Room
from parley.services import direct_rooms, edits, messages, reads, rooms

pytestmark = pytest.mark.django_db

ALL = [
    "message_posted",
    "message_edited",
    "message_deleted",
    "room_created",
    "member_joined",
    "member_left",
]


@pytest.fixture
def heard():
    """Every signal's deliveries, as ``(name, sender, arguments)``."""
    got: list[tuple[str, type, dict]] = []
    receivers = {}
    for name in ALL:

        def receiver(sender, signal, name=name, **arguments):
            got.append((name, sender, arguments))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver)
    yield got
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


def names(heard) -> list[str]:
    return [name for name, _sender, _arguments in heard]


def test_each_change_is_heard_once_after_commit(
    alice, bob, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        room = rooms.create_room(user=alice, title="Kitchen")
        assert heard == []  # not before the commit
    assert len(callbacks) == 2
    assert heard == [
        ("room_created", Room, {"room": room, "by": alice}),
        ("member_joined", Room, {"room": room, "user": alice}),
    ]
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        said = messages.store(room=room, author=bob, text="hi").message
        messages.store(room=room, author=bob, text="hi", client_id="")
        edits.edit_message(user=bob, message_id=said.id, text="hello")
        edits.delete_message(user=alice, message_id=said.id)
        edits.delete_message(user=alice, message_id=said.id)  # no change
        reads.mark_read(user=bob, room=room, seq=1)
        reads.mark_read(user=bob, room=room, seq=2)
    assert names(heard) == [
        "message_posted",
        "message_posted",
        "message_edited",
        "message_deleted",
        "member_joined",
    ]
    posted, _, edited, deleted, joined = (arguments for _, _, arguments in heard)
    assert posted == {"message": said, "room": room, "author": bob}
    assert edited["message"].text == "hello" and edited["author"] == bob
    assert deleted == {"message": said, "room": room, "by": alice}
    assert joined == {"room": room, "user": bob}
    assert {sender for _, sender, _ in heard[:4]} == {Message}


def test_a_rolled_back_change_is_never_heard(
    alice, heard, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        room = rooms.create_room(user=alice, title="Ghost")
        messages.store(room=room, author=alice, text="boo")
        raise RuntimeError
    assert callbacks == [] and heard == []
    assert not Room.objects.filter(slug="ghost").exists()


def test_direct_rooms_and_invitations_are_heard(
    alice, bob, carol, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        direct_rooms.open_direct(user=alice, username=bob.username)
        private = rooms.create_room(user=alice, title="Plans", kind=Room.Kind.PRIVATE)
        rooms.add_member(user=alice, room=private, username=carol.username)
        rooms.add_member(user=alice, room=private, username=carol.username)
    assert [(name, arguments.get("user")) for name, _, arguments in heard] == [
        ("room_created", None),
        ("member_joined", alice),
        ("member_joined", bob),
        ("room_created", None),
        ("member_joined", alice),
        ("member_joined", carol),
    ]


def test_a_failing_receiver_is_logged_and_the_change_stays(
    alice, caplog, django_capture_on_commit_callbacks
):
    def broken(sender, **arguments):
        raise ValueError("the host's bug")

    signals.room_created.connect(broken)
    try:
        with (
            caplog.at_level(logging.ERROR, logger="parley.signals"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            rooms.create_room(user=alice, title="Sturdy")
    finally:
        signals.room_created.disconnect(broken)
    assert Room.objects.filter(slug="sturdy").exists()
    assert "A receiver of a Parley signal failed" in caplog.text


def test_leaving_is_heard(alice, bob, heard, django_capture_on_commit_callbacks):
    from parley.services import details

    room = rooms.join_or_create(user=alice, name="hall")
    rooms.admit(room=room, user=bob)
    with django_capture_on_commit_callbacks(execute=True):
        details.leave_room(user=bob, room=room)
        details.leave_room(user=bob, room=room)
    assert heard[-1] == (
        "member_left",
        Room,
        {"room": room, "user": bob, "reason": "left"},
    )
    assert names(heard).count("member_left") == 1
