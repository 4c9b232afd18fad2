"""A message's formatting (``parley.wire.formatting``): every construct of the
subset renders as specified, what is outside it stays text, and hostile input
(a corpus of XSS payloads and a Hypothesis fuzz) renders inert, as an
independent HTML parser sees it."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parley.wire import formatting

LIMIT = 100_000
A = 'target="_blank" rel="noopener noreferrer nofollow"'


def render(text: str) -> str:
    return formatting.render(text, max_chars=LIMIT)


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("plain", "<p>plain</p>"),
        ("**bold** __bold__", "<p><strong>bold</strong> <strong>bold</strong></p>"),
        ("*italic* _italic_", "<p><em>italic</em> <em>italic</em></p>"),
        ("~~strike~~", "<p><s>strike</s></p>"),
        ("`a < b`", "<p><code>a &lt; b</code></p>"),
        ("```py\nx = '<b>'\n```", "<pre><code>x = '&lt;b&gt;'\n</code></pre>"),
        ("> quoted\n> on", "<blockquote>\n<p>quoted<br>\non</p>\n</blockquote>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'),
        (
            '[site](https://example.com/a?b=1&c=2 "its title")',
            f'<p><a href="https://example.com/a?b=1&amp;c=2" title="its title" {A}>'
            "site</a></p>",
        ),
        (
            "<https://example.com>",
            f'<p><a href="https://example.com" {A}>https://example.com</a></p>',
        ),
        (
            "see http://example.com/p.",
            f'<p>see <a href="http://example.com/p" {A}>http://example.com/p</a>.</p>',
        ),
        (
            "[mail](mailto:ann@example.com)",
            f'<p><a href="mailto:ann@example.com" {A}>mail</a></p>',
        ),
        ("one\ntwo", "<p>one<br>\ntwo</p>"),
        ("\\*not italic\\*", "<p>*not italic*</p>"),
        ("AT&amp;T &copy;", "<p>AT&amp;T ©</p>"),
        # Mentions: an element the page highlights; trailing punctuation
        # stays outside, data-user keeps the token as the server reads it.
        ("hi @ann", '<p>hi <span class="mention" data-user="ann">@ann</span></p>'),
        (
            "thanks @ann.",
            '<p>thanks <span class="mention" data-user="ann.">@ann</span>.</p>',
        ),
        (
            "**@ann**",
            '<p><strong><span class="mention" data-user="ann">@ann</span></strong></p>',
        ),
        ("`@ann`", "<p><code>@ann</code></p>"),
        ("```\n@ann\n```", "<pre><code>@ann\n</code></pre>"),
        ("ann@example.com \\@ann", "<p>ann@example.com @ann</p>"),
        (
            "https://example.com/@ann",
            f'<p><a href="https://example.com/@ann" {A}>https://example.com/@ann</a></p>',
        ),
        # Outside the subset: the Markdown stays text.
        ("# heading", "<p># heading</p>"),
        ("a\n---", "<p>a<br>\n---</p>"),
        (
            "![alt](https://example.com/i.png)",
            f'<p>!<a href="https://example.com/i.png" {A}>alt</a></p>',
        ),
        ("<b>raw</b>", "<p>&lt;b&gt;raw&lt;/b&gt;</p>"),
        ("a | b\n--|--\n1 | 2", "<p>a | b<br>\n--|--<br>\n1 | 2</p>"),
        (
            "example.com ann@example.com ftp://example.com",
            "<p>example.com ann@example.com ftp://example.com</p>",
        ),
        # Relative links lose their address (no way into this site's URLs).
        ("[here](/accounts/logout/)", f"<p><a {A}>here</a></p>"),
    ],
)
def test_each_construct_renders_as_specified(text, html):
    assert render(text) == html


def test_nesting_past_the_limit_stays_text():
    """A message of many ``>`` cannot build a tree deeper than MAX_NESTING."""
    html = render(">" * 1000 + " deep")
    assert html.count("<blockquote>") <= formatting.MAX_NESTING
    assert_inert(html)


@pytest.mark.parametrize("extra", [0, 1])
def test_html_longer_than_the_limit_is_left_out(extra):
    """N characters of HTML are kept; N+1 give "" (the text shows plain)."""
    html = render("**bold**")
    assert formatting.render("**bold**", max_chars=len(html) - extra) == (
        html if extra == 0 else ""
    )


def test_empty_text_has_no_html():
    assert render("") == ""


# Hostile input ------------------------------------------------------------------

ALLOWED_LINK_ATTRIBUTES = {"href", "title", "target", "rel"}


class Inspector(HTMLParser):
    """An independent reading of the HTML (the standard library's parser):
    every tag, attribute and URL scheme must be on the allow-list."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in formatting.ALLOWED_TAGS:
            self.problems.append(f"tag {tag}")
            return
        allowed = set(formatting.ALLOWED_ATTRIBUTES.get(tag, ()))
        if tag == "a":
            allowed |= ALLOWED_LINK_ATTRIBUTES
        if tag == "span":
            allowed.add("class")
        for name, value in attrs:
            if name not in allowed:
                self.problems.append(f"attribute {tag}[{name}]")
            elif name == "class" and value != "mention":
                self.problems.append(f"class {value!r}")
            elif name == "href":
                scheme = urlsplit(value or "").scheme.lower()
                if scheme not in formatting.URL_SCHEMES:
                    self.problems.append(f"href {value!r}")
            elif name == "target" and value != "_blank":
                self.problems.append(f"target {value!r}")
            elif name == "rel" and value != formatting.LINK_REL:
                self.problems.append(f"rel {value!r}")

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl):
        self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data):
        self.problems.append(f"processing instruction {data!r}")


def assert_inert(html: str) -> None:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    assert inspector.problems == [], html
    assert "<script" not in html.lower()


XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<a href='javascript:alert(1)'>x</a>",
    "<div style='background:url(javascript:alert(1))'>x</div>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<!--<script>alert(1)</script>-->",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&#x3A;alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](jav%61script:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](file:///etc/passwd)",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "![x](javascript:alert(1))",
    '![x](https://example.com/x.png" onerror="alert(1))',
    '[x](https://example.com "t\\" onmouseover=\\"alert(1)")',
    '[x](https://example.com" onmouseover="alert(1))',
    'https://example.com/"onmouseover="alert(1)',
    '<https://example.com/" onclick="alert(1)>',
    "[<img src=x onerror=alert(1)>](https://example.com)",
    "**<script>**alert(1)**</script>**",
    "*<img src=x onerror=alert(1)>*",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "> <script>alert(1)</script>",
    "- <img src=x onerror=alert(1)>",
    '@ann"onmouseover="alert(1)',
    "@<script>alert(1)</script>",
    "[@ann](javascript:alert(1))",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<scr<script>ipt>alert(1)</script>",
    "[x](https://example.com)<style>a{color:red}</style>",
    "<p style=color:red>x</p>",
    '<span class="mention" data-user="x" onclick="alert(1)">x</span>',
    "\\<script\\>alert(1)\\</script\\>",
]


@pytest.mark.parametrize("text", XSS)
def test_an_xss_payload_renders_inert(text):
    assert_inert(render(text))


def test_links_open_apart_from_the_page():
    """Every link: a new tab, no opener, no referrer, no endorsement."""
    html = render("[a](https://a.example) https://b.example <mailto:c@d.example>")
    assert html.count(A) == 3


# Every kind of Markdown and HTML syntax, and the characters and schemes an
# attack reaches for, in any order; plain text in between.
FRAGMENTS = [
    "*",
    "**",
    "_",
    "~~",
    "`",
    "```",
    "\n",
    "\n\n",
    "> ",
    "- ",
    "1. ",
    " ",
    "[",
    "]",
    "(",
    ")",
    "](",
    "![",
    "<",
    ">",
    "</",
    "/>",
    '"',
    "'",
    "=",
    "\\",
    "&",
    "&#",
    ";",
    "x",
    "@ann",
    "@",
    ":",
    "http://a.example/",
    "https://",
    "mailto:",
    "javascript:",
    "JAVASCRIPT:",
    "vbscript:",
    "data:",
    "&#106;",
    "&#x3A;",
    "%61",
    "\t",
    "script",
    "<script>",
    "<img src=x ",
    "onerror=",
    "onload=",
    "style=",
    "<svg",
    "<math",
    "<a href=",
    "<span class=mention ",
    "data-user=",
    "expression(",
    "url(",
    "<!--",
    "-->",
    "<![CDATA[",
    "#",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=40
).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text)
def test_any_text_renders_inert(text):
    assert_inert(render(text))


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=30)
    | st.lists(st.sampled_from(FRAGMENTS), max_size=10).map("".join)
)
def test_plain_text_skips_markdown_it_and_renders_the_same(text):
    """The shortcut for lines no rule can change gives markdown-it's HTML."""
    text = text.strip()
    if text and formatting.PLAIN_TEXT_RE.fullmatch(text):
        markup = formatting._markdown().render(text)
        assert render(text) == formatting._cleaner().clean(markup).strip()
