"""Forged ``Origin`` headers against a real server, on both sockets.

Cross-site WebSocket hijacking: a page on another origin opens a socket to
Parley and the browser attaches the user's cookie. Every handshake whose
``Origin`` is not exactly the site's own (scheme, host and port, as Django
checks a form's) is refused with HTTP 403 before anything is subscribed or
created; only a client with its own bearer token may leave ``Origin`` out.
"""

import pytest
import websockets

from tests.support.servers import (
    ParleyServer,
    User,
    create_token,
    recv,
    send,
    subscribe,
    unique,
)

ACCEPTED = 101


def forged_origins(server: ParleyServer) -> dict[str, str]:
    """Origins a hostile page (or a forging client) could send."""
    port = server.port
    return {
        "foreign host": "http://evil.example",
        "foreign host, same port": f"http://evil.example:{port}",
        "null (sandboxed frame, file:)": "null",
        "empty": "",
        "https instead of http": f"https://127.0.0.1:{port}",
        "ws scheme": f"ws://127.0.0.1:{port}",
        "another port": f"http://127.0.0.1:{port + 1}",
        "no port": "http://127.0.0.1",
        "another allowed host": f"http://localhost:{port}",
        "look-alike suffix": f"http://127.0.0.1.evil.com:{port}",
        "look-alike suffix, no port": "http://127.0.0.1.evil.com",
        "userinfo trick": f"http://127.0.0.1:{port}@evil.example",
        "trailing slash": f"http://127.0.0.1:{port}/",
        "two origins": f"{server.base_url} http://evil.example",
    }


async def status(
    server: ParleyServer,
    path: str,
    *,
    origin: str | None = None,
    cookie: str | None = None,
    token: str | None = None,
    **extra: str,
) -> int:
    """The handshake's HTTP status: 101 if it opened (then it is closed).
    ``extra``: more headers, as ``X_Forwarded_Proto="https"``."""
    headers = {name.replace("_", "-"): value for name, value in extra.items()}
    if origin is not None:
        headers["Origin"] = origin
    if cookie is not None:
        headers["Cookie"] = cookie
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    try:
        ws = await websockets.connect(
            server.ws_url + path, additional_headers=headers, open_timeout=10
        )
    except websockets.InvalidStatus as refused:
        return refused.response.status_code
    await ws.close()
    return ACCEPTED


@pytest.fixture
def paths() -> list[str]:
    return ["/ws/", f"/ws/chat/{unique('forged')}/"]


async def test_forged_origins_are_refused_with_a_cookie(
    server: ParleyServer, alice: User, paths: list[str]
):
    cookie = alice.cookie_header()
    for path in paths:
        assert await status(server, path, origin=server.base_url, cookie=cookie) == (
            ACCEPTED
        )
        for name, origin in forged_origins(server).items():
            got = await status(server, path, origin=origin, cookie=cookie)
            assert got == 403, (path, name, origin)


async def test_forged_origins_are_refused_even_with_a_valid_token(
    server: ParleyServer, alice: User, paths: list[str]
):
    token = create_token(server, alice.username)
    for path in paths:
        for name, origin in forged_origins(server).items():
            got = await status(server, path, origin=origin, token=token)
            assert got == 403, (path, name, origin)


async def test_a_missing_origin_passes_with_a_token_only(
    server: ParleyServer, alice: User, paths: list[str]
):
    """A browser always sends Origin; a missing one is a client of its own,
    which must bring its own credential, not a cookie."""
    token = create_token(server, alice.username)
    for path in paths:
        assert await status(server, path, cookie=alice.cookie_header()) == 403
        assert await status(server, path) == 403
        assert await status(server, path, token=token) == ACCEPTED


async def test_a_refused_handshake_subscribes_and_creates_nothing(
    server: ParleyServer, alice: User, bob: User
):
    """Refused tutorial sockets neither create their room nor show their
    user online in an existing one; Bob, in that room, hears nothing."""
    existing, fresh = unique("watched"), unique("never")
    async with await bob.connect() as watcher:
        assert (await subscribe(watcher, existing))["online"] == [bob.username]
        for origin in forged_origins(server).values():
            for room in (existing, fresh):
                assert (
                    await status(
                        server,
                        f"/ws/chat/{room}/",
                        origin=origin,
                        cookie=alice.cookie_header(),
                    )
                    == 403
                )
        await send(watcher, type="ping")
        assert (await recv(watcher))["type"] == "pong"  # no presence came first
        assert (await subscribe(watcher, existing))["online"] == [bob.username]
    with alice.http() as http:
        assert http.get(f"/api/rooms/{fresh}").status_code == 404


@pytest.mark.parametrize(("proto", "expected"), [("https", ACCEPTED), (None, 403)])
async def test_behind_a_tls_proxy_the_https_origin_is_the_sites_own(
    server: ParleyServer, alice: User, proto, expected
):
    """As for forms (tests/live/test_ops.py): a local TLS proxy's
    X-Forwarded-Proto makes the handshake secure, so the page's https origin
    is the site's own; without it, that origin is another scheme."""
    extra = {"X_Forwarded_Proto": proto} if proto else {}
    got = await status(
        server,
        "/ws/",
        origin=f"https://127.0.0.1:{server.port}",
        cookie=alice.cookie_header(),
        **extra,
    )
    assert got == expected
