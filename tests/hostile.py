"""What the hostile-input tests share: reading a live server's log for errors.

``tests/test_authz_matrix.py``, ``tests/realtime/test_fuzz_live.py`` and
``tests/test_schemathesis.py`` run a real server and assert that nothing
they sent made it log a failure.
"""

import re

from tests.servers import ParleyServer

# A traceback, a record at level ERROR (Django's "plain" format and
# Uvicorn's "ERROR:" prefix), or a 500 in Uvicorn's access log.
FAILURE_RE = re.compile(r"Traceback|\bERROR\b|\" 500 ")


def server_failures(server: ParleyServer) -> list[str]:
    """The lines of ``server``'s log (stdout and stderr) that report a
    failure; ``[]`` for a clean log."""
    return [
        line
        for line in server.log.read_text(errors="replace").splitlines()
        if FAILURE_RE.search(line)
    ]
