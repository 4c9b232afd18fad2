"""Moderation in real Chromium: the room's owner opens a member's actions
menu in the members panel (by keyboard), removes them, and the removed
member's open page says so at once and stops taking messages."""

import pytest
from playwright.async_api import Browser, expect

from tests.support.browser import open_room, say, sign_in, sign_up, stored
from tests.support.servers import ParleyServer, unique

pytestmark = pytest.mark.browser


async def test_the_owner_removes_a_member_who_sees_the_room_go(
    browser: Browser, server: ParleyServer
):
    room = unique("town")
    alice = await sign_in(browser, server, "alice")
    await open_room(alice, room)  # a new public room: Alice owns it
    bob = await sign_up(browser, server, "bob")
    await open_room(bob, room)
    await say(bob, "hello")
    await expect(stored(alice)).to_have_count(1)
    # Bob's page stores his read position in a moment, which makes him a
    # member; store it now, so that Alice's members panel lists him.
    cookies = {c["name"]: c["value"] for c in await bob.context.cookies()}
    read = await bob.request.post(
        f"/api/rooms/{room}/read",
        data={"seq": 1},
        headers={"X-CSRFToken": cookies["csrftoken"]},
    )
    assert read.ok, await read.text()
    await open_room(alice, room)

    member = alice.locator('.member-list li:has(.role[data-role="member"])')
    trigger = member.locator(".member-actions")
    await expect(trigger).to_have_attribute("aria-haspopup", "menu")
    await trigger.focus()
    await trigger.press("ArrowDown")
    await expect(trigger).to_have_attribute("aria-expanded", "true")
    items = member.get_by_role("menuitem")
    await expect(items).to_have_text(
        [
            "Remove from the room",
            "Ban from the room",
            "Mute for 1 hour",
            "Make moderator",
        ]
    )
    await expect(items.first).to_be_focused()
    await alice.keyboard.press("Escape")
    await expect(trigger).to_be_focused()
    await trigger.click()
    await member.get_by_role("menuitem", name="Remove from the room").click()
    await expect(alice.locator("#moderation-result")).to_contain_text("was removed")
    await expect(alice.locator(".member-list li")).to_have_count(1)

    # Bob's open page: told at once, the composer closed, the room gone
    # from his sidebar.
    await expect(bob.locator("#connection")).to_have_text(
        "A moderator removed you from this room."
    )
    await expect(bob.locator("#message-input")).to_be_disabled()
    await expect(bob.locator(f'#sidebar li[data-room="{room}"]')).to_have_count(0)
