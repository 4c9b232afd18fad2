"""Hostile input and ended sessions, as Chromium sees the pages.

The server's own Content-Security-Policy is enforced by the browser and the
pages break none of it (their socket included: CSP Level 3's ``'self'``
covers ``ws:`` of the page's host); a message that looks like a script URL
or markup stays text; and a tab whose session was signed out in another
tab goes to the sign-in page instead of reconnecting.
"""

from urllib.parse import quote

import pytest
from playwright.async_api import Browser, Page, expect

from parley.conf import DEFAULTS
from tests.support.browser import (
    open_room,
    record_dialogs,
    say,
    sign_in,
    sign_up,
    stored,
    texts,
)
from tests.support.servers import ParleyServer, unique

pytestmark = pytest.mark.browser

# Reported by each page into the console, where the test collects them.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    "CSP violation: " + event.violatedDirective + " " + event.blockedURI
  );
});
"""


async def watch_policy(page: Page) -> list[str]:
    """Collect, for ``page``, every CSP violation event and every console
    message in which Chromium reports a refusal by the policy."""
    await page.add_init_script(REPORT_VIOLATIONS)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "CSP violation" in message.text
            or "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


async def test_the_pages_keep_the_servers_policy_without_a_violation(
    browser: Browser, server: ParleyServer
):
    """Sign in, talk in a room over the socket, open the bell, visit the
    tokens and password pages: the policy is on every page and nothing
    breaks it."""
    room = unique("csp")
    alice = await sign_in(browser, server, "alice")
    violations = await watch_policy(alice)
    bob = await sign_up(browser, server, "bob")
    bob_violations = await watch_policy(bob)
    response = await alice.goto("/")
    assert (
        await response.header_value("content-security-policy")
        == DEFAULTS["CONTENT_SECURITY_POLICY"]
    )
    await expect(alice.locator("#bell")).to_have_attribute(
        "aria-label", "Notifications: 0 unread"
    )
    await open_room(alice, room)
    await open_room(bob, room)
    await say(bob, "<script>alert(1)</script>")
    await expect(texts(alice)).to_have_text(["<script>alert(1)</script>"])
    await say(alice, "hi")
    await expect(texts(bob)).to_have_text(["<script>alert(1)</script>", "hi"])
    await alice.locator("#bell").click()
    await expect(alice.locator("#notifications")).to_be_visible()
    for path in ("/settings/tokens/", "/accounts/password_change/", "/api/docs"):
        response = await alice.goto(path)
        assert await response.header_value("content-security-policy"), path
    await expect(alice.locator("#swagger-ui")).not_to_be_empty()
    assert violations == [] and bob_violations == []


async def test_script_urls_and_markup_in_messages_stay_text(
    browser: Browser, server: ParleyServer
):
    """Nothing in a message becomes an image, a handler or a script link:
    what was typed is shown, literally, live and after a reload, and no
    dialog opens. Only the http(s) URL is a link (to exactly its text, for a
    new tab, with rel "noopener noreferrer nofollow")."""
    room = unique("links")
    payloads = [
        "javascript:alert(1)",
        "<img src=x onerror=alert(2)>",
        "<a href=javascript:alert(3)>click</a>",
        "https://example.com/?q=<b>",
    ]
    alice = await sign_in(browser, server, "alice")
    bob = await sign_up(browser, server, "bob")
    dialogs = [record_dialogs(alice), record_dialogs(bob)]
    await open_room(alice, room)
    await open_room(bob, room)
    for payload in payloads:
        await say(alice, payload)
    await expect(texts(bob)).to_have_text(payloads)
    await bob.reload()
    for page in (alice, bob):
        await expect(stored(page).locator(".text")).to_have_text(payloads)
        shown = (
            await stored(page)
            .locator(".text")
            .evaluate_all("els => els.map(el => el.textContent)")
        )
        assert shown == payloads
        for element in ("img", "b"):
            await expect(page.locator(f"#messages .text {element}")).to_have_count(0)
        link = page.locator("#messages .text a")
        await expect(link).to_have_count(1)
        await expect(link).to_have_attribute("href", "https://example.com/?q=")
        await expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
        await expect(link).to_have_attribute("target", "_blank")
    await stored(bob).locator(".text").first.click()
    assert dialogs == [[], []]


async def test_signing_out_in_one_tab_sends_the_other_tab_to_sign_in(
    browser: Browser, server: ParleyServer
):
    """The other tab's socket is closed with 4001 at once: its room page goes
    to the sign-in page (and back to the room afterwards), without waiting
    for a reconnect to fail."""
    room = unique("two-tabs")
    alice = await sign_in(browser, server, "alice")
    await open_room(alice, room)
    other_tab = await alice.context.new_page()
    await other_tab.goto("/")
    await other_tab.locator("#user-button").click()  # the user menu
    await other_tab.get_by_role("button", name="Sign out").click()
    await expect(other_tab.locator(".who")).to_have_count(0)
    next_url = quote(f"/chat/{room}/", safe="")
    await expect(alice).to_have_url(
        f"{server.base_url}/accounts/login/?next={next_url}"
    )
