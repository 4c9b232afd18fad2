"""The shell of the pages in real Chromium, at 1280x800 and on a 390x844
phone, in English and Russian: the header, the bell and the drawers stay
inside the viewport; the sidebar lists a room as soon as one posts there;
the profile page; and axe-core on every page (no serious or critical
violation).

axe-core comes from ``clients/js/node_modules`` (a devDependency of
clients/js, ``make js`` installs it); Playwright adds it to each page
before the page's own scripts, so the pages' CSP is left as it is.
"""

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import Browser, Page, expect

from tests.support.browser import say
from tests.support.servers import PASSWORD, ParleyServer, User, unique

pytestmark = pytest.mark.browser

AXE = Path(__file__).parents[2] / "clients/js/node_modules/axe-core/axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
LOCALES = {"en": "en-US", "ru": "ru-RU"}


@pytest.fixture(scope="module")
def guest_server(tmp_path_factory: pytest.TempPathFactory):
    """A Parley with guest access on: it has every page there is."""
    parley = ParleyServer(
        tmp_path_factory.mktemp("parley-shell"), env={"PARLEY_GUEST_ACCESS": "1"}
    ).start()
    yield parley
    parley.stop()


async def new_page(
    browser: Browser, server: ParleyServer, viewport: dict, locale: str = "en-US"
) -> Page:
    # Reduced motion: the drawers open without sliding (parley.css), so a
    # box is measured where it ends up.
    context = await browser.new_context(
        base_url=server.base_url,
        viewport=viewport,
        locale=locale,
        reduced_motion="reduce",
    )
    context.set_default_timeout(10_000)
    if AXE.exists():
        await context.add_init_script(path=str(AXE))
    page = await context.new_page()
    # Every URL the page asked for that answered 404 (the favicon, icons...).
    page.missing = []
    page.on(
        "response",
        lambda response: response.status == 404 and page.missing.append(response.url),
    )
    return page


async def signed_up(
    browser: Browser, server: ParleyServer, viewport: dict, locale: str = "en-US"
) -> tuple[Page, str]:
    """A new account, signed up through the real page at ``viewport``."""
    username = unique("shell")
    page = await new_page(browser, server, viewport, locale)
    await page.goto("/accounts/signup/")
    await page.fill("#id_username", username)
    await page.fill("#id_password1", PASSWORD)
    await page.fill("#id_password2", PASSWORD)
    await page.click("form.stacked button[type=submit]")
    await expect(page).to_have_url(server.base_url + "/")
    return page, username


async def box_inside_viewport(page: Page, selector: str) -> None:
    """``selector``'s box is shown and lies wholly inside the viewport."""
    element = page.locator(selector)
    await expect(element).to_be_visible()
    box = await element.bounding_box()
    size = page.viewport_size
    assert box is not None, selector
    assert box["x"] >= 0 and box["y"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= size["width"] + 0.5, (selector, box)
    assert box["y"] + box["height"] <= size["height"] + 0.5, (selector, box)


async def no_horizontal_overflow(page: Page) -> None:
    widths = await page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert widths[0] <= widths[1], widths


async def header_fits_on_one_line(page: Page) -> None:
    """No control of the header is cut off or wraps: each lies inside the
    header, and the header's content does not overflow it."""
    fits = await page.evaluate(
        """() => {
          const top = document.querySelector('.top');
          const head = top.getBoundingClientRect();
          const parts = [...top.querySelectorAll('button, h1, .head-sub')]
            .filter(el => el.getClientRects().length);
          return {
            overflow: top.scrollWidth - top.clientWidth,
            outside: parts.filter(el => {
              const r = el.getBoundingClientRect();
              return r.left < head.left || r.right > head.right + 0.5
                || r.top < head.top || r.bottom > head.bottom + 0.5;
            }).map(el => el.id || el.tagName),
            wrapped: [...top.querySelectorAll('h1, .head-sub')]
              .filter(el => el.scrollHeight > el.clientHeight + 1).length,
          };
        }"""
    )
    assert fits == {"overflow": 0, "outside": [], "wrapped": 0}, fits


@pytest.mark.parametrize("language", sorted(LOCALES))
async def test_on_a_phone_the_header_bell_and_drawers_fit_the_screen(
    browser: Browser, server: ParleyServer, language: str
):
    page, _username = await signed_up(browser, server, PHONE, LOCALES[language])
    room = unique("телефон" if language == "ru" else "phone")
    await page.goto(f"/chat/{room}/")
    await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    await no_horizontal_overflow(page)
    await header_fits_on_one_line(page)
    # What a conversation needs is on the first screen.
    for selector in (
        ".top",
        "#messages",
        "#message-input",
        "#composer button[type=submit]",
    ):
        await box_inside_viewport(page, selector)
    # The sidebar and the members panel are drawers, closed at first.
    await expect(page.locator("#sidebar")).to_be_hidden()
    await expect(page.locator("#members")).to_be_hidden()

    await page.locator("#bell").click()
    await box_inside_viewport(page, "#notifications")
    await page.keyboard.press("Escape")
    await expect(page.locator("#notifications")).to_be_hidden()

    await page.locator("#open-sidebar").click()
    await expect(page.locator("#open-sidebar")).to_have_attribute(
        "aria-expanded", "true"
    )
    await box_inside_viewport(page, "#sidebar")
    await box_inside_viewport(page, f"#my-rooms li[data-room='{room}']")
    await box_inside_viewport(page, "#user-button")
    await page.keyboard.press("Escape")
    await expect(page.locator("#sidebar")).to_be_hidden()
    await expect(page.locator("#open-sidebar")).to_be_focused()

    await page.locator("#open-members").click()
    await box_inside_viewport(page, "#members")
    await expect(page.locator("#online li")).to_have_count(1)
    await page.locator("#members .close-drawer").click()
    await expect(page.locator("#members")).to_be_hidden()
    await no_horizontal_overflow(page)


@pytest.mark.parametrize("language", sorted(LOCALES))
async def test_on_a_desktop_the_sidebar_and_members_panel_stay_open(
    browser: Browser, server: ParleyServer, language: str
):
    page, username = await signed_up(browser, server, DESKTOP, LOCALES[language])
    room = unique("desk")
    await page.goto(f"/chat/{room}/")
    await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    for selector in ("#sidebar", "#members", "#bell", "#user-button", "#message-input"):
        await box_inside_viewport(page, selector)
    await expect(page.locator("#open-sidebar")).to_be_hidden()
    await expect(page.locator("#online li .name")).to_have_text(username)
    await expect(page.locator("#online-count")).to_have_text(
        "1 в сети" if language == "ru" else "1 online"
    )
    await header_fits_on_one_line(page)
    await page.locator("#bell").click()
    await box_inside_viewport(page, "#notifications")


async def test_the_sidebar_lists_a_room_right_after_the_first_post(
    browser: Browser, server: ParleyServer, alice: User
):
    room = unique("first-post")
    with alice.http() as http:
        http.post("/api/rooms", json={"title": room}).raise_for_status()
    page, _username = await signed_up(browser, server, DESKTOP)
    await page.goto(f"/chat/{room}/")
    await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    entry = page.locator(f"#my-rooms li[data-room='{room}']")
    await expect(entry).to_have_count(0)
    await say(page, "my first words here")
    await expect(entry).to_have_count(1)
    await expect(entry).to_have_attribute("aria-current", "page")
    await expect(entry.locator("a")).to_have_text(room)
    await expect(page.locator("#my-rooms .empty")).to_have_count(0)
    # Posting again lists it once.
    await say(page, "and more")
    await expect(page.locator("#messages [data-seq]")).to_have_count(2)
    await expect(entry).to_have_count(1)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (220, 40, 90)).save(out, "PNG")
    return out.getvalue()


async def test_a_display_name_and_avatar_set_on_the_settings_page(
    browser: Browser, server: ParleyServer, tmp_path: Path
):
    page, username = await signed_up(browser, server, DESKTOP)
    await page.wait_for_load_state()  # the page's scripts have run
    await page.locator("#user-button").click()
    await page.locator("#user-menu a[href='/settings/']").click()
    await expect(page).to_have_url(server.base_url + "/settings/")

    wrong = tmp_path / "notes.png"
    wrong.write_bytes(b"this is text, not a picture")
    await page.get_by_label("Display name").fill("Zoë Q")
    await page.get_by_label("Avatar").set_input_files(str(wrong))
    await page.locator("#profile button[type=submit]").click()
    await expect(page.locator("#profile .errorlist")).to_contain_text("formats")
    await expect(page.locator(".who")).to_have_text(username)

    right = tmp_path / "me.png"
    right.write_bytes(png_bytes())
    await page.get_by_label("Avatar").set_input_files(str(right))
    await page.locator("#profile button[type=submit]").click()
    await expect(page.locator(".notice.ok")).to_be_visible()
    await expect(page.locator(".who")).to_have_text("Zoë Q")
    avatar = page.locator("#user-button img.avatar")
    await expect(avatar).to_have_count(1)
    src = await avatar.get_attribute("src")
    served = await page.request.get(src)
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    body = await served.body()
    assert Image.open(io.BytesIO(body)).size == (128, 128)
    assert body != right.read_bytes()

    # Others see the name in the online list and in the messages' shape.
    room = unique("named")
    await page.goto(f"/chat/{room}/")
    await expect(page.locator("#online li .name")).to_have_text("Zoë Q")
    await say(page, "hello")
    history = await page.evaluate(
        "url => fetch(url).then(r => r.json())", f"/api/rooms/{room}/messages"
    )
    assert history["messages"][0]["author_name"] == "Zoë Q"
    assert history["messages"][0]["author_avatar"] == src


# axe-core on every page ----------------------------------------------------

SERIOUS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(' | '));
}"""


async def serious_violations(page: Page) -> list[str]:
    await page.wait_for_load_state("load")
    return await page.evaluate(SERIOUS)


# In CI (CI=true) a missing axe-core is a failure, not a skip.
@pytest.mark.skipif(
    not AXE.exists() and not os.environ.get("CI"),
    reason="clients/js: `make js` installs axe-core",
)
@pytest.mark.parametrize("size", sorted(SIZES))
async def test_axe_finds_no_serious_violation_on_any_page(
    browser: Browser, guest_server: ParleyServer, size: str
):
    viewport = SIZES[size]
    found: dict[str, list[str]] = {}
    visitor = await new_page(browser, guest_server, viewport)
    room = unique("axe")
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/guest/"):
        await visitor.goto(path)
        found[path] = await serious_violations(visitor)
    await visitor.goto(f"/chat/{room}/")
    found["visitor"] = await serious_violations(visitor)

    page, _username = await signed_up(browser, guest_server, viewport)
    for path in (
        "/",
        "/settings/",
        "/settings/tokens/",
        "/settings/notifications/",
        "/accounts/password_change/",
        "/accounts/password_change/done/",
    ):
        await page.goto(path)
        found[path] = await serious_violations(page)
    await page.goto(f"/chat/{room}/")
    await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    # Formatted, so that axe checks the formatting's colours too.
    await say(
        page,
        "a **message** to `check`\n> ~~quoted~~\n\n- [a link](https://example.com)",
    )
    await expect(page.locator("#messages [data-seq]")).to_have_count(1)
    found["room"] = await serious_violations(page)
    await page.emulate_media(color_scheme="dark")
    found["room, dark"] = await serious_violations(page)
    await page.emulate_media(color_scheme="light")
    await page.locator("#bell").click()
    found["room, bell open"] = await serious_violations(page)
    await page.keyboard.press("Escape")
    if size == "phone":
        await page.locator("#open-sidebar").click()
        found["room, sidebar open"] = await serious_violations(page)
        await page.keyboard.press("Escape")
        await page.locator("#open-members").click()
        found["room, members open"] = await serious_violations(page)

    guest = await new_page(browser, guest_server, viewport)
    await guest.goto(f"/chat/{room}/")
    await guest.locator("form.guest").get_by_label("Your name").fill("Visitor")
    await guest.locator("form.guest").get_by_role("button").click()
    await expect(guest.locator("#connection")).to_have_attribute("data-state", "open")
    found["room as a guest"] = await serious_violations(guest)

    assert {page: issues for page, issues in found.items() if issues} == {}
    assert visitor.missing == page.missing == guest.missing == []


async def test_the_theme_follows_the_system_until_toggled_and_is_kept(
    browser: Browser, server: ParleyServer
):
    page = await new_page(browser, server, PHONE)
    await page.emulate_media(color_scheme="dark")
    await page.goto("/accounts/login/")
    background = "() => getComputedStyle(document.body).backgroundColor"
    dark = await page.evaluate(background)
    toggle = page.locator("[data-theme-toggle]")
    await expect(toggle).to_have_attribute("aria-pressed", "true")
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-pressed", "false")
    light = await page.evaluate(background)
    assert light != dark
    await page.reload()  # kept, and applied before the page's first paint
    await expect(page.locator("html")).to_have_attribute("data-theme", "light")
    assert await page.evaluate(background) == light
