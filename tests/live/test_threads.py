"""Replies and reactions over real sockets against a real server: a reply's
quote and its parent's count, live and after a resume; reactions counted
once per user when two tabs toggle at once."""

import asyncio

from tests.support.servers import (
    User,
    client_for,
    recv,
    recv_type,
    send,
    subscribe,
    take,
    unique,
)


async def answer(ws, frame_type: str, ref: str) -> dict:
    """The ``frame_type`` frame answering ``ref`` (broadcasts may come first)."""
    while True:
        frame = await recv_type(ws, frame_type)
        if frame.get("ref") == ref:
            return frame


async def test_a_replys_quote_and_count_live_and_after_resume(alice: User, bob: User):
    room, other = unique("threads"), unique("elsewhere")
    async with await alice.connect() as a, await bob.connect() as b:
        await subscribe(a, room)
        await subscribe(b, room)
        await send(a, type="send", room=room, text="Lunch at noon?", client_id="p1")
        parent = (await recv_type(a, "ack"))["id"]
        await send(
            b, type="send", room=room, text="Yes", client_id="r1", reply_to=parent
        )
        reply = await recv_type(a, "message", 10)
        while reply["id"] == parent:
            reply = await recv_type(a, "message")
        assert reply["reply_to"] == {
            "id": parent,
            "seq": 1,
            "author": alice.username,
            "author_name": alice.username,
            "excerpt": "Lunch at noon?",
            "deleted": False,
        }
        count = await recv_type(a, "replies")
        assert (count["id"], count["room"], count["reply_count"]) == (parent, room, 1)

        # Refused replies: another room's message, one nobody can read.
        await send(b, type="subscribe", room=other)
        await recv_type(b, "subscribed")
        await send(
            b, type="send", room=other, text="x", client_id="r2", reply_to=parent
        )
        wrong = await recv_type(b, "error")
        assert (wrong["code"], wrong["ref"]) == ("reply_wrong_room", "r2")
        await send(b, type="send", room=room, text="x", client_id="r3", reply_to=10**12)
        assert (await recv_type(b, "error"))["code"] == "not_found"

    # A resume replays both with the quote and the count.
    async with await bob.connect() as later:
        await subscribe(later, room, after=0)
        first, second = await recv(later), await recv(later)
        assert (first["id"], first["reply_count"]) == (parent, 1)
        assert second["reply_to"]["id"] == parent and second["text"] == "Yes"

    # The Python client: a reply sent, the thread read over HTTP.
    async with client_for(alice) as client:
        await client.subscribe(room, after=2)
        ack = await client.send(room, "Noon it is", reply_to=parent)
        [mine] = await take(client, 1)
        assert (mine.id, mine.reply_to["excerpt"]) == (ack.id, "Lunch at noon?")
        replies, cursor = await client.replies(parent)
        assert [m.text for m in replies] == ["Noon it is", "Yes"] and cursor is None


async def test_reactions_count_once_under_concurrent_toggles_from_two_tabs(
    alice: User, bob: User
):
    room = unique("reactions")
    async with (
        await alice.connect() as tab1,
        await alice.connect() as tab2,
        await bob.connect() as b,
    ):
        for ws in (tab1, tab2, b):
            await subscribe(ws, room)
        await send(b, type="send", room=room, text="Shipped!", client_id="s1")
        message_id = (await recv_type(b, "ack"))["id"]

        for kind in ("react", "unreact", "react"):
            await asyncio.gather(
                *(
                    send(tab, type=kind, id=message_id, emoji="🎉", ref=f"{kind}{n}")
                    for n, tab in enumerate((tab1, tab2))
                )
            )
            one = await answer(tab1, "reaction", f"{kind}0")
            two = await answer(tab2, "reaction", f"{kind}1")
            expected = 1 if kind == "react" else 0
            assert (one["count"], two["count"]) == (expected, expected)
            assert one["on"] is two["on"] is (kind == "react")
        # Bob heard one change per toggle, however many tabs sent it: a
        # message sent after the toggles marks the end of what he hears.
        await send(tab1, type="send", room=room, text="done", client_id="s2")
        heard = []
        while (frame := await recv(b))["type"] != "message" or frame["seq"] != 2:
            if frame["type"] == "reaction":
                heard.append((frame["user"], frame["count"], frame["on"]))
        name = alice.username
        assert heard == [(name, 1, True), (name, 0, False), (name, 1, True)]

        await send(b, type="react", id=message_id, emoji="🎉", ref="b")
        assert (await answer(b, "reaction", "b"))["count"] == 2
        await send(b, type="react", id=message_id, emoji="nope", ref="bad")
        assert (await recv_type(b, "error"))["code"] == "invalid_emoji"

    # A subscribe's replay carries the counts and whether you reacted.
    async with await bob.connect() as later:
        await subscribe(later, room, after=0)
        shown = await recv(later)
        assert shown["reactions"] == [{"emoji": "🎉", "count": 2, "me": True}]
    async with client_for(alice) as client:
        await client.subscribe(room, after=0)
        first, _done = await take(client, 2)
        assert first.reactions == ({"emoji": "🎉", "count": 2, "me": True},)
        off = await client.react(message_id, "🎉", on=False)
        assert (off["count"], off["on"]) == (1, False)
