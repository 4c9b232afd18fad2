"""schemathesis hooks of ``tests/contract/test_schemathesis.py``.

Every answer must be JSON with the error shape of ``docs/protocol.md``
("Errors") when it is an error, whatever the status, including the answers
to the methods the schema does not list (schemathesis' coverage phase sends
them): ``every_answer_is_json``, a check of both passes.

The session pass:
A page calls the API with its session cookie and Django's CSRF token: the
``csrftoken`` cookie and the same value in ``X-CSRFToken``. schemathesis
sends the session cookie itself (the schema's ``SessionAuth``), so that it
can also leave it out or spoil it to check that the API refuses the call;
this hook adds the CSRF pair, from ``PARLEY_TEST_CSRF_TOKEN``, to every call.
"""

import os

import schemathesis


@schemathesis.check
def every_answer_is_json(ctx, response, case) -> None:
    """The answer is JSON; an error's body is ``{code, message, ...}``. A
    204 has no content at all (RFC 9110, section 15.3.5), so no type."""
    if response.status_code == 204:
        if response.content:
            raise AssertionError("204 with content")
        return
    content_type = (response.headers.get("content-type") or [""])[0]
    if not content_type.startswith("application/json"):
        raise AssertionError(
            f"{response.status_code} answered as {content_type!r}, not JSON"
        )
    if response.status_code >= 400:
        body = response.json()
        if not (isinstance(body, dict) and {"code", "message"} <= set(body)):
            raise AssertionError(f"error body without code and message: {body!r}")


@schemathesis.hook
def before_call(context, case, kwargs) -> None:
    """The session pass's CSRF pair (none in the token pass)."""
    token = os.environ.get("PARLEY_TEST_CSRF_TOKEN")
    if token is None:
        return
    case.cookies = {**(case.cookies or {}), "csrftoken": token}
    case.headers = {**(case.headers or {}), "X-CSRFToken": token}
