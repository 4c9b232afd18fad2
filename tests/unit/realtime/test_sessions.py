"""How a process's session watch (``parley.realtime.sessions``) finds a
socket's credential and applies session events, without a server.

Which credentials end is tested in ``tests/unit/services/test_sessions.py``;
``tests/live/test_sessions.py`` runs the same against real servers.
"""

import asyncio
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session

from parley.realtime import sessions as session_watch
from parley.realtime.sessions import TOKEN_ID_SCOPE_KEY, SessionWatch, credential_of
from parley.services.sessions import Credential, key_digest
from parley.wire.events import session_event
from parley.wire.frames import CloseCode
from tests.unit.services.test_sessions import sign_in

pytestmark = pytest.mark.django_db


def test_a_sockets_credential_comes_from_its_scope(ann):
    key = sign_in(ann)
    session = SimpleNamespace(session_key=key)
    assert credential_of({"user": ann, "session": session}) == Credential(
        ann.pk, session_key=key
    )
    token_scope = {"user": ann, TOKEN_ID_SCOPE_KEY: 7, "session": session}
    assert credential_of(token_scope) == Credential(ann.pk, token_id=7)
    assert credential_of({"user": ann}) == Credential(ann.pk)


# The watch ---------------------------------------------------------------


class FakeSocket:
    """What the watch needs of a socket: its scope, and ``end``."""

    def __init__(self, user, *, session_key=None, token_id=None):
        self.user_id = user.pk
        self.scope = {"user": user}
        if token_id is not None:
            self.scope[TOKEN_ID_SCOPE_KEY] = token_id
        else:
            self.scope["session"] = SimpleNamespace(session_key=session_key)
        self.closed_with = None

    async def end(self, code):
        self.closed_with = code


class FakeHub:
    def __init__(self, *sockets):
        self.users = {}
        self.tasks = []
        self.sessions = SessionWatch(self)
        for socket in sockets:
            self.users.setdefault(socket.user_id, set()).add(socket)
            self.sessions.add(socket)

    def spawn(self, coroutine):
        task = asyncio.ensure_future(coroutine)
        self.tasks.append(task)
        return task

    async def settle(self):
        while self.tasks:
            await self.tasks.pop(0)


def event(user, **fields):
    return session_event(user.pk, **fields)


@pytest.mark.django_db(transaction=True)
async def test_an_event_closes_only_the_named_session_and_token(ann, ben):
    tab = FakeSocket(ann, session_key="a" * 32)
    other_tab = FakeSocket(ann, session_key="a" * 32)
    phone = FakeSocket(ann, session_key="b" * 32)
    bot = FakeSocket(ann, token_id=1)
    other_bot = FakeSocket(ann, token_id=2)
    bens = FakeSocket(ben, session_key="a" * 32)
    hub = FakeHub(tab, other_tab, phone, bot, other_bot, bens)
    hub.sessions.receive(event(ann, sessions=[key_digest("a" * 32)], tokens=[1]))
    await hub.settle()
    assert [s.closed_with for s in (tab, other_tab, bot)] == [
        CloseCode.SESSION_ENDED
    ] * 3
    assert [s.closed_with for s in (phone, other_bot, bens)] == [None] * 3
    assert set(hub.sessions.credentials) == {phone, other_bot, bens}


@pytest.mark.django_db(transaction=True)
async def test_a_rekey_comes_before_the_check_of_the_same_event(ann):
    """The changer's socket, opened with the old key, is judged by the new
    one; a socket of another session made before the change closes."""
    old_key = await sync_to_async(sign_in)(ann)
    other_key = await sync_to_async(sign_in)(ann)
    changer = FakeSocket(ann, session_key=old_key)
    other = FakeSocket(ann, session_key=other_key)
    hub = FakeHub(changer, other)

    def change_password() -> str:
        ann.set_password("second pass")
        ann.save()
        Session.objects.filter(session_key=old_key).delete()
        return sign_in(ann)  # the changer's session under its new key

    new_key = await sync_to_async(change_password)()
    hub.sessions.receive(event(ann, rekey={key_digest(old_key): new_key}, check=True))
    await hub.settle()
    assert (changer.closed_with, other.closed_with) == (
        None,
        CloseCode.SESSION_ENDED,
    )
    assert hub.sessions.credentials[changer].session_key == new_key
    assert await hub.sessions.check() == 0
    assert changer.closed_with is None


@pytest.mark.django_db(transaction=True)
async def test_the_periodic_check_closes_only_what_still_fails_a_moment_later(
    ann, monkeypatch
):
    """A password change ends the old key before its rekey event arrives;
    a periodic check in between suspects the changer's socket but must
    not close it. A socket whose session is really gone is closed."""
    old_key = await sync_to_async(sign_in)(ann)
    gone_key = await sync_to_async(sign_in)(ann)
    changer = FakeSocket(ann, session_key=old_key)
    signed_out = FakeSocket(ann, session_key=gone_key)
    hub = FakeHub(changer, signed_out)

    def change_password() -> str:
        ann.set_password("second pass")
        ann.save()
        Session.objects.filter(session_key__in=[old_key, gone_key]).delete()
        return sign_in(ann)

    new_key = await sync_to_async(change_password)()
    monkeypatch.setattr(session_watch, "CONFIRM_SECS", 1.0)
    suspected = asyncio.Event()
    failing = hub.sessions.failing

    async def noting_suspects(*args):
        found = await failing(*args)
        suspected.set()
        return found

    monkeypatch.setattr(hub.sessions, "failing", noting_suspects)
    sweep = asyncio.ensure_future(hub.sessions.sweep())
    await suspected.wait()  # both suspected; the rekey arrives meanwhile
    hub.sessions.receive(event(ann, rekey={key_digest(old_key): new_key}))
    assert await sweep == 1
    await hub.settle()
    assert (changer.closed_with, signed_out.closed_with) == (
        None,
        CloseCode.SESSION_ENDED,
    )
