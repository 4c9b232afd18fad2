"""Profiles (``parley.services.profiles``): display names, and avatars
checked, re-encoded and stored, with every limit at its boundary."""

import io

import pytest
from django.test import override_settings
from PIL import Image

from parley.models import Message
from parley.services import history, messages, profiles, rooms
from parley.wire import shapes
from parley.wire.errors import ErrorCode, ParleyError

pytestmark = pytest.mark.django_db


def picture(size=(40, 30), fmt="PNG", mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    colour = (200, 30, 30) if mode == "RGB" else 0
    Image.new(mode, size, colour).save(out, fmt, **save)
    return out.getvalue()


def test_a_user_without_a_profile_shows_the_username(alice):
    profile = profiles.profile_of(alice)
    assert profile.pk is None or profile.display_name == ""
    assert profile.avatar_url == ""


def test_a_display_name_is_trimmed_and_its_spaces_collapsed(alice):
    profiles.set_display_name(user=alice, name="  Alice   Liddell ")
    assert profiles.profile_of(alice).display_name == "Alice Liddell"


def test_an_empty_display_name_means_the_username(alice):
    profiles.set_display_name(user=alice, name="Al")
    profiles.set_display_name(user=alice, name="   ")
    alice.parley_profile = profiles.profile_of(alice)
    assert profiles.name_of(alice) == "alice"


@override_settings(PARLEY_DISPLAY_NAME_MAX_CHARS=5)
def test_a_display_name_of_the_limit_passes_and_one_more_is_refused(alice):
    profiles.set_display_name(user=alice, name="Алиса")
    with pytest.raises(ParleyError) as refused:
        profiles.set_display_name(user=alice, name="Алиса!")
    assert refused.value.code == ErrorCode.INVALID_NAME
    assert profiles.profile_of(alice).display_name == "Алиса"


@pytest.mark.parametrize("name", ["a\x00b", "a\u202eb", "a\x1bb"])
def test_control_and_format_characters_are_refused(alice, name):
    with pytest.raises(ParleyError) as refused:
        profiles.set_display_name(user=alice, name=name)
    assert refused.value.code == ErrorCode.INVALID_NAME


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_an_accepted_image_is_stored_as_a_square_png_of_the_set_size(alice, fmt):
    profile = profiles.set_avatar(user=alice, data=picture(fmt=fmt))
    stored = profiles.avatar(user_id=alice.pk, version=profile.avatar_version)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "PNG"
    assert image.size == (128, 128)


def test_the_stored_avatar_is_not_the_uploaded_file(alice):
    """Re-encoded: metadata and trailing bytes (a polyglot's payload) are gone."""
    upload = picture(size=(128, 128)) + b"<script>alert(1)</script>"
    profile = profiles.set_avatar(user=alice, data=upload)
    stored = profiles.avatar(user_id=alice.pk, version=profile.avatar_version)
    assert stored != upload and b"<script>" not in stored


def test_each_upload_is_a_new_url_and_the_old_one_is_gone(alice):
    first = profiles.set_avatar(user=alice, data=picture()).avatar_url
    second = profiles.set_avatar(user=alice, data=picture()).avatar_url
    assert first != second
    assert profiles.avatar(user_id=alice.pk, version=1) is None
    assert profiles.avatar(user_id=alice.pk, version=2) is not None


def test_removing_the_avatar_removes_its_url(alice):
    profiles.set_avatar(user=alice, data=picture())
    assert profiles.remove_avatar(user=alice).avatar_url == ""
    assert profiles.avatar(user_id=alice.pk, version=1) is None


def test_max_bytes_pass_and_one_more_is_refused(alice):
    data = picture()
    with override_settings(PARLEY_AVATAR_MAX_BYTES=len(data)):
        profiles.set_avatar(user=alice, data=data)
    with (
        override_settings(PARLEY_AVATAR_MAX_BYTES=len(data) - 1),
        pytest.raises(ParleyError) as refused,
    ):
        profiles.set_avatar(user=alice, data=data)
    assert refused.value.code == ErrorCode.IMAGE_TOO_LARGE


def test_max_pixels_pass_and_one_more_is_refused(alice):
    """Checked from the header, before decoding: a bomb is never inflated."""
    with override_settings(PARLEY_AVATAR_MAX_PIXELS=40 * 30):
        profiles.set_avatar(user=alice, data=picture(size=(40, 30)))
        with pytest.raises(ParleyError) as refused:
            profiles.set_avatar(user=alice, data=picture(size=(41, 30)))
    assert refused.value.code == ErrorCode.IMAGE_TOO_LARGE


def test_a_decompression_bomb_is_refused_before_decoding(alice):
    """A few KiB that declare 20000 x 20000 pixels (400 MB decoded)."""
    bomb = picture(size=(20000, 20000), mode="1", optimize=True)
    assert len(bomb) < 200_000
    with pytest.raises(ParleyError) as refused:
        profiles.set_avatar(user=alice, data=bomb)
    assert refused.value.code == ErrorCode.IMAGE_TOO_LARGE


@pytest.mark.parametrize(
    "data",
    [
        b"not an image",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # a PNG signature, then garbage
    ],
)
def test_what_is_not_an_accepted_image_is_refused(alice, data):
    with pytest.raises(ParleyError) as refused:
        profiles.set_avatar(user=alice, data=data)
    assert refused.value.code == ErrorCode.INVALID_IMAGE
    assert profiles.profile_of(alice).avatar_url == ""


@override_settings(PARLEY_AVATAR_FORMATS=("PNG",))
def test_a_format_left_out_of_the_setting_is_refused(alice):
    with pytest.raises(ParleyError) as refused:
        profiles.set_avatar(user=alice, data=picture(fmt="GIF"))
    assert refused.value.code == ErrorCode.INVALID_IMAGE


def test_people_maps_usernames_to_names_and_avatars(alice, bob, carol):
    profiles.set_display_name(user=alice, name="Alice L")
    profiles.set_avatar(user=bob, data=picture())
    found = profiles.people(["alice", "bob", "carol"])
    assert found["alice"] == {"name": "Alice L"}
    assert found["bob"]["name"] == "bob" and found["bob"]["avatar"].endswith(".png")
    assert found["carol"] == {"name": "carol"}


def test_a_sent_message_and_its_history_carry_the_display_name_and_avatar(
    alice, django_assert_num_queries
):
    profiles.set_display_name(user=alice, name="Alice L")
    profile = profiles.set_avatar(user=alice, data=picture())
    room = rooms.create_room(user=alice, title="shapes")
    sent = messages.store(room=room, author=alice, text="hi").message
    with django_assert_num_queries(0):
        shape = shapes.message(sent)
    assert shape["author_name"] == "Alice L"
    assert shape["author_avatar"] == profile.avatar_url
    page = history.history(room=room)
    with django_assert_num_queries(0):
        assert shapes.message(page[0]) == shape | {"id": sent.id}


def test_history_does_not_load_avatar_bytes(alice):
    profiles.set_avatar(user=alice, data=picture())
    room = rooms.create_room(user=alice, title="light")
    messages.store(room=room, author=alice, text="hi")
    loaded = profiles.with_authors(Message.objects.filter(room=room)).get()
    assert "avatar" in loaded.author.parley_profile.get_deferred_fields()
