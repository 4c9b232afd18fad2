"""Sockets close when their sign-in ends: real servers, real clients.

Sign-out, a password change, a deactivated user and a revoked token close
the sockets they concern at once (by event, across processes on Redis),
with 4001; the periodic check closes those whose session or token ended
without an event. The event tests run on the suite's server, whose check
runs only every 60 s (48 s at the earliest), so a socket closed within the
10 s a test waits was closed by the event.
"""

import asyncio
import contextlib
from collections.abc import Iterator

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from parley.client import ParleyClient, SignInRefused
from parley.wire.frames import CloseCode
from tests.support import servers
from tests.support.servers import (
    PASSWORD,
    ParleyServer,
    User,
    connect_with_token,
    create_token,
    parley_command,
    recv,
    recv_type,
    revoke_on_the_page,
    send,
    unique,
)

NEW_PASSWORD = "a quite different passphrase"
# The periodic check's interval on the server that tests it, in seconds.
FAST_CHECK_SECS = "0.5"


def sign_in(server: ParleyServer, username: str, password: str = PASSWORD) -> User:
    """A new session of an existing account, from the real sign-in form
    (another browser or device)."""
    with httpx.Client(base_url=server.base_url) as http:
        http.get("/accounts/login/").raise_for_status()
        response = http.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": http.cookies["csrftoken"],
            },
        )
        assert response.status_code == 302, response.text[-2000:]
        return User(server, username, http.cookies)


def sign_out(user: User) -> None:
    """The header's "Sign out" button: POST /accounts/logout/."""
    with user.http() as http:
        response = http.post("/accounts/logout/")
        assert response.status_code == 302, response.text[-2000:]


def change_password(user: User, new_password: str = NEW_PASSWORD) -> None:
    """The password change form; ``user`` keeps the session's new cookie."""
    with user.http() as http:
        response = http.post(
            "/accounts/password_change/",
            data={
                "old_password": PASSWORD,
                "new_password1": new_password,
                "new_password2": new_password,
            },
        )
        assert response.status_code == 302, response.text[-2000:]
        assert response.headers["location"].endswith("/password_change/done/")
        user.cookies = http.cookies


def shell(server: ParleyServer, code: str) -> None:
    """Run ``code`` in a separate ``parley shell`` on ``server``'s database
    and channel layer (an admin at the console)."""
    parley_command(server, "shell", "-c", code)


async def ready(ws: ClientConnection) -> None:
    """A ping answered: the socket's handshake is done on the server, so it
    is watched (the consumer handles frames only after ``connect``)."""
    await send(ws, type="ping")
    assert (await recv_type(ws, "pong"))["type"] == "pong"


async def tutorial_ready(ws: ClientConnection, text: str = "hi") -> None:
    """The tutorial socket's way to know it is watched: its own message
    comes back."""
    await ws.send(f'{{"message": "{text}"}}')
    assert (await recv(ws))["message"] == text


async def close_code(ws: ClientConnection, timeout: float = 10) -> int | None:
    """The code the server closes ``ws`` with (frames before it are read)."""
    async with asyncio.timeout(timeout):
        with contextlib.suppress(websockets.ConnectionClosed):
            async for _ in ws:
                pass
    return ws.close_code


async def refused(connecting) -> int:
    """The HTTP status of a refused handshake."""
    with pytest.raises(websockets.InvalidStatus) as refusal:
        await connecting
    return refusal.value.response.status_code


# Events, one process -------------------------------------------------------


async def test_signing_out_in_one_tab_closes_that_sessions_sockets(
    server: ParleyServer,
):
    """Every socket of the session (both tabs, and a tutorial socket) closes
    with 4001; the same person's other session (a phone) stays open."""
    alice = User.sign_up(server, unique("alice"))
    phone = sign_in(server, alice.username)
    room = unique("out")
    async with (
        await alice.connect() as tab,
        await alice.connect() as other_tab,
        await alice.connect(f"/ws/chat/{room}/") as tutorial,
        await phone.connect() as on_phone,
    ):
        for ws in (tab, other_tab, on_phone):
            await ready(ws)
        await tutorial_ready(tutorial)
        sign_out(alice)
        for ws in (tab, other_tab, tutorial):
            assert await close_code(ws) == CloseCode.SESSION_ENDED
        await ready(on_phone)
    assert await refused(alice.connect()) == 403


async def test_a_password_change_closes_the_other_sessions_only(
    server: ParleyServer,
):
    """The changer's sockets and API token stay; the other session's socket
    closes; the changer's new cookie still signs in."""
    alice = User.sign_up(server, unique("alice"))
    laptop = sign_in(server, alice.username)
    token = create_token(server, alice.username)
    async with (
        await alice.connect() as changer,
        await laptop.connect() as elsewhere,
        await connect_with_token(server, token) as bot,
    ):
        for ws in (changer, elsewhere, bot):
            await ready(ws)
        change_password(alice)
        assert await close_code(elsewhere) == CloseCode.SESSION_ENDED
        await ready(changer)
        await ready(bot)
    with alice.http() as http:
        assert http.get("/").status_code == 200
    assert await refused(laptop.connect()) == 403


async def test_revoking_a_token_closes_its_sockets(server: ParleyServer):
    """Only the revoked token's sockets close; another token's and the
    browser's stay."""
    bob = User.sign_up(server, unique("bob"))
    revoked = create_token(server, bob.username, name="revoked")
    kept = create_token(server, bob.username, name="kept")
    async with (
        await connect_with_token(server, revoked) as first,
        await connect_with_token(server, revoked, path="/ws/chat/bots/") as second,
        await connect_with_token(server, kept) as other_bot,
        await bob.connect() as browser,
    ):
        for ws in (first, other_bot, browser):
            await ready(ws)
        await tutorial_ready(second)
        revoke_on_the_page(bob, revoked)
        assert await close_code(first) == CloseCode.SESSION_ENDED
        assert await close_code(second) == CloseCode.SESSION_ENDED
        await ready(other_bot)
        await ready(browser)


async def test_the_python_client_stops_when_its_token_is_revoked(
    server: ParleyServer,
):
    """``parley.client`` does not reconnect after 4001: ``messages()`` and
    later calls raise ``SignInRefused`` with ``session_ended``."""
    carol = User.sign_up(server, unique("carol"))
    token = create_token(server, carol.username)
    async with ParleyClient(server.base_url, token=token) as client:
        await client.subscribe(unique("bots"))
        revoke_on_the_page(carol, token)
        with pytest.raises(SignInRefused) as ended:
            async with asyncio.timeout(10):
                async for _ in client.messages():
                    pass
        assert ended.value.code == "session_ended"
        with pytest.raises(SignInRefused):
            await client.send("anywhere", "after the end")
        assert client.connections == 1


# Events across processes ---------------------------------------------------


@pytest.fixture(scope="module")
def two_servers(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str
) -> Iterator[tuple[ParleyServer, ParleyServer]]:
    """Two Uvicorn processes on one database and one Redis layer; their
    periodic check is the default's (60 s)."""
    env = {"CHANNEL_LAYER_URL": redis_url}
    with servers.two_servers(tmp_path_factory.mktemp("two"), env) as pair:
        yield pair


async def test_signing_out_on_one_process_closes_sockets_on_the_other(
    two_servers,
):
    first, second = two_servers
    alice = User.sign_up(first, unique("alice"))
    async with (
        await alice.connect(server=second) as there,
        await alice.connect() as here,
    ):
        await ready(there)
        await ready(here)
        sign_out(alice)
        assert await close_code(there) == CloseCode.SESSION_ENDED
        assert await close_code(here) == CloseCode.SESSION_ENDED


async def test_deactivating_a_user_closes_all_their_sockets_everywhere(
    two_servers,
):
    """An admin's ``is_active = False`` in a separate shell process closes
    every socket of the user, sessions and tokens, on both processes; other
    users' sockets stay."""
    first, second = two_servers
    dave = User.sign_up(first, unique("dave"))
    dave_phone = sign_in(second, dave.username)
    token = create_token(first, dave.username)
    erin = User.sign_up(first, unique("erin"))
    async with (
        await dave.connect() as browser,
        await dave_phone.connect() as phone,
        await connect_with_token(second, token) as bot,
        await connect_with_token(first, token, path="/ws/chat/deact/") as tutorial,
        await erin.connect(server=second) as bystander,
    ):
        for ws in (browser, phone, bot, bystander):
            await ready(ws)
        await tutorial_ready(tutorial)
        shell(
            first,
            "from django.contrib.auth.models import User; "
            f"u = User.objects.get(username='{dave.username}'); "
            "u.is_active = False; u.save()",
        )
        for ws in (browser, phone, bot, tutorial):
            assert await close_code(ws) == CloseCode.SESSION_ENDED
        await ready(bystander)
    assert await refused(connect_with_token(second, token)) == 403


async def test_a_password_changed_on_one_process_closes_sessions_on_the_other(
    two_servers,
):
    first, second = two_servers
    frank = User.sign_up(first, unique("frank"))
    elsewhere = sign_in(second, frank.username)
    async with (
        await frank.connect(server=second) as changer,
        await elsewhere.connect() as other,
    ):
        await ready(changer)
        await ready(other)
        change_password(frank)
        assert await close_code(other) == CloseCode.SESSION_ENDED
        await ready(changer)


# The periodic check ------------------------------------------------------


@pytest.fixture(scope="module")
def fast_check_server(tmp_path_factory: pytest.TempPathFactory):
    """A Parley whose periodic session check runs every half second."""
    parley = ParleyServer(
        tmp_path_factory.mktemp("fast-check"),
        env={"PARLEY_SESSION_CHECK_SECS": FAST_CHECK_SECS},
    ).start()
    yield parley
    parley.stop()


def session_key(user: User) -> str:
    return user.cookies["sessionid"]


async def test_the_check_closes_sockets_whose_session_or_token_ended_silently(
    fast_check_server: ParleyServer,
):
    """No event announces these: a session row deleted and one expired by
    hand in another process, a token revoked with ``update()``. The check
    closes their sockets with 4001 and leaves the healthy one open."""
    server = fast_check_server
    deleted, expired, healthy = (
        User.sign_up(server, unique(name)) for name in ("del", "exp", "ok")
    )
    token = create_token(server, healthy.username)
    async with (
        await deleted.connect() as deleted_ws,
        await expired.connect() as expired_ws,
        await connect_with_token(server, token) as token_ws,
        await healthy.connect() as healthy_ws,
    ):
        for ws in (deleted_ws, expired_ws, token_ws, healthy_ws):
            await ready(ws)
        shell(
            server,
            "from datetime import timedelta; "
            "from django.contrib.sessions.models import Session; "
            "from django.utils import timezone; "
            "from parley.models import ApiToken; "
            f"Session.objects.filter(session_key='{session_key(deleted)}').delete(); "
            f"Session.objects.filter(session_key='{session_key(expired)}')"
            ".update(expire_date=timezone.now() - timedelta(seconds=1)); "
            f"ApiToken.objects.filter(prefix='{token[:10]}')"
            ".update(revoked_at=timezone.now())",
        )
        for ws in (deleted_ws, expired_ws, token_ws):
            assert await close_code(ws) == CloseCode.SESSION_ENDED
        await ready(healthy_ws)


async def test_after_a_password_change_the_check_keeps_the_changers_socket(
    fast_check_server: ParleyServer,
):
    """The changer's session got a new key: the check judges the socket by
    it, not by the old key (deleted), through every later check. A canary
    socket whose session is deleted afterwards shows a check ran."""
    server = fast_check_server
    grace = User.sign_up(server, unique("grace"))
    canary = User.sign_up(server, unique("canary"))
    async with await grace.connect() as changer:
        await ready(changer)
        old_key = session_key(grace)
        change_password(grace)
        assert session_key(grace) != old_key
        async with await canary.connect() as canary_ws:
            await ready(canary_ws)
            shell(
                server,
                "from django.contrib.sessions.models import Session; "
                f"Session.objects.filter(session_key='{session_key(canary)}')"
                ".delete()",
            )
            assert await close_code(canary_ws) == CloseCode.SESSION_ENDED
        await ready(changer)
