"""@mentions notify the people named, inline or through the worker."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from parley.bus import tasks
from parley.bus.worker import TaskConsumer
from parley.models import Guest, Notification
from parley.services import direct_rooms, edits, mentions, messages, rooms
from parley.services.guests import GUEST_SEPARATOR
from tests.unit.services.frames import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture
def lobby(alice):
    return rooms.create_room(user=alice, title="Lobby")


def send(room, author, text):
    return messages.send(room=room, author=author, text=text).message


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("hi @bob", ["bob"]),
        ("@bob, @bob and @carol!", ["bob", "carol"]),
        ("thanks @bob.", ["bob.", "bob"]),
        ("@Алиса привет", ["Алиса"]),
        ("mail bob@example.com", []),
        ("@@bob", []),
        ("a @ b", []),
        ("@bob_2-x+y", ["bob_2-x+y"]),
    ],
)
def test_mentioned_usernames(text, names):
    assert mentions.mentioned_usernames(text) == names


def test_at_most_the_configured_number_of_mentions_is_read(settings):
    settings.PARLEY_MAX_MENTIONS_PER_MESSAGE = 3
    text = " ".join(f"@u{i}" for i in range(5))
    assert mentions.mentioned_usernames(text) == ["u0", "u1", "u2"]
    settings.PARLEY_MAX_MENTIONS_PER_MESSAGE = 0
    assert mentions.mentioned_usernames(text) == []


def test_a_mention_notifies_the_user_named(
    alice, bob, lobby, django_capture_on_commit_callbacks
):
    tab = Listener.user(bob)
    with django_capture_on_commit_callbacks(execute=True):
        message = send(lobby, alice, "@bob look at this, @alice too")
    [frame] = tab.frames()
    assert frame | {"id": None, "ts": None} == {
        "type": "notification",
        "id": None,
        "ts": None,
        "kind": "mention",
        "title": "alice mentioned you in Lobby",
        "body": "@bob look at this, @alice too",
        "url": "/chat/lobby/",
        "data": {"room": "lobby", "message": message.id, "seq": 1, "author": "alice"},
    }
    # Never the author, and once per message whatever runs again.
    mentions.notify_mentions(message.id)
    assert list(Notification.objects.values_list("user__username", flat=True)) == [
        "bob"
    ]


def test_only_people_who_may_read_the_room_are_notified(alice, bob, make_user):
    secret = rooms.create_room(user=alice, title="Secret", kind="private")
    make_user("carol")
    rooms.add_member(user=alice, room=secret, username="bob")
    send(secret, alice, "@bob @carol @nobody")
    assert list(Notification.objects.values_list("user__username", flat=True)) == [
        "bob"
    ]


def test_direct_mentions_name_only_the_author(alice, bob):
    room, _created = direct_rooms.open_direct(user=alice, username="bob")
    send(room, alice, "@bob hi")
    assert Notification.objects.get().title == "alice mentioned you"


def test_deleted_messages_notify_nobody(alice, bob, lobby):
    message = messages.store(room=lobby, author=alice, text="@bob").message
    edits.delete_message(user=alice, message_id=message.id)
    assert mentions.notify_mentions(message.id) == []


def test_guests_are_not_notified(alice, lobby, make_user):
    guest = make_user(f"ghost{GUEST_SEPARATOR}abcd")
    Guest.objects.create(user=guest, name="ghost")
    # Guest usernames hold "#", which a mention never does; a guest row on a
    # plain name is not notified either.
    Guest.objects.create(user=make_user("casper"), name="casper")
    message = send(lobby, alice, "@ghost#abcd @ghost @casper")
    assert mentions.notify_mentions(message.id) == []


def test_long_messages_are_cut_in_the_notification(alice, bob, lobby):
    send(lobby, alice, "@bob " + "x" * 500)
    body = Notification.objects.get().body
    assert len(body) == mentions.EXCERPT_CHARS and body.endswith("…")


# The worker's consumer closes stale connections around each task, as
# Channels' database_sync_to_async does: no test transaction survives that.
@pytest.mark.django_db(transaction=True)
def test_deferred_mentions_go_to_the_worker_channel(alice, bob, lobby, settings):
    settings.PARLEY_DEFER_TASKS = True
    message = send(lobby, alice, "@bob deferred")
    assert not Notification.objects.exists()
    layer = get_channel_layer()
    event = async_to_sync(layer.receive)(tasks.TASKS_CHANNEL)
    assert event == {
        "type": "parley.task",
        "task": "mentions.notify",
        "kwargs": {"message_id": message.id, "names": ["bob"]},
    }
    # What `parley runworker parley-tasks` does with it
    # (tests/live/test_notifications.py runs the real worker):
    TaskConsumer().parley_task(event)
    assert Notification.objects.get().user == bob


def test_a_failing_task_is_logged_and_the_worker_goes_on(caplog):
    TaskConsumer().parley_task({"type": "parley.task", "task": "no.such"})
    assert "task no.such failed" in caplog.text


def test_a_layer_that_refuses_deferred_work_gets_it_run_inline(
    alice, bob, lobby, settings
):
    settings.PARLEY_DEFER_TASKS = True
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "tests.unit.services.frames.Broken"}
    }
    send(lobby, alice, "@bob despite the layer")
    assert Notification.objects.get().user == bob
