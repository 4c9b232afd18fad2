"""Retention against a real server: ``parley purge`` deletes a room's old
messages, and a resume from before the purge gets what is left and the
room's ``first_seq``: no gap for the client to repair again and again."""

from tests.support.servers import (
    ParleyServer,
    User,
    client_for,
    purge_old_messages,
    recv,
    subscribe,
    take,
    unique,
)


async def test_a_resume_from_before_a_purge_gets_what_is_left(
    server: ParleyServer, alice: User
):
    room = unique("retention")
    async with client_for(alice) as writer:
        await writer.subscribe(room)
        for n in range(1, 7):
            await writer.send(room, f"m{n}")
        assert [m.seq for m in await take(writer, 6)] == [1, 2, 3, 4, 5, 6]
        purged = purge_old_messages(server, room, upto=4)
        assert purged == "Purged 4 message(s)."

        # A socket resuming from seq 2: told the earliest stored seq, then
        # replayed what is left.
        async with await alice.connect() as ws:
            subscribed = await subscribe(ws, room, after=2)
            assert (subscribed["first_seq"], subscribed["last_seq"]) == (5, 6)
            assert [(await recv(ws))["seq"] for _ in range(2)] == [5, 6]

        # The Python client resuming from seq 2 takes 5 and 6, then follows
        # live: it does not ask for 3 and 4 again.
        async with client_for(alice) as reader:
            await reader.subscribe(room, after=2)
            assert [m.text for m in await take(reader, 2)] == ["m5", "m6"]
            await writer.send(room, "m7")
            assert [m.seq for m in await take(reader, 1)] == [7]
            assert reader.last_seqs[room] == 7

    with alice.http() as http:
        path = f"/api/rooms/{room}/messages"
        page = http.get(path, params={"limit": 2}).json()
        older = http.get(path, params={"before": 6}).json()
    assert [m["seq"] for m in page["messages"]] == [7, 6]
    assert (page["first_seq"], page["next_before"]) == (5, 6)
    assert [m["seq"] for m in older["messages"]] == [5]
    assert (older["first_seq"], older["next_before"]) == (5, None)
