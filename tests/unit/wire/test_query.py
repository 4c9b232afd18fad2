"""The search query parser and snippets, with plain values."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parley.wire.errors import ErrorCode
from parley.wire.query import QueryError, SearchQuery, parse, snippet

LIMIT = 200


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deploy", SearchQuery(words=("deploy",))),
        ("Deploy DEPLOY now", SearchQuery(words=("deploy", "now"))),
        (
            '"release notes" go',
            SearchQuery(words=("go",), phrases=(("release", "notes"),)),
        ),
        ("from:alice in:ops x", SearchQuery(words=("x",), author="alice", room="ops")),
        (
            "FROM:@bob In:#лобби x",
            SearchQuery(words=("x",), author="bob", room="лобби"),
        ),
        ("foo-bar", SearchQuery(phrases=(("foo", "bar"),))),
        ("Ёлка café", SearchQuery(words=("ёлка", "café"))),
        # An unbalanced quote runs its phrase to the end.
        ('a "b c', SearchQuery(words=("a",), phrases=(("b", "c"),))),
        # FTS5 and tsquery operators are words or nothing.
        (
            "x NEAR(y z) * ^w text:v",
            SearchQuery(words=("x", "z", "w"), phrases=(("near", "y"), ("text", "v"))),
        ),
        ("a & !b | c <-> d", SearchQuery(words=("a", "b", "c", "d"))),
        ('"from:alice"', SearchQuery(phrases=(("from", "alice"),))),
    ],
)
def test_parse(text, expected):
    """Words, phrases and filters come out folded; operators are words."""
    assert parse(text, max_chars=LIMIT) == expected


@pytest.mark.parametrize("text", ["", "   ", '""', "* ^ :", "from:alice in:ops", "_"])
def test_a_query_with_no_word_is_refused(text):
    with pytest.raises(QueryError) as refused:
        parse(text, max_chars=LIMIT)
    assert refused.value.code == ErrorCode.INVALID_QUERY
    assert refused.value.status == 400


def test_the_length_limit_is_inclusive():
    """A query of max_chars characters parses; one more is refused."""
    assert parse("a" * LIMIT, max_chars=LIMIT).words == ("a" * LIMIT,)
    with pytest.raises(QueryError):
        parse("a" * (LIMIT + 1), max_chars=LIMIT)


@given(st.text(max_size=300))
def test_any_text_parses_or_is_refused_by_the_parser(text):
    """Whatever is typed, the parser returns a query or raises QueryError,
    and every word it returns is letters and digits only."""
    try:
        query = parse(text, max_chars=LIMIT)
    except QueryError:
        return
    for word in query.terms():
        assert word
        assert all(c.isalnum() for c in word)


def test_snippet_marks_every_match_as_ranges():
    cut = snippet("Deploy now, then deploy again", frozenset({"deploy"}), max_chars=100)
    assert cut.text == "Deploy now, then deploy again"
    assert [cut.text[a:b] for a, b in cut.highlights] == ["Deploy", "deploy"]


def test_snippet_cuts_around_the_first_match():
    text = "x " * 100 + "needle" + " y" * 100
    cut = snippet(text, frozenset({"needle"}), max_chars=40)
    assert cut.text.startswith("…") and cut.text.endswith("…")
    assert len(cut.text) == 42
    assert [cut.text[a:b] for a, b in cut.highlights] == ["needle"]


def test_snippet_marks_words_whatever_their_case_and_accents():
    query = parse("CAFE елка", max_chars=LIMIT)
    cut = snippet("Café, Ёлка", query.terms(), max_chars=100)
    assert [cut.text[a:b] for a, b in cut.highlights] == ["Café", "Ёлка"]


def test_snippet_keeps_markup_as_text():
    """A message's markup is text in the snippet; only ranges mark it."""
    cut = snippet("<b>bold</b> x", frozenset({"bold"}), max_chars=100)
    assert cut.text == "<b>bold</b> x"
    assert cut.highlights == ((3, 7),)
