"""parley-client as a product: a page that uses the package alone (no
Parley template, no Parley page script) chats and resumes.

The page is ``clients/js/examples/plain.html`` (the README's plain example)
beside the committed bundle ``parley-client.js``, both served by Playwright
at a path of the Parley server's origin (the page signs in with the session
cookie there). The other person is a bot: ``parley.client`` with an API
token.
"""

from pathlib import Path

import pytest
from playwright.async_api import Browser, Route, expect

from parley.client import ParleyClient
from tests.support.browser import SocketTap, launch_chromium, new_context
from tests.support.servers import ParleyServer, User, create_token, take, unique

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[2]
LOCAL_NETWORK_OK = "--disable-features=LocalNetworkAccessChecks"
FILES = {
    "plain.html": (ROOT / "clients/js/examples/plain.html", "text/html"),
    "parley-client.js": (
        ROOT / "src/parley/static/parley/parley-client.js",
        "text/javascript",
    ),
}


async def serve_host_files(route: Route) -> None:
    name = route.request.url.split("?")[0].rsplit("/", 1)[-1]
    path, content_type = FILES[name]
    await route.fulfill(body=path.read_bytes(), content_type=content_type)


async def test_a_page_with_only_the_package_chats_and_resumes_after_a_drop(
    server: ParleyServer, alice: User, bob: User
):
    room = unique("host")
    # The page comes from Playwright, not from a loopback server, so
    # Chromium's Local Network Access would refuse its socket to one.
    async with launch_chromium(LOCAL_NETWORK_OK) as browser:
        await chat_and_resume(browser, server, room, alice, bob)


async def chat_and_resume(
    browser: Browser, server: ParleyServer, room: str, alice: User, bob: User
) -> None:
    context = await new_context(browser, server)
    await context.add_cookies(
        [
            {"name": name, "value": value, "url": server.base_url}
            for name, value in alice.cookies.items()
        ]
    )
    page = await context.new_page()
    await page.route("**/host/*", serve_host_files)
    tap = await SocketTap().install(page)
    await page.goto(f"/host/plain.html?room={room}")
    state = page.locator("#state")
    await expect(state).to_have_text("open")
    lines = page.locator("#messages li")

    async with ParleyClient(
        server.base_url, token=create_token(server, bob.username)
    ) as bot:
        await bot.subscribe(room)
        await bot.send(room, "hello from the bot")
        await expect(lines).to_have_text([f"{bob.username}: hello from the bot"])
        await page.fill("#text", "hi from the page")
        await page.press("#text", "Enter")
        _own, heard = await take(bot, 2)
        assert (heard.author, heard.text) == (alice.username, "hi from the page")
        await expect(lines).to_have_count(2)

        # The link goes dead (frames to the page are lost) while the bot
        # posts; then the server's side closes the socket (4000: resume).
        tap.to_page = lambda frame: False
        await bot.send(room, "said while you were away")
        await tap.until(lambda: any(f.get("type") == "message" for f in tap.lost))
        tap.to_page = lambda frame: True
        await tap.close_from_server(4000)

        await expect(lines).to_have_text(
            [
                f"{bob.username}: hello from the bot",
                f"{alice.username}: hi from the page",
                f"{bob.username}: said while you were away",
            ]
        )
        await expect(state).to_have_text("open")
        assert tap.frames("subscribe", socket=1)[0]["after"] == 2
    await context.close()
