"""The room page in real Chromium, driven by Playwright, against ``parley serve``.

People sign up and sign in through the real pages; the page's own script
(``room.js``) loads history over HTTP and talks over ``/ws/``.
"""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Dialog,
    Page,
    async_playwright,
    expect,
)

from tests.servers import PASSWORD, ParleyServer, User, require_binary, unique

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Auto-waiting expect() gives up after this long (ms); a live message takes
# milliseconds, so this only bounds a failure.
expect.set_options(timeout=10_000)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = require_binary("chromium")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


async def new_context(browser: Browser, server: ParleyServer) -> BrowserContext:
    context = await browser.new_context(base_url=server.base_url, locale="en-US")
    context.set_default_timeout(10_000)
    return context


async def sign_up(browser: Browser, server: ParleyServer, prefix: str) -> Page:
    """A new account made on the real sign-up page; returns its signed-in page."""
    username = unique(prefix)
    page = await (await new_context(browser, server)).new_page()
    await page.goto("/accounts/signup/")
    await page.fill("#id_username", username)
    await page.fill("#id_password1", PASSWORD)
    await page.fill("#id_password2", PASSWORD)
    await page.click("form.stacked button[type=submit]")
    await expect(page).to_have_url(server.base_url + "/")
    await expect(page.locator(".top .who")).to_have_text(username)
    return page


async def sign_in(browser: Browser, server: ParleyServer, prefix: str) -> Page:
    """An existing account signed in through the real ``/accounts/login/`` form."""
    username = unique(prefix)
    User.sign_up(server, username)
    page = await (await new_context(browser, server)).new_page()
    await page.goto("/accounts/login/")
    await page.fill("#id_username", username)
    await page.fill("#id_password", PASSWORD)
    await page.click("form.stacked button[type=submit]")
    await expect(page).to_have_url(server.base_url + "/")
    await expect(page.locator(".top .who")).to_have_text(username)
    return page


async def open_room(page: Page, room: str) -> None:
    """Open ``/chat/<room>/`` and wait until its socket is open."""
    await page.goto(f"/chat/{room}/")
    await expect(page.locator("#connection")).to_have_attribute("data-state", "open")


async def say(page: Page, text: str) -> None:
    """Type into the message box and press Enter, as a person does."""
    box = page.locator("#message-input")
    await box.fill(text)
    await box.press("Enter")
    await expect(box).to_have_value("")


def texts(page: Page):
    return page.locator("#messages .message .text")


def stored(page: Page):
    """Messages the server acknowledged (shown with their seq)."""
    return page.locator("#messages .message[data-seq]")


def record_dialogs(page: Page) -> list[str]:
    opened: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        opened.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    return opened


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
                await alice.locator(".top .who").inner_text(),
                await bob.locator(".top .who").inner_text(),
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
