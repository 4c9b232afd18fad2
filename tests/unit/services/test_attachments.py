"""Attachments (``parley.services.attachments``): uploads checked by their
bytes, each limit at its boundary; sending them with a message; who may
read them."""

import pytest
from django.test import override_settings

from parley.models import Attachment, Room
from parley.ratelimit import RateLimited
from parley.services import attachments, edits, history, messages, rooms
from parley.wire import shapes
from parley.wire.errors import ErrorCode, ParleyError
from tests.support.images import bomb, picture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def room(alice):
    return rooms.create_room(user=alice, title="Files", kind=Room.Kind.PRIVATE)


def refused(code: ErrorCode, call, **kwargs) -> ParleyError:
    with pytest.raises(ParleyError) as error:
        call(**kwargs)
    assert error.value.code == code
    return error.value


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (picture(fmt="PNG"), "image/png"),
        (picture(fmt="JPEG"), "image/jpeg"),
        (picture(fmt="GIF"), "image/gif"),
        (picture(fmt="WEBP"), "image/webp"),
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"PK\x03\x04rest", "application/zip"),
        ("Привет, мир\n".encode(), "text/plain"),
        (b"<svg onload=alert(1)>", "text/plain"),
        (b"RIFF1234WEBX", "text/plain"),
        (b"RIFX1234WEBP", "text/plain"),
        (b"\x00\x01binary", "application/octet-stream"),
        (b"\xff\xfe not utf-8", "application/octet-stream"),
    ],
)
def test_the_type_is_read_from_the_bytes(data, kind):
    assert attachments.sniff(data) == kind


def test_an_image_is_stored_with_its_size_and_a_thumbnail(alice, room, media):
    stored = attachments.upload(
        user=alice, slug=room.slug, name="C:\\photos\\cat.png", data=picture((640, 480))
    )
    assert (stored.name, stored.content_type, stored.width, stored.height) == (
        "cat.png",
        "image/png",
        640,
        480,
    )
    assert stored.message is None and "cat" not in stored.file
    with attachments.open_file(stored, thumb=True) as thumb:
        head = thumb.read()
    assert attachments.sniff(head) == "image/webp"
    assert (media / stored.file).read_bytes() == picture((640, 480))


@override_settings(PARLEY_ATTACHMENT_MAX_BYTES=100)
def test_a_file_of_the_limit_passes_and_one_byte_more_is_refused(alice, room):
    attachments.upload(user=alice, slug=room.slug, name="a.txt", data=b"a" * 100)
    refused(
        ErrorCode.ATTACHMENT_TOO_LARGE,
        attachments.upload,
        user=alice,
        slug=room.slug,
        name="b.txt",
        data=b"a" * 101,
    )
    refused(
        ErrorCode.ATTACHMENT_TOO_LARGE,
        attachments.upload,
        user=alice,
        slug=room.slug,
        name="c.txt",
        data=b"",
    )
    assert Attachment.objects.count() == 1


def test_a_type_not_allowed_is_refused_whatever_its_name(alice, room, settings):
    refused(
        ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED,
        attachments.upload,
        user=alice,
        slug=room.slug,
        name="app.png",
        data=b"\x7fELF\x02\x01\x01\x00",
    )
    settings.PARLEY_ATTACHMENT_TYPES = "image/png"
    refused(
        ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED,
        attachments.upload,
        user=alice,
        slug=room.slug,
        name="notes.png",
        data=b"plain text",
    )


@override_settings(PARLEY_ATTACHMENT_MAX_PIXELS=100)
def test_an_image_of_the_pixel_limit_passes_and_one_pixel_row_more_is_refused(
    alice, room
):
    attachments.upload(user=alice, slug=room.slug, name="a.png", data=picture((10, 10)))
    refused(
        ErrorCode.IMAGE_TOO_LARGE,
        attachments.upload,
        user=alice,
        slug=room.slug,
        name="b.png",
        data=picture((10, 11)),
    )


def test_a_decompression_bomb_and_a_damaged_image_are_refused(alice, room):
    refused(
        ErrorCode.IMAGE_TOO_LARGE,
        attachments.upload,
        user=alice,
        slug=room.slug,
        name="bomb.png",
        data=bomb(),
    )
    refused(
        ErrorCode.INVALID_IMAGE,
        attachments.upload,
        user=alice,
        slug=room.slug,
        name="bad.png",
        data=picture()[:40],
    )
    assert not Attachment.objects.exists()


def reject_eicar(name: str, data: bytes, content_type: str) -> bool:
    if b"EICAR" in data:
        raise ValueError("a test virus")
    return b"refuse" not in data


@override_settings(
    PARLEY_ATTACHMENT_SCANNER="tests.unit.services.test_attachments.reject_eicar"
)
def test_the_scanner_may_refuse_a_file(alice, room):
    error = refused(
        ErrorCode.ATTACHMENT_REJECTED,
        attachments.upload,
        user=alice,
        slug=room.slug,
        name="v.txt",
        data=b"EICAR test",
    )
    assert "a test virus" in error.message
    refused(
        ErrorCode.ATTACHMENT_REJECTED,
        attachments.upload,
        user=alice,
        slug=room.slug,
        name="r.txt",
        data=b"refuse me",
    )
    attachments.upload(user=alice, slug=room.slug, name="ok.txt", data=b"fine")


def test_only_readers_upload_and_guests_never(alice, bob, room):
    refused(
        ErrorCode.ROOM_NOT_FOUND,
        attachments.upload,
        user=bob,
        slug=room.slug,
        name="a.txt",
        data=b"hi",
    )


def test_a_long_name_keeps_its_extension():
    name = attachments.clean_name("x" * 300 + ".tar.gz\x07")
    assert len(name) == attachments.NAME_MAX_CHARS and name.endswith(".gz")
    assert attachments.clean_name("../\u202e") == "file"


def upload(user, room, name="a.txt", data=b"hello"):
    return attachments.upload(user=user, slug=room.slug, name=name, data=data)


def test_a_message_carries_its_files_in_events_and_history(alice, room):
    image, notes = upload(alice, room, "p.png", picture()), upload(alice, room)
    posted = messages.send(
        author=alice, room=room, text="", attachments=[image.pk, notes.pk]
    )
    live = shapes.message(posted.message)
    assert live["text"] == ""
    assert live["attachments"] == [
        {
            "id": image.pk,
            "name": "p.png",
            "size": image.size,
            "type": "image/png",
            "url": f"/files/{image.pk}/",
            "thumb_url": f"/files/{image.pk}/thumb/",
            "width": 40,
            "height": 30,
        },
        {
            "id": notes.pk,
            "name": "a.txt",
            "size": 5,
            "type": "text/plain",
            "url": f"/files/{notes.pk}/",
        },
    ]
    (stored,) = history.history(room=room)
    assert shapes.message(stored) == live
    (replayed,) = history.replay(room_id=room.pk, after=0).messages
    assert shapes.message(replayed)["attachments"] == live["attachments"]
    deleted = edits.delete_message(user=alice, message_id=posted.message.pk)
    assert "attachments" not in shapes.message(deleted)
    with pytest.raises(ParleyError) as gone:
        attachments.readable(user=alice, attachment_id=image.pk)
    assert gone.value.code == ErrorCode.ATTACHMENT_NOT_FOUND


def test_a_message_without_files_has_no_attachments_field(alice, room):
    posted = messages.send(author=alice, room=room, text="plain")
    assert "attachments" not in shapes.message(posted.message)
    refused(ErrorCode.INVALID_TEXT, messages.send, author=alice, room=room, text=" ")


def test_only_ones_own_unsent_uploads_into_the_room_are_sent(alice, bob, room):
    rooms.add_member(user=alice, room=room, username="bob")
    other_room = rooms.create_room(user=alice, title="Elsewhere")
    mine, theirs = upload(alice, room), upload(bob, room)
    elsewhere = upload(alice, other_room)
    for wrong in (theirs, elsewhere):
        refused(
            ErrorCode.ATTACHMENT_NOT_FOUND,
            messages.send,
            author=alice,
            room=room,
            text="x",
            attachments=[wrong.pk],
        )
    messages.send(author=alice, room=room, text="x", attachments=[mine.pk])
    refused(
        ErrorCode.ATTACHMENT_USED,
        messages.send,
        author=alice,
        room=room,
        text="again",
        attachments=[mine.pk],
    )
    assert Room.objects.get(pk=room.pk).last_seq == 1, "refused sends store nothing"


@override_settings(PARLEY_ATTACHMENTS_PER_MESSAGE=2)
def test_a_message_carries_the_limit_of_files_and_one_more_is_refused(alice, room):
    ids = [upload(alice, room).pk for _ in range(3)]
    refused(
        ErrorCode.TOO_MANY_ATTACHMENTS,
        messages.send,
        author=alice,
        room=room,
        text="x",
        attachments=ids,
    )
    posted = messages.send(author=alice, room=room, text="x", attachments=ids[:2])
    assert len(shapes.message(posted.message)["attachments"]) == 2


def test_readers_of_the_room_may_download_once_sent(alice, bob, carol, room):
    rooms.add_member(user=alice, room=room, username="bob")
    file = upload(alice, room)
    assert attachments.readable(user=alice, attachment_id=file.pk) == file
    for user in (bob, carol):
        refused(
            ErrorCode.ATTACHMENT_NOT_FOUND,
            attachments.readable,
            user=user,
            attachment_id=file.pk,
        )
    messages.send(author=alice, room=room, text="x", attachments=[file.pk])
    assert attachments.readable(user=bob, attachment_id=file.pk) == file
    refused(
        ErrorCode.ATTACHMENT_NOT_FOUND,
        attachments.readable,
        user=carol,
        attachment_id=file.pk,
    )


def test_an_unsent_upload_is_discarded_by_its_uploader_alone(alice, bob, room, media):
    rooms.add_member(user=alice, room=room, username="bob")
    mine = upload(alice, room, "p.png", picture())
    refused(
        ErrorCode.ATTACHMENT_NOT_FOUND,
        attachments.discard,
        user=bob,
        attachment_id=mine.pk,
    )
    attachments.discard(user=alice, attachment_id=mine.pk)
    assert not Attachment.objects.exists()
    assert not (media / mine.file).exists() and not (media / mine.thumb).exists()
    sent = upload(alice, room)
    messages.send(author=alice, room=room, text="x", attachments=[sent.pk])
    refused(
        ErrorCode.ATTACHMENT_USED,
        attachments.discard,
        user=alice,
        attachment_id=sent.pk,
    )


@override_settings(PARLEY_ATTACHMENTS_UNSENT_MAX=2)
def test_the_limit_of_unsent_uploads_passes_and_one_more_is_refused(alice, room):
    first, _second = upload(alice, room), upload(alice, room)
    refused(
        ErrorCode.TOO_MANY_ATTACHMENTS,
        attachments.upload,
        user=alice,
        slug=room.slug,
        name="c.txt",
        data=b"c",
    )
    messages.send(author=alice, room=room, text="x", attachments=[first.pk])
    upload(alice, room)


@override_settings(PARLEY_USER_UPLOAD_BURST=2, PARLEY_USER_UPLOADS_PER_MIN=1.0)
def test_the_upload_burst_passes_and_one_more_waits(alice, room):
    upload(alice, room), upload(alice, room)
    with pytest.raises(RateLimited) as limited:
        upload(alice, room)
    assert 0 < limited.value.retry_after <= 60
    assert Attachment.objects.count() == 2
