"""A room's details in real Chromium: the owner sets the topic and pins a
message, a member sees both live, opens the pinned list and jumps to the
message, then leaves the room (with a confirmation)."""

import re

import pytest
from playwright.async_api import Browser, expect

from tests.support.browser import open_room, say, sign_in, sign_up, stored
from tests.support.servers import ParleyServer, unique

pytestmark = pytest.mark.browser


async def test_topic_pins_and_leaving_a_room(browser: Browser, server: ParleyServer):
    room = unique("plans")
    alice = await sign_in(browser, server, "alice")
    await open_room(alice, room)  # a new public room: Alice owns it
    bob = await sign_up(browser, server, "bob")
    await open_room(bob, room)
    await say(bob, "the plan is <b>simple</b>")
    await expect(stored(alice)).to_have_count(1)

    # The owner's topic reaches the member's header live, as text.
    await alice.locator("#topic-input").fill("Launch on <i>Friday</i>")
    await alice.locator("#topic-form button[type=submit]").click()
    topic = bob.locator("#room-topic")
    await expect(topic).to_have_text("Launch on <i>Friday</i>")
    await expect(topic).to_have_attribute("title", "Launch on <i>Friday</i>")
    await expect(bob.locator("#room-topic i")).to_have_count(0)

    # The owner pins the member's message; the member sees its mark.
    message = stored(alice).first
    await message.hover()
    await message.locator(".pin-toggle").click()
    await expect(stored(bob).first.locator(".pin-mark")).to_be_visible()
    await expect(stored(bob).first.locator(".pin-toggle")).to_have_count(0)

    # The pinned list: the message, and choosing it jumps to it.
    await bob.locator("#open-pins").click()
    await expect(bob.locator("#open-pins")).to_have_attribute("aria-expanded", "true")
    pinned = bob.locator("#pin-list .pin-text")
    await expect(pinned).to_have_text(["the plan is <b>simple</b>"])
    await pinned.click()
    await expect(bob.locator("#pins")).to_be_hidden()
    await expect(stored(bob).first).to_have_class(re.compile(r"\bflash\b"))

    # Leaving asks first; then the member is on the rooms list, without it.
    await bob.locator("#leave-room").click()
    await bob.locator(".confirm-leave").click()
    await expect(bob).to_have_url(server.base_url + "/")
    await expect(bob.locator(f'#sidebar li[data-room="{room}"]')).to_have_count(0)
    # The owner's members panel no longer lists the member.
    await expect(alice.locator(".member-list li")).to_have_count(1)
