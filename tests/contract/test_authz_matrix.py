"""The authorization matrix against one real server with guest access on:
each ``Row`` of ``tests/contract/authz_table.py`` (role, kind of room,
operation, expected answer) is one case of ``test_matrix``.

Each role is signed in by session cookie, as the pages are; the world (the
server, its users, one room of each kind, a notification of each user) is
made once for the module. Afterwards the server's log holds no failure.
"""

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import InvalidStatus

from tests.contract.authz_table import (
    ANONYMOUS,
    DIRECT,
    DIRECT_NO_USER,
    DIRECT_NONE,
    GUEST,
    HTTP_TABLE,
    KINDS,
    MEMBER,
    MISSING,
    NA,
    NO_ROOM,
    NONMEMBER,
    ORACLE_KINDS,
    ORACLE_TABLE,
    OWNER,
    PRIVATE,
    PUBLIC,
    REFUSED,
    ROLES,
    ROWS,
    SOCKET_TABLE,
    TABLE,
    Row,
    route_of,
)
from tests.support.hostile import assert_no_failures
from tests.support.push_service import BrowserKeys
from tests.support.servers import ParleyServer, User, unique

# The matrix server's only push service: a name that never resolves
# (RFC 2606's .invalid), so the pushes that its messages plan reach nobody.
PUSH_HOST = "push.invalid"
PUSH_ENDPOINT = f"https://{PUSH_HOST}/matrix-"
HOOK_URL = "https://127.0.0.1:9/matrix"

# A message id no message has.
MISSING_MESSAGE_ID = 2**62
# A bound on waiting for one answer, in seconds; reached only on failure.
ANSWER_TIMEOUT_SECS = 10


# The world: one server, its users and rooms ----------------------------------


@dataclass
class World:
    """The server and what every row uses, made once for the module.

    Attributes:
        users: each role's ``User`` (the anonymous one holds only a CSRF
            cookie).
        http: each role's HTTP client (session cookie and CSRF header).
        rooms: the slug of the room of each kind but ``missing``.
        notifications: the id of one notification of each role that has one.
        invitee: a username with an account that no row uses as a role.
    """

    server: ParleyServer
    users: dict[str, User]
    http: dict[str, httpx.Client]
    rooms: dict[str, str]
    notifications: dict[str, int]
    invitee: str

    def slug(self, kind: str) -> str:
        """The room of ``kind``; a new free slug for ``missing``."""
        return self.rooms.get(kind) or unique("nowhere")

    def post(self, role: str, kind: str, text: str = "matrix") -> int:
        """A new message of ``role`` in the room of ``kind``; its id."""
        response = self.http[role].post(
            f"/api/rooms/{self.rooms[kind]}/messages", json={"text": text}
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def fresh_room(self, kind: str) -> str:
        """A new room of ``kind`` as the world's are (the member posted in
        the public one, was invited into the private one), for a row that
        changes who belongs; the world's direct room (it cannot be left)."""
        if kind not in (PUBLIC, PRIVATE):
            return self.slug(kind)
        owner = self.http[OWNER]
        made = owner.post("/api/rooms", json={"title": unique("Left"), "kind": kind})
        slug = made.json()["slug"]
        member = self.users[MEMBER].username
        if kind == PRIVATE:
            owner.post(f"/api/rooms/{slug}/members", json={"username": member})
        else:
            self.http[MEMBER].post(f"/api/rooms/{slug}/messages", json={"text": "hi"})
        return slug

    def upload(self, role: str, kind: str) -> int:
        """An upload of ``role`` into the room of ``kind``, not sent; a
        missing id for the ``missing`` kind."""
        if kind == MISSING:
            return MISSING_MESSAGE_ID
        upload = self.http[role].post(
            f"/api/rooms/{self.rooms[kind]}/attachments",
            files={"file": ("a.txt", b"matrix", "text/plain")},
        )
        assert upload.status_code == 201, upload.text
        file_id: int = upload.json()["id"]
        return file_id

    def attachment(self, kind: str) -> int:
        """A file the owner sent in the room of ``kind``; a missing id for
        the ``missing`` kind."""
        file_id = self.upload(OWNER, kind)
        if kind != MISSING:
            sent = self.http[OWNER].post(
                f"/api/rooms/{self.rooms[kind]}/messages",
                json={"attachments": [file_id]},
            )
            assert sent.status_code == 201, sent.text
        return file_id

    def webhook(self, kind: str) -> int | None:
        """A webhook the owner adds to the room of ``kind``; None for a
        direct room (it has none) or a missing one."""
        if kind not in (PUBLIC, PRIVATE):
            return None
        made = self.http[OWNER].post(
            f"/api/rooms/{self.rooms[kind]}/webhooks", json={"url": HOOK_URL}
        )
        assert made.status_code == 201, made.text
        hook_id: int = made.json()["id"]
        return hook_id

    def drop_webhooks(self, kind: str) -> None:
        """Remove the webhooks a row left in the room of ``kind``: later rows
        post there, and the room's limit stays far."""
        if kind not in (PUBLIC, PRIVATE):
            return
        base = f"/api/rooms/{self.rooms[kind]}/webhooks"
        for hook in self.http[OWNER].get(base).json():
            self.http[OWNER].delete(f"{base}/{hook['id']}")

    def message(self, role: str, kind: str, own: bool) -> int:
        """A message to act on: ``role``'s own, or another's (a member's for
        the owner, the owner's for everyone else); a missing id for the
        ``missing`` kind."""
        if kind == MISSING:
            return MISSING_MESSAGE_ID
        author = role if own else (MEMBER if role == OWNER else OWNER)
        return self.post(author, kind)


def sign_in_guest(server: ParleyServer, name: str) -> User:
    """A visitor who continued as a guest through ``/accounts/guest/``."""
    with httpx.Client(base_url=server.base_url) as http:
        http.get("/accounts/guest/").raise_for_status()
        response = http.post(
            "/accounts/guest/",
            data={"name": name, "csrfmiddlewaretoken": http.cookies["csrftoken"]},
            headers={"Referer": server.base_url + "/accounts/guest/"},
        )
        assert response.status_code == 302, response.text[-2000:]
        return User(server, "", http.cookies)


def visitor(server: ParleyServer) -> User:
    """Someone not signed in who has loaded a page (a CSRF cookie only)."""
    with httpx.Client(base_url=server.base_url) as http:
        http.get("/accounts/login/").raise_for_status()
        assert "sessionid" not in http.cookies
        return User(server, "", http.cookies)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    server = ParleyServer(
        tmp_path_factory.mktemp("matrix"),
        env={
            "PARLEY_GUEST_ACCESS": "1",
            "PARLEY_PUSH_ALLOWED_HOSTS": PUSH_HOST,
            # Webhooks towards HOOK_URL (nothing listens: never answered).
            "PARLEY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1",
        },
    ).start()
    try:
        users = {
            role: User.sign_up(server, unique(role))
            for role in (OWNER, MEMBER, NONMEMBER)
        }
        users[GUEST] = sign_in_guest(server, "visitor")
        users[ANONYMOUS] = visitor(server)
        invitee = User.sign_up(server, unique("invitee")).username
        http = {role: user.http() for role, user in users.items()}
        world = World(server, users, http, {}, {}, invitee)
        world.rooms = make_rooms(world)
        world.notifications = make_notifications(world)
        yield world
        for client in http.values():
            client.close()
    finally:
        server.stop()
    assert_no_failures(server)


def make_rooms(world: World) -> dict[str, str]:
    """The owner's public and private rooms (the member posted in the first,
    was invited into the second) and their direct room."""
    owner, member = world.http[OWNER], world.http[MEMBER]
    public = owner.post("/api/rooms", json={"title": unique("Matrix lobby")})
    private = owner.post(
        "/api/rooms", json={"title": unique("Matrix den"), "kind": "private"}
    )
    rooms = {PUBLIC: public.json()["slug"], PRIVATE: private.json()["slug"]}
    invited = owner.post(
        f"/api/rooms/{rooms[PRIVATE]}/members",
        json={"username": world.users[MEMBER].username},
    )
    assert invited.status_code == 201, invited.text
    direct = owner.post(f"/api/direct/{world.users[MEMBER].username}")
    assert direct.status_code == 201, direct.text
    rooms[DIRECT] = direct.json()["slug"]
    # The invitee's id, from a conversation of theirs with the non-member;
    # the owner and the invitee have none.
    probe = world.http[NONMEMBER].post(f"/api/direct/{world.invitee}")
    assert probe.status_code == 201, probe.text
    # Ids grow with sign-ups: the owner's is the lower of its room's, the
    # invitee's (the last to sign up) the higher of the probe's.
    owner_id = int(rooms[DIRECT].split("-")[1])
    invitee_id = int(probe.json()["slug"].split("-")[2])
    rooms[DIRECT_NONE] = f"dm-{owner_id}-{invitee_id}"
    rooms[DIRECT_NO_USER] = f"dm-{owner_id}-{2**40}"
    said = member.post(f"/api/rooms/{rooms[PUBLIC]}/messages", json={"text": "hi"})
    assert said.status_code == 201, said.text
    # The guest's username is known once they speak.
    hello = world.http[GUEST].post(
        f"/api/rooms/{rooms[PUBLIC]}/messages", json={"text": "hello"}
    )
    assert hello.status_code == 201, hello.text
    world.users[GUEST].username = hello.json()["author"]
    return rooms


def make_notifications(world: World) -> dict[str, int]:
    """One mention notification for each role with an account."""
    names = {role: world.users[role].username for role in (OWNER, MEMBER, NONMEMBER)}
    for author, mentioned in ((MEMBER, [OWNER]), (OWNER, [MEMBER, NONMEMBER])):
        text = " ".join(f"@{names[role]}" for role in mentioned) + " look"
        response = world.http[author].post(
            f"/api/rooms/{world.rooms[PUBLIC]}/messages", json={"text": text}
        )
        assert response.status_code == 201, response.text
    found = {}
    for role in names:
        page = world.http[role].get("/api/notifications").json()
        found[role] = page["notifications"][0]["id"]
    return found


# Running a row ----------------------------------------------------------------


def http_answer(response: httpx.Response) -> str:
    """``"201"``, or ``"404 room_not_found"`` for an error."""
    if response.status_code < 400:
        return str(response.status_code)
    return f"{response.status_code} {response.json()['code']}"


def other_role(role: str) -> str:
    """Whose notification ``role`` tries to mark: someone else's."""
    return MEMBER if role == OWNER else OWNER


def run_http(world: World, row: Row) -> str:
    """Call the row's route as its role; the answer as in ``TABLE``."""
    http, kind, role = world.http[row.role], row.kind, row.role
    method, path = route_of(row.operation)
    own = row.operation.endswith("(own)")
    body: dict[str, Any] | None = None
    # Rows that change who belongs, or the room, act on a fresh one.
    moderating = "/members/{username}/" in path or path.endswith("/archive")
    if path.endswith("/leave") or moderating:
        path = path.replace("{slug}", world.fresh_room(kind))
    if "{slug}" in path:
        path = path.replace("{slug}", world.slug(kind))
    if "{message_id}" in path:
        message_id = (
            world.message(role, kind, own)
            if role != ANONYMOUS
            else world.message(OWNER, kind, own=True)
        )
        path = path.replace("{message_id}", str(message_id))
    if "{attachment_id}" in path and method == "DELETE":
        holder = OWNER if role == ANONYMOUS else role if own else other_role(role)
        path = path.replace("{attachment_id}", str(world.upload(holder, kind)))
    elif "{attachment_id}" in path:
        path = path.replace("{attachment_id}", str(world.attachment(kind)))
    if "{webhook_id}" in path:
        path = path.replace("{webhook_id}", str(world.webhook(kind) or 2**40))
    if "{emoji}" in path:
        path = path.replace("{emoji}", quote("👍", safe=""))
    if "{notification_id}" in path:
        owner = role if own else other_role(role)
        path = path.replace("{notification_id}", str(world.notifications[owner]))
    if "{username}" in path:
        peer = (
            GUEST
            if row.operation.endswith("(guest)")
            else MEMBER
            if moderating
            else OWNER
        )
        path = path.replace("{username}", quote(world.users[peer].username, safe=""))
    match row.operation.removesuffix(" (oracle)"):
        case "POST /api/rooms":
            body = {"title": unique("Made by matrix"), "kind": kind}
        case "POST /api/rooms (taken)":
            body = {"title": world.slug(kind)}
        case "POST /api/rooms/{slug}/read":
            body = {"seq": 0}
        case "POST /api/rooms/{slug}/members":
            body = {"username": world.invitee}
        case "POST /api/rooms/{slug}/members (guest)":
            body = {"username": world.users[GUEST].username}
        case "POST /api/rooms/{slug}/messages":
            body = {"text": "from the matrix"}
        case "POST /api/rooms/{slug}/topic":
            body = {"topic": "set by the matrix"}
        case "POST /api/rooms/{slug}/webhooks":
            body = {"url": HOOK_URL}
        case "POST /api/rooms/{slug}/members/{username}/mute":
            body = {"seconds": 60}
        case "POST /api/rooms/{slug}/members/{username}/role":
            body = {"role": "moderator"}
        case "POST /api/messages/{message_id}/reactions":
            body = {"emoji": "👍"}
        case _ if method == "PATCH":
            body = {"text": "edited by the matrix"}
        case "POST /api/rooms/{slug}/attachments":
            return http_answer(
                http.post(path, files={"file": ("a.txt", b"matrix", "text/plain")})
            )
        case "GET /files/{attachment_id}/":
            return str(http.get(path).status_code)
        case "POST /api/push/subscriptions":
            body = BrowserKeys().subscription(PUSH_ENDPOINT + unique("s"))
        case "DELETE /api/push/subscriptions" | "DELETE /api/push/subscriptions (own)":
            holder = role if own else other_role(role)
            body = BrowserKeys().subscription(PUSH_ENDPOINT + unique("s"))
            made = world.http[holder].post("/api/push/subscriptions", json=body)
            assert made.status_code == 201, made.text
            body = {"endpoint": body["endpoint"]}
        case "PUT /api/me/notification-settings":
            body = {"kinds": [{"kind": "order", "email": False}]}
        case "POST /api/me/delete":
            body = {"password": "not the password"}
    params: dict[str, Any] | None = None
    word = unique("needle")
    if path == "/api/search":
        if kind in (PUBLIC, PRIVATE, DIRECT):
            world.post(OWNER, kind, text=word)
        params = {"q": word}
        if row.operation.startswith("GET /api/search (room"):
            params["room"] = world.slug(kind)
    elif row.operation.startswith("GET /api/rooms/{slug}/messages (around"):
        params = {"around": 1}
    response = http.request(method, path, json=body, params=params)
    answer = http_answer(response)
    if "/webhooks" in path:
        world.drop_webhooks(kind)
    if response.status_code != 200:
        return answer
    if path == "/api/search":
        texts = {hit["message"]["text"] for hit in response.json()["hits"]}
        return f"{answer} {'found' if word in texts else 'unfound'}"
    if method == "GET" and path == "/api/rooms":
        listed = world.slug(kind) in listed_slugs(http, response.json())
        return f"{answer} {'listed' if listed else 'unlisted'}"
    if path == "/api/me/export":
        own = response.json()["profile"]["username"] == world.users[role].username
        return f"{answer} {'own' if own else 'not own'}"
    if path == "/api/notifications":
        listed = {n["id"] for n in response.json()["notifications"]}
        others = {i for r, i in world.notifications.items() if r != role}
        own = world.notifications[role] in listed and not listed & others
        return f"{answer} {'own' if own else 'not own'}"
    return answer


def listed_slugs(http: Any, page: dict[str, Any]) -> set[str]:
    """The slugs of every page of ``GET /api/rooms`` from ``page`` on."""
    slugs = {room["slug"] for room in page["items"]}
    while page["next"] is not None:
        page = http.get(
            "/api/rooms", params={"after": page["next"], "limit": 200}
        ).json()
        slugs |= {room["slug"] for room in page["items"]}
    return slugs


async def connect(world: World, role: str, path: str = "/ws/") -> ClientConnection:
    return await websockets.connect(
        world.server.ws_url + path,
        additional_headers={
            "Cookie": world.users[role].cookie_header(),
            "Origin": world.server.base_url,
        },
        open_timeout=ANSWER_TIMEOUT_SECS,
    )


async def answer(ws: ClientConnection, reply: str) -> str:
    """The type of the next ``reply`` frame, or the code of an ``error``;
    other frames (presence, messages of the room) are skipped."""
    async with asyncio.timeout(ANSWER_TIMEOUT_SECS):
        while True:
            frame = orjson.loads(await ws.recv())
            if frame["type"] == "error":
                return frame["code"]
            if frame["type"] == reply:
                return reply


async def exchange(ws: ClientConnection, reply: str, **frame: Any) -> str:
    await ws.send(orjson.dumps(frame).decode())
    return await answer(ws, reply)


async def run_socket(world: World, row: Row) -> str:
    """Open a socket as the row's role, send the row's frame; the answer."""
    slug = world.slug(row.kind) if row.kind != NO_ROOM else ""
    role, kind = row.role, row.kind
    operation = row.operation.removesuffix(" (oracle)").removeprefix("ws.")
    path = f"/ws/chat/{slug}/" if operation == "tutorial" else "/ws/"
    message_id = 0
    acts_on_message = operation.startswith(
        ("edit", "delete", "react", "reply")
    ) or operation in ("pin", "unpin")
    if acts_on_message and role != ANONYMOUS:
        message_id = world.message(role, kind, own=operation.endswith("_own"))
    try:
        ws = await connect(world, role, path)
    except InvalidStatus as refused:
        status = refused.response.status_code
        return REFUSED if status == 403 else f"{REFUSED} {status}"
    async with ws:
        match operation:
            case "subscribe":
                return await exchange(ws, "subscribed", type="subscribe", room=slug)
            case "subscribe_after":
                return await exchange(
                    ws, "subscribed", type="subscribe", room=slug, after=0
                )
            case "unsubscribe":
                return await exchange(ws, "unsubscribed", type="unsubscribe", room=slug)
            case "send":
                return await exchange(
                    ws, "ack", type="send", room=slug, text="hi", client_id=unique("c")
                )
            case "edit_own" | "edit_other":
                return await exchange(
                    ws, "edited", type="edit", id=message_id, text="changed"
                )
            case "delete_own" | "delete_other":
                return await exchange(ws, "deleted", type="delete", id=message_id)
            case "typing" | "read":
                await exchange(ws, "subscribed", type="subscribe", room=slug)
                extra = {"seq": 0} if operation == "read" else {}
                return await exchange(ws, operation, type=operation, room=slug, **extra)
            case "tutorial":
                await ws.send(orjson.dumps({"message": "tutorial"}).decode())
                async with asyncio.timeout(ANSWER_TIMEOUT_SECS):
                    while True:
                        frame = orjson.loads(await ws.recv())
                        if "message" in frame or frame.get("type") == "error":
                            return frame.get("code", "message")
            case "react":
                return await exchange(
                    ws, "reaction", type="react", id=message_id, emoji="👍"
                )
            case "reply":
                return await exchange(
                    ws,
                    "ack",
                    type="send",
                    room=world.rooms[PUBLIC],
                    text="a reply",
                    client_id=unique("c"),
                    reply_to=message_id,
                )
            case "ping":
                return await exchange(ws, "pong", type="ping")
            case "topic":
                return await exchange(ws, "topic", type="topic", room=slug, topic="t")
            case "pin" | "unpin":
                return await exchange(ws, "pin", type=operation, id=message_id)
    raise AssertionError(f"no socket operation {operation}")


# The tests --------------------------------------------------------------------


def test_the_matrix_size():
    """Every role meets every operation; the counts go to docs/security.md."""
    socket_rows = [r for r in ROWS if r.operation in SOCKET_TABLE]
    http_rows = [r for r in ROWS if r.operation in HTTP_TABLE]
    print(
        f"\nauthorization matrix: {len(ROWS)} rows = {len(socket_rows)} socket "
        f"({len(SOCKET_TABLE)} operations) + {len(http_rows)} HTTP "
        f"({len(HTTP_TABLE)} operations), {len(ROLES)} roles, {len(KINDS)} kinds"
    )
    assert len({str(row) for row in ROWS}) == len(ROWS)
    assert all(set(answers) == set(ROLES) for answers in TABLE.values())
    for operation in TABLE:
        assert {r.role for r in ROWS if r.operation == operation} >= set(ROLES) - {
            GUEST,
            ANONYMOUS,
        }, operation


@pytest.mark.parametrize(
    "operation", [op for op in TABLE if isinstance(TABLE[op][OWNER], tuple)]
)
def test_an_unreadable_room_answers_like_a_missing_one(operation):
    """For those who may not read them, a private and a direct room answer
    as a room that does not exist does, on both transports. The exceptions
    are the slug's: it is taken (no room can be created under it, and
    ``subscribe`` does not create one there) and a guest's private room is
    refused for being a guest's."""
    slug_exceptions = {
        "ws.subscribe",
        "ws.subscribe_after",
        "ws.typing",
        "ws.read",
        "ws.tutorial",
        "POST /api/rooms",
        "POST /api/rooms (taken)",
    }
    for role in (NONMEMBER, GUEST):
        _public, private, direct, missing = TABLE[operation][role]
        if operation in slug_exceptions or missing is NA:
            continue
        assert private == direct == missing, (operation, role)


@pytest.mark.parametrize("operation", list(ORACLE_TABLE))
def test_a_direct_slug_answers_alike_whether_or_not_its_room_exists(operation):
    """A direct room that is not yours, the slug of two people who have no
    conversation, and one naming nobody get one answer on both transports
    (the rows themselves run in ``test_matrix``)."""
    for role, answers in ORACLE_TABLE[operation].items():
        assert len(answers) == len(ORACLE_KINDS), (operation, role)
        assert len(set(answers)) == 1, (operation, role, answers)


def test_every_api_route_has_rows(world: World):
    """A route in the OpenAPI schema with no row fails here."""
    schema = world.http[OWNER].get("/api/openapi.json").json()
    published = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    tried = {
        route_of(operation)
        for operation in HTTP_TABLE
        if route_of(operation)[1].startswith("/api/")
    }
    assert published - tried == set(), "routes with no row in the matrix"
    assert tried - published == set(), "rows for routes the schema lacks"


@pytest.mark.parametrize("row", ROWS, ids=str)
async def test_matrix(world: World, row: Row):
    if row.operation.startswith("ws."):
        got = await run_socket(world, row)
    else:
        got = run_http(world, row)
    assert got == row.expected, row
