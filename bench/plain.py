"""The ceiling: a plain ``websockets`` broadcast server, no framework.

A client connects to ``/<room>``; every text message it sends goes, unchanged,
to every socket of that room (the sender too) through
``websockets.broadcast``, which encodes the frame once and writes it to each
socket without waiting. No sign-in, no storage, no channel layer, no
compression. Run: ``python -m bench.plain --port 8001``.
"""

import argparse

import uvloop
from websockets.asyncio.server import ServerConnection, broadcast, serve

ROOMS: dict[str, set[ServerConnection]] = {}


async def handler(websocket: ServerConnection) -> None:
    """Join the room named by the path; relay each message to the room."""
    members = ROOMS.setdefault(websocket.request.path, set())
    members.add(websocket)
    try:
        async for message in websocket:
            broadcast(members, message)
    finally:
        members.discard(websocket)


async def main(host: str, port: int) -> None:
    async with serve(handler, host, port, compression=None) as server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    # Uvicorn runs Parley and the tutorial on uvloop; so does the ceiling.
    uvloop.run(main(arguments.host, arguments.port))
