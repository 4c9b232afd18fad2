"""Where an idle socket's memory goes: ``python -m bench.heap [SOCKETS]``.

The idle scenario reads the server's RSS, which says how much but not whose.
This runs Uvicorn in this process, configured as ``parley serve`` configures
it (``uvicorn_options``), opens ``SOCKETS`` idle sockets (default 500) from a
client process, and compares two ``tracemalloc`` snapshots of the Python
heap, first with Parley's ASGI application (each socket signed in with its
own token and subscribed to one of 50 rooms), then with an application that
only accepts: what Uvicorn itself keeps per socket. Allocations are
attributed to the package of the code that made them.

Prints one table, in bytes per socket (``--json``: the numbers as JSON, for
``make bench``). Takes about a minute.
"""

import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

from bench.servers import HOST, free_port

# The client: opens the sockets, subscribes each (Parley) and waits for
# stdin to close. Run with this interpreter in its own process, so that its
# allocations are not counted.
CLIENT = r"""
import asyncio, json, sys
from websockets.asyncio.client import connect
url, count, tokens = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
async def one(i):
    headers = {"Authorization": f"Bearer {tokens[i]}"} if tokens[0] else {}
    ws = await connect(url, additional_headers=headers, compression=None)
    await ws.send(json.dumps({"type": "subscribe", "room": f"r{i % 50}"}))
    while json.loads(await ws.recv())["type"] != "subscribed":
        pass
    return ws
async def main():
    sockets = []
    for start in range(0, count, 50):
        batch = range(start, min(count, start + 50))
        sockets += await asyncio.gather(*(one(i) for i in batch))
    print("open", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
asyncio.run(main())
"""
# Packages, by a fragment of the allocating file's path, first match wins.
PACKAGES = (
    ("/parley/", "parley"),
    ("/uvicorn/", "uvicorn"),
    ("/websockets/", "websockets"),
    ("/channels/", "channels"),
    ("/django/", "django"),
    ("/asgiref/", "asgiref"),
    ("/asyncio/", "asyncio"),
)


async def accept_only(scope, receive, send):
    """An ASGI app that accepts sockets, answers a frame, and holds them."""
    if scope["type"] != "websocket":
        return
    await receive()
    await send({"type": "websocket.accept"})
    while (await receive())["type"] != "websocket.disconnect":
        await send({"type": "websocket.send", "text": '{"type":"subscribed"}'})


def package(filename: str) -> str:
    for fragment, name in PACKAGES:
        if fragment in filename:
            return name
    return "other"


async def measure(app, count: int, tokens: list[str]) -> dict[str, float]:
    """Serve ``app``; return bytes per socket by package, and ``total``."""
    import uvicorn

    from parley.management.commands.serve import uvicorn_options

    options = {**uvicorn_options(), "log_level": "warning"}
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, **options))
    serving = asyncio.ensure_future(server.serve())
    while not server.started:  # noqa: ASYNC110 (Uvicorn offers no event for it)
        await asyncio.sleep(0.05)
    url = f"ws://{HOST}:{port}/ws/"

    async def open_sockets(number: int, first: int):
        client = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CLIENT,
            url,
            str(number),
            ",".join(tokens[first : first + number]) if tokens else "",
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        await client.stdout.readline()
        return client

    # Warm up first: code paths loaded on first use are not per socket.
    warm = await open_sockets(20, 0)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    measured = await open_sockets(count, 20)
    await asyncio.sleep(1.0)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    sizes: dict[str, float] = {}
    for stat in after.compare_to(before, "filename"):
        name = package(stat.traceback[0].filename)
        sizes[name] = sizes.get(name, 0) + stat.size_diff / count
    sizes = {name: round(size) for name, size in sizes.items()}
    sizes["total"] = sum(sizes.values())
    for client in (measured, warm):
        client.stdin.close()
        await client.wait()
    server.should_exit = True
    await serving
    return sizes


def main() -> None:
    arguments = [a for a in sys.argv[1:] if a != "--json"]
    count = int(arguments[0]) if arguments else 500
    data = Path(tempfile.mkdtemp(prefix="parley-heap-"))
    from bench.servers import parley_environment, prepare_parley_data

    tokens = prepare_parley_data(data / "data", count + 20)
    os.environ.update(parley_environment(data / "data"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.site.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from parley.site.asgi import application

    parley = asyncio.run(measure(application, count, tokens))
    bare = asyncio.run(measure(accept_only, count, []))
    if "--json" in sys.argv:
        print(json.dumps({"sockets": count, "parley": parley, "accept_only": bare}))
        return
    names = sorted(set(parley) | set(bare), key=lambda n: (n == "total", n))
    print(f"Python heap per idle socket, bytes ({count} sockets)")
    print(f"{'package':<12} {'Parley':>8} {'accept-only':>12}")
    for name in names:
        print(f"{name:<12} {parley.get(name, 0):>8.0f} {bare.get(name, 0):>12.0f}")


if __name__ == "__main__":
    main()
