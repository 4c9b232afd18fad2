"""schemathesis hooks of ``tests/contract/test_schemathesis.py``'s session pass.

A page calls the API with its session cookie and Django's CSRF token: the
``csrftoken`` cookie and the same value in ``X-CSRFToken``. schemathesis
sends the session cookie itself (the schema's ``SessionAuth``), so that it
can also leave it out or spoil it to check that the API refuses the call;
this hook adds the CSRF pair, from ``PARLEY_TEST_CSRF_TOKEN``, to every call.
"""

import os

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs) -> None:
    token = os.environ["PARLEY_TEST_CSRF_TOKEN"]
    case.cookies = {**(case.cookies or {}), "csrftoken": token}
    case.headers = {**(case.headers or {}), "X-CSRFToken": token}
