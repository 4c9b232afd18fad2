"""Bots in real Chromium: a room's owner adds a webhook in the members
panel (its secret shown once), the webhook's answer appears in the room,
an unknown slash command is refused with the page's sentence, and the
webhook is removed."""

import re

import pytest
from playwright.async_api import Browser, expect

from tests.support.browser import open_room, say, sign_in, stored
from tests.support.servers import ParleyServer, unique
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory):
    running = WebhookReceiver(
        tmp_path_factory.mktemp("hook"), [(200, {"text": "on it"})]
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, receiver: WebhookReceiver):
    running = ParleyServer(
        tmp_path_factory.mktemp("bots-page"),
        env={
            "PARLEY_WEBHOOK_CA_FILE": str(receiver.ca_file),
            "PARLEY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1",
        },
    ).start()
    yield running
    running.stop()


async def test_the_owner_adds_a_webhook_that_answers_then_removes_it(
    browser: Browser, server: ParleyServer, receiver: WebhookReceiver
):
    room = unique("deploys")
    alice = await sign_in(browser, server, "alice")
    await open_room(alice, room)  # a new public room: Alice owns it
    section = alice.locator("#webhooks")
    await expect(section.locator("#webhook-list li.empty")).to_have_text(
        "No webhooks yet."
    )

    await section.locator("#webhook-url").fill("http://example.com/hook")
    await section.locator("#webhook-form button[type=submit]").click()
    await expect(section.locator("#webhook-result")).to_have_attribute(
        "data-state", "error"
    )

    await section.locator("#webhook-url").fill(receiver.url)
    await section.locator("#webhook-name").fill("Deploy bot")
    await section.locator("#webhook-form button[type=submit]").click()
    await expect(section.locator(".webhook-secret")).to_have_text(
        re.compile(r"^whsec_")
    )
    await expect(section.locator("#webhook-list .webhook-name")).to_have_text(
        ["Deploy bot"]
    )

    await say(alice, "deploy please")
    await expect(stored(alice)).to_have_count(2)
    await expect(stored(alice).last.locator(".text")).to_have_text("on it")
    await expect(stored(alice).last).to_contain_text("Deploy bot")

    await say(alice, "/nope")
    await expect(alice.get_by_text("There is no such command")).to_be_visible()

    await section.locator(".webhook-remove").click()
    await expect(section.locator("#webhook-list li.empty")).to_be_visible()
