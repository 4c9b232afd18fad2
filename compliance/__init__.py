"""Autobahn|Testsuite against Parley's socket stack: ``make compliance``.

Nothing here ships or serves in production: ``compliance.asgi`` is an echo
application for the fuzzing client, behind Parley's real WebSocket
middleware, run by the real ``parley serve``. ``python -m compliance`` runs
the suite (``compliance.run``) and writes the summary
(``compliance.summary``).
"""
