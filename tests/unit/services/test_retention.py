"""Retention: messages past their room kind's limit are purged from each
room's start, in bounded batches, with everything hanging on them
(``parley.services.retention``)."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from parley.models import Attachment, Message, Pin, Reaction, Room
from parley.services import (
    attachments,
    history,
    messages,
    pins,
    reactions,
    retention,
    rooms,
    search,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice")


@pytest.fixture
def lobby(alice):
    return rooms.join_or_create(user=alice, name="lobby")


def say(room, author, text, *, age, **kwargs):
    """Store a message as if sent ``age`` ago."""
    message = messages.store(room=room, author=author, text=text, **kwargs).message
    Message.objects.filter(pk=message.pk).update(created_at=NOW - age)
    return message


def seqs(room):
    return list(
        Message.objects.filter(room=room).order_by("seq").values_list("seq", flat=True)
    )


def test_every_message_is_kept_by_default(alice, lobby):
    say(lobby, alice, "ancient", age=DAY * 10_000)
    assert retention.purge(now=NOW) == 0
    assert seqs(lobby) == [1]


def test_a_message_exactly_at_the_limit_stays_and_an_older_one_goes(
    alice, lobby, settings
):
    settings.PARLEY_RETENTION = {"public": 30}
    say(lobby, alice, "older", age=DAY * 30 + dt.timedelta(seconds=1))
    say(lobby, alice, "at the limit", age=DAY * 30)
    say(lobby, alice, "new", age=dt.timedelta(0))
    assert retention.purge(now=NOW) == 1
    assert seqs(lobby) == [2, 3]
    lobby.refresh_from_db()
    assert lobby.last_seq == 3  # never renumbered
    assert history.first_seq(room_id=lobby.pk, last_seq=3) == 2


def test_only_the_kinds_with_a_limit_are_purged(alice, lobby, settings):
    settings.PARLEY_RETENTION = {"public": None, "private": 1}
    secret = rooms.create_room(user=alice, title="secret", kind=Room.Kind.PRIVATE)
    say(lobby, alice, "kept", age=DAY * 5)
    say(secret, alice, "purged", age=DAY * 5)
    assert retention.purge(now=NOW) == 1
    assert (seqs(lobby), seqs(secret)) == ([1], [])
    assert history.first_seq(room_id=secret.pk, last_seq=1) == 2


def test_a_purge_deletes_at_most_a_batch_and_the_next_goes_on(alice, lobby, settings):
    settings.PARLEY_RETENTION = {"public": 1}
    for n in range(5):
        say(lobby, alice, f"m{n}", age=DAY * 2)
    assert [retention.purge(now=NOW, batch=2) for _ in range(4)] == [2, 2, 1, 0]
    settings.PARLEY_RETENTION_BATCH = 3
    say(lobby, alice, "later", age=DAY * 2)
    assert retention.purge(now=NOW) == 1


def test_reactions_pins_files_and_the_search_index_go_with_the_message(
    alice, lobby, settings, media, django_capture_on_commit_callbacks
):
    settings.PARLEY_RETENTION = {"public": 1}
    upload = attachments.upload(
        user=alice, slug=lobby.slug, name="notes.txt", data=b"hello"
    )
    old = say(lobby, alice, "zebra crossing", age=DAY * 2, attachments=[upload.pk])
    reactions.toggle(user=alice, message_id=old.pk, emoji="👍", on=True)
    pins.set_pinned(user=alice, message_id=old.pk, on=True)
    say(lobby, alice, "a fresh zebra", age=dt.timedelta(0))
    stored = media / upload.file
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.purge(now=NOW) == 1
    assert not Reaction.objects.exists()
    assert not Pin.objects.exists()
    assert not Attachment.objects.exists()
    assert not stored.exists()
    hits = search.search(user=alice, text="zebra").hits
    assert [hit.message.text for hit in hits] == ["a fresh zebra"]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM parley_message_fts "
                "WHERE parley_message_fts MATCH 'crossing'"
            )
            assert cursor.fetchall() == []


def test_a_replay_from_before_the_purge_gets_what_is_left(alice, lobby, settings):
    settings.PARLEY_RETENTION = {"public": 1}
    settings.PARLEY_REPLAY_LIMIT = 3
    for n in range(1, 6):
        say(lobby, alice, f"m{n}", age=DAY * 2)
    for n in range(6, 9):
        say(lobby, alice, f"m{n}", age=dt.timedelta(0))
    retention.purge(now=NOW)
    replay = history.replay(room_id=lobby.pk, after=2)
    assert (replay.first_seq, replay.last_seq, replay.resync) == (6, 8, False)
    assert [m.seq for m in replay.messages] == [6, 7, 8]


@pytest.mark.parametrize(
    "configured",
    [
        ["public"],
        {"lobby": 3},
        {"public": 0},
        {"public": -1},
        {"public": "30"},
        {"public": True},
    ],
)
def test_a_malformed_setting_is_refused_clearly(settings, configured):
    settings.PARLEY_RETENTION = configured
    with pytest.raises(ImproperlyConfigured):
        retention.purge()
