"""Formatting as messages are stored, edited and deleted
(``parley.services.formatting``, ``parley.services.messages``), its limit
``PARLEY_MESSAGE_HTML_MAX_CHARS``, and the migration that renders the
messages stored before it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from parley.services import edits, formatting, history, messages, rooms
from parley.wire import shapes

pytestmark = pytest.mark.django_db


@pytest.fixture
def lobby(alice):
    return rooms.join_or_create(user=alice, name="lobby")


def test_a_message_is_rendered_when_stored_edited_and_deleted(alice, lobby):
    said = messages.store(room=lobby, author=alice, text="**hi** @bob").message
    html = (
        '<p><strong>hi</strong> <span class="mention" data-user="bob">@bob</span></p>'
    )
    assert said.html == html
    assert shapes.message(said)["html"] == html
    edited = edits.edit_message(user=alice, message_id=said.id, text="`code`")
    assert edited.html == "<p><code>code</code></p>"
    [shown] = history.history(room=lobby)
    assert shapes.message(shown)["html"] == "<p><code>code</code></p>"
    edits.delete_message(user=alice, message_id=said.id)
    [shown] = history.history(room=lobby)
    assert shown.html == ""


@pytest.mark.parametrize("extra", [0, 1])
def test_html_up_to_the_limit_is_kept_and_past_it_the_text_shows_plain(settings, extra):
    """N characters of HTML are kept; N+1 leave ``html`` "" (plain text)."""
    html = "<p><em>x</em></p>"
    settings.PARLEY_MESSAGE_HTML_MAX_CHARS = len(html) - extra
    assert formatting.message_html("*x*") == ("" if extra else html)


@pytest.mark.django_db(transaction=True)
def test_the_migration_renders_the_messages_stored_before_it():
    before, after = [("parley", "0006_profiles")], [("parley", "0008_message_html")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = old.get_model("auth", "User").objects.create(username="ann")
    room = old.get_model("parley", "Room").objects.create(slug="old", title="old")
    message = old.get_model("parley", "Message")
    message.objects.create(room=room, author=user, seq=1, text="*old*")
    message.objects.create(room=room, author=user, seq=2, text="")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    rendered = new.get_model("parley", "Message").objects.order_by("seq")
    assert [m.html for m in rendered] == ["<p><em>old</em></p>", ""]
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
