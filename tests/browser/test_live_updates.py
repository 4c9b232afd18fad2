"""Who is here and what is new, in real Chromium against ``parley serve``.

Presence, typing, unread badges (also across two tabs of one user), direct
conversations, private rooms, edit and delete, the bell with a notification
raised by ``parley.notify`` in another process, and guest access: each seen
the way a person sees it, through the pages' own scripts (``room.js``,
``live.js``) over one socket per tab.
"""

import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.support.browser import (
    SocketTap,
    new_context,
    open_room,
    record_dialogs,
    say,
    sign_in,
    sign_up,
    stored,
    texts,
)
from tests.support.servers import (
    ParleyServer,
    User,
    parley_command,
    shop_env,
    unique,
)

pytestmark = pytest.mark.browser


def who(page: Page) -> str:
    """The signed-in user's name, as the page's header shows it."""
    return page.locator(".who")


async def username(page: Page) -> str:
    return await who(page).inner_text()


def online(page: Page):
    return page.locator("#online li .name")


def side_room(page: Page, slug: str):
    """A room's entry in the page's list of the user's rooms."""
    return page.locator(f"ul.live-rooms li[data-room='{slug}']")


async def test_the_online_list_follows_who_comes_and_goes(
    browser: Browser, server: ParleyServer
):
    room = unique("presence")
    alice = await sign_in(browser, server, "alice")
    name_alice = await username(alice)
    await open_room(alice, room)
    await expect(online(alice)).to_have_text([name_alice])

    bob = await sign_up(browser, server, "bob")
    name_bob = await username(bob)
    await open_room(bob, room)
    both = sorted([name_alice, name_bob])
    await expect(online(alice)).to_have_text(both)
    await expect(online(bob)).to_have_text(both)
    # A second tab of Bob's: still one entry; closing one keeps him online.
    second = await bob.context.new_page()
    await open_room(second, room)
    await second.close()
    await say(bob, "still here")
    await expect(texts(alice)).to_have_text(["still here"])
    await expect(online(alice)).to_have_text(both)

    await bob.close()
    await expect(online(alice)).to_have_text([name_alice])
    # Others have a "message" button; oneself has none.
    await expect(alice.locator("#online .message-user")).to_have_count(0)


def isolated(name: str) -> str:
    return f"\u2068{name}\u2069"


async def test_a_typing_indicator_appears_and_goes(
    browser: Browser, server: ParleyServer
):
    room = unique("typing")
    alice = await sign_in(browser, server, "alice")
    await alice.clock.install()  # to run out the indicator's time
    bob = await sign_up(browser, server, "bob")
    carol = await sign_up(browser, server, "carol")
    name_bob, name_carol = await username(bob), await username(carol)
    for page in (alice, bob, carol):
        await open_room(page, room)
    indicator = alice.locator("#typing")

    await bob.locator("#message-input").press_sequentially("hel")
    # Names are isolated (U+2068 ... U+2069): right-to-left ones keep the
    # sentence in order.
    await expect(indicator).to_have_text(f"{isolated(name_bob)} is typing…")
    await expect(bob.locator("#typing")).to_have_text("")  # not one's own
    await carol.locator("#message-input").press_sequentially("hey")
    await expect(indicator).to_have_text(
        f"{isolated(name_bob)} and {isolated(name_carol)} are typing…"
    )
    # A message ends its author's indicator at once.
    await carol.locator("#message-input").press("Enter")
    await expect(texts(alice)).to_have_text(["hey"])
    await expect(indicator).to_have_text(f"{isolated(name_bob)} is typing…")
    # Typing that stops goes away by itself after `expires_in` (6 s).
    await alice.clock.run_for(7_000)
    await expect(indicator).to_have_text("")


async def test_unread_badges_count_and_clear_in_every_tab(
    browser: Browser, server: ParleyServer
):
    """Messages in another room raise its badge; reading the room in a
    second tab clears the badge in the first, live."""
    busy, here = unique("busy"), unique("here")
    alice = await sign_in(browser, server, "alice")
    await open_room(alice, busy)  # creates it: Alice is a member
    await open_room(alice, here)
    bob = await sign_up(browser, server, "bob")
    await open_room(bob, busy)

    badge = side_room(alice, busy).locator(".badge")
    await expect(badge).to_be_hidden()
    await say(bob, "one")
    await say(bob, "two")
    await expect(badge).to_have_text("2")
    # Alice's own messages never count as unread.
    other_tab = await alice.context.new_page()
    await other_tab.goto("/")
    home_badge = side_room(other_tab, busy).locator(".badge")
    await expect(home_badge).to_have_text("2")
    await say(bob, "three")
    await expect(badge).to_have_text("3")
    await expect(home_badge).to_have_text("3")

    # Reading the room in a third tab clears the badge everywhere.
    reader = await alice.context.new_page()
    await open_room(reader, busy)
    await expect(texts(reader)).to_have_text(["one", "two", "three"])
    await expect(badge).to_be_hidden()
    await expect(home_badge).to_be_hidden()
    await other_tab.reload()
    await expect(side_room(other_tab, busy).locator(".badge")).to_be_hidden()


async def test_a_direct_message_reaches_only_its_recipient(
    browser: Browser, server: ParleyServer
):
    room = unique("meet")
    alice = await sign_in(browser, server, "alice")
    bob = await sign_up(browser, server, "bob")
    name_alice, name_bob = await username(alice), await username(bob)
    await open_room(alice, room)
    await open_room(bob, room)
    carol = await sign_up(browser, server, "carol")
    await open_room(carol, room)

    await (
        alice.locator("#online li", has_text=name_bob)
        .get_by_role("button", name="Message")
        .click()
    )
    await expect(alice).to_have_url(re.compile(r"/chat/dm-\d+-\d+/$"))
    await expect(alice.locator("#connection")).to_have_attribute("data-state", "open")
    await expect(alice.locator("h1")).to_have_text(name_bob)
    direct_url = alice.url
    slug = direct_url.rstrip("/").rsplit("/", 1)[1]
    await say(alice, "just between us")
    await expect(stored(alice).locator(".text")).to_have_text(["just between us"])

    # Bob hears of the new conversation on the page he has open, with
    # the other's name and an unread count.
    entry = side_room(bob, slug)
    await expect(entry.locator("a")).to_have_text(name_alice)
    await expect(entry.locator(".badge")).to_have_text("1")
    await entry.locator("a").click()
    await expect(stored(bob).locator(".text")).to_have_text(["just between us"])

    # Carol sees nothing of it: not listed, and its page is not found.
    await expect(side_room(carol, slug)).to_have_count(0)
    response = await carol.goto(direct_url)
    assert response.status == 404
    await carol.goto("/")
    await expect(side_room(carol, slug)).to_have_count(0)
    assert "just between us" not in await carol.content()


async def test_edits_and_deletions_show_live(browser: Browser, server: ParleyServer):
    room = unique("edit")
    alice = await sign_in(browser, server, "alice")  # creates the room: owner
    bob = await sign_up(browser, server, "bob")
    await open_room(alice, room)
    await open_room(bob, room)
    await say(alice, "helo")
    await say(bob, "spam")
    await expect(stored(bob)).to_have_count(2)
    mine, theirs = stored(alice).nth(0), stored(alice).nth(1)

    # Bob may neither edit nor delete Alice's message (he may reply, react).
    for action in ("Edit", "Delete"):
        button = stored(bob).nth(0).get_by_role("button", name=action)
        await expect(button).to_have_count(0)
    await mine.get_by_role("button", name="Edit").click()
    editor = mine.locator(".editor textarea")
    await expect(editor).to_be_focused()
    await editor.fill("hello <b>all</b>")
    await editor.press("Enter")
    for page in (alice, bob):
        first = stored(page).nth(0)
        await expect(first.locator(".text")).to_have_text("hello <b>all</b>")
        await expect(first.locator(".edited")).to_have_text("(edited)")
        await expect(first.locator("b")).to_have_count(0)

    # The owner of the room deletes someone else's message.
    await expect(theirs.get_by_role("button", name="Edit")).to_have_count(0)
    await theirs.get_by_role("button", name="Delete").click()
    await theirs.locator(".confirm").get_by_role("button", name="Delete").click()
    for page in (alice, bob):
        gone = stored(page).nth(1)
        await expect(gone).to_have_class(re.compile(r"\bdeleted\b"))
        await expect(gone.locator(".text")).to_have_text("message deleted")
    # History shows the latest state.
    await bob.reload()
    await expect(stored(bob).locator(".text")).to_have_text(
        ["hello <b>all</b>", "message deleted"]
    )
    await expect(stored(bob).nth(0).locator(".edited")).to_have_count(1)


async def test_a_private_room_is_created_and_shared_by_invitation(
    browser: Browser, server: ParleyServer
):
    title = unique("Secret plans")
    alice = await sign_in(browser, server, "alice")
    bob = await sign_up(browser, server, "bob")
    name_bob = await username(bob)
    carol = await sign_up(browser, server, "carol")

    await alice.fill("#id_private_title", title)
    await alice.locator("#private-room button[type=submit]").click()
    await expect(alice.locator("h1")).to_have_text(title)
    await expect(alice.locator("#connection")).to_have_attribute("data-state", "open")
    slug = alice.url.rstrip("/").rsplit("/", 1)[1]
    await say(alice, "welcome")

    await alice.fill("#invite-username", name_bob)
    await alice.locator("#invite button[type=submit]").click()
    await expect(alice.locator("#invite-result")).to_have_text(
        f"{isolated(name_bob)} was invited."
    )
    # Bob's open room list gets it live, with the message he has not read.
    entry = side_room(bob, slug)
    await expect(entry.locator("a")).to_have_text(title)
    await expect(entry.locator(".badge")).to_have_text("1")
    await entry.locator("a").click()
    await expect(stored(bob).locator(".text")).to_have_text(["welcome"])
    # Bob does not own it: no invite form.
    await expect(bob.locator("#invite")).to_have_count(0)

    response = await carol.goto(f"/chat/{slug}/")
    assert response.status == 404


@pytest.fixture(scope="module")
def redis_parley(tmp_path_factory: pytest.TempPathFactory, redis_url: str):
    """The shop (README's example app) on Parley over the Redis channel
    layer, so that another process's notifications reach the pages."""
    parley = ParleyServer(
        tmp_path_factory.mktemp("parley-redis-browser"), env=shop_env(redis_url)
    )
    try:
        yield parley.start()
    finally:
        parley.stop()


def ship_order(server: ParleyServer, owner: str, number: int) -> None:
    """In a separate ``parley shell``: the shop places an order for ``owner``;
    its ``post_save`` receiver calls ``parley.notify``."""
    code = (
        "from django.contrib.auth import get_user_model; "
        "from tests.support.shop.models import Order; "
        f"owner = get_user_model().objects.get(username={owner!r}); "
        f"Order.objects.create(owner=owner, number={number})"
    )
    parley_command(server, "shell", "-c", code)


def notify_from_shell(server: ParleyServer, username: str, **fields: str) -> None:
    """``parley.notify(user, **fields)`` in a separate ``parley shell``."""
    code = (
        "import parley; from django.contrib.auth import get_user_model; "
        f"user = get_user_model().objects.get(username={username!r}); "
        f"parley.notify(user, **{fields!r})"
    )
    parley_command(server, "shell", "-c", code)


async def test_a_notification_from_another_process_rings_the_bell(
    browser: Browser, redis_parley: ParleyServer
):
    server = redis_parley
    alice = await sign_in(browser, server, "alice")
    name_alice = await username(alice)
    dialogs = record_dialogs(alice)
    bell = alice.locator("#bell")
    count = alice.locator("#bell-count")
    await expect(count).to_be_hidden()
    room = unique("orders")
    await open_room(alice, room)  # the page's socket is open

    number = unique.counter + 4200
    ship_order(server, name_alice, number)
    await expect(count).to_have_text("1")
    await expect(bell).to_have_attribute("aria-label", "Notifications: 1 unread")
    notify_from_shell(
        server,
        name_alice,
        kind="test",
        title="A bad <b>link</b>",
        body="It goes nowhere.",
        url="javascript:alert(1)",
    )
    await expect(count).to_have_text("2")

    await bell.click()
    items = alice.locator("#notification-list .notification")
    await expect(items.locator(".title")).to_have_text(
        ["A bad <b>link</b>", f"Order #{number} is placed"]
    )
    await expect(items.nth(0).locator(".body")).to_have_text("It goes nowhere.")
    # Only a path of this site becomes a link.
    await expect(items.nth(0).locator("a")).to_have_count(0)
    await expect(items.locator("b")).to_have_count(0)
    await items.nth(0).get_by_role("button", name="Mark read").click()
    await expect(count).to_have_text("1")
    await items.nth(1).locator("a.title").click()
    await expect(alice).to_have_url(f"{server.base_url}/orders/{number}/")
    await alice.goto("/")
    await expect(alice.locator("#bell-count")).to_be_hidden()
    await alice.locator("#bell").click()
    await expect(alice.locator("#notification-list .notification.read")).to_have_count(
        2
    )
    assert dialogs == []


async def test_mark_all_read_clears_the_bell(browser: Browser, redis_parley):
    server = redis_parley
    alice = await sign_in(browser, server, "alice")
    name_alice = await username(alice)
    await expect(alice.locator("#bell")).to_have_attribute(
        "aria-label", "Notifications: 0 unread"
    )
    for n in (1, 2):
        notify_from_shell(server, name_alice, kind="test", title=f"note {n}")
    await expect(alice.locator("#bell-count")).to_have_text("2")
    await alice.locator("#bell").click()
    await alice.get_by_role("button", name="Mark all read").click()
    await expect(alice.locator("#bell-count")).to_be_hidden()
    await alice.reload()
    await expect(alice.locator("#bell")).to_have_attribute(
        "aria-label", "Notifications: 0 unread"
    )


@pytest.fixture(scope="module")
def guest_server(tmp_path_factory: pytest.TempPathFactory):
    parley = ParleyServer(
        tmp_path_factory.mktemp("parley-guests"), env={"PARLEY_GUEST_ACCESS": "True"}
    ).start()
    yield parley
    parley.stop()


async def test_a_visitor_continues_as_a_guest(
    browser: Browser, guest_server: ParleyServer
):
    server = guest_server
    room = unique("open")
    member = await sign_in(browser, server, "member")
    await open_room(member, room)

    visitor = await (await new_context(browser, server)).new_page()
    await visitor.goto(f"/chat/{room}/")
    form = visitor.locator("form.guest")
    await form.get_by_label("Your name").fill("Zoë")
    await form.get_by_role("button", name="Continue as a guest").click()
    await expect(visitor.locator("#connection")).to_have_attribute("data-state", "open")
    await expect(who(visitor)).to_have_text(re.compile(r"^Zoë#\w{4}$"))
    guest_name = await username(visitor)
    # No bell, no direct messages for guests.
    await expect(visitor.locator("#bell")).to_have_count(0)
    await say(visitor, "hi from a guest")
    await expect(texts(member)).to_have_text(["hi from a guest"])
    await expect(online(member)).to_contain_text([guest_name])
    await expect(
        member.locator("#online li", has_text=guest_name).locator(".message-user")
    ).to_have_count(0)

    other = await (await new_context(browser, server)).new_page()
    await other.goto("/accounts/login/")
    await other.locator("form.guest").get_by_label("Your name").fill("Ann")
    await other.locator("form.guest").get_by_role("button").click()
    await expect(who(other)).to_have_text(re.compile(r"^Ann#\w{4}$"))


async def test_without_guest_access_there_is_no_guest_way_in(
    browser: Browser, server: ParleyServer
):
    visitor = await (await new_context(browser, server)).new_page()
    room = unique("closed")
    await visitor.goto(f"/chat/{room}/")
    await expect(visitor).to_have_url(re.compile(r"/accounts/login/\?next="))
    await expect(visitor.locator("form.guest")).to_have_count(0)
    response = await visitor.goto("/accounts/guest/")
    assert response.status == 404


async def test_the_pages_speak_russian(browser: Browser, server: ParleyServer):
    room = unique("russian")
    context = await browser.new_context(base_url=server.base_url, locale="ru-RU")
    alice = await sign_in(browser, server, "alice")
    name_alice = await username(alice)
    await open_room(alice, room)
    ivan = await context.new_page()
    await ivan.goto("/accounts/signup/")
    await ivan.fill("#id_username", unique("ivan"))
    await ivan.fill("#id_password1", "correct horse battery staple")
    await ivan.fill("#id_password2", "correct horse battery staple")
    await ivan.click("form.stacked button[type=submit]")
    await expect(ivan.get_by_role("heading", name="Ваши комнаты")).to_be_visible()
    await expect(ivan.locator("#bell")).to_have_attribute(
        "aria-label", "Уведомления: непрочитанных — 0"
    )
    await open_room(ivan, room)
    await expect(ivan.locator("#connection")).to_have_text("Подключено")
    await expect(
        ivan.locator("#online li", has_text=name_alice).get_by_role("button")
    ).to_have_text("Написать")
    await alice.locator("#message-input").press_sequentially("привет")
    await expect(ivan.locator("#typing")).to_have_text(
        f"{isolated(name_alice)} печатает…"
    )
    await alice.locator("#message-input").press("Enter")
    await expect(texts(ivan)).to_have_text(["привет"])
    await stored(alice).first.get_by_role("button", name="Delete").click()
    await stored(alice).first.locator(".confirm button.confirm-delete").click()
    await expect(stored(ivan).first.locator(".text")).to_have_text("сообщение удалено")


async def test_only_what_is_scrolled_into_view_counts_as_read(
    browser: Browser, server: ParleyServer
):
    """The room page stores the read position while it shows the newest
    message: scrolled up, new messages stay unread (in every tab)."""
    room = unique("scroll")
    home = await sign_in(browser, server, "alice")
    await open_room(home, room)  # creates it: Alice is a member
    await home.goto("/")
    poster = User.sign_up(server, unique("poster"))
    with poster.http() as http:
        for i in range(1, 41):
            body = {"text": f"line {i}\n" * 3, "client_id": f"s{i}"}
            http.post(f"/api/rooms/{room}/messages", json=body).raise_for_status()
    badge = side_room(home, room).locator(".badge")
    await expect(badge).to_have_text("40")

    reader = await home.context.new_page()
    tap = await SocketTap().install(reader)
    await open_room(reader, room)
    # It opens at the first unread message: nothing is read yet.
    await expect(reader.locator("#messages .new-divider")).to_be_in_viewport()
    await expect(badge).to_have_text("40")
    await reader.get_by_role("button", name="Jump to latest: 40 new").click()
    await expect(badge).to_be_hidden()  # shown down to the newest: all read
    assert [f["seq"] for f in tap.frames("read")] == [40]
    await reader.locator("#messages").evaluate("list => { list.scrollTop = 0; }")
    with poster.http() as http:
        body = {"text": "while you scrolled", "client_id": "s41"}
        http.post(f"/api/rooms/{room}/messages", json=body).raise_for_status()
    await expect(texts(reader).last).to_have_text("while you scrolled")
    await expect(badge).to_have_text("1")
    # A frame the page sends now comes after any `read` it sent for seq 41.
    await reader.locator("#message-input").press_sequentially("x")
    await tap.until(lambda: tap.frames("typing"))
    assert [f["seq"] for f in tap.frames("read")] == [40]

    await reader.locator("#messages").evaluate(
        "list => { list.scrollTop = list.scrollHeight; }"
    )
    await expect(badge).to_be_hidden()
    assert [f["seq"] for f in tap.frames("read")] == [40, 41]
