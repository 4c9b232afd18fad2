"""Retention in real Chromium: a room page that was offline while the room's
old messages were purged comes back, shows what is left after what it had,
and follows live again (no gap repaired again and again)."""

import pytest
from playwright.async_api import Browser, expect

from tests.support.browser import open_room, say, seqs, sign_up, stored
from tests.support.servers import ParleyServer, purge_old_messages, unique

pytestmark = pytest.mark.browser


async def test_a_page_back_after_a_purge_shows_what_is_left_and_goes_on(
    browser: Browser, server: ParleyServer
):
    room = unique("purged")
    alice = await sign_up(browser, server, "alice")
    bob = await sign_up(browser, server, "bob")
    await open_room(alice, room)
    await open_room(bob, room)
    for text in ("m1", "m2"):
        await say(bob, text)
    await expect(stored(alice).locator(".text")).to_have_text(["m1", "m2"])

    await alice.context.set_offline(True)
    await expect(alice.locator("#connection")).to_have_attribute(
        "data-state", "offline"
    )
    for text in ("m3", "m4", "m5", "m6"):
        await say(bob, text)
    await expect(stored(bob)).to_have_count(6)
    assert purge_old_messages(server, room, upto=4) == "Purged 4 message(s)."
    await alice.context.set_offline(False)

    # Resumed from seq 2: 3 and 4 are gone, 5 and 6 come, then live again.
    await expect(stored(alice).locator(".text")).to_have_text(["m1", "m2", "m5", "m6"])
    await say(alice, "back")
    await expect(stored(bob).locator(".text")).to_have_text(
        ["m1", "m2", "m3", "m4", "m5", "m6", "back"]
    )
    await expect(stored(alice).locator(".text")).to_have_text(
        ["m1", "m2", "m5", "m6", "back"]
    )
    assert await seqs(alice) == [1, 2, 5, 6, 7]
