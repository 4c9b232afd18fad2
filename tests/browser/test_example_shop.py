"""``examples/shop`` as a new user runs it: Parley installed from a built
wheel (not this source tree) into a fresh virtual environment, the shop
served by Uvicorn with the embedded defaults (in-memory channel layer, no
Redis), and driven in Chromium: the customer chats about an order with the
staff, and the order's notification reaches the customer's open page when
the staff ships it in the Django admin."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.support.servers import free_port, wait_for_port

# Building a wheel and installing it with its dependencies into a new venv
# takes a minute or two (PyICU builds from source unless pip has it cached).
pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "shop"
PASSWORD = "a long example password 7"


def run(*args: str | Path, cwd: Path | None = None, env: dict | None = None) -> str:
    """Run a command to completion; its output, or a failure that shows it."""
    done = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode:
        pytest.fail(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Iterator[str]:
    """The example shop served from a fresh venv with Parley's wheel; yields
    its base URL."""
    folder = tmp_path_factory.mktemp("shop")
    run(
        sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
        "--wheel-dir", folder / "dist", ROOT,
    )  # fmt: skip
    wheel = next((folder / "dist").glob("parley-*.whl"))
    venv = folder / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", wheel)
    project = folder / "shop"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("db.sqlite3"))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PARLEY_", "PYTHON", "VIRTUAL_ENV"))
    }
    env["SHOP_DATABASE"] = str(folder / "shop.sqlite3")
    installed = run(
        python, "-c", "import parley; print(parley.__file__)", cwd=project, env=env
    )
    assert installed.startswith(str(venv)), installed
    run(python, "manage.py", "migrate", "--verbosity", "0", cwd=project, env=env)
    run(python, "manage.py", "demo", "--password", PASSWORD, cwd=project, env=env)
    port = free_port()
    log = (folder / "uvicorn.log").open("w")
    server = subprocess.Popen(
        [python, "-m", "uvicorn", "shop.asgi:application", "--host", "127.0.0.1",
         "--port", str(port)],
        cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_port(port, server, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


async def signed_in(browser: Browser, shop: str, username: str, then: str) -> Page:
    context = await browser.new_context(base_url=shop, locale="en-US")
    context.set_default_timeout(15_000)
    page = await context.new_page()
    await page.goto(f"/accounts/login/?next={then}")
    await page.fill("#id_username", username)
    await page.fill("#id_password", PASSWORD)
    await page.click("form.stacked button[type=submit]")
    await expect(page).to_have_url(shop + then)
    return page


async def in_room(page: Page) -> None:
    await expect(page.locator("#connection")).to_have_attribute("data-state", "open")


async def test_the_shop_chats_and_notifies_from_a_wheel(browser: Browser, shop: str):
    alice = await signed_in(browser, shop, "alice", "/orders/42/")
    await alice.get_by_role("link", name="Chat with us about this order").click()
    await in_room(alice)
    staff = await signed_in(browser, shop, "staff", "/orders/42/")
    await staff.get_by_role("link", name="Chat with us about this order").click()
    await in_room(staff)
    # The shop's policy (shop/chat.py): the order's room, and staff shown
    # as the shop.
    await expect(staff).to_have_url(alice.url)

    await alice.locator("#message-input").fill("Where is my parcel?")
    await alice.locator("#message-input").press("Enter")
    await expect(staff.locator(".message .text")).to_have_text(["Where is my parcel?"])
    await staff.locator("#message-input").fill("On its way today.")
    await staff.locator("#message-input").press("Enter")
    await expect(alice.locator(".message .text").last).to_have_text("On its way today.")
    await expect(alice.locator(".message").last).to_contain_text("staff (shop)")

    # The shop's slash command answers in the room (examples/shop/orders/chat.py).
    await alice.locator("#message-input").fill("/order 42")
    await alice.locator("#message-input").press("Enter")
    await expect(staff.locator(".message .text").last).to_have_text(
        "Order #42 is placed."
    )

    await staff.goto("/admin/orders/order/")
    await staff.locator("select[name$='-status']").select_option("shipped")
    await staff.get_by_role("button", name="Save").click()
    await expect(staff.locator(".messagelist")).to_contain_text("successfully")

    await expect(alice.locator("#bell-count")).to_have_text("2")
    await alice.locator("#bell").click()
    await expect(
        alice.locator("#notification-list .notification").first
    ).to_contain_text("Order #42 is shipped")
