"""A message's formatting: a safe Markdown subset rendered to sanitized HTML.
No I/O.

Rendered once, on the server, when a message is stored or edited
(``parley.services.messages``); frames, history and replays carry the
result as the message's ``html`` beside its ``text``, and the page inserts
only that HTML. Two steps, each by a well-kept library:

1. markdown-it-py (CommonMark) with only the rules of the subset enabled:
   ``**bold**``, ``*italic*``, ``~~strike~~``, `` `code` ``, fenced and
   indented code blocks, ``>`` block quotes, ``-``/``1.`` lists, links
   (``[text](url)``, ``<url>`` and bare ``http(s)://`` URLs, found by
   linkify-it-py), backslash escapes, entities and line breaks. Images, raw
   HTML, headings, thematic breaks and tables are off: their Markdown stays
   text. ``@username`` becomes ``<span class="mention" data-user="...">``
   (never inside code or a link's address), read as
   ``parley.services.mentions`` reads mentions.
2. nh3 (Ammonia) over markdown-it's output, with an allow-list
   (``ALLOWED_TAGS``, ``ALLOWED_ATTRIBUTES``, ``ALLOWED_CLASSES``,
   ``URL_SCHEMES``): whatever the first step let through (a bug, a new
   rule), no other tag, attribute or URL scheme reaches the page. Every
   link gets ``rel="noopener noreferrer nofollow"`` and
   ``target="_blank"``; relative URLs are dropped.
"""

import functools
import re

import nh3
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

# The tags the page may receive, and their attributes. ``s`` is
# markdown-it's strikethrough; ``span`` only ever carries a mention.
ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "span",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "ol": frozenset({"start"}),
    "span": frozenset({"data-user"}),
}
ALLOWED_CLASSES = {"span": frozenset({"mention"})}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# rel of every link: no window.opener, no Referer, no endorsement for search
# engines (the page's own links say the same: static/parley/render.js).
LINK_REL = "noopener noreferrer nofollow"

# The block and inline rules of the subset (markdown-it-py's rule names);
# every other rule is disabled, so a rule a new markdown-it-py release adds
# stays off too.
BLOCK_RULES = ["code", "fence", "blockquote", "list", "reference", "paragraph"]
INLINE_RULES = [
    "text",
    "linkify",
    "newline",
    "escape",
    "backticks",
    "strikethrough",
    "emphasis",
    "link",
    "autolink",
    "entity",
]
INLINE2_RULES = ["balance_pairs", "strikethrough", "emphasis", "fragments_join"]
CORE_RULES = ["normalize", "block", "inline", "linkify", "text_join"]
# Deepest nesting of blocks and inline markup (markdown-it's maxNesting, as
# its CommonMark preset): deeper markup renders as text, and a message of
# 4000 ">" cannot make a 4000-deep tree.
MAX_NESTING = 20

# A mention, as parley.services.mentions reads one: "@" not after a word
# character or another "@", then a username; trailing ". @ + -" end the
# sentence and stay outside the mention element.
MENTION_RE = re.compile(r"(?<![\w@])@(\w[\w.@+-]*)")
MENTION_TRAILING = ".@+-"
MENTION = "mention"

# Text that no enabled rule can change: one line, none of the characters
# that start inline markup (escape, code, emphasis, strike, link, autolink,
# entity, mention, a URL's ":"), not starting like a list item. It renders
# as one paragraph of itself, so markdown-it's per-character scan is
# skipped for most chat lines (tests/unit/wire/test_formatting.py checks
# that both ways agree on any text).
PLAIN_TEXT_RE = re.compile(r"(?![-+]|\d{1,9}[.)])[^\x00\n\r\\`*_~\[\]<>!&@:]*")


def _mention(state: StateInline, silent: bool) -> bool:
    """markdown-it inline rule: ``@name`` at ``state.pos`` is a mention."""
    if state.src[state.pos] != "@":
        return False
    match = MENTION_RE.match(state.src, state.pos)
    if match is None:
        return False
    token = match.group(1)
    if not silent:
        name = token.rstrip(MENTION_TRAILING)
        mention = state.push(MENTION, "span", 0)
        mention.content = name
        mention.meta = {"user": token}
        if name != token:
            state.push("text", "", 0).content = token[len(name) :]
    state.pos = match.end()
    return True


def _render_mention(
    renderer: RendererHTML,
    tokens: list[Token],
    index: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    """markdown-it render rule of a mention token: the mention element."""
    token = tokens[index]
    user = escapeHtml(token.meta["user"])
    return (
        f'<span class="mention" data-user="{user}">@{escapeHtml(token.content)}</span>'
    )


@functools.cache
def _markdown() -> MarkdownIt:
    """The parser of the subset, built once per process (read-only after)."""
    md = MarkdownIt(
        "zero",
        {"breaks": True, "html": False, "linkify": True, "maxNesting": MAX_NESTING},
    )
    md.enable(BLOCK_RULES + INLINE_RULES + INLINE2_RULES + CORE_RULES)
    # Bare http(s) URLs only, as the page linked them before: no fuzzy
    # "example.com" or e-mail links, no "ftp:" or protocol-relative ones.
    linkify = LinkifyIt(options={"fuzzy_link": False, "fuzzy_email": False})
    linkify.add("ftp:", None).add("//", None).add("mailto:", None)
    md.linkify = linkify
    md.inline.ruler.before("emphasis", MENTION, _mention)
    md.add_render_rule(MENTION, _render_mention)
    return md


@functools.cache
def _cleaner() -> nh3.Cleaner:
    """The sanitizer of the allow-list, built once per process."""
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
        url_schemes=set(URL_SCHEMES),
        url_relative="deny",
        link_rel=LINK_REL,
        set_tag_attribute_values={"a": {"target": "_blank"}},
        strip_comments=True,
    )


def render(text: str, *, max_chars: int) -> str:
    """A message's sanitized HTML; see the module for the subset.

    Args:
        text: the message's text (``parley.services.messages.clean_text``).
        max_chars: the longest HTML kept, in characters
            (``PARLEY_MESSAGE_HTML_MAX_CHARS``).

    Returns:
        The HTML, without a trailing newline; "" when ``text`` is empty or
        the HTML would be longer than ``max_chars``: the message then
        shows as plain text (its ``text``), as before formatting existed.
    """
    if not text:
        return ""
    if PLAIN_TEXT_RE.fullmatch(text):
        markup = f"<p>{escapeHtml(text)}</p>"
    else:
        markup = _markdown().render(text)
    html = _cleaner().clean(markup).strip()
    return html if len(html) <= max_chars else ""
