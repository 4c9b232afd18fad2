"""What Parley's app does when Django starts (``parley.apps``): it connects
the receivers that close sockets whose sign-in ended, so signing out,
changing a password or deleting a user reaches open sockets."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client

from parley.services.sessions import key_digest
from parley.wire.events import SESSION_EVENT, user_group

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def session_events():
    """The session events sent to one user's group, read without waiting."""
    layer = get_channel_layer()
    channels = []

    def events_of(user) -> list[dict]:
        if not channels:
            channels.append(async_to_sync(layer.new_channel)())
            async_to_sync(layer.group_add)(user_group(user.pk), channels[0])
            return []
        queue = layer.channels.get(channels[0])
        received = []
        while queue is not None and not queue.empty():
            received.append(async_to_sync(layer.receive)(channels[0]))
        assert all(event["type"] == SESSION_EVENT for event in received)
        return received

    yield events_of
    async_to_sync(layer.flush)()


def test_signing_out_closes_the_sockets_of_that_session(alice, session_events):
    session_events(alice)
    client = Client()
    client.force_login(alice)
    key = client.session.session_key
    client.logout()
    (event,) = session_events(alice)
    assert event["sessions"] == [key_digest(key)]


def test_a_password_change_or_a_deletion_rechecks_the_users_sockets(
    alice, session_events
):
    session_events(alice)
    alice.set_password("another pass")
    alice.save()
    assert [event["check"] for event in session_events(alice)] == [True]
    alice.delete()
    assert [event["check"] for event in session_events(alice)] == [True]


def test_a_save_that_cannot_touch_the_sign_in_sends_nothing(alice, session_events):
    """``last_login`` is saved at every sign-in: no event for it."""
    session_events(alice)
    alice.save(update_fields=["last_login"])
    assert session_events(alice) == []


def test_a_migration_that_rebuilds_the_message_table_keeps_search_working(
    django_user_model,
):
    """SQLite drops a table's triggers when Django rebuilds it for a column
    change; after ``migrate`` the app puts the search index's back."""
    from django.apps import apps
    from django.db import connection
    from django.db.models.signals import post_migrate

    from parley.services import messages, rooms, search

    user = django_user_model.objects.create_user("rebuilder")
    room = rooms.join_or_create(user=user, name="rebuilt")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for name in ("insert", "update", "delete"):
                cursor.execute(f"DROP TRIGGER parley_message_fts_{name}")
    post_migrate.send(
        sender=apps.get_app_config("parley"),
        app_config=apps.get_app_config("parley"),
        verbosity=0,
        interactive=False,
        using="default",
        apps=apps,
        plan=[],
    )
    messages.store(room=room, author=user, text="persimmon")
    hits = search.search(user=user, text="persimmon").hits
    assert [hit.message.text for hit in hits] == ["persimmon"]
