"""``parley purge``: every message past its retention goes now, batch after
batch; with no limit set it says so and deletes nothing."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from parley.models import Message
from parley.services import messages, rooms

pytestmark = pytest.mark.django_db


def test_it_purges_every_batch_and_says_how_many(django_user_model, settings):
    alice = django_user_model.objects.create_user("alice")
    lobby = rooms.join_or_create(user=alice, name="lobby")
    for n in range(5):
        messages.store(room=lobby, author=alice, text=f"m{n}")
    messages.store(room=lobby, author=alice, text="new")
    Message.objects.filter(seq__lte=5).update(
        created_at=timezone.now() - dt.timedelta(days=3)
    )
    out = StringIO()
    call_command("purge", stdout=out)
    assert "keeps every message" in out.getvalue()
    assert Message.objects.count() == 6
    settings.PARLEY_RETENTION = {"public": 2}
    settings.PARLEY_RETENTION_BATCH = 2
    out = StringIO()
    call_command("purge", stdout=out)
    assert out.getvalue().strip() == "Purged 5 message(s)."
    assert list(Message.objects.values_list("text", flat=True)) == ["new"]
