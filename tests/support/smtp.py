"""A real SMTP server for tests: aiosmtpd on a free loopback port.

It keeps every message it accepts (parsed with the standard library), in
order; ``hang_secs`` makes it take a message and not answer for a while (a
sender killed mid-send).
"""

import asyncio
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.servers import free_port


class SmtpServer:
    """Use as a context manager; ``url`` is its ``EMAIL_URL``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.hang_secs = 0.0
        self.changed = threading.Condition()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.changed:
            self.messages.append(message)  # type: ignore[arg-type]
            self.changed.notify_all()
        if self.hang_secs:
            await asyncio.sleep(self.hang_secs)
        return "250 OK"

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        with self.changed:
            return [m for m in self.messages if address in str(m["To"])]

    def wait_for(
        self, address: str, count: int = 1, timeout: float = 30
    ) -> list[EmailMessage]:
        """The messages to ``address`` once there are ``count``.

        Raises:
            TimeoutError: fewer came within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self.changed:
            while (
                len(found := [m for m in self.messages if address in str(m["To"])])
                < count
            ):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"{len(found)} e-mail(s) to {address}, not {count}"
                    )
                self.changed.wait(left)
            return found


def parts(message: EmailMessage) -> tuple[str, str]:
    """The text and the HTML part of ``message``."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html
