"""The notification settings page in Chromium: the service worker registers
from /sw.js under the server's Content-Security-Policy, the browser's
permission is asked only after a click, and the choices save and take
effect."""

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.test_security import watch_policy
from tests.support.browser import open_room, say, sign_up
from tests.support.servers import ParleyServer, unique

pytestmark = pytest.mark.browser

# Counts the page's calls of Notification.requestPermission.
COUNT_PERMISSION_ASKS = """
window.permissionAsks = 0;
const ask = Notification.requestPermission.bind(Notification);
Notification.requestPermission = (...args) => {
  window.permissionAsks += 1;
  return ask(...args);
};
"""


async def settings_page(page: Page) -> None:
    await page.goto("/settings/notifications/")
    # push.js ran its start: the push status says where things stand.
    await expect(page.locator("#push-status")).not_to_have_text("")


async def test_the_service_worker_registers_under_the_policy(
    browser: Browser, server: ParleyServer
):
    page = await sign_up(browser, server, "sw")
    violations = await watch_policy(page)
    await settings_page(page)
    scope = await page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.ready;
            return [registration.scope, registration.active.scriptURL];
        }"""
    )
    assert scope == [server.base_url + "/", server.base_url + "/sw.js"]
    assert violations == []


async def test_permission_is_asked_only_after_a_click(
    browser: Browser, server: ParleyServer
):
    page = await sign_up(browser, server, "perm")
    await page.add_init_script(COUNT_PERMISSION_ASKS)
    await settings_page(page)
    await page.goto("/")
    await settings_page(page)
    assert await page.evaluate("window.permissionAsks") == 0
    await page.click("#push-enable")
    await expect(page.locator("#push-status")).not_to_have_text(
        "Push notifications are off in this browser."
    )
    assert await page.evaluate("window.permissionAsks") == 1


async def test_preferences_save_and_take_effect(browser: Browser, server: ParleyServer):
    """Bob mutes one room and turns direct e-mail off; the page shows it
    after a reload, and a mention in the muted room reaches nobody while
    one in another room does."""
    bob = await sign_up(browser, server, "bob")
    bob_name = await bob.locator(".who").inner_text()
    quiet, loud = unique("quiet"), unique("loud")
    for room in (quiet, loud):
        await open_room(bob, room)
    await settings_page(bob)
    await bob.check(f'input[data-room="{quiet}"]')
    await bob.uncheck('tr[data-kind="direct"] input[data-channel="email"]')
    await bob.click("#notification-settings button[type=submit]")
    await expect(bob.locator("#settings-status")).to_have_text("Saved.")
    await bob.reload()
    await expect(bob.locator(f'input[data-room="{quiet}"]')).to_be_checked()
    await expect(bob.locator(f'input[data-room="{loud}"]')).not_to_be_checked()
    await expect(
        bob.locator('tr[data-kind="direct"] input[data-channel="email"]')
    ).not_to_be_checked()
    await expect(
        bob.locator('tr[data-kind="direct"] input[data-channel="push"]')
    ).to_be_checked()

    alice = await sign_up(browser, server, "alice")
    await open_room(alice, quiet)
    await say(alice, f"@{bob_name} in the quiet room")
    await open_room(alice, loud)
    await say(alice, f"@{bob_name} in the loud room")
    await bob.goto("/")
    await expect(bob.locator("#bell-count")).to_have_text("1")
    answer = await bob.request.get("/api/notifications")
    titles = [n["title"] for n in (await answer.json())["notifications"]]
    assert titles == [
        f"{await alice.locator('.who').inner_text()} mentioned you in {loud}"
    ]
