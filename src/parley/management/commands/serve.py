"""``parley serve``: apply migrations, then run the ASGI server.

Servers:

- ``uvicorn`` (default): one process, or ``--workers N`` under Uvicorn's
  own supervisor.
- ``daphne``: one process.
- ``gunicorn``: Gunicorn's arbiter with ``--workers N`` Uvicorn workers
  (``ParleyUvicornWorker``), restarted if one dies.

Every one of them closes a connection whose first request head (a
WebSocket handshake) has not arrived within ``--handshake-timeout`` seconds
(``PARLEY_HANDSHAKE_TIMEOUT_SECS``, 10 s; ``parley.ops.handshake``), and
runs with per-message deflate off and
``PARLEY_WS_MAX_FRAME_BYTES`` as the largest frame (and message) it
accepts; Daphne never accepts the extension (Autobahn's default), the others
are told so.

On SIGTERM a single Uvicorn process and each Gunicorn worker shut down
gracefully (``GracefulServer``): stop accepting, let every socket finish its
frame in hand (a send is stored and acknowledged) and write what it has
queued, close it with 1001 (going away) so its client resumes elsewhere, and
tell the other processes its users left. Uvicorn's own ``--workers``
supervisor and Daphne close sockets their own way (1012 / abruptly); clients
resume all the same.
"""

import gc
import os
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.module_loading import import_string
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from uvicorn_worker import UvicornWorker

from parley.conf import parley_settings
from parley.management import sweeper
from parley.ops.handshake import timeout_secs, uvicorn_protocol
from parley.realtime.runtime import Runtime

SERVERS = ("uvicorn", "daphne", "gunicorn")
IN_MEMORY_LAYER = "channels.layers.InMemoryChannelLayer"


def uvicorn_options() -> dict[str, Any]:
    """Uvicorn's ``Config`` options Parley needs, for ``uvicorn.run`` and
    Gunicorn's workers alike (read from settings when called)."""
    return {
        # Per-message deflate costs memory and CPU per socket and opens
        # CRIME-style leaks; a proxy can compress if one wants it.
        "ws_per_message_deflate": False,
        "ws_max_size": parley_settings.WS_MAX_FRAME_BYTES,
        "lifespan": "off",
        "proxy_headers": True,
        # Uvicorn's HTTP protocol with a bound on the first request head
        # (parley.ops.handshake): a slow handshake is closed.
        "http": uvicorn_protocol(),
    }


class GracefulServer(uvicorn.Server):
    """Uvicorn that lets Parley's sockets go before its own shutdown.

    Uvicorn's shutdown stops accepting and then fails every open WebSocket
    with 1012 at once, mid-frame. This one stops accepting, then drains
    Parley's sockets (``parley.realtime.runtime.Runtime.drain``), then lets
    Uvicorn finish.
    """

    async def shutdown(self, sockets: list | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        await Runtime.current().drain()
        await super().shutdown(sockets)


class ParleyUvicornWorker(UvicornWorker):
    """Gunicorn's Uvicorn worker with ``uvicorn_options()``, shutting down
    gracefully (``GracefulServer``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Read here, in the worker, as the settings are read when used.
        self.CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, **uvicorn_options()}
        super().__init__(*args, **kwargs)

    async def _serve(self) -> None:
        # UvicornWorker._serve with GracefulServer in place of Server.
        self.config.app = self.wsgi
        server = GracefulServer(config=self.config)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            raise SystemExit(Arbiter.WORKER_BOOT_ERROR)


class ParleyGunicorn(BaseApplication):
    """Gunicorn's arbiter serving the ASGI application at ``app_path``.

    Args:
        app_path: dotted path of the ASGI application
            (``settings.ASGI_APPLICATION``).
        options: Gunicorn settings by name (``bind``, ``workers`` ...).
    """

    def __init__(self, app_path: str, options: dict[str, Any]):
        self.app_path = app_path
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self):
        # In each worker, after the fork: the channel layer and its
        # connections belong to the worker's own event loop.
        return import_string(self.app_path)


class Command(BaseCommand):
    help = (
        "Apply migrations, then serve Parley with Uvicorn (default), Daphne, "
        "or Gunicorn with Uvicorn workers."
    )

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
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", "1")),
            help=(
                "server processes (uvicorn, gunicorn); more than one needs a "
                "shared channel layer. Default: $WEB_CONCURRENCY or 1"
            ),
        )
        parser.add_argument(
            "--handshake-timeout",
            type=float,
            default=None,
            metavar="SECS",
            help=(
                "close a connection whose first request (a WebSocket handshake) "
                "is not in within SECS seconds; 0 for no bound. Default: "
                "PARLEY_HANDSHAKE_TIMEOUT_SECS (10)"
            ),
        )
        parser.add_argument(
            "--no-migrate", action="store_true", help="skip applying migrations first"
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        server: str,
        workers: int,
        no_migrate: bool,
        handshake_timeout: float | None,
        **options,
    ):
        check_workers(server, workers)
        if handshake_timeout is not None:
            # The setting is what the servers' protocols read (when used):
            # set here for this process and forked workers, and in the
            # environment for the processes `uvicorn --workers` spawns.
            settings.PARLEY_HANDSHAKE_TIMEOUT_SECS = handshake_timeout
            os.environ["PARLEY_HANDSHAKE_TIMEOUT_SECS"] = str(handshake_timeout)
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=1)
        # Forked workers must not share the migration's database connection.
        connections.close_all()
        # Django, the apps and their modules live as long as the process:
        # leave them out of the collector's full passes, which would
        # otherwise walk some 100,000 objects (about 50 ms with the event
        # loop stopped) every few seconds under load, the worst latency of a
        # busy room. Forked workers also keep these pages shared.
        gc.collect()
        gc.freeze()
        app = settings.ASGI_APPLICATION.rsplit(".", 1)
        target = f"{app[0]}:{app[1]}"
        self.stdout.write(
            f"Parley on http://{host}:{port}/ ({server}, {workers} "
            f"worker{'s' if workers > 1 else ''})"
        )
        # Deliveries that came due (parley.management.sweeper): here when
        # tasks run inline, in `parley worker` otherwise; in each Gunicorn
        # worker after its fork, never in the arbiter that forks them.
        sweeping = not parley_settings.DEFER_TASKS
        if sweeping and server != "gunicorn":
            sweeper.start()
        if server == "daphne":
            from daphne.cli import CommandLineInterface

            from parley.ops import daphne_handshake

            daphne_handshake.install()
            handshake = timeout_secs()

            # Daphne's own default is 1 MiB for both.
            max_bytes = str(parley_settings.WS_MAX_FRAME_BYTES)
            CommandLineInterface().run(
                [
                    "--bind",
                    host,
                    "--port",
                    str(port),
                    "--proxy-headers",
                    "--websocket-max-message-size",
                    max_bytes,
                    "--websocket-max-frame-size",
                    max_bytes,
                    # Daphne's own bound on the WebSocket handshake once the
                    # request is in (whole seconds; -1: none).
                    "--websocket_connect_timeout",
                    str(max(1, round(handshake)) if handshake else -1),
                    target,
                ]
            )
        elif server == "gunicorn":
            ParleyGunicorn(
                settings.ASGI_APPLICATION,
                {
                    "bind": f"{host}:{port}",
                    "workers": workers,
                    "worker_class": ParleyUvicornWorker,
                    # Its default path is one per user: two servers on a
                    # host would take each other's. Signals do the job.
                    "control_socket_disable": True,
                    **({"post_fork": start_sweeper} if sweeping else {}),
                },
            ).run()
        elif workers > 1:
            uvicorn.run(
                target, host=host, port=port, workers=workers, **uvicorn_options()
            )
        else:
            GracefulServer(
                uvicorn.Config(target, host=host, port=port, **uvicorn_options())
            ).run()


def start_sweeper(arbiter: Arbiter, worker: Any) -> None:
    """Gunicorn's ``post_fork`` hook: a delivery sweeper in the worker."""
    sweeper.start()


def check_workers(server: str, workers: int) -> None:
    """Refuse a number of workers the server or the channel layer cannot serve.

    Raises:
        CommandError: ``workers`` < 1; several with Daphne (one process
            only); several with the in-memory channel layer, whose groups
            live in one process: a room's people on different workers would
            not see each other's messages.
    """
    if workers < 1:
        raise CommandError(f"--workers {workers}: at least 1")
    if workers == 1:
        return
    if server == "daphne":
        raise CommandError(
            "Daphne runs one process; for several workers use --server gunicorn "
            "or --server uvicorn, or run several Daphne processes behind a proxy."
        )
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND")
    if backend == IN_MEMORY_LAYER:
        raise CommandError(
            f"--workers {workers} with the in-memory channel layer would split "
            "every room between processes: people on different workers would "
            "not see each other's messages. Set CHANNEL_LAYER_URL to a shared "
            "layer (redis://, redis+pubsub:// or amqp://), or run one worker."
        )
