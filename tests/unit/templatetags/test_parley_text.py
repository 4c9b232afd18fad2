"""User text in a page's ``<title>`` is isolated and still escaped."""

from django.template import Context, Template


def render(value: str) -> str:
    return Template("{% load parley_text %}{{ value|isolate }} · Parley").render(
        Context({"value": value})
    )


def test_a_title_is_isolated_from_the_text_after_it():
    assert (
        render("\u05e9\u05dc\u05d5\u05dd")
        == "\u2068\u05e9\u05dc\u05d5\u05dd\u2069 · Parley"
    )


def test_an_isolated_title_is_escaped():
    assert render("<b>") == "\u2068&lt;b&gt;\u2069 · Parley"
