"""Formatting over real sockets: Markdown sent is rendered once on the server
and its sanitized HTML comes back in the ack, the event, a replay, history
and the Python client; an edit renders again; an XSS payload arrives
inert; a mention in it still notifies."""

from tests.support.servers import (
    User,
    client_for,
    recv_type,
    send,
    subscribe,
    unique,
)

A = 'target="_blank" rel="noopener noreferrer nofollow"'
EVERY_CONSTRUCT = (
    "**bold** *italic* ~~strike~~ `code` @{mentioned}\n"
    "> quoted\n\n"
    "- one\n- two\n\n"
    "```\n<script>alert(1)</script>\n```\n\n"
    "[site](https://example.com) [bad](javascript:alert(1)) "
    "<img src=x onerror=alert(1)>"
)


def expected_html(mentioned: str) -> str:
    return (
        "<p><strong>bold</strong> <em>italic</em> <s>strike</s> <code>code</code> "
        f'<span class="mention" data-user="{mentioned}">@{mentioned}</span></p>\n'
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n"
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>\n"
        f'<p><a href="https://example.com" {A}>site</a> [bad](javascript:alert(1)) '
        "&lt;img src=x onerror=alert(1)&gt;</p>"
    )


async def test_markdown_comes_back_rendered_everywhere_and_edits_render_again(
    alice: User, bob: User
):
    room = unique("markup")
    text = EVERY_CONSTRUCT.format(mentioned=alice.username)
    html = expected_html(alice.username)
    async with await alice.connect() as a, await bob.connect() as b:
        await subscribe(a, room)
        await subscribe(b, room)
        await send(b, type="send", room=room, text=text, client_id="f1")
        ack = await recv_type(b, "ack")
        assert ack["html"] == html
        event = await recv_type(a, "message")
        assert (event["text"], event["html"]) == (text, html)
        mention = await recv_type(a, "notification")
        assert (mention["kind"], mention["data"]["message"]) == ("mention", ack["id"])

        await send(b, type="edit", id=ack["id"], text="now `inline`", ref="e")
        edited = await recv_type(a, "edited")
        assert (edited["text"], edited["html"]) == (
            "now `inline`",
            "<p>now <code>inline</code></p>",
        )
    async with await alice.connect() as late:
        await send(late, type="subscribe", room=room, after=0)
        replayed = await recv_type(late, "message")
        assert replayed["html"] == "<p>now <code>inline</code></p>"
    async with client_for(bob) as client:
        await client.subscribe(room)
        sent = await client.send(room, "~~gone~~")
        assert sent.html == "<p><s>gone</s></p>"
        history, _ = await client.history(room)
        assert [m.html for m in history] == [
            "<p><s>gone</s></p>",
            "<p>now <code>inline</code></p>",
        ]
