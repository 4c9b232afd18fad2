"""The ``browser`` fixture: a headless Chromium per test."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser

from tests.support.browser import launch_chromium


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with launch_chromium() as chromium:
        yield chromium
