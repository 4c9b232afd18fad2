"""Replies, threads and reactions on the room page in real Chromium: one
user replies to another's message and both react to it, everything live in
both pages and still there after a reload."""

import pytest
from playwright.async_api import Browser, expect

from tests.support.browser import open_room, say, sign_in, sign_up, stored
from tests.support.servers import ParleyServer, unique

pytestmark = pytest.mark.browser


async def test_reply_to_a_message_and_react_to_it(
    browser: Browser, server: ParleyServer
):
    room = unique("threads")
    alice = await sign_in(browser, server, "alice")
    bob = await sign_up(browser, server, "bob")
    # Names in the page's sentences are isolated (FSI … PDI, live.js format).
    alice_name = "\u2068" + await alice.locator(".who").inner_text() + "\u2069"
    await open_room(alice, room)
    await open_room(bob, room)
    await say(alice, "Lunch at noon?")
    await expect(stored(bob)).to_have_count(1)

    # Bob replies: the quote shows above the box; Escape cancels it.
    question = stored(bob).nth(0)
    await question.hover()
    await question.get_by_role("button", name="Reply").click()
    replying = bob.locator("#replying")
    await expect(replying).to_contain_text(f"Replying to {alice_name}")
    await expect(replying).to_contain_text("Lunch at noon?")
    await expect(bob.locator("#message-input")).to_be_focused()
    await bob.locator("#message-input").press("Escape")
    await expect(replying).to_have_count(0)
    await question.hover()
    await question.get_by_role("button", name="Reply").click()
    await say(bob, "Yes, <b>noon</b>")
    await expect(replying).to_have_count(0)
    for page in (alice, bob):
        reply = stored(page).nth(1)
        await expect(reply.locator(".reply-quote")).to_have_text(
            f"In reply to {alice_name}Lunch at noon?"
        )
        await expect(reply.locator(".text")).to_have_text("Yes, <b>noon</b>")
        await expect(stored(page).nth(0).locator(".reply-count")).to_have_text(
            "Replies: 1"
        )

    # Alice opens the thread from the count; a new reply joins it live.
    await stored(alice).nth(0).locator(".reply-count").click()
    thread = alice.locator("#thread")
    await expect(thread).to_be_visible()
    await expect(thread.locator(".thread-message .text")).to_have_text(
        ["Lunch at noon?", "Yes, <b>noon</b>"]
    )
    await question.hover()
    await question.get_by_role("button", name="Reply").click()
    await say(bob, "I will book")
    await expect(thread.locator(".thread-message .text")).to_have_text(
        ["Lunch at noon?", "Yes, <b>noon</b>", "I will book"]
    )
    await expect(stored(alice).nth(0).locator(".reply-count")).to_have_text(
        "Replies: 2"
    )
    # An edit of the parent shows in its quotes and in the thread, live.
    question_of_alice = stored(alice).nth(0)
    await question_of_alice.hover()
    await question_of_alice.get_by_role("button", name="Edit").click()
    await question_of_alice.locator(".editor textarea").fill("Lunch at one?")
    await question_of_alice.locator(".editor textarea").press("Enter")
    await expect(stored(bob).nth(1).locator(".quote-text")).to_have_text(
        "Lunch at one?"
    )
    await expect(thread.locator(".thread-parent .text")).to_have_text("Lunch at one?")
    await thread.get_by_role("button", name="Close the thread").click()
    await expect(thread).to_be_hidden()

    # Alice reacts from the picker; Bob adds his; the chips follow live.
    message = stored(alice).nth(0)
    await message.hover()
    await message.get_by_role("button", name="Add a reaction").click()
    await message.locator(".reaction-picker").get_by_role("button", name="🎉").click()
    chip = {page: stored(page).nth(0).locator(".reaction") for page in (alice, bob)}
    await expect(chip[alice]).to_have_text("🎉 1")
    await expect(chip[alice]).to_have_attribute("aria-pressed", "true")
    await expect(chip[bob]).to_have_text("🎉 1")
    await expect(chip[bob]).to_have_attribute("aria-pressed", "false")
    await chip[bob].click()
    for page in (alice, bob):
        await expect(chip[page]).to_have_text("🎉 2")
        await expect(chip[page]).to_have_attribute("aria-pressed", "true")
    await chip[alice].click()
    await expect(chip[bob]).to_have_text("🎉 1")
    await expect(chip[alice]).to_have_attribute("aria-pressed", "false")

    # History brings back the quote, the count and the reactions.
    await bob.reload()
    await expect(stored(bob)).to_have_count(3)
    await expect(stored(bob).nth(0).locator(".reply-count")).to_have_text("Replies: 2")
    await expect(chip[bob]).to_have_text("🎉 1")
    await expect(chip[bob]).to_have_attribute("aria-pressed", "true")
    await expect(stored(bob).nth(2).locator(".reply-quote .quote-text")).to_have_text(
        "Lunch at one?"
    )
