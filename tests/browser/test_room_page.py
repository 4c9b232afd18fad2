"""The room page in real Chromium, driven by Playwright, against ``parley serve``.

People sign up and sign in through the real pages; the page's own script
(``room.js``) loads history over HTTP and talks over ``/ws/``. Faults come from
Playwright's own controls, never from hooks in the page: ``set_offline`` for a
lost network, ``route_web_socket`` (``SocketTap``) for lost frames and sockets
closed by the server, and ``page.clock`` for the keepalive's timers.
"""

from urllib.parse import quote

import pytest
from playwright.async_api import Browser, expect

from tests.support.browser import (
    SocketTap,
    exactly,
    open_room,
    outbox,
    record_dialogs,
    say,
    seqs,
    sign_in,
    sign_up,
    stored,
    texts,
)
from tests.support.servers import ParleyServer, User, parley_command, unique

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def small_replay_server(tmp_path_factory: pytest.TempPathFactory):
    """A Parley that replays at most 3 messages and pages history by 2, so
    that a short absence needs ``resync`` and paging."""
    parley = ParleyServer(
        tmp_path_factory.mktemp("parley-small-replay"),
        env={
            "PARLEY_REPLAY_LIMIT": "3",
            "PARLEY_HISTORY_PAGE_DEFAULT": "2",
            "PARLEY_HISTORY_PAGE_MAX": "2",
        },
    ).start()
    yield parley
    parley.stop()


async def test_two_users_see_each_others_messages_live(
    browser: Browser, server: ParleyServer
):
    room = unique("live")
    alice = await sign_in(browser, server, "alice")
    bob = await sign_up(browser, server, "bob")
    await open_room(alice, room)
    await open_room(bob, room)
    for page in (alice, bob):
        await expect(page.locator("#message-input")).to_be_focused()
        await expect(page.locator("h1")).to_have_text(room)

    # Typed straight away: the box has focus without a click.
    await alice.keyboard.type("hello bob")
    await alice.keyboard.press("Enter")
    await expect(texts(bob)).to_have_text(["hello bob"])
    await say(bob, "hi alice")
    for page in (alice, bob):
        await expect(stored(page).locator(".text")).to_have_text(
            ["hello bob", "hi alice"]
        )
        await expect(page.locator("#messages .pending")).to_have_count(0)
        await expect(stored(page).locator(".author")).to_have_text(
            [
                await alice.locator(".who").inner_text(),
                await bob.locator(".who").inner_text(),
            ]
        )
    await expect(alice.locator("#message-input")).to_be_focused()


async def test_markup_in_a_message_is_shown_as_text(
    browser: Browser, server: ParleyServer
):
    room = unique("xss")
    payload = "<img src=x onerror=alert(1)>"
    alice = await sign_in(browser, server, "alice")
    bob = await sign_up(browser, server, "bob")
    dialogs = record_dialogs(alice)
    bob_dialogs = record_dialogs(bob)
    await open_room(alice, room)
    await open_room(bob, room)

    await say(alice, payload)
    await expect(texts(bob)).to_have_text([payload])
    # A later message arrives after the payload's, so an onerror handler
    # would have run by now.
    await say(alice, "after")
    for page in (alice, bob):
        await expect(stored(page)).to_have_count(2)
        assert (
            await stored(page).first.locator(".text").evaluate("el => el.textContent")
            == payload
        )
        await expect(page.locator("#messages img")).to_have_count(0)
    await bob.reload()
    await expect(stored(bob).locator(".text")).to_have_text([payload, "after"])
    await expect(bob.locator("#messages img")).to_have_count(0)
    assert dialogs == [] and bob_dialogs == []


async def test_history_is_there_after_reload(browser: Browser, server: ParleyServer):
    room = unique("history")
    alice = await sign_in(browser, server, "alice")
    await open_room(alice, room)
    sent = ["first", "second", "third", "Grüße, 世界 👋"]
    for text in sent:
        await say(alice, text)
    await expect(stored(alice).locator(".text")).to_have_text(sent)

    await alice.reload()
    await expect(alice.locator("#connection")).to_have_attribute("data-state", "open")
    await expect(stored(alice).locator(".text")).to_have_text(sent)
    await expect(alice.locator("#messages .start")).to_have_count(1)
    seqs = await stored(alice).evaluate_all(
        "els => els.map(el => Number(el.dataset.seq))"
    )
    assert seqs == [1, 2, 3, 4]

    # Someone who opens the room later sees the same history, and live after it.
    bob = await sign_up(browser, server, "bob")
    await open_room(bob, room)
    await expect(stored(bob).locator(".text")).to_have_text(sent)
    await say(bob, "late")
    await expect(stored(alice).locator(".text")).to_have_text([*sent, "late"])


async def test_connection_state_shows_connected(browser: Browser, server: ParleyServer):
    alice = await sign_up(browser, server, "alice")
    await alice.goto(f"/chat/{unique('state')}/")
    status = alice.locator("#connection")
    await expect(status).to_have_attribute("data-state", "open")
    await expect(status).to_have_text("Connected")
    await expect(status).to_have_attribute("role", "status")


async def test_older_messages_load_on_scrolling_up(
    browser: Browser, server: ParleyServer
):
    room = unique("long")
    poster = User.sign_up(server, unique("poster"))
    with poster.http() as http:
        http.post("/api/rooms", json={"title": room}).raise_for_status()
        for i in range(1, 131):
            body = {"text": f"old {i}", "client_id": f"p{i}"}
            http.post(f"/api/rooms/{room}/messages", json=body).raise_for_status()
    page = await sign_in(browser, server, "reader")
    await open_room(page, room)
    messages = page.locator("#messages li.message")
    await expect(messages.last).to_have_attribute("data-seq", "130")
    assert await messages.count() < 130  # the first page only
    for _ in range(10):
        await page.locator("#messages").evaluate("list => { list.scrollTop = 0; }")
        if await page.locator("#messages .start").count():
            break
        await page.wait_for_timeout(200)
    await expect(page.locator("#messages .start")).to_be_visible()
    await expect(messages).to_have_count(130)
    await expect(messages.first).to_have_attribute("data-seq", "1")


async def test_offline_sender_sees_what_it_missed_and_is_delivered_once(
    browser: Browser, server: ParleyServer
):
    """A's network drops; B posts; A writes while offline; A is back online."""
    room = unique("offline")
    alice = await sign_in(browser, server, "alice")
    bob = await sign_up(browser, server, "bob")
    await open_room(alice, room)
    await open_room(bob, room)
    await say(bob, "before")
    await expect(stored(alice).locator(".text")).to_have_text(["before"])

    await alice.context.set_offline(True)
    status = alice.locator("#connection")
    await expect(status).to_have_attribute("data-state", "offline")
    await expect(status).to_have_text(
        "No network; messages will be sent when you are back online."
    )
    await say(bob, "while you were away")
    await say(bob, "still away?")
    await expect(stored(bob)).to_have_count(3)
    await say(alice, "written offline")
    pending = alice.locator("#messages .message.pending")
    await expect(pending.locator(".text")).to_have_text(["written offline"])
    await expect(pending.locator(".ts")).to_have_text("sending…")
    assert [entry["text"] for entry in await outbox(alice)] == ["written offline"]
    # Offline means offline: Bob's messages have not reached Alice's page.
    await expect(stored(alice)).to_have_count(1)

    await alice.context.set_offline(False)
    await expect(status).to_have_attribute("data-state", "open")
    expected = ["before", "while you were away", "still away?", "written offline"]
    for page in (alice, bob):
        await expect(stored(page).locator(".text")).to_have_text(expected)
    # Anything sent twice would arrive before a later message on each socket.
    await say(bob, "welcome back")
    expected.append("welcome back")
    for page in (alice, bob):
        await expect(texts(page)).to_have_text(expected)
        await expect(
            texts(page).filter(has_text=exactly("written offline"))
        ).to_have_count(1)
        await expect(page.locator("#messages .pending")).to_have_count(0)
        assert await seqs(page) == [1, 2, 3, 4, 5]
    assert await outbox(alice) == []
    # The server stored it once, too.
    await alice.reload()
    await expect(stored(alice).locator(".text")).to_have_text(expected)


@pytest.mark.parametrize("lost", ["send", "ack"])
async def test_an_unacknowledged_message_survives_a_reload(
    browser: Browser, server: ParleyServer, lost: str
):
    """Sent, then no ack (the send or its answer was lost), then a reload.

    ``lost="send"``: the server never got it, and the reloaded page sends it
    from sessionStorage. ``lost="ack"``: the server stored it but the page
    never heard, and the reloaded page finds it in the history by its
    ``client_id``. Either way everyone sees it once.
    """
    room = unique("reload")
    alice = await sign_in(browser, server, "alice")
    bob = await sign_up(browser, server, "bob")
    tap = await SocketTap().install(alice)
    await open_room(alice, room)
    await open_room(bob, room)
    if lost == "send":
        tap.to_server = lambda frame: None if frame["type"] == "send" else frame
    else:
        tap.to_page = lambda frame: frame["type"] not in ("ack", "message")

    await say(alice, "are you there?")
    pending = alice.locator("#messages .message.pending")
    await expect(pending.locator(".text")).to_have_text(["are you there?"])
    [entry] = await outbox(alice)
    assert (entry["text"], entry["room"]) == ("are you there?", room)
    if lost == "ack":
        await tap.until(lambda: any(f["type"] == "ack" for f in tap.lost))
        await expect(texts(bob)).to_have_text(["are you there?"])
    else:
        await tap.until(lambda: len(tap.frames("send")) == 1)

    tap.to_server = lambda frame: frame
    tap.to_page = lambda frame: True
    await alice.reload()
    await expect(alice.locator("#connection")).to_have_attribute("data-state", "open")
    # Resent and acknowledged (or found in the history) before Bob answers:
    # else his answer may be stored first on a busy machine.
    await expect(texts(bob)).to_have_text(["are you there?"])
    await expect(alice.locator("#messages .message.pending")).to_have_count(0)
    await say(bob, "yes")
    for page in (alice, bob):
        await expect(texts(page)).to_have_text(["are you there?", "yes"])
        await expect(stored(page)).to_have_count(2)
        assert await seqs(page) == [1, 2]
    await expect(alice.locator("#messages .pending")).to_have_count(0)
    assert await outbox(alice) == []
    sends = [f["client_id"] for f in tap.frames("send")]
    assert sends.count(entry["client_id"]) == (2 if lost == "send" else 1)


@pytest.mark.parametrize("code", [4000, 1001, 1013])
async def test_a_socket_closed_by_the_server_resumes_from_its_last_seq(
    browser: Browser, server: ParleyServer, code: int
):
    """The server drops the socket with a resume code (4000: the page read too
    slowly; 1001: going away; 1013: try again later) after frames the page
    never got; the page reconnects at once and receives exactly the gap."""
    room = unique("resume")
    alice = await sign_in(browser, server, "alice")
    bob = await sign_up(browser, server, "bob")
    tap = await SocketTap().install(alice)
    await open_room(alice, room)
    await open_room(bob, room)
    await say(bob, "one")
    await expect(texts(alice)).to_have_text(["one"])

    tap.to_page = lambda frame: False  # the page falls behind
    await say(bob, "two")
    await say(bob, "three")
    await tap.until(lambda: sum(f["type"] == "message" for f in tap.lost) == 2)
    tap.to_page = lambda frame: True
    await tap.close_from_server(code)

    await expect(texts(alice)).to_have_text(["one", "two", "three"])
    assert await seqs(alice) == [1, 2, 3]
    await expect(alice.locator("#connection")).to_have_attribute("data-state", "open")
    assert len(tap.sockets) == 2
    [resubscribe] = tap.frames("subscribe", socket=1)
    assert resubscribe["after"] == 1
    await say(alice, "back")
    await expect(texts(bob)).to_have_text(["one", "two", "three", "back"])


async def test_a_silent_socket_is_replaced(browser: Browser, server: ParleyServer):
    """A half-open connection: the server side stops answering, the page's
    socket still looks open. Unanswered pings make the page reconnect."""
    room = unique("silent")
    alice = await sign_in(browser, server, "alice")
    bob = await sign_up(browser, server, "bob")
    await alice.clock.install()
    tap = await SocketTap().install(alice)
    await open_room(alice, room)
    await open_room(bob, room)

    tap.to_page = lambda frame: False
    await say(bob, "lost in the void")
    # (with the typing frame that came before it)
    await tap.until(lambda: any(f["type"] == "message" for f in tap.lost))
    await alice.clock.run_for(25_000)
    await tap.until(lambda: any(frame["type"] == "pong" for frame in tap.lost))
    assert len(tap.frames("ping")) == 1 and len(tap.sockets) == 1
    await expect(alice.locator("#connection")).to_have_attribute("data-state", "open")
    tap.to_page = lambda frame: True
    # A whole interval with the ping unanswered: the page gives up on the
    # socket and reconnects after at most the first backoff (0.5 s).
    await alice.clock.run_for(25_000)
    await alice.clock.run_for(1_000)
    await tap.until(lambda: len(tap.sockets) == 2)
    await expect(alice.locator("#connection")).to_have_attribute("data-state", "open")
    await expect(texts(alice)).to_have_text(["lost in the void"])
    [resubscribe] = tap.frames("subscribe", socket=1)
    assert resubscribe["after"] == 0


async def test_a_failed_send_can_be_retried_or_discarded(
    browser: Browser, server: ParleyServer
):
    room = unique("failed")
    alice = await sign_in(browser, server, "alice")
    tap = await SocketTap().install(alice)
    await open_room(alice, room)

    # The server refuses what it gets (blank text): the line is marked failed.
    tap.to_server = lambda frame: (
        {**frame, "text": " "} if frame["type"] == "send" else frame
    )
    await say(alice, "first try")
    await say(alice, "never mind")
    failed = alice.locator("#messages .message.failed")
    await expect(failed.locator(".text")).to_have_text(["first try", "never mind"])
    await expect(failed.locator(".ts")).to_have_text(["not sent", "not sent"])
    await expect(failed.locator(".reason")).to_have_count(2)
    await expect(alice.locator("#messages .pending")).to_have_count(0)

    tap.to_server = lambda frame: frame
    await (
        failed.filter(has_text="never mind")
        .get_by_role("button", name="Discard")
        .click()
    )
    await (
        failed.filter(has_text="first try").get_by_role("button", name="Retry").click()
    )
    await expect(stored(alice).locator(".text")).to_have_text(["first try"])
    await expect(alice.locator("#messages .local")).to_have_count(0)
    assert await outbox(alice) == []
    # Retried with its client_id: the server refused it once, stored it once.
    first, second, retried = tap.frames("send")
    assert retried["client_id"] == first["client_id"] != second["client_id"]


async def test_a_room_that_is_gone_stops_the_page(
    browser: Browser, server: ParleyServer
):
    """Subscribing is refused with room_not_found (here: the page asks for
    someone else's private room): the page says so and stops retrying."""
    owner = User.sign_up(server, unique("owner"))
    with owner.http() as http:
        response = http.post(
            "/api/rooms", json={"title": unique("secret"), "kind": "private"}
        )
        response.raise_for_status()
        private = response.json()["slug"]
    alice = await sign_in(browser, server, "alice")
    await alice.clock.install()
    tap = await SocketTap().install(alice)
    tap.to_server = lambda frame: (
        {**frame, "room": private} if frame["type"] == "subscribe" else frame
    )
    await alice.goto(f"/chat/{unique('gone')}/")
    status = alice.locator("#connection")
    await expect(status).to_have_attribute("data-state", "gone")
    await expect(status).to_have_text("This room is gone, or no longer yours to read.")
    await expect(alice.locator("#message-input")).to_be_disabled()
    await alice.clock.run_for(120_000)
    await expect(status).to_have_attribute("data-state", "gone")
    # Asked once: no retry. (Counting sockets instead was flaky: on a busy
    # machine a socket may be replaced before the room is asked for.)
    assert len(tap.frames("subscribe")) == 1


async def test_a_gap_too_long_to_replay_is_paged_over_http(
    browser: Browser, small_replay_server: ParleyServer
):
    """Back online after more than PARLEY_REPLAY_LIMIT messages: the server
    answers ``subscribed {resync: true}`` and the page fetches the gap."""
    server = small_replay_server
    room = unique("resync")
    alice = await sign_in(browser, server, "alice")
    bob = await sign_up(browser, server, "bob")
    await open_room(alice, room)
    await open_room(bob, room)
    await say(alice, "see you")
    await expect(texts(bob)).to_have_text(["see you"])

    await alice.context.set_offline(True)
    await expect(alice.locator("#connection")).to_have_attribute(
        "data-state", "offline"
    )
    missed = [f"missed {i}" for i in range(1, 7)]
    for text in missed:
        await say(bob, text)
    await expect(stored(bob)).to_have_count(7)
    await alice.context.set_offline(False)

    await expect(stored(alice).locator(".text")).to_have_text(["see you", *missed])
    await say(alice, "back")
    await say(bob, "hi")
    expected = ["see you", *missed, "back", "hi"]
    for page in (alice, bob):
        await expect(stored(page).locator(".text")).to_have_text(expected)
        assert await seqs(page) == list(range(1, 10))


async def test_a_page_signed_out_elsewhere_goes_to_sign_in(
    browser: Browser, server: ParleyServer
):
    """The session ended while the page was offline (so no socket of it was
    there to be closed with 4001): back online, its handshake is refused
    (HTTP 403); the page finds out over HTTP and asks to sign in instead of
    retrying."""
    room = unique("signout")
    alice = await sign_in(browser, server, "alice")
    await open_room(alice, room)
    await alice.context.set_offline(True)
    await expect(alice.locator("#connection")).to_have_attribute(
        "data-state", "offline"
    )
    (session,) = [
        c["value"] for c in await alice.context.cookies() if c["name"] == "sessionid"
    ]
    parley_command(
        server,
        "shell",
        "-c",
        "from django.contrib.sessions.models import Session; "
        f"Session.objects.filter(session_key='{session}').delete()",
    )
    await alice.context.set_offline(False)
    next_url = quote(f"/chat/{room}/", safe="")
    await expect(alice).to_have_url(
        f"{server.base_url}/accounts/login/?next={next_url}"
    )
