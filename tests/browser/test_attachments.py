"""Attachments in real Chromium: an image pasted into the message box is
uploaded (a chip with its progress, removable), sent with the message, and
shown as a thumbnail that opens the full image; a file shown as a download
link with its name and size, gone when its message is deleted."""

import base64

import pytest
from playwright.async_api import Browser, expect

from tests.support.browser import open_room, sign_up, stored
from tests.support.images import picture
from tests.support.servers import ParleyServer, unique

pytestmark = pytest.mark.browser

# A ClipboardEvent carrying a PNG, as pressing Ctrl+V after a screenshot
# dispatches it.
PASTE_SCRIPT = """
([b64, name]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, { type: "image/png" }));
  const box = document.getElementById("message-input");
  box.dispatchEvent(new ClipboardEvent("paste", {
    clipboardData: data, bubbles: true, cancelable: true }));
}
"""


async def test_a_pasted_image_is_sent_and_shown_as_a_thumbnail(
    browser: Browser, server: ParleyServer
):
    page = await sign_up(browser, server, "paster")
    await open_room(page, unique("pics"))
    png = base64.b64encode(picture((640, 480))).decode()
    await page.evaluate(PASTE_SCRIPT, [png, "screenshot.png"])
    # A second file, removed before sending.
    await page.evaluate(PASTE_SCRIPT, [png, "unwanted.png"])
    tray = page.locator("#attachment-tray")
    await expect(tray.locator(".chip.done")).to_have_count(2)
    await tray.get_by_role("button", name="Remove ⁨unwanted.png⁩").click()
    await expect(tray.locator(".chip")).to_have_count(1)
    # And one chosen with the attach button.
    async with page.expect_file_chooser() as chooser:
        await page.get_by_role("button", name="Attach files").click()
    await (await chooser.value).set_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"x" * 2048}]
    )
    await expect(tray.locator(".chip.done")).to_have_count(2)
    box = page.locator("#message-input")
    await box.fill("look")
    await box.press("Enter")
    await expect(tray).to_be_hidden()

    message = stored(page).last
    thumb = message.locator(".files .image img")
    await expect(thumb).to_have_attribute("alt", "screenshot.png")
    await expect(thumb).to_have_js_property("complete", True)
    assert await thumb.evaluate("img => img.naturalWidth") == 320
    link = message.locator(".files .image a")
    full = await page.request.get(await link.get_attribute("href"))
    assert full.headers["content-type"] == "image/png"
    download = message.locator(".files .file:not(.image) a")
    await expect(download).to_contain_text("notes.txt")
    await expect(download.locator(".file-size")).to_have_text("2 kB")

    # Deleting the message hides its files.
    await message.hover()
    await message.locator("button.delete").click()
    await message.locator("button.confirm-delete").click()
    await expect(message.locator(".files")).to_have_count(0)
