"""A user's own account on a real server: the export streams as a JSON
download over ASGI, and deleting the account closes its open socket at
once while the room keeps its messages, authorless."""

import asyncio
import contextlib

import orjson
import websockets

from parley.wire.frames import CloseCode
from tests.support.servers import PASSWORD, User, recv, send, subscribe, unique


async def test_export_then_delete_the_account(alice: User, bob: User):
    room = unique("farewell")
    async with await alice.connect() as ws, await bob.connect() as watcher:
        await subscribe(ws, room)
        await subscribe(watcher, room)
        await send(ws, type="send", room=room, text="goodbye", client_id="c1")
        assert (await recv(ws))["type"] == "ack"

        with alice.http() as http:
            exported = http.get("/api/me/export")
            assert exported.headers["Content-Disposition"].startswith("attachment")
            data = orjson.loads(exported.content)
            assert [m["text"] for m in data["messages"]] == ["goodbye"]
            assert room in {r["slug"] for r in data["rooms"]}

            wrong = http.post("/api/me/delete", json={"password": "guess"})
            assert wrong.status_code == 403
            gone = http.post("/api/me/delete", json={"password": PASSWORD})
            assert gone.status_code == 204, gone.text

        async with asyncio.timeout(10):
            with contextlib.suppress(websockets.ConnectionClosed):
                async for _ in ws:
                    pass
        assert ws.close_code == CloseCode.SESSION_ENDED

    with bob.http() as http:
        (kept,) = http.get(f"/api/rooms/{room}/messages").json()["messages"]
        assert (kept["text"], kept["author"]) == ("goodbye", None)
    with alice.http() as http:
        assert http.get("/api/me/export").status_code == 401
