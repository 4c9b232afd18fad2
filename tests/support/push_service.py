"""A loopback Web Push service for tests: it decrypts what it receives.

A test makes a browser's subscription keys as a browser would
(``BrowserKeys``: a P-256 key pair and a 16-byte auth secret), subscribes
with an endpoint on this service, and reads each push back decrypted with
the private key (RFC 8291, ``aes128gcm`` via http-ece), with its headers and
its VAPID token checked (RFC 8292). Each endpoint answers with the status
a test sets (201 by default); ``hang`` makes it take a push and not answer
for a while (a process killed mid-send).
"""

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid02

from tests.support.servers import free_port


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class BrowserKeys:
    """What a browser keeps for one push subscription."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def subscription(self, endpoint: str) -> dict[str, Any]:
        """The ``PushSubscription.toJSON()`` a browser would post."""
        return {
            "endpoint": endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body,
            private_key=self.private_key,
            auth_secret=self.auth,
            version="aes128gcm",
        )
        return json.loads(plain)


@dataclass
class Push:
    """One push as received: the endpoint's name, headers, raw body."""

    name: str
    headers: dict[str, str]
    body: bytes

    def vapid_claims(self, public_key: str) -> dict[str, Any]:
        """The VAPID token's claims, once its signature is verified against
        ``public_key`` (the server's, base64url) and its ``k`` is that key.

        Raises:
            AssertionError: a token that does not verify.
        """
        scheme, _, params = self.headers["authorization"].partition(" ")
        assert scheme.lower() == "vapid"
        parts = dict(part.split("=", 1) for part in params.split(","))
        assert parts["k"] == public_key
        assert Vapid02.verify(self.headers["authorization"])
        payload = parts["t"].split(".")[1]
        return json.loads(unb64url(payload))


class PushService:
    """The service, on a free loopback port, in a thread of the test."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Push] = []
        self.statuses: dict[str, int] = {}
        self.hang_secs = 0.0
        self.changed = threading.Condition()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                name = self.path.rsplit("/", 1)[-1]
                with service.changed:
                    service.received.append(
                        Push(
                            name, {k.lower(): v for k, v in self.headers.items()}, body
                        )
                    )
                    service.changed.notify_all()
                if service.hang_secs:
                    time.sleep(service.hang_secs)
                self.send_response(service.statuses.get(name, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "PushService":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def endpoint(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/push/{name}"

    def pushes(self, name: str) -> list[Push]:
        with self.changed:
            return [push for push in self.received if push.name == name]

    def wait_for(self, name: str, count: int = 1, timeout: float = 30) -> list[Push]:
        """The pushes to ``name`` once there are ``count``.

        Raises:
            TimeoutError: fewer came within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(found := [p for p in self.received if p.name == name]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(found)} push(es) to {name}, not {count}")
                self.changed.wait(left)
            return found
