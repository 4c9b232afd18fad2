"""The conversation pane of the room page in real Chromium: how messages
read (days, times, runs of one author, links, mentions), where a returning
reader lands, how a send shows its state, and desktop notifications. Desktop
(1280x800) and phone (390x844) viewports, English and Russian where the
text matters."""

import datetime as dt
import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.support.browser import (
    SocketTap,
    exactly,
    open_room,
    record_dialogs,
    say,
    stored,
    texts,
)
from tests.support.servers import ParleyServer, User, parley_command, unique

pytestmark = pytest.mark.browser

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}

# document.visibilityState as a test sets it: window.setVisibility("hidden")
# changes it and fires visibilitychange, as switching tabs does.
VISIBILITY_SCRIPT = """
(() => {
  let state = "visible";
  Object.defineProperty(Document.prototype, "visibilityState", {
    configurable: true, get: () => state });
  Object.defineProperty(Document.prototype, "hidden", {
    configurable: true, get: () => state === "hidden" });
  window.setVisibility = (value) => {
    state = value;
    document.dispatchEvent(new Event("visibilitychange"));
  };
})();
"""

# window.Notification, recorded: each `new Notification(title, options)`
# in window.notified, each permission request counted in window.asked.
NOTIFICATION_SCRIPT = """
(() => {
  const Real = window.Notification;
  window.notified = [];
  window.asked = 0;
  function Recorded(title, options = {}) {
    window.notified.push({ title, body: options.body ?? "" });
    return new Real(title, options);
  }
  Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
  Recorded.requestPermission = () => {
    window.asked += 1;
    return Real.requestPermission();
  };
  Recorded.prototype = Real.prototype;
  window.Notification = Recorded;
})();
"""


# A browser that has not asked yet (headless Chromium answers "denied"
# on its own): permission "default" until requestPermission, counted in
# window.asked, grants it.
UNDECIDED_SCRIPT = """
(() => {
  let permission = "default";
  window.asked = 0;
  function Undecided() {}
  Object.defineProperty(Undecided, "permission", { get: () => permission });
  Undecided.requestPermission = async () => {
    window.asked += 1;
    permission = "granted";
    return permission;
  };
  window.Notification = Undecided;
})();
"""


async def person(
    browser: Browser,
    server: ParleyServer,
    prefix: str,
    *,
    locale: str = "en-US",
    viewport: str = "desktop",
    permissions: list[str] | None = None,
    scripts: tuple[str, ...] = (),
) -> tuple[User, Page]:
    """A new account, signed in (its session cookie) in a page of its own."""
    user = User.sign_up(server, unique(prefix))
    context = await browser.new_context(
        base_url=server.base_url,
        locale=locale,
        viewport=VIEWPORTS[viewport],
        timezone_id="UTC",
        permissions=permissions or [],
    )
    context.set_default_timeout(10_000)
    await context.add_cookies(
        [
            {"name": name, "value": value, "url": server.base_url}
            for name, value in user.cookies.items()
        ]
    )
    for script in scripts:
        await context.add_init_script(script)
    return user, await context.new_page()


def post(user: User, room: str, *lines: str) -> None:
    """``user`` writes ``lines`` to ``room`` over the API (opening the room's
    page first creates it, as a person's visit does)."""
    with user.http() as http:
        http.get(f"/chat/{room}/").raise_for_status()
        for text in lines:
            response = http.post(f"/api/rooms/{room}/messages", json={"text": text})
            response.raise_for_status()


def backdate(server: ParleyServer, room: str, days_ago: dict[int, float]) -> None:
    """Move messages (by seq) of ``room`` to that many days ago, in the
    server's database, through ``parley shell``."""
    updates = "; ".join(
        f"Message.objects.filter(room__slug={room!r}, seq={seq})"
        f".update(created_at=now - dt.timedelta(days={days}))"
        for seq, days in days_ago.items()
    )
    code = (
        "import datetime as dt; from django.utils import timezone; "
        "from parley.models import Message; now = timezone.now(); " + updates
    )
    parley_command(server, "shell", "-c", code)


@pytest.fixture(scope="module")
def slow_room_server(tmp_path_factory: pytest.TempPathFactory):
    """Token buckets on: two messages at once in a room, then one per 3 s."""
    parley = ParleyServer(
        tmp_path_factory.mktemp("parley-slow-room"),
        env={
            "PARLEY_RATE_LIMITS": "1",
            "PARLEY_ROOM_MESSAGE_BURST": "2",
            "PARLEY_ROOM_MESSAGES_PER_MIN": "20",
        },
    ).start()
    yield parley
    parley.stop()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize(
    ("locale", "today", "yesterday"),
    [("en-US", "Today", "Yesterday"), ("ru-RU", "Сегодня", "Вчера")],
)
async def test_messages_of_different_days_sit_under_their_dates(
    browser: Browser, server: ParleyServer, viewport, locale, today, yesterday
):
    """A separator per day: the date (with its year when it is not this
    year's), "Yesterday", "Today", in the page's language; each time is a
    <time datetime> with the full date and time on hover."""
    room = unique("days")
    bob, page = await person(browser, server, "bob", locale=locale, viewport=viewport)
    post(bob, room, "long ago", "also long ago", "yesterday", "today")
    backdate(server, room, {1: 400, 2: 400, 3: 1})
    await open_room(page, room)

    await expect(texts(page)).to_have_text(
        ["long ago", "also long ago", "yesterday", "today"]
    )
    days = page.locator("#messages > li.day")
    await expect(days).to_have_count(3)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    await expect(days.nth(0)).to_contain_text(str(long_ago.year))
    await expect(days.nth(1)).to_have_text(yesterday)
    await expect(days.nth(2)).to_have_text(today)
    first = stored(page).first.locator("time.ts")
    await expect(first).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    await expect(first).to_have_attribute("title", re.compile(str(long_ago.year)))
    # Every separator is inside the phone's width too.
    width = VIEWPORTS[viewport]["width"]
    for box in [await days.nth(i).bounding_box() for i in range(3)]:
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_a_run_of_one_authors_messages_shares_a_name_and_avatar(
    browser: Browser, server: ParleyServer, viewport
):
    """Messages of one author minutes apart are grouped: the name and
    avatar (initials on the colour of the user id) show once per run."""
    room = unique("runs")
    alice, page = await person(browser, server, "alice", viewport=viewport)
    bob = User.sign_up(server, unique("bob"))
    post(alice, room, "one", "two", "three")
    post(bob, room, "bob's")
    post(alice, room, "four")
    backdate(server, room, {1: 0.01})  # 15 minutes before the others
    await open_room(page, room)

    messages = stored(page)
    await expect(messages).to_have_count(5)
    grouped = await messages.evaluate_all(
        "els => els.map(el => el.classList.contains('continued'))"
    )
    assert grouped == [False, False, True, False, False]
    avatars = page.locator("#messages .message:not(.continued) .avatar")
    await expect(avatars.first).to_be_visible()
    await expect(avatars.first).to_have_text("A")
    await expect(avatars.nth(2)).to_have_text("B")
    colours = await page.locator("#messages .message .avatar").evaluate_all(
        "els => els.map(el => [...el.classList].find(c => c.startsWith('avatar-')))"
    )
    assert colours[0] == colours[1] == colours[2] == colours[4]  # one user, one colour
    # A grouped message still names its author for screen readers.
    await expect(messages.nth(2).locator(".author")).to_have_text(alice.username)
    hidden_name = messages.nth(2).locator(".author")
    assert await hidden_name.evaluate("el => el.getBoundingClientRect().width") <= 1


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_a_returning_reader_lands_on_the_first_unread_and_can_jump(
    browser: Browser, server: ParleyServer, viewport
):
    """On arrival a "New messages" line sits above the first unread message
    and is in view; "jump to latest" counts what is below; the tab's title
    counts the unread; reading to the end clears both."""
    room = unique("unread")
    _alice, page = await person(browser, server, "alice", viewport=viewport)
    await open_room(page, room)
    await say(page, "before you left")
    await page.goto("/")
    bob = User.sign_up(server, unique("bob"))
    post(bob, room, *[f"news {i}\n" * 3 for i in range(1, 31)])

    await open_room(page, room)
    divider = page.locator("#messages > .new-divider")
    await expect(divider).to_have_text("New messages")
    await expect(divider).to_be_in_viewport()
    first_unread = divider.locator("xpath=following-sibling::li[1]")
    await expect(first_unread.locator(".text")).to_have_text(re.compile(r"^news 1\b"))
    await expect(page).to_have_title(re.compile(r"^\(30\) "))
    jump = page.get_by_role("button", name="Jump to latest: 30 new")
    await expect(jump).to_be_visible()
    box = await jump.bounding_box()
    assert box is not None and box["x"] + box["width"] <= VIEWPORTS[viewport]["width"]

    await jump.click()
    await expect(jump).to_be_hidden()
    await expect(page).to_have_title(re.compile(r"^(?!\()"))
    await expect(texts(page).last).to_be_in_viewport()
    # The line stays where it was for this visit.
    await expect(divider).to_have_count(1)


async def test_older_history_keeps_the_scroll_position(
    browser: Browser, server: ParleyServer
):
    """Loading older messages on scrolling up leaves the messages in view
    where they were."""
    room = unique("keep")
    alice, page = await person(browser, server, "alice")
    post(alice, room, *[f"line {i}\n" * 2 for i in range(1, 121)])
    await open_room(page, room)
    await expect(texts(page).last).to_be_in_viewport()
    shown = await stored(page).count()
    oldest = stored(page).first
    oldest_seq = await oldest.get_attribute("data-seq")
    await page.locator("#messages").evaluate("list => { list.scrollTop = 0; }")
    await expect(stored(page)).not_to_have_count(shown)
    anchor = page.locator(f"#messages .message[data-seq='{oldest_seq}']")
    await expect(anchor).to_be_in_viewport()


@pytest.mark.parametrize(
    ("locale", "waiting"), [("en-US", "Waiting"), ("ru-RU", "Ждём")]
)
async def test_a_rate_limited_send_waits_and_goes_through_by_itself(
    browser: Browser, slow_room_server: ParleyServer, locale, waiting
):
    """The third quick message is refused with `rate_limited`: its line
    counts down in the page's language and it is sent again without a
    click; all three are stored once, in order, nothing failed."""
    server = slow_room_server
    room = unique("slow")
    _alice, page = await person(browser, server, "alice", locale=locale)
    await open_room(page, room)
    for text in ("first", "second", "third"):
        await say(page, text)
    await expect(page.locator("#messages .message.waiting .ts")).to_contain_text(
        waiting
    )
    await expect(stored(page).locator(".text")).to_have_text(
        ["first", "second", "third"], timeout=15_000
    )
    await expect(page.locator("#messages .local")).to_have_count(0)
    await expect(page.locator("#messages .failed")).to_have_count(0)


async def test_desktop_notifications_are_asked_for_only_after_a_click(
    browser: Browser, server: ParleyServer
):
    """Opening a room asks nothing; the "Enable desktop notifications"
    control asks once it is pressed."""
    _alice, page = await person(browser, server, "alice", scripts=(UNDECIDED_SCRIPT,))
    await open_room(page, unique("ask"))
    control = page.get_by_role("button", name="Enable desktop notifications")
    await expect(control).to_be_visible()
    assert await page.evaluate("window.asked") == 0
    await control.click()
    await page.wait_for_function("window.asked === 1")
    await expect(control).to_be_hidden()  # decided: nothing more to ask


async def test_a_direct_message_to_a_hidden_tab_is_a_desktop_notification(
    browser: Browser, server: ParleyServer
):
    """With notifications allowed, a direct message arriving while the tab
    is hidden is shown as one (the author's name and the text); nothing
    while the tab is visible."""
    alice, page = await person(
        browser,
        server,
        "alice",
        permissions=["notifications"],
        scripts=(VISIBILITY_SCRIPT, NOTIFICATION_SCRIPT),
    )
    bob = User.sign_up(server, unique("bob"))
    with bob.http() as http:
        direct = http.post(f"/api/direct/{alice.username}")
        direct.raise_for_status()
    slug = direct.json()["slug"]
    await open_room(page, slug)
    await expect(
        page.get_by_role("button", name="Enable desktop notifications")
    ).to_be_hidden()

    post(bob, slug, "while you look")
    await expect(texts(page)).to_have_text(["while you look"])
    await page.evaluate("setVisibility('hidden')")
    post(bob, slug, "are you there?")
    await expect(texts(page).last).to_have_text("are you there?")
    await page.wait_for_function("window.notified.length > 0")
    assert await page.evaluate("window.notified") == [
        # The name is isolated (FSI ... PDI): a right-to-left name cannot
        # reorder the sentence around it.
        {"title": f"\u2068{bob.username}\u2069 wrote to you", "body": "are you there?"}
    ]


async def test_a_mention_of_you_stands_out(browser: Browser, server: ParleyServer):
    """A message naming the reader with @ is highlighted for them, and the
    mention is marked; the author sees no highlight."""
    room = unique("mention")
    alice, page = await person(browser, server, "alice")
    _bob, bob_page = await person(browser, server, "bob")
    await open_room(page, room)
    await open_room(bob_page, room)
    await say(bob_page, f"hi @{alice.username}, look")
    await say(bob_page, "no mention here")
    mentioned = stored(page).filter(has_text="look")
    await expect(mentioned).to_have_class(re.compile(r"\bmentions-me\b"))
    await expect(mentioned.locator(".mention.me")).to_have_text(f"@{alice.username}")
    await expect(stored(page).filter(has_text="no mention")).not_to_have_class(
        re.compile(r"\bmentions-me\b")
    )
    await expect(stored(bob_page).first).not_to_have_class(
        re.compile(r"\bmentions-me\b")
    )


async def test_urls_become_safe_links_and_markup_stays_text(
    browser: Browser, server: ParleyServer
):
    """http(s) URLs are links opening a new tab with rel "noopener
    noreferrer nofollow"; a sentence's full stop is not part of them;
    javascript: is no link and markup stays text."""
    room = unique("links")
    _alice, page = await person(browser, server, "alice")
    dialogs = record_dialogs(page)
    await open_room(page, room)
    text = (
        "see https://example.com/a?b=1&c=<d>. and javascript:alert(1) "
        '<a href="https://evil.example/">x</a> <img src=x onerror=alert(2)>'
    )
    await say(page, text)
    message = stored(page).first
    await expect(message.locator(".text")).to_have_text(text)
    links = message.locator(".text a")
    await expect(links).to_have_count(2)
    first = links.first
    await expect(first).to_have_text(exactly("https://example.com/a?b=1&c="))
    await expect(first).to_have_attribute("href", "https://example.com/a?b=1&c=")
    await expect(first).to_have_attribute("rel", "noopener noreferrer nofollow")
    await expect(first).to_have_attribute("target", "_blank")
    # The quoted URL of the markup is linked as text; no element came from it
    # (the paragraph is the server's formatting).
    await expect(links.nth(1)).to_have_attribute("href", "https://evil.example/")
    await expect(message.locator(".text img")).to_have_count(0)
    assert await message.locator(".text *").evaluate_all(
        "els => els.map(el => el.tagName)"
    ) == ["P", "A", "A"]
    assert dialogs == []


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_up_arrow_edits_your_last_message_and_escape_cancels(
    browser: Browser, server: ParleyServer, viewport
):
    """Up in the empty message box opens your newest message for editing;
    Enter saves it (marked "(edited)"); Escape leaves an edit unchanged and
    gives the box the focus back."""
    room = unique("uparrow")
    _alice, page = await person(browser, server, "alice", viewport=viewport)
    await open_room(page, room)
    await say(page, "first")
    await say(page, "helo")
    await expect(stored(page)).to_have_count(2)
    box = page.locator("#message-input")
    await box.press("ArrowUp")
    editor = stored(page).last.locator(".editor textarea")
    await expect(editor).to_be_focused()
    await expect(editor).to_have_value("helo")
    await editor.fill("hello")
    await editor.press("Enter")
    await expect(stored(page).last.locator(".text")).to_have_text("hello")
    await expect(stored(page).last.locator(".edited")).to_have_text("(edited)")

    await box.press("ArrowUp")
    await expect(editor).to_be_focused()
    await editor.fill("something else")
    await editor.press("Escape")
    await expect(editor).to_have_count(0)
    await expect(box).to_be_focused()
    await expect(stored(page).last.locator(".text")).to_have_text("hello")
    # Not empty: Up moves in the text, it does not edit.
    await box.fill("draft")
    await box.press("ArrowUp")
    await expect(box).to_be_focused()


async def test_the_list_is_a_named_list_with_a_live_region(
    browser: Browser, server: ParleyServer
):
    """Messages are items of a list named "Messages"; a new message from
    someone else is read out through a live region."""
    room = unique("aria")
    _alice, page = await person(browser, server, "alice")
    bob = User.sign_up(server, unique("bob"))
    await open_room(page, room)
    await expect(page.get_by_role("list", name="Messages", exact=True)).to_be_visible()
    post(bob, room, "hello there")
    await expect(
        page.get_by_role("listitem").filter(has_text="hello there")
    ).to_be_visible()
    announcer = page.locator("#message-announcer")
    await expect(announcer).to_have_attribute("aria-live", "polite")
    # Both isolated (FSI ... PDI), as every name and text a string embeds.
    await expect(announcer).to_have_text(
        f"\u2068{bob.username}\u2069: \u2068hello there\u2069"
    )


@pytest.mark.parametrize(
    ("locale", "failed", "reason"),
    [
        ("en-US", "not sent", "This message text is not valid."),
        ("ru-RU", "не отправлено", "Недопустимый текст сообщения."),
    ],
)
async def test_a_refused_send_says_why_in_the_pages_language(
    browser: Browser, server: ParleyServer, locale, failed, reason
):
    """The reason of a refused send is the page's sentence for the error's
    code, in the page's language, not the server's English message."""
    _alice, page = await person(browser, server, "alice", locale=locale)
    tap = await SocketTap().install(page)
    await open_room(page, unique("refused"))
    # The server gets a blank text and refuses it with `invalid_text`.
    tap.to_server = lambda frame: (
        {**frame, "text": " "} if frame["type"] == "send" else frame
    )
    await say(page, "hello")
    line = page.locator("#messages .message.failed")
    await expect(line.locator(".ts")).to_have_text(failed)
    await expect(line.locator(".reason")).to_have_text(reason)


async def test_message_actions_show_on_hover_or_focus_and_only_where_allowed(
    browser: Browser, server: ParleyServer
):
    """Edit and delete stay out of sight until the message is hovered or an
    action has the keyboard focus; others' messages offer a member who does
    not own the room only a reply and a reaction."""
    room = unique("actions")
    _owner, owner_page = await person(browser, server, "owner")
    _member, page = await person(browser, server, "member")
    await open_room(owner_page, room)  # creates it: the owner's
    await say(owner_page, "the owner's")
    await open_room(page, room)
    await say(page, "mine")
    await expect(stored(page)).to_have_count(2)
    theirs, mine = stored(page).nth(0), stored(page).nth(1)
    await expect(theirs.get_by_role("button")).to_have_text(["Reply", "Add a reaction"])
    actions = mine.locator(".message-actions")
    await page.mouse.move(0, 0)
    await expect(actions).to_have_css("opacity", "0")
    await mine.get_by_role("button", name="Edit").focus()
    await expect(actions).to_have_css("opacity", "1")
    # The owner may delete the member's message, not edit it.
    await expect(stored(owner_page)).to_have_count(2)
    member_message = stored(owner_page).nth(1)
    await expect(member_message.get_by_role("button", name="Edit")).to_have_count(0)
    await expect(member_message.get_by_role("button", name="Delete")).to_have_count(1)
