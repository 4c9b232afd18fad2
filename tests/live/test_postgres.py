"""PostgreSQL under real load: two server processes, one database.

The cluster comes from the ``postgres`` fixture (the suite's own under
``PARLEY_TEST_DATABASE=postgres``); the whole suite also runs on it in CI.
"""

import asyncio

import pytest
from django.db import connection

from parley.models import Message
from parley.services import rooms
from tests.support.servers import (
    User,
    collect,
    send,
    subscribe,
    two_servers,
    unique,
)

SENDERS_PER_PROCESS = 3
SENDS_PER_SENDER = 30


async def test_concurrent_senders_on_two_processes_get_gap_free_unique_seqs(
    tmp_path, postgres, redis_server
):
    """Six sockets on two processes send at once into one room: the acks
    number the messages 1..N, each once, and the history holds exactly them."""
    env = {
        "DATABASE_URL": postgres.create_database(unique("race")),
        "CHANNEL_LAYER_URL": redis_server.url,
    }
    with two_servers(tmp_path, env) as (first, second):
        users = [
            User.sign_up(server, f"sender{server.port}x{i}")
            for server in (first, second)
            for i in range(SENDERS_PER_PROCESS)
        ]
        sockets = [await user.connect() for user in users]
        try:
            for ws in sockets:
                await subscribe(ws, "race")

            async def burst(ws, n: int) -> list[dict]:
                for i in range(SENDS_PER_SENDER):
                    await send(
                        ws, type="send", room="race", text=f"{n}:{i}", client_id=str(i)
                    )
                return await collect(ws, "ack", SENDS_PER_SENDER, timeout=60)

            acks = await asyncio.gather(*(burst(ws, n) for n, ws in enumerate(sockets)))
        finally:
            for ws in sockets:
                await ws.close()
        total = len(sockets) * SENDS_PER_SENDER
        assert sorted(ack["seq"] for batch in acks for ack in batch) == list(
            range(1, total + 1)
        )
        with users[0].http() as http:
            page = http.get("/api/rooms/race/messages", params={"limit": 200}).json()
        assert [m["seq"] for m in page["messages"]] == list(range(total, 0, -1))


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="reads PostgreSQL's plan format"
)
def test_latest_page_reads_the_room_seq_index_on_postgresql(django_user_model):
    """The latest 50 and the 50 before X are backward scans of the
    (room, seq) index, not a sort, in a room among others."""
    author = django_user_model.objects.create_user("author")
    room = rooms.join_or_create(user=author, name="big")
    other = rooms.join_or_create(user=author, name="other")
    Message.objects.bulk_create(
        Message(room=r, author=author, seq=seq, text="x")
        for r in (room, other)
        for seq in range(1, 5001)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE parley_message")
    for query in (
        Message.objects.filter(room=room),
        Message.objects.filter(room=room, seq__lt=4000),
    ):
        plan = query.order_by("-seq")[:50].explain()
        assert "Index Scan Backward using parley_message_room_seq" in plan, plan
        assert "Sort" not in plan, plan
