"""Reading messages: history pages and replays (``parley.services.history``)."""

import pytest
from django.db import connection

from parley.models import Message
from parley.services import history, messages, rooms


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("author")


@pytest.fixture
def room(user):
    return rooms.join_or_create(user=user, name="room")


@pytest.mark.django_db
@pytest.mark.django_db
def test_history_pages_newest_first_by_seq_cursor(user, room, settings):
    settings.PARLEY_HISTORY_PAGE_MAX = 4
    for i in range(1, 11):
        messages.store(room=room, author=user, text=str(i))
    assert [m.seq for m in history.history(room=room, limit=3)] == [10, 9, 8]
    assert [m.seq for m in history.history(room=room, before=8, limit=3)] == [7, 6, 5]
    assert [m.seq for m in history.history(room=room, before=3, limit=3)] == [2, 1]
    assert len(history.history(room=room, limit=100)) == 4  # capped


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's plan format")
def test_latest_page_reads_the_room_seq_index(user, room):
    """The latest 50 and the 50 before X are index range scans, not a sort."""
    messages.store(room=room, author=user, text="x")
    plan = Message.objects.filter(room=room, seq__lt=10).order_by("-seq")[:50].explain()
    assert "USING INDEX" in plan and "(room_id=? AND seq<?)" in plan
    assert "TEMP B-TREE" not in plan


@pytest.mark.django_db
def test_replay_returns_what_came_after_or_asks_for_resync(user, room, settings):
    settings.PARLEY_REPLAY_LIMIT = 3
    for i in range(1, 6):
        messages.store(room=room, author=user, text=str(i))
    assert history.replay(room_id=room.id, after=None) == history.Replay(5, [])
    replay = history.replay(room_id=room.id, after=2)
    assert [m.seq for m in replay.messages] == [3, 4, 5] and not replay.resync
    assert history.replay(room_id=room.id, after=1) == history.Replay(
        5, [], resync=True
    )
    assert history.replay(room_id=room.id, after=9) == history.Replay(5, [])
