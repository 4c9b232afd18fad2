"""The pages under Parley's limits, in real Chromium against ``parley serve``."""

import re

import pytest
from playwright.async_api import Browser, expect

from tests.support.browser import open_room, sign_in
from tests.support.servers import ParleyServer, User, unique

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def two_rooms_a_socket(tmp_path_factory: pytest.TempPathFactory):
    """Token buckets on, and a socket may follow two rooms."""
    parley = ParleyServer(
        tmp_path_factory.mktemp("parley-two-rooms"),
        env={"PARLEY_RATE_LIMITS": "1", "PARLEY_MAX_ROOMS_PER_SOCKET": "2"},
    ).start()
    yield parley
    parley.stop()


async def test_rooms_beyond_the_socket_limit_show_no_badge(
    browser: Browser, two_rooms_a_socket: ParleyServer
):
    """The page follows the first two of the user's rooms for their badges;
    the third, refused with `too_many_rooms`, shows no badge rather than a
    count nobody updates. The others keep counting live."""
    server = two_rooms_a_socket
    rooms = [unique(f"lim{letter}") for letter in "abc"]  # listed in this order
    alice = await sign_in(browser, server, "alice")
    for room in rooms:
        await open_room(alice, room)  # makes her a member
    bob = User.sign_up(server, unique("bob"))
    with bob.http() as http:
        for room in rooms:
            body = {"text": f"hello {room}"}
            http.post(f"/api/rooms/{room}/messages", json=body).raise_for_status()
    errors = []
    alice.on("pageerror", lambda error: errors.append(error))
    await alice.goto("/")
    badges = [
        alice.locator(f"ul.live-rooms li[data-room='{room}'] .badge") for room in rooms
    ]
    await expect(badges[0]).to_have_text("1")
    await expect(badges[2]).to_be_hidden()

    with bob.http() as http:
        for room in (rooms[0], rooms[2]):
            body = {"text": f"again {room}"}
            http.post(f"/api/rooms/{room}/messages", json=body).raise_for_status()
    await expect(badges[0]).to_have_text("2")
    await expect(badges[1]).to_have_text("1")
    await expect(badges[2]).to_be_hidden()
    third = alice.locator(f"ul.live-rooms li[data-room='{rooms[2]}']")
    await expect(third).not_to_have_class(re.compile(r"\bunread\b"))
    assert errors == []
