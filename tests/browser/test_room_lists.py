"""The user's rooms and notifications a page at a time, in real Chromium:
the sidebar's "Show more" appends the next page of one's rooms, whose
badges then count live; the bell's "Show more" lists older notifications.
"""

import pytest
from playwright.async_api import Browser, expect

from tests.support.browser import new_context
from tests.support.servers import ParleyServer, User, unique

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def small_pages(tmp_path_factory: pytest.TempPathFactory):
    """A Parley whose lists come two at a time."""
    parley = ParleyServer(
        tmp_path_factory.mktemp("parley-pages"),
        env={
            "PARLEY_ROOMS_PAGE_DEFAULT": "2",
            "PARLEY_NOTIFICATIONS_PAGE_DEFAULT": "2",
        },
    ).start()
    yield parley
    parley.stop()


async def test_show_more_lists_the_next_rooms_and_older_notifications(
    browser: Browser, small_pages: ParleyServer
):
    ann = User.sign_up(small_pages, unique("ann"))
    ben = User.sign_up(small_pages, unique("ben"))
    prefix = unique("den")
    with ann.http() as http:
        for name in "abc":
            body = {"title": f"{prefix} {name}"}
            http.post("/api/rooms", json=body).raise_for_status()
    slugs = [f"{prefix}-{name}" for name in "abc"]
    with ben.http() as http:
        for n in range(3):
            body = {"text": f"@{ann.username} look {n}"}
            http.post(f"/api/rooms/{slugs[0]}/messages", json=body).raise_for_status()
        said = {"text": "in the last room"}
        http.post(f"/api/rooms/{slugs[2]}/messages", json=said).raise_for_status()

    context = await new_context(browser, small_pages)
    await context.add_cookies(
        [
            {"name": name, "value": value, "url": small_pages.base_url}
            for name, value in ann.cookies.items()
        ]
    )
    page = await context.new_page()
    await page.goto("/settings/")
    mine = page.locator("#my-rooms li[data-room]")
    await expect(mine).to_have_count(2)
    await page.click("[data-more-rooms='my-rooms']")
    await expect(mine).to_have_count(3)
    await expect(page.locator("[data-more-rooms='my-rooms']")).to_have_count(0)
    last = page.locator(f"#my-rooms li[data-room='{slugs[2]}']")
    await expect(last.locator(".badge")).to_have_text("1")
    with ben.http() as http:
        said = {"text": "and again"}
        http.post(f"/api/rooms/{slugs[2]}/messages", json=said).raise_for_status()
    await expect(last.locator(".badge")).to_have_text("2")

    await page.click("#bell")
    listed = page.locator("#notification-list li.notification")
    await expect(listed).to_have_count(2)
    await page.click("#notifications-more")
    await expect(listed).to_have_count(3)
    await expect(page.locator("#notifications-more")).to_be_hidden()
    await expect(page.locator("#bell-count")).to_have_text("3")
    await context.close()
