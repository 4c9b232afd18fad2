"""Direct rooms, private rooms, edits and read state against a real server:
HTTP calls by one user, frames seen on the real sockets of the others."""

import httpx

from tests.support.servers import ParleyServer, User, recv_type, send, subscribe, unique


def api(user: User, method: str, path: str, **kwargs) -> httpx.Response:
    with user.http() as http:
        return http.request(method, path, **kwargs)


async def test_a_direct_message_reaches_only_its_recipient(server: ParleyServer):
    alice, bob, carol = (User.sign_up(server, unique(n)) for n in "abc")
    async with (
        await bob.connect() as b,
        await carol.connect() as c,
        await alice.connect() as a,
    ):
        opened = api(alice, "POST", f"/api/direct/{bob.username}")
        assert opened.status_code == 201
        slug = opened.json()["slug"]
        joined = await recv_type(b, "joined")
        assert joined == {
            "type": "joined",
            "room": slug,
            "title": alice.username,
            "kind": "direct",
        }
        assert (await recv_type(a, "joined"))["title"] == bob.username
        await subscribe(a, slug)
        await subscribe(b, slug)
        await send(c, type="subscribe", room=slug)
        refused = await recv_type(c, "error")
        assert refused["code"] == "room_not_found"
        await send(
            a, type="send", room=slug, text=f"@{bob.username} psst", client_id="1"
        )
        assert (await recv_type(b, "message"))["text"] == f"@{bob.username} psst"
        assert (await recv_type(b, "notification"))["kind"] == "mention"
        await send(c, type="send", room=slug, text="let me in", client_id="2")
        assert (await recv_type(c, "error"))["code"] == "room_not_found"
        # Carol heard nothing of it: her next frame is the answer to her ping.
        await send(c, type="ping")
        assert (await recv_type(c, "pong"))["type"] == "pong"
    assert api(carol, "GET", f"/api/rooms/{slug}/messages").status_code == 404
    assert api(carol, "GET", "/api/notifications").json()["notifications"] == []
    listed = api(bob, "GET", "/api/rooms").json()["items"]
    unread = {r["slug"]: r["unread"] for r in listed}
    assert unread[slug] == 1


async def test_an_invited_member_hears_of_the_room_and_reads_it(server: ParleyServer):
    alice, bob, carol = (User.sign_up(server, unique(n)) for n in "abc")
    title = unique("Secret")
    created = api(alice, "POST", "/api/rooms", json={"title": title, "kind": "private"})
    slug = created.json()["slug"]
    async with await bob.connect() as b, await carol.connect() as c:
        await send(b, type="subscribe", room=slug)
        assert (await recv_type(b, "error"))["code"] == "room_not_found"
        invited = api(
            alice, "POST", f"/api/rooms/{slug}/members", json={"username": bob.username}
        )
        assert invited.status_code == 201
        assert await recv_type(b, "joined") == {
            "type": "joined",
            "room": slug,
            "title": title,
            "kind": "private",
        }
        assert (await subscribe(b, slug))["room"] == slug
        await send(c, type="subscribe", room=slug)
        assert (await recv_type(c, "error"))["code"] == "room_not_found"
    forbidden = api(
        bob, "POST", f"/api/rooms/{slug}/members", json={"username": carol.username}
    )
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "forbidden")


async def test_edits_deletes_and_read_state_reach_every_tab(server: ParleyServer):
    alice, bob = (User.sign_up(server, unique(n)) for n in "ab")
    room = unique("edits")
    async with (
        await alice.connect() as a,
        await bob.connect() as b1,
        await bob.connect() as b2,
    ):
        await subscribe(a, room)
        await subscribe(b1, room)
        await send(a, type="send", room=room, text="helo", client_id="e1")
        said = await recv_type(a, "ack")
        await recv_type(b1, "message")
        edited = api(
            alice, "PATCH", f"/api/messages/{said['id']}", json={"text": "hello"}
        )
        assert edited.status_code == 200
        frame = await recv_type(b1, "edited")
        assert (frame["id"], frame["seq"], frame["text"]) == (said["id"], 1, "hello")
        read = api(bob, "POST", f"/api/rooms/{room}/read", json={"seq": 1})
        assert read.json() == {"room": room, "seq": 1, "unread": 0}
        for tab in (b1, b2):
            assert await recv_type(tab, "read") == {
                "type": "read",
                "room": room,
                "seq": 1,
                "unread": 0,
            }
        assert api(alice, "DELETE", f"/api/messages/{said['id']}").status_code == 200
        gone = await recv_type(b1, "deleted")
        assert gone == {"type": "deleted", "id": said["id"], "seq": 1, "room": room}
    [shown] = api(bob, "GET", f"/api/rooms/{room}/messages").json()["messages"]
    assert (shown["text"], shown["deleted"]) == ("", True)
