"""Names people read (``parley.services.names``): no direction controls,
one script per word, no look-alikes; and the data migration that computes
the skeletons of the rooms and users that exist."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parley.models import UsernameSkeleton
from parley.services import names
from parley.wire.errors import Conflict, ErrorCode, ParleyError

CYRILLIC_A, CYRILLIC_O, CYRILLIC_ES, CYRILLIC_IE = (
    "\u0430",
    "\u043e",
    "\u0441",
    "\u0435",
)
# Latin letters and the Cyrillic letters drawn the same.
LOOK_ALIKES = {"a": CYRILLIC_A, "o": CYRILLIC_O, "c": CYRILLIC_ES, "e": CYRILLIC_IE}

latin_words = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=1, max_size=12
)
cyrillic_words = st.text(
    st.characters(min_codepoint=0x0430, max_codepoint=0x044F), min_size=1, max_size=12
)
any_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)


# Direction controls ---------------------------------------------------------


@given(
    before=any_text,
    control=st.sampled_from(sorted(names.BIDI_CONTROLS)),
    after=any_text,
)
def test_a_direction_control_anywhere_is_refused(before, control, after):
    """``safe\\u202egnp.exe`` and every other placement: refused, whatever
    the code the caller refuses with."""
    with pytest.raises(ParleyError) as error:
        names.check_text(before + control + after, code=ErrorCode.INVALID_ROOM)
    assert error.value.code == ErrorCode.INVALID_ROOM


@pytest.mark.parametrize("code_point", [0x202A, 0x202E, 0x2066, 0x2069, 0x200F])
def test_the_bidi_controls_are_the_documented_ones(code_point):
    assert names.has_bidi_controls(f"safe{chr(code_point)}gnp.exe")


def test_text_without_controls_passes_normalized():
    assert names.check_text("\ufb01ne \uff41", code=ErrorCode.INVALID_ROOM) == "fine a"


# Scripts --------------------------------------------------------------------


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(word=latin_words.filter(lambda w: set(w) & set(LOOK_ALIKES)), data=st.data())
def test_a_word_with_a_letter_of_another_script_is_refused(word, data):
    """One Latin letter swapped for its Cyrillic twin (``\\u0430lice``)."""
    at = data.draw(st.sampled_from([i for i, c in enumerate(word) if c in LOOK_ALIKES]))
    spoofed = word[:at] + LOOK_ALIKES[word[at]] + word[at + 1 :]
    if set(spoofed) <= set(LOOK_ALIKES.values()):
        return  # all Cyrillic now: one script (the skeleton catches it)
    with pytest.raises(ParleyError) as error:
        names.check_text(f"the {spoofed} room", code=ErrorCode.INVALID_NAME)
    assert error.value.code == ErrorCode.INVALID_NAME
    assert "Cyrillic, Latin" in error.value.message


@given(latin=latin_words, cyrillic=cyrillic_words, digits=st.integers(0, 999))
def test_words_of_one_script_each_pass(latin, cyrillic, digits):
    """Titles may mix scripts across words: ``\u041b\u043e\u0431\u0431\u0438 room``."""
    text = f"{cyrillic} {latin}-{digits} {latin}_{cyrillic}"
    assert names.check_text(text, code=ErrorCode.INVALID_ROOM) == text


@pytest.mark.parametrize(
    "word", ["会议室", "日本語のテキスト", "한국어漢字", "ㄅㄆ中文", "café", "Ελληνικά"]
)
def test_scripts_written_together_pass(word):
    assert names.mixed_script_word(word) is None


# Skeletons ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("alice", f"{CYRILLIC_A}lice"),
        ("lobby", f"l{CYRILLIC_O}bby"),
        ("ace", CYRILLIC_A + CYRILLIC_ES + CYRILLIC_IE),  # all Cyrillic
        ("Alice", "alice"),
        ("AIice", "alice"),  # a capital I for the l
        ("paypal", "paypa1"),
        ("\uff41lice", "alice"),  # full-width a, folded by NFKC
    ],
)
def test_look_alikes_share_a_skeleton(first, second):
    assert names.skeleton(first) == names.skeleton(second)


@given(latin_words.filter(lambda word: "i" not in word))
def test_a_skeleton_ignores_case_and_compatibility_forms(word):
    """Upper and lower case share a skeleton, but for ``I``, which is drawn
    as ``l`` (``Iris`` looks like ``lris``, not ``iris``)."""
    full_width = "".join(chr(ord(c) - ord("a") + 0xFF41) for c in word)
    assert names.skeleton(word) == names.skeleton(word.upper())
    assert names.skeleton(word) == names.skeleton(full_width)


@pytest.mark.django_db
def test_a_username_like_an_existing_one_is_a_conflict(make_user):
    make_user("alice")
    make_user("ace")
    # All Cyrillic: one script, but drawn as "ace".
    whole_cyrillic = CYRILLIC_A + CYRILLIC_ES + CYRILLIC_IE
    for name in ("Alice", "alice", whole_cyrillic):
        with pytest.raises(Conflict) as error:
            names.check_username(name)
        assert error.value.code == ErrorCode.NAME_CONFUSABLE
    assert names.check_username("alicia") == "alicia"


@pytest.mark.django_db
def test_a_mixed_script_username_is_invalid(make_user):
    with pytest.raises(ParleyError) as error:
        names.check_username(f"{CYRILLIC_A}lice")
    assert error.value.code == ErrorCode.INVALID_NAME


@pytest.mark.django_db
def test_each_users_skeleton_follows_their_username(make_user):
    user = make_user("Bob")
    assert UsernameSkeleton.objects.get(user=user).skeleton == "bob"
    user.username = "robert"
    user.save()
    assert UsernameSkeleton.objects.get(user=user).skeleton == "robert"
    UsernameSkeleton.objects.filter(user=user).update(skeleton="stale")
    user.save(update_fields=["last_login"])  # a sign-in: nothing to redo
    assert UsernameSkeleton.objects.get(user=user).skeleton == "stale"


# The data migration -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_computes_the_skeletons_of_existing_rows():
    before, after = (
        [("parley", "0003_notifications_guests")],
        [("parley", "0004_name_skeletons")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = old.get_model("auth", "User").objects.create(username="Alice")
    old.get_model("parley", "Room").objects.create(slug="l\u043ebby", title="x")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    room = new.get_model("parley", "Room").objects.get()
    assert room.skeleton == names.skeleton("lobby")
    skeleton = new.get_model("parley", "UsernameSkeleton").objects.get(user_id=user.pk)
    assert skeleton.skeleton == "alice"
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
