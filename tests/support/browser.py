"""Chromium for the browser tests, and what they do on Parley's pages.

``launch_chromium`` starts the system's headless Chromium through
Playwright; the rest signs people up and in through the real pages, opens
rooms, types messages, reads what a page shows and taps its socket.
"""

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from playwright.async_api import (
    Browser,
    BrowserContext,
    Dialog,
    Page,
    WebSocketRoute,
    async_playwright,
    expect,
)

from tests.support.servers import (
    PASSWORD,
    ParleyServer,
    User,
    require_binary,
    unique,
)

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


@asynccontextmanager
async def launch_chromium(*extra_args: str) -> AsyncIterator[Browser]:
    """Headless Chromium from the system's package (no browser download),
    with ``CHROMIUM_ARGS`` and ``extra_args``."""
    executable = require_binary("chromium")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[*CHROMIUM_ARGS, *extra_args],
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
    await expect(page.locator(".who")).to_have_text(username)
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
    await expect(page.locator(".who")).to_have_text(username)
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


def exactly(text: str) -> re.Pattern:
    return re.compile("^" + re.escape(text) + "$")


async def seqs(page: Page) -> list[int]:
    return await stored(page).evaluate_all(
        "els => els.map(el => Number(el.dataset.seq))"
    )


async def outbox(page: Page) -> list[dict]:
    """The page's unacknowledged sends, as it keeps them in sessionStorage."""
    return await page.evaluate(
        "() => JSON.parse(sessionStorage.getItem('parley:outbox') || '[]')"
    )


class SocketTap:
    """The page's ``/ws/`` sockets, routed through Playwright to the real server.

    Each socket the page opens is connected to Parley as usual, and every
    frame passes through here, so a test can see what the page sent, lose
    or alter frames on their way, or close a socket from the server's side
    (with the close codes Parley uses) without touching the page's script.

    Attributes:
        sockets: ``(page side, server side)`` of each socket, in order.
        sent: ``(socket index, frame)`` for each frame the page sent.
        lost: frames from the server that never reached the page.
        to_server: returns the frame to forward (possibly changed) or None.
        to_page: whether to deliver a server frame to the page.
    """

    def __init__(self) -> None:
        self.sockets: list[tuple[WebSocketRoute, WebSocketRoute]] = []
        self.sent: list[tuple[int, dict[str, Any]]] = []
        self.lost: list[dict[str, Any]] = []
        self.to_server: Callable[[dict], dict | None] = lambda frame: frame
        self.to_page: Callable[[dict], bool] = lambda frame: True
        self.changed = asyncio.Event()

    async def install(self, page: Page) -> "SocketTap":
        await page.route_web_socket(re.compile(r"/ws/$"), self.route)
        return self

    def route(self, page_side: WebSocketRoute) -> None:
        server_side = page_side.connect_to_server()
        index = len(self.sockets)
        self.sockets.append((page_side, server_side))
        self.changed.set()

        def from_page(message: str | bytes) -> None:
            frame = orjson.loads(message)
            self.sent.append((index, frame))
            self.changed.set()
            forwarded = self.to_server(frame)
            if forwarded is not None:
                server_side.send(orjson.dumps(forwarded).decode())

        def from_server(message: str | bytes) -> None:
            frame = orjson.loads(message)
            if self.to_page(frame):
                page_side.send(message)
            else:
                self.lost.append(frame)
            self.changed.set()

        page_side.on_message(from_page)
        server_side.on_message(from_server)

    async def until(self, predicate: Callable[[], bool], timeout: float = 10) -> None:
        """Wait until ``predicate()`` holds, checking after each frame."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

    def frames(self, frame_type: str, socket: int | None = None) -> list[dict]:
        return [
            frame
            for index, frame in self.sent
            if frame.get("type") == frame_type and socket in (None, index)
        ]

    async def close_from_server(self, code: int) -> None:
        """End the newest socket as Parley would: the page sees ``code``."""
        page_side, server_side = self.sockets[-1]
        await page_side.close(code=code, reason="closed by the test")
        await server_side.close()


def record_dialogs(page: Page) -> list[str]:
    opened: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        opened.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    return opened
