"""Search in real Chromium: the sidebar's box, a result, and the jump to
the message in its room's history."""

import pytest
from playwright.async_api import Browser, expect

from tests.support.browser import PASSWORD, new_context, say, seqs, stored
from tests.support.servers import ParleyServer, User, unique

pytestmark = pytest.mark.browser


async def test_search_and_jump_to_a_result(browser: Browser, server: ParleyServer):
    """A word said long ago is found; its snippet shows markup as text with
    the word marked; the result opens the room at that message, marked,
    and the room goes on live from there."""
    user = User.sign_up(server, unique("seeker"))
    room = unique("archive")
    word = unique("papaya")
    with user.http() as http:
        made = http.post("/api/rooms", json={"title": room})
        slug = made.json()["slug"]
        for i in range(80):
            text = f"the <b>{word}</b> of old" if i == 9 else f"filler {i}"
            said = http.post(f"/api/rooms/{slug}/messages", json={"text": text})
            assert said.status_code == 201, said.text
    page = await (await new_context(browser, server)).new_page()
    await page.goto("/accounts/login/")
    await page.fill("#id_username", user.username)
    await page.fill("#id_password", PASSWORD)
    await page.click("form.stacked button[type=submit]")
    # The page's scripts run before DOMContentLoaded: only then does the
    # search box answer (a box typed in earlier submits as a plain form).
    await expect(page).to_have_url(server.base_url + "/")
    await page.wait_for_load_state("domcontentloaded")

    await page.fill("#search-input", word)
    await page.press("#search-input", "Enter")
    result = page.locator("#search-list li")
    await expect(result).to_have_count(1)
    await expect(result.locator(".search-room")).to_have_text(room)
    await expect(result.locator(".search-author")).to_have_text(user.username)
    await expect(result.locator(".snippet")).to_have_text(f"the <b>{word}</b> of old")
    await expect(result.locator(".snippet mark")).to_have_text(word)
    await expect(result.locator(".snippet b")).to_have_count(0)

    await result.locator("a").click()
    await expect(page).to_have_url(f"{server.base_url}/chat/{slug}/?around=10")
    found = page.locator("#messages li.found")
    await expect(found).to_have_attribute("data-seq", "10")
    await expect(found).to_be_in_viewport()
    await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    # Live from there: what came after the page around it, then a new one.
    await say(page, "after the jump")
    await expect(stored(page).last.locator(".text")).to_have_text("after the jump")
    shown = await seqs(page)
    assert shown == list(range(shown[0], 82))
