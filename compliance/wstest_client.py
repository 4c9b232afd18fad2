"""Autobahn's ``wstest``, whose fuzzing client sends each server's headers.

Run by the Python 2.7 interpreter that has ``autobahntestsuite`` (written
to parse under both Pythons). ``wstest -m fuzzingclient`` reads a server's
``url``, ``origin`` and ``options`` from the spec but no headers; Parley signs
a non-browser client in by ``Authorization: Bearer <token>``
(``parley.realtime.auth``), so each server entry's ``"headers"`` mapping is
handed to Autobahn's client factory, which sends it on every opening
handshake. Arguments are ``wstest``'s own.
"""

from autobahntestsuite import fuzzing, wstest

next_server = fuzzing.FuzzingClientFactory.nextServer


def next_server_with_headers(factory):
    """``nextServer``, then that server's ``"headers"`` for its handshakes."""
    more = next_server(factory)
    if more:
        server = factory.spec["servers"][factory.currServer]
        factory.headers = server.get("headers", {})
    return more


fuzzing.FuzzingClientFactory.nextServer = next_server_with_headers

if __name__ == "__main__":
    wstest.run()
