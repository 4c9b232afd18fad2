"""Template filters for user text: ``{% load parley_text %}``."""

from django import template

register = template.Library()

# Unicode UAX #9, section 2.7: FIRST STRONG ISOLATE and POP DIRECTIONAL
# ISOLATE, the plain-text form of <bdi>.
FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"


@register.filter
def isolate(value: object) -> str:
    """``value`` between U+2068 and U+2069, for text where markup cannot
    go (``<title>``): a right-to-left room title cannot reorder `` ·
    Parley`` after it. The result is still escaped as any text is."""
    return f"{FIRST_STRONG_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}"
