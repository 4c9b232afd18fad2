"""``make screenshots``: every page of Parley at 1280x800 and 390x844 (the
room page also dark, and with its drawers open on the phone), written as
PNGs to ``docs/screenshots/`` for the README.

Run as ``python -m tests.support.screenshots [folder]``. It starts its own
``parley serve`` on a throwaway folder, signs people up through the real
pages and fills a room over the HTTP API, then drives Chromium.
"""

import asyncio
import io
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.async_api import Browser, Page

from tests.support.browser import launch_chromium
from tests.support.servers import PASSWORD, ParleyServer, User

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
ROOM = "general"
CONVERSATION = [
    ("ann", "Morning! Is the release still on for Thursday?"),
    ("boris", "Yes, the last two fixes went in last night."),
    ("chen", "I'll write the **release notes** today. Anything I should mention?"),
    ("ann", "The new settings page, and that avatars are `re-encoded` now."),
    ("boris", "And the dark theme, finally."),
    ("ann", "Perfect, thanks both."),
]
# Which messages (by index above) answer which, and the reactions on them.
REPLIES = {3: 2}
REACTIONS = [(5, "boris", "🎉"), (5, "chen", "🎉"), (1, "chen", "👍")]


def avatar_png(colour: tuple[int, int, int]) -> bytes:
    """A small picture to upload as an avatar: two colour bands."""
    image = Image.new("RGB", (96, 96), colour)
    image.paste((255, 255, 255), (0, 60, 96, 96))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def populate(server: ParleyServer) -> dict[str, User]:
    """Three people with display names (one with an avatar), a room with a
    conversation, a second room and a direct conversation."""
    people = {name: User.sign_up(server, name) for name in ("ann", "boris", "chen")}
    names = {"ann": "Ann Lee", "boris": "Борис Петров", "chen": ""}
    for name, user in people.items():
        with user.http() as http:
            http.get("/settings/")
            files = (
                {"avatar": ("me.png", avatar_png((53, 83, 214)), "image/png")}
                if name == "ann"
                else None
            )
            answer = http.post(
                "/settings/",
                data={
                    "display_name": names[name],
                    "csrfmiddlewaretoken": http.cookies["csrftoken"],
                },
                files=files,
                headers={"Referer": server.base_url + "/settings/"},
            )
            assert answer.status_code == 302, answer.text[-2000:]
    with people["ann"].http() as http:
        http.post("/api/rooms", json={"title": "Design"}).raise_for_status()
        http.post("/api/rooms", json={"title": ROOM}).raise_for_status()
        http.post("/api/direct/boris").raise_for_status()
    ids: list[int] = []
    for index, (name, text) in enumerate(CONVERSATION):
        body: dict = {"text": text}
        if index in REPLIES:
            body["reply_to"] = ids[REPLIES[index]]
        with people[name].http() as http:
            answer = http.post(f"/api/rooms/{ROOM}/messages", json=body)
            ids.append(answer.json()["id"])
    for name in ("boris", "chen"):  # reading in a public room makes a member
        with people[name].http() as http:
            http.post(f"/api/rooms/{ROOM}/read", json={"seq": len(ids)})
    for index, name, emoji in REACTIONS:
        with people[name].http() as http:
            http.post(f"/api/messages/{ids[index]}/reactions", json={"emoji": emoji})
    with people["boris"].http() as http:
        upload = http.post(
            f"/api/rooms/{ROOM}/attachments",
            files={"file": ("settings.png", avatar_png((20, 140, 110)), "image/png")},
        ).json()
        http.post(
            f"/api/rooms/{ROOM}/messages",
            json={
                "text": "The settings page, as it ships:",
                "attachments": [upload["id"]],
            },
        )
    with people["ann"].http() as http:
        http.post(
            f"/api/rooms/{ROOM}/topic", json={"topic": "Release planning: Thursday"}
        )
        http.post(f"/api/messages/{ids[1]}/pin")
    with people["boris"].http() as http:
        http.post("/api/rooms/design/messages", json={"text": "New mockups are up"})
        direct = http.post("/api/direct/ann").json()["slug"]
        http.post(f"/api/rooms/{direct}/messages", json={"text": "Lunch at 1?"})
    return people


async def signed_in_page(
    browser: Browser, server: ParleyServer, size: tuple[int, int], language: str
) -> Page:
    context = await browser.new_context(
        base_url=server.base_url,
        viewport={"width": size[0], "height": size[1]},
        locale=language,
        color_scheme="light",
    )
    page = await context.new_page()
    await page.goto("/accounts/login/")
    await page.fill("#id_username", "ann")
    await page.fill("#id_password", PASSWORD)
    await page.click("form.stacked button[type=submit]")
    await page.wait_for_url(server.base_url + "/")
    return page


async def shoot(page: Page, folder: Path, name: str) -> None:
    await page.wait_for_timeout(300)  # let the socket's first frames render
    await page.screenshot(path=str(folder / f"{name}.png"))
    print(folder / f"{name}.png")


async def moderation_menu(page: Page, folder: Path, size_name: str) -> None:
    """The owner's actions on a member, open in the members panel."""
    await page.click('li[data-user="boris"] [aria-haspopup=menu]')
    await shoot(page, folder, f"room-moderation-{size_name}")
    await page.keyboard.press("Escape")


async def pages_at(
    browser: Browser, server: ParleyServer, folder: Path, size_name: str
) -> None:
    size = SIZES[size_name]
    visitor = await (
        await browser.new_context(
            base_url=server.base_url,
            viewport={"width": size[0], "height": size[1]},
            locale="en-US",
        )
    ).new_page()
    for path, name in [
        ("/accounts/login/", "sign-in"),
        ("/accounts/signup/", "sign-up"),
        (f"/chat/{ROOM}/", "visitor"),
    ]:
        await visitor.goto(path)
        await shoot(visitor, folder, f"{name}-{size_name}")
    await visitor.context.close()

    page = await signed_in_page(browser, server, size, "en-US")
    await shoot(page, folder, f"rooms-{size_name}")
    await page.goto(f"/chat/{ROOM}/")
    await page.wait_for_selector("#connection[data-state=open]")
    await shoot(page, folder, f"room-{size_name}")
    if size_name == "phone":
        await page.click("#open-sidebar")
        await shoot(page, folder, f"room-sidebar-{size_name}")
        await page.keyboard.press("Escape")
        await page.click("#open-members")
        await shoot(page, folder, f"room-members-{size_name}")
        await moderation_menu(page, folder, size_name)
        await page.keyboard.press("Escape")
    if size_name == "desktop":
        await moderation_menu(page, folder, size_name)
        await page.click("#user-button")
        await shoot(page, folder, f"room-menu-{size_name}")
        await page.keyboard.press("Escape")
    await page.click("#bell")
    await shoot(page, folder, f"room-bell-{size_name}")
    await page.click("#bell")
    await page.mouse.move(size[0] / 2, size[1] / 2)  # no hover left on a control
    await page.emulate_media(color_scheme="dark")
    await shoot(page, folder, f"room-dark-{size_name}")
    await page.emulate_media(color_scheme="light")
    for path, name in [
        ("/settings/", "settings"),
        ("/settings/tokens/", "tokens"),
        ("/settings/notifications/", "notifications"),
    ]:
        await page.goto(path)
        await shoot(page, folder, f"{name}-{size_name}")
    await page.context.close()

    russian = await signed_in_page(browser, server, size, "ru-RU")
    await russian.goto(f"/chat/{ROOM}/")
    await russian.wait_for_selector("#connection[data-state=open]")
    await shoot(russian, folder, f"room-ru-{size_name}")
    await russian.context.close()


async def main(folder: Path) -> None:
    with tempfile.TemporaryDirectory() as data:
        server = ParleyServer(Path(data), env={"PARLEY_GUEST_ACCESS": "1"}).start()
        try:
            populate(server)
            async with launch_chromium() as browser:
                for size_name in SIZES:
                    await pages_at(browser, server, folder, size_name)
        finally:
            server.stop()


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    target.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(target))
