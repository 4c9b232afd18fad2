"""Storing and reading messages, without sockets."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from parley.models import Message
from parley.services import edits, messages, rooms
from parley.wire import events, shapes
from parley.wire.errors import Conflict, ErrorCode, ParleyError


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("author")


@pytest.fixture
def room(user):
    return rooms.join_or_create(user=user, name="room")


@pytest.mark.django_db
def test_seq_numbers_a_rooms_messages_from_one(user, room):
    other = rooms.join_or_create(user=user, name="other")
    seqs = [
        messages.store(room=room, author=user, text=f"m{i}").message.seq
        for i in range(3)
    ]
    assert seqs == [1, 2, 3]
    assert messages.store(room=other, author=user, text="x").message.seq == 1
    room.refresh_from_db()
    assert room.last_seq == 3


@pytest.mark.django_db
def test_a_repeated_client_id_returns_the_first_message(user, room):
    first = messages.store(room=room, author=user, text="hello", client_id="k1")
    again = messages.store(room=room, author=user, text=" hello ", client_id="k1")
    assert first.created and not again.created
    assert again.message.pk == first.message.pk and again.message.text == "hello"
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_a_client_id_repeated_with_another_text_is_a_conflict(user, room):
    messages.store(room=room, author=user, text="hello", client_id="k1")
    with pytest.raises(Conflict) as error:
        messages.store(room=room, author=user, text="changed?", client_id="k1")
    assert error.value.code == ErrorCode.CLIENT_ID_CONFLICT
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_a_repeat_of_an_edited_message_is_a_retry(user, room):
    """An edited message no longer holds its sent text: a repeat of the
    send is taken as a retry, not a conflict."""
    first = messages.store(room=room, author=user, text="hello", client_id="k1")
    edits.edit_message(user=user, message_id=first.message.pk, text="edited")
    again = messages.store(room=room, author=user, text="hello", client_id="k1")
    assert not again.created and again.message.pk == first.message.pk


@pytest.mark.django_db
def test_client_ids_are_per_author(user, room, django_user_model):
    other = django_user_model.objects.create_user("other")
    messages.store(room=room, author=user, text="a", client_id="same")
    assert messages.store(room=room, author=other, text="b", client_id="same").created


@pytest.mark.django_db
def test_a_client_id_reused_in_another_room_is_refused(user, room):
    messages.store(room=room, author=user, text="a", client_id="k")
    elsewhere = rooms.join_or_create(user=user, name="elsewhere")
    with pytest.raises(Conflict) as error:
        messages.store(room=elsewhere, author=user, text="a", client_id="k")
    assert error.value.code == ErrorCode.CLIENT_ID_REUSED


@pytest.mark.django_db
def test_text_rules(user, room, settings):
    settings.PARLEY_MAX_MESSAGE_CHARS = 5
    assert (
        messages.store(room=room, author=user, text="  12345\n").message.text == "12345"
    )
    cases = [
        ("123456", ErrorCode.TEXT_TOO_LONG),
        (" \n\t", ErrorCode.INVALID_TEXT),
        ("a\x00b", ErrorCode.INVALID_TEXT),
    ]
    for text, code in cases:
        with pytest.raises(ParleyError) as error:
            messages.store(room=room, author=user, text=text)
        assert error.value.code == code
    room.refresh_from_db()
    assert room.last_seq == 1  # refused messages take no number


@pytest.mark.django_db
def test_message_event_encodes_frames_once(user, room):
    message = messages.store(
        room=room, author=user, text="<b>hi</b>", client_id="c"
    ).message
    event = events.message_event(message.room_id, shapes.message(message))
    assert event["type"] == "room.event" and event["seq"] == 1
    assert (
        '"text":"<b>hi</b>"' in event["frame"] and '"client_id":"c"' in event["frame"]
    )
    assert '"message":"<b>hi</b>"' in event["tutorial"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_get_consecutive_seqs(user, room):
    def post_ten(worker: int) -> None:
        try:
            for i in range(10):
                messages.store(room=room, author=user, text=f"{worker}-{i}")
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(post_ten, range(4)))
    assert sorted(Message.objects.values_list("seq", flat=True)) == list(range(1, 41))


@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_of_one_client_id_store_once(user, room):
    def post() -> int:
        try:
            return messages.store(
                room=room, author=user, text="x", client_id="k"
            ).message.pk
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(lambda _: post(), range(8)))
    assert len(set(ids)) == 1 and Message.objects.count() == 1
    room.refresh_from_db()
    assert room.last_seq == 1
