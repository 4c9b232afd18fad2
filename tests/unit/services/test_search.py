"""Search over the messages a user may read, on the suite's database
(SQLite by default, PostgreSQL with ``PARLEY_TEST_DATABASE=postgres``)."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from parley.models import Room
from parley.services import direct_rooms, edits, messages, rooms, search
from parley.wire.errors import ErrorCode, NotFound
from parley.wire.query import QueryError

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob")


@pytest.fixture
def lobby(alice):
    return rooms.join_or_create(user=alice, name="lobby")


@pytest.fixture
def secret(alice):
    return rooms.create_room(user=alice, title="secret", kind=Room.Kind.PRIVATE)


def say(room, author, text):
    return messages.store(room=room, author=author, text=text).message


def found(user, text, **filters):
    return [
        hit.message.text for hit in search.search(user=user, text=text, **filters).hits
    ]


def test_a_word_is_found_in_a_readable_room_and_never_in_another(
    alice, bob, lobby, secret
):
    """Bob reads the public lobby, not Alice's private room."""
    say(lobby, alice, "the zebra crossing")
    say(secret, alice, "a zebra in secret")
    assert found(bob, "zebra") == ["the zebra crossing"]
    assert sorted(found(alice, "ZEBRA")) == ["a zebra in secret", "the zebra crossing"]
    with pytest.raises(NotFound) as refused:
        search.search(user=bob, text="zebra", room=secret.slug)
    assert refused.value.code == ErrorCode.ROOM_NOT_FOUND
    with pytest.raises(NotFound):
        search.search(user=bob, text=f"zebra in:{secret.slug}")


def test_edits_re_index_and_deleted_messages_are_never_found(alice, lobby):
    edited = say(lobby, alice, "old words")
    deleted = say(lobby, alice, "doomed words")
    edits.edit_message(user=alice, message_id=edited.pk, text="new text")
    edits.delete_message(user=alice, message_id=deleted.pk)
    assert found(alice, "old") == []
    assert found(alice, "new") == ["new text"]
    assert found(alice, "doomed") == []
    assert found(alice, "words") == []


def test_phrases_filters_and_operators(alice, bob, lobby):
    other = rooms.join_or_create(user=bob, name="other")
    say(lobby, alice, "release notes are out")
    say(lobby, bob, "notes about the release")
    say(other, bob, "release notes again")
    assert found(alice, '"release notes"', room="lobby") == ["release notes are out"]
    assert found(alice, "release from:bob in:other") == ["release notes again"]
    assert found(alice, "release", author="nobody") == []
    # FTS and tsquery syntax is only words: no error, no operator.
    assert found(alice, 'notes NEAR(release) "unbalanced') == []
    assert found(alice, "text:release* ^notes | !x") == []


def test_ranked_and_paged_by_cursor(alice, lobby):
    for i in range(5):
        say(lobby, alice, f"plain message {i} apple")
    say(lobby, alice, "apple apple apple")
    first = search.search(user=alice, text="apple", limit=4)
    assert first.hits[0].message.text == "apple apple apple"
    assert first.next_cursor == 4
    rest = search.search(user=alice, text="apple", limit=4, cursor=4)
    assert len(rest.hits) == 2 and rest.next_cursor is None
    texts = {h.message.text for h in first.hits} | {h.message.text for h in rest.hits}
    assert len(texts) == 6


def test_before_finds_older_messages_only(alice, lobby):
    say(lobby, alice, "kiwi one")
    cut = timezone.now() + dt.timedelta(microseconds=1)
    assert found(alice, "kiwi", before=cut) == ["kiwi one"]
    assert found(alice, "kiwi", before=cut - dt.timedelta(hours=1)) == []
    assert found(alice, "kiwi", before=cut.replace(tzinfo=None)) == ["kiwi one"]
    far = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    with pytest.raises(QueryError):
        search.search(user=alice, text="kiwi", before=far)


def test_a_hit_carries_its_room_title_and_a_marked_snippet(alice, bob, lobby):
    direct, _ = direct_rooms.open_direct(user=alice, username="bob")
    say(direct, bob, "<b>mango</b>")
    hit = search.search(user=alice, text="mango").hits[0]
    assert hit.room_title == "bob"
    assert hit.snippet.text == "<b>mango</b>"
    assert hit.snippet.highlights == ((3, 8),)


@override_settings(PARLEY_SEARCH_QUERY_MAX_CHARS=10)
def test_the_query_length_is_a_setting(alice):
    assert found(alice, "a" * 10) == []
    with pytest.raises(QueryError):
        search.search(user=alice, text="a" * 11)


@override_settings(PARLEY_SEARCH_RANK_WINDOW=3)
def test_the_newest_matches_up_to_the_window_are_ranked(alice, lobby):
    """Three matches of three are all found; of four, the oldest is not."""
    for text in ("fig 1", "fig 2", "fig fig 3"):
        say(lobby, alice, text)
    assert found(alice, "fig") == ["fig fig 3", "fig 2", "fig 1"]
    say(lobby, alice, "fig 4")
    assert sorted(found(alice, "fig")) == ["fig 2", "fig 4", "fig fig 3"]
