"""``parley serve``: apply migrations, then run the ASGI server."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from parley.conf import parley_settings

SERVERS = ("uvicorn", "daphne")


class Command(BaseCommand):
    help = "Apply migrations, then serve Parley with Uvicorn (default) or Daphne."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host",
            default=os.environ.get("HOST", "127.0.0.1"),
            help="default: $HOST or 127.0.0.1",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT", "8000")),
            help="default: $PORT or 8000",
        )
        parser.add_argument("--server", choices=SERVERS, default="uvicorn")
        parser.add_argument(
            "--no-migrate", action="store_true", help="skip applying migrations first"
        )

    def handle(
        self, *args, host: str, port: int, server: str, no_migrate: bool, **options
    ):
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=1)
        app = settings.ASGI_APPLICATION.rsplit(".", 1)
        target = f"{app[0]}:{app[1]}"
        self.stdout.write(f"Parley on http://{host}:{port}/ ({server})")
        if server == "daphne":
            from daphne.cli import CommandLineInterface

            CommandLineInterface().run(
                ["--bind", host, "--port", str(port), "--proxy-headers", target]
            )
            return
        import uvicorn

        uvicorn.run(
            target,
            host=host,
            port=port,
            # Per-message deflate costs memory and CPU per socket and opens
            # CRIME-style leaks; a proxy can compress if one wants it.
            ws_per_message_deflate=False,
            ws_max_size=parley_settings.WS_MAX_FRAME_BYTES,
            lifespan="off",
            proxy_headers=True,
        )
