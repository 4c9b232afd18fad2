"""Names people read: usernames, guest names and room titles, kept apart.

Three rules, after NFKC normalization (Unicode UAX #15: ``ﬁ`` is ``fi``,
full-width ``\\uff41`` is ``a``):

- **No direction controls.** The embeddings, overrides and isolates
  (U+202A-U+202E, U+2066-U+2069) and the invisible marks (U+200E, U+200F,
  U+061C) reorder what follows them: ``safe\\u202egnp.exe`` shows as
  ``safeexe.png``. Refused in names and titles (the pages isolate user text
  besides, with ``dir="auto"`` and ``<bdi>``).
- **One script per word.** A word whose letters come from two scripts
  (``\\u0430lice``, its first letter Cyrillic) is refused: no honest word needs
  it. Han, Hiragana, Katakana, Hangul and Bopomofo combine as Unicode TR #39
  (section 5.1, augmented script sets) allows. Titles may still mix scripts
  across words (``Лобби room``).
- **No look-alikes.** Two names are confusable when their skeletons are
  equal (Unicode TR #39, section 4: each character mapped to its prototype
  by ``confusables.txt``); a new name confusable with an existing one is
  refused. Skeletons are taken case-insensitively: ``Alice`` and ``alice``
  are confusable too. ICU's ``SpoofChecker`` computes them (PyICU).

A username's skeleton is kept in ``UsernameSkeleton`` (kept up to date by
``user_saved`` on every save of a user, whoever saves it), a room's in
``Room.skeleton``. Two names made at the same moment are not checked
against each other: the check is a read, not a constraint (existing rooms
and users may already be confusable, so no unique index can hold).
"""

import functools
import unicodedata
from typing import Any

import icu  # type: ignore[import-untyped]
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from parley.models import UsernameSkeleton
from parley.wire.errors import Conflict, ErrorCode, ParleyError

# Direction controls (Unicode UAX #9, section 2): embeddings and overrides
# U+202A-U+202E, isolates U+2066-U+2069, and the implicit marks LRM, RLM
# and ALM.
BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)

# Scripts that do not make a word mixed (digits, punctuation, marks).
NEUTRAL_SCRIPTS = frozenset({"Common", "Inherited", "Unknown"})
# TR #39, section 5.1: the scripts written together in one word, as the
# writing systems they belong to.
AUGMENTED_SCRIPTS = {
    "Han": frozenset({"Han", "Jpan", "Kore", "Hanb"}),
    "Hiragana": frozenset({"Jpan"}),
    "Katakana": frozenset({"Jpan"}),
    "Hangul": frozenset({"Kore"}),
    "Bopomofo": frozenset({"Hanb"}),
}


def normalize(text: str) -> str:
    """``text`` in Unicode normalization form NFKC (UAX #15)."""
    return unicodedata.normalize("NFKC", text)


def has_bidi_controls(text: str) -> bool:
    """Whether ``text`` holds a direction control (``BIDI_CONTROLS``)."""
    return not BIDI_CONTROLS.isdisjoint(text)


@functools.cache
def _spoof_checker() -> Any:
    # Built once per process on first use, not at import; ICU's checker
    # is safe to share between threads for getSkeleton.
    return icu.SpoofChecker()


def skeleton(text: str) -> str:
    """The TR #39 skeleton of ``text``, case-insensitive: equal skeletons
    mean the two may be taken for each other (``\\u0430lice``, ``alice``,
    ``AIice`` with a capital I, and ``Alice`` share ``alice``).

    The skeleton of the NFKC form, case-folded, and the skeleton of that:
    folding first would lose ``I`` drawn as ``l``, folding only after would
    miss ``A`` against ``a``.
    """
    checker = _spoof_checker()
    drawn = str(checker.getSkeleton(0, normalize(text)))
    return str(checker.getSkeleton(0, drawn.casefold()))


def _scripts(char: str) -> frozenset[str] | None:
    """The augmented script set of ``char``; None for a neutral one."""
    name = str(icu.Script.getScript(char).getName())
    if name in NEUTRAL_SCRIPTS:
        return None
    return AUGMENTED_SCRIPTS.get(name, frozenset({name}))


def mixed_script_word(text: str) -> str | None:
    """The first word of ``text`` whose letters come from scripts no writing
    system combines (``\\u0430lice``: Cyrillic and Latin); None if there is none.

    Words are split at white space, hyphens, underscores and dots, so
    ``лобби-room`` is two words, each of one script.
    """
    for word in text.replace("-", " ").replace("_", " ").replace(".", " ").split():
        common: frozenset[str] | None = None
        for char in word:
            scripts = _scripts(char)
            if scripts is None:
                continue
            common = scripts if common is None else common & scripts
            if not common:
                return word
    return None


def script_names(word: str) -> str:
    """The scripts of ``word``'s letters, for a message: ``Cyrillic, Latin``."""
    names = {str(icu.Script.getScript(char).getName()) for char in word}
    return ", ".join(sorted(names - NEUTRAL_SCRIPTS))


def check_text(text: str, *, code: ErrorCode) -> str:
    """``text`` normalized (NFKC), if it has no direction control and no
    word of mixed scripts.

    Args:
        code: the error code to refuse with (``invalid_name`` for a
            username, ``invalid_room`` for a title).

    Raises:
        ParleyError: ``code``, with a message saying what to change.
    """
    text = normalize(text)
    if has_bidi_controls(text):
        raise ParleyError(
            code,
            _(
                "A name cannot hold direction controls (U+202A to U+202E, "
                "U+2066 to U+2069)."
            ),
        )
    word = mixed_script_word(text)
    if word is not None:
        raise ParleyError(
            code,
            _(
                "“%(word)s” mixes letters of different scripts (%(scripts)s); "
                "write each word in one script."
            )
            % {"word": word[:64], "scripts": script_names(word)},
        )
    return text


def check_username(username: str) -> str:
    """A new username (a sign-up's, or a guest's chosen name): normalized,
    checked as ``check_text``, and not confusable with an existing user's.

    Returns:
        ``username`` normalized (NFKC).

    Raises:
        ParleyError: ``invalid_name`` (direction controls, mixed scripts).
        Conflict: ``name_confusable`` if it looks like an existing username.
    """
    username = check_text(username, code=ErrorCode.INVALID_NAME)
    if UsernameSkeleton.objects.filter(skeleton=skeleton(username)).exists():
        raise Conflict(
            ErrorCode.NAME_CONFUSABLE,
            _(
                "%(name)s looks like the name of someone who is here already; "
                "choose a name that cannot be mistaken for theirs."
            )
            % {"name": username[:64]},
        )
    return username


def user_saved(sender: Any, instance: AbstractBaseUser, **kwargs: Any) -> None:
    """``post_save`` receiver of the user model: keep the user's username
    skeleton current (sign-up, admin, ``createsuperuser``, a renaming).
    A save of other fields only (``update_fields``, as a sign-in's
    ``last_login``) costs nothing."""
    fields = kwargs.get("update_fields")
    if fields is not None and get_user_model().USERNAME_FIELD not in fields:
        return
    value = skeleton(instance.get_username())
    UsernameSkeleton.objects.update_or_create(
        user_id=instance.pk, defaults={"skeleton": value}
    )
