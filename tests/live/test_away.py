"""People who are away: Web Push and e-mail from real server processes.

A real SMTP server (aiosmtpd) and a loopback push service that decrypts
each push with the subscription's private key, made as a browser makes it
(``tests/support/push_service.py``), beside ``parley serve``; the shop
example changes an order from another process; a ``parley worker`` is
SIGKILLed mid-send and restarted.
"""

import asyncio
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.push_service import BrowserKeys, PushService
from tests.support.servers import ParleyServer, User, send, shop_env, unique
from tests.support.smtp import SmtpServer, parts

# Long enough to read a message first, short enough for a test; the sweeps
# that send what came due run five times a second.
EMAIL_DELAY_SECS = 3


def away_env(smtp: SmtpServer, **extra: str) -> dict[str, str]:
    return {
        "EMAIL_URL": smtp.url,
        "PARLEY_EMAIL_DELAY_SECS": str(EMAIL_DELAY_SECS),
        "PARLEY_DELIVERY_SWEEP_SECS": "0.2",
        "PARLEY_PUSH_ALLOWED_HOSTS": "127.0.0.1",
        "PARLEY_PUSH_ALLOW_INSECURE_ENDPOINTS": "1",
        **extra,
    }


def start(data: Path, env: dict[str, str]) -> ParleyServer:
    server = ParleyServer(data, env=env)
    server.env["PARLEY_SITE_URL"] = server.base_url
    return server.start()


@pytest.fixture(scope="module")
def smtp():
    with SmtpServer() as running:
        yield running


@pytest.fixture(scope="module")
def pushes():
    with PushService() as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer, pushes):
    running = start(tmp_path_factory.mktemp("away"), away_env(smtp))
    yield running
    running.stop()


def shell(server: ParleyServer, script: str) -> None:
    """Run ``script`` in ``parley shell`` on ``server``'s settings."""
    result = subprocess.run(
        [sys.executable, "-m", "parley", "shell", "-c", script],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def give_addresses(server: ParleyServer, *users: User) -> None:
    """Each user gets the address ``<username>@example.com``."""
    names = [user.username for user in users]
    shell(
        server,
        "from django.contrib.auth import get_user_model\n"
        f"for name in {names!r}:\n"
        "    get_user_model().objects.filter(username=name).update(\n"
        "        email=name + '@example.com')\n",
    )


def subscribe(user: User, pushes: PushService) -> BrowserKeys:
    """Subscribe ``user``'s browser to the loopback push service."""
    keys = BrowserKeys()
    with user.http() as http:
        response = http.post(
            "/api/push/subscriptions",
            json=keys.subscription(pushes.endpoint(user.username)),
        )
    assert response.status_code == 201, response.text
    return keys


def direct(sender: User, to: User, *texts: str) -> dict:
    """Open the direct conversation and post ``texts``; the room."""
    with sender.http() as http:
        room = http.post(f"/api/direct/{to.username}").json()
        for n, text in enumerate(texts):
            posted = http.post(
                f"/api/rooms/{room['slug']}/messages",
                json={"text": text, "client_id": unique("c")},
            )
            assert posted.status_code == 201, posted.text
            room["seq"] = posted.json()["seq"]
            del n
    return room


def quiet_period() -> None:
    """Long enough for anything still due to go out: the delay and a few
    sweeps (a duplicate or an e-mail that should not exist would show)."""
    time.sleep(EMAIL_DELAY_SECS + 2)


def address(user: User) -> str:
    return f"{user.username}@example.com"


def test_a_direct_message_reaches_an_offline_user_once_by_push_and_email(
    server: ParleyServer, smtp: SmtpServer, pushes: PushService
):
    alice = User.sign_up(server, unique("alice"))
    bob = User.sign_up(server, unique("bob"))
    give_addresses(server, bob)
    keys = subscribe(bob, pushes)
    room = direct(alice, bob, "<b>lunch</b> & talk?")
    [push] = pushes.wait_for(bob.username)
    payload = keys.decrypt(push.body)
    assert (payload["room"], payload["title"]) == (room["slug"], alice.username)
    assert payload["body"] == "<b>lunch</b> & talk?"
    with bob.http() as http:
        public_key = http.get("/api/push/key").json()["public_key"]
    claims = push.vapid_claims(public_key)
    assert claims["aud"] == f"http://127.0.0.1:{pushes.port}"
    assert claims["exp"] > time.time()
    assert push.headers["topic"] and int(push.headers["ttl"]) > 0
    [mail] = smtp.wait_for(address(bob))
    text, html = parts(mail)
    assert "<b>lunch</b> & talk?" in text
    assert "&lt;b&gt;lunch&lt;/b&gt; &amp; talk?" in html and "<b>lunch" not in html
    assert f"{server.base_url}/chat/" in text
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    quiet_period()
    assert len(smtp.to(address(bob))) == 1
    assert len(pushes.pushes(bob.username)) == 1


def test_a_message_read_first_is_never_emailed(server: ParleyServer, smtp: SmtpServer):
    alice = User.sign_up(server, unique("alice"))
    bob = User.sign_up(server, unique("bob"))
    give_addresses(server, bob)
    room = direct(alice, bob, "read me now")
    with bob.http() as http:
        read = http.post(f"/api/rooms/{room['slug']}/read", json={"seq": room["seq"]})
        assert read.status_code == 200, read.text
    quiet_period()
    assert smtp.to(address(bob)) == []


def test_several_messages_make_one_digest(server: ParleyServer, smtp: SmtpServer):
    alice = User.sign_up(server, unique("alice"))
    bob = User.sign_up(server, unique("bob"))
    give_addresses(server, bob)
    direct(alice, bob, "first", "second", "third")
    [digest] = smtp.wait_for(address(bob))
    text, _html = parts(digest)
    assert all(word in text for word in ("first", "second", "third"))
    assert "3 unread messages" in digest["Subject"]
    quiet_period()
    assert len(smtp.to(address(bob))) == 1


def test_one_click_unsubscribe_works_signed_out_and_refuses_a_forgery(
    server: ParleyServer, smtp: SmtpServer
):
    alice = User.sign_up(server, unique("alice"))
    bob = User.sign_up(server, unique("bob"))
    give_addresses(server, bob)
    direct(alice, bob, "hello")
    [mail] = smtp.wait_for(address(bob))
    header = re.sub(r"\s+", "", str(mail["List-Unsubscribe"]))
    url = re.fullmatch(r"<(.+)>", header).group(1)
    assert url.startswith(server.base_url + "/notifications/unsubscribe/")
    one_click = {"content": b"List-Unsubscribe=One-Click"}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    forged = url[:-4] + ("abcd/" if not url.endswith("abcd/") else "wxyz/")
    assert httpx.post(forged, headers=headers, **one_click).status_code == 400
    with bob.http() as http:
        kinds = http.get("/api/me/notification-settings").json()["kinds"]
    assert kinds[0] == {"kind": "direct", "in_app": True, "push": True, "email": True}
    assert httpx.post(url, headers=headers, **one_click).status_code == 200
    with bob.http() as http:
        kinds = http.get("/api/me/notification-settings").json()["kinds"]
    assert kinds[0]["email"] is False
    direct(alice, bob, "no more mail")
    quiet_period()
    assert len(smtp.to(address(bob))) == 1


def test_a_gone_subscription_is_deleted(server: ParleyServer, pushes: PushService):
    alice = User.sign_up(server, unique("alice"))
    bob = User.sign_up(server, unique("bob"))
    subscribe(bob, pushes)
    pushes.statuses[bob.username] = 410
    direct(alice, bob, "anyone there?")
    pushes.wait_for(bob.username)
    with bob.http() as http:
        response = http.request(
            "DELETE",
            "/api/push/subscriptions",
            json={"endpoint": pushes.endpoint(bob.username)},
        )
    assert response.status_code == 404, response.text


async def test_an_active_user_gets_no_push(server: ParleyServer, pushes: PushService):
    """Bob has a tab open and sends frames: he sees the message there. Carol,
    subscribed the same way but away, gets hers, which comes later."""
    alice = User.sign_up(server, unique("alice"))
    bob = User.sign_up(server, unique("bob"))
    carol = User.sign_up(server, unique("carol"))
    subscribe(bob, pushes)
    subscribe(carol, pushes)
    async with await bob.connect() as tab:
        await send(tab, type="ping")
        await asyncio.wait_for(tab.recv(), 10)
        direct(alice, bob, "you are here")
        direct(alice, carol, "you are not")
        pushes.wait_for(carol.username)
    assert pushes.pushes(bob.username) == []


def test_a_subscription_to_a_plain_http_endpoint_is_refused(
    tmp_path: Path, smtp: SmtpServer
):
    """On a server without PARLEY_PUSH_ALLOW_INSECURE_ENDPOINTS, neither
    http:// nor a host off the allowlist is accepted."""
    strict = start(tmp_path, {"PARLEY_PUSH_ALLOWED_HOSTS": "127.0.0.1"})
    try:
        frank = User.sign_up(strict, unique("frank"))
        for endpoint in ("http://127.0.0.1:9/push/x", "https://evil.example/x"):
            with frank.http() as http:
                response = http.post(
                    "/api/push/subscriptions",
                    json=BrowserKeys().subscription(endpoint),
                )
            assert (response.status_code, response.json()["code"]) == (
                400,
                "endpoint_not_allowed",
            )
    finally:
        strict.stop()


SHIP_ORDER = """
from django.contrib.auth import get_user_model
from tests.support.shop.models import Order

owner = get_user_model().objects.get(username={owner!r})
order = Order.objects.create(owner=owner, number={number})
order.status = "shipped"
order.save()
"""


def test_an_order_reaches_an_owner_with_no_tab_open_by_push_and_email(
    tmp_path: Path, smtp: SmtpServer, pushes: PushService
):
    """The README's example: the shop's post_save receiver calls
    parley.notify in a `parley shell` process; the owner has no tab open."""
    shop = start(tmp_path, shop_env("memory://", **away_env(smtp)))
    try:
        owner = User.sign_up(shop, unique("owner"))
        give_addresses(shop, owner)
        keys = subscribe(owner, pushes)
        number = int(time.time() * 1000) % 1_000_000_000
        shell(shop, SHIP_ORDER.format(owner=owner.username, number=number))
        received = pushes.wait_for(owner.username, 2)
        titles = [keys.decrypt(push.body)["title"] for push in received]
        assert titles == [f"Order #{number} is placed", f"Order #{number} is shipped"]
        assert received[0].headers["topic"] == received[1].headers["topic"]
        [mail] = smtp.wait_for(address(owner))
        text, _html = parts(mail)
        assert f"Order #{number} is shipped" in text
        assert f"{shop.base_url}/orders/{number}/" in text
    finally:
        shop.stop()


class Worker:
    """``parley worker`` in a subprocess, on a server's environment."""

    def __init__(self, server: ParleyServer, log: Path):
        self.server = server
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "parley", "worker"],
                env=self.server.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is finished."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def test_a_worker_killed_mid_send_sends_nothing_twice(tmp_path: Path, redis_url: str):
    """The push service and the SMTP server take what they are sent and do
    not answer; the worker sending is SIGKILLed, then a new one starts: no
    second push, no second e-mail."""
    with SmtpServer() as smtp, PushService() as pushes:
        smtp.hang_secs = pushes.hang_secs = 20
        env = away_env(smtp, CHANNEL_LAYER_URL=redis_url, PARLEY_DEFER_TASKS="1")
        server = start(tmp_path / "server", env)
        worker = Worker(server, tmp_path / "worker.log").start()
        try:
            alice = User.sign_up(server, unique("alice"))
            bob = User.sign_up(server, unique("bob"))
            give_addresses(server, bob)
            subscribe(bob, pushes)
            direct(alice, bob, "mid-send")
            pushes.wait_for(bob.username)
            worker.kill()
            worker = Worker(server, tmp_path / "worker.log").start()
            smtp.wait_for(address(bob))
            worker.kill()
            worker = Worker(server, tmp_path / "worker.log").start()
            quiet_period()
            assert len(pushes.pushes(bob.username)) == 1
            assert len(smtp.to(address(bob))) == 1
            assert worker.process.poll() is None, (tmp_path / "worker.log").read_text()
        finally:
            worker.stop()
            server.stop()
