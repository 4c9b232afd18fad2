"""A formatted message in Chromium: the server's sanitized HTML shown as
bold, code, a list, a quote and a link, the reader's mention highlighted,
the raw Markdown in the editor, under the strict policy with no violation
and no dialog."""

import re

import pytest
from playwright.async_api import Browser, expect

from tests.browser.test_security import watch_policy
from tests.support.browser import (
    open_room,
    record_dialogs,
    say,
    sign_in,
    sign_up,
    stored,
)
from tests.support.servers import ParleyServer, unique

pytestmark = pytest.mark.browser


async def test_a_formatted_message_shows_its_formatting_under_the_policy(
    browser: Browser, server: ParleyServer
):
    room = unique("fmt")
    alice = await sign_in(browser, server, "alice")
    bob = await sign_up(browser, server, "bob")
    violations = [await watch_policy(alice), await watch_policy(bob)]
    dialogs = [record_dialogs(alice), record_dialogs(bob)]
    me = await alice.locator(".who").text_content()
    await open_room(alice, room)
    await open_room(bob, room)
    text = (
        f"**bold** and `code` for @{me}\n"
        "> quoted\n\n"
        "- one\n- two\n\n"
        "[site](https://example.com) <img src=x onerror=alert(1)>"
    )
    await say(bob, text)
    message = stored(alice).last
    body = message.locator(".text")
    await expect(body.locator("strong")).to_have_text("bold")
    await expect(body.locator("p > code")).to_have_text("code")
    await expect(body.locator("blockquote")).to_have_text("quoted")
    await expect(body.locator("ul > li")).to_have_text(["one", "two"])
    link = body.locator("a")
    await expect(link).to_have_text("site")
    await expect(link).to_have_attribute("href", "https://example.com")
    await expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    await expect(link).to_have_attribute("target", "_blank")
    await expect(body.locator(".mention.me")).to_have_text(f"@{me}")
    await expect(message).to_have_class(re.compile(r"\bmentions-me\b"))
    await expect(body.locator("img")).to_have_count(0)
    await expect(body).to_contain_text("<img src=x onerror=alert(1)>")
    code_background = await body.locator("p > code").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert code_background != "rgba(0, 0, 0, 0)"  # the stylesheet styles it

    # The editor starts from the Markdown; the edit is rendered again.
    await bob.locator("#message-input").press("ArrowUp")
    editor = stored(bob).last.locator(".editor textarea")
    await expect(editor).to_have_value(text)
    await editor.fill("~~struck~~ *now*")
    await editor.press("Enter")
    await expect(body.locator("s")).to_have_text("struck")
    await expect(body.locator("em")).to_have_text("now")
    await alice.reload()
    await expect(stored(alice).last.locator(".text s")).to_have_text("struck")
    assert violations == [[], []]
    assert dialogs == [[], []]
