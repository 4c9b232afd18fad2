"""Attachments end to end against a real server: upload over HTTP, send
over a socket with the Python client, download as a member, 404 for
anyone else; refused types, sizes (at the boundary) and a decompression
bomb; thumbnails of a PNG and a JPEG."""

import httpx
import pytest

from parley.client import ParleyClientError
from tests.support.images import bomb, picture
from tests.support.servers import ParleyServer, User, client_for, take, unique

# Small enough to test the boundary with a text file; larger than the
# pictures below.
MAX_BYTES = 60_000


@pytest.fixture(scope="module")
def files_server(tmp_path_factory: pytest.TempPathFactory):
    parley = ParleyServer(
        tmp_path_factory.mktemp("files"),
        env={"PARLEY_ATTACHMENT_MAX_BYTES": str(MAX_BYTES)},
    ).start()
    yield parley
    parley.stop()


def private_room(user: User) -> str:
    with user.http() as http:
        answer = http.post(
            "/api/rooms", json={"title": unique("files"), "kind": "private"}
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["slug"]


def upload(user: User, room: str, name: str, data: bytes) -> httpx.Response:
    with user.http() as http:
        return http.post(
            f"/api/rooms/{room}/attachments",
            files={"file": (name, data, "application/octet-stream")},
        )


async def test_a_member_sends_and_downloads_files_a_stranger_gets_404(
    files_server: ParleyServer,
):
    alice = User.sign_up(files_server, unique("alice"))
    bob = User.sign_up(files_server, unique("bob"))
    room = private_room(alice)
    png, jpeg = picture((800, 600), "PNG"), picture((600, 800), "JPEG")
    async with client_for(alice) as client:
        await client.subscribe(room)
        sent = [
            await client.upload(room, "plan.png", png),
            await client.upload(room, "photo.jpg", jpeg),
            await client.upload(room, "notes.txt", "заметки".encode()),
        ]
        assert [f["type"] for f in sent] == ["image/png", "image/jpeg", "text/plain"]
        await client.send(room, "", attachments=[f["id"] for f in sent])
        (message,) = await take(client, 1)
        assert [f["name"] for f in message.attachments] == [
            "plan.png",
            "photo.jpg",
            "notes.txt",
        ]
        plan, photo, notes = message.attachments
        assert (plan["width"], plan["height"], photo["width"]) == (800, 600, 600)
        assert "thumb_url" not in notes
        assert await client.download(plan["url"]) == png
        for image in (plan, photo):
            thumb = await client.download(image["thumb_url"])
            assert thumb[8:12] == b"WEBP" and len(thumb) < len(png)
        history, _cursor = await client.history(room)
        assert history[0].attachments == message.attachments
        with pytest.raises(ParleyClientError) as refused:
            await client.send(room, "again", attachments=[plan["id"]])
        assert refused.value.code == "attachment_used"

    with bob.http() as http:
        for url in (plan["url"], plan["thumb_url"], notes["url"]):
            assert http.get(url).status_code == 404
    with alice.http() as http:
        http.post(f"/api/rooms/{room}/members", json={"username": bob.username})
        answer = http.get(notes["url"])
        assert answer.headers["Content-Disposition"].startswith("attachment;")
    with bob.http() as http:
        answer = http.get(notes["url"])
    assert answer.status_code == 200 and answer.text == "заметки"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_type_size_and_bombs_are_refused_with_a_code(files_server: ParleyServer):
    alice = User.sign_up(files_server, unique("alice"))
    room = private_room(alice)

    def refusal(name: str, data: bytes) -> tuple[int, str]:
        answer = upload(alice, room, name, data)
        return answer.status_code, answer.json()["code"]

    assert upload(alice, room, "max.txt", b"a" * MAX_BYTES).status_code == 201
    assert refusal("over.txt", b"a" * (MAX_BYTES + 1)) == (400, "attachment_too_large")
    assert refusal("run.exe", b"MZ\x90\x00\x03\x00") == (
        400,
        "attachment_type_not_allowed",
    )
    assert refusal("bomb.png", bomb()) == (400, "image_too_large")
