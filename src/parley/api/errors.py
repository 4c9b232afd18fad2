"""Every answer under ``/api/`` is JSON, whatever its status.

django-ninja answers its own errors as JSON (``parley.api.views``
registers the handlers), but not what happens around an operation: a
method the path does not have (405, from ninja's path view), a path with no
operation (404, from Django's resolver), a body over Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``RequestDataTooBig``, which Django turns
into an HTML 400 and an ERROR traceback), a body that is not JSON, or an
exception no handler knew (500). ``JsonParser`` refuses a body that is
not JSON (415) where an operation reads one. ``api_urls`` wraps every route of the API
in ``json_errors`` and adds a catch-all route, so each of those is answered
``{"code", "message"}`` (``docs/protocol.md``, "Errors") with its status.

The one exception is the API's documentation page (``/api/docs``), a 200
HTML page for people.
"""

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja.parser import Parser

from parley.wire.errors import ErrorCode

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]

# The one media type of the bodies the API reads (RFC 9110, section
# 15.5.16: 415 for a content type the target refuses); ``+json`` suffixes
# (RFC 6839) too.
JSON_MEDIA_TYPE = "application/json"


def error_response(status: int, code: str, message: str) -> JsonResponse:
    """``{"code": code, "message": message}`` with ``status``."""
    return JsonResponse({"code": str(code), "message": str(message)}, status=status)


def status_error(status: int) -> tuple[ErrorCode, str]:
    """The code and message of an error status no handler described."""
    if status == 404:
        return ErrorCode.NOT_FOUND, _("No such API path.")
    if status == 405:
        return ErrorCode.METHOD_NOT_ALLOWED, _("This path does not take this method.")
    if status == 413:
        return ErrorCode.REQUEST_TOO_LARGE, _("The request body is too large.")
    if status == 415:
        return ErrorCode.UNSUPPORTED_MEDIA_TYPE, _("Send the body as application/json.")
    if status >= 500:
        return ErrorCode.INTERNAL_ERROR, _("Internal error; try again.")
    return ErrorCode.INVALID_REQUEST, _("Invalid request.")


def too_large() -> JsonResponse:
    """413 for a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: an attacker's
    choice, so no traceback (Django logs the 4xx in one line, as any)."""
    return error_response(413, *status_error(413))


class NotJson(Exception):
    """A body an operation reads is not ``application/json``."""


class JsonParser(Parser):
    """django-ninja's body parser, for JSON bodies only (``NinjaAPI(parser=
    ...)``). Only operations that take a body parse one, so a body sent to
    one that takes none is ignored, whatever its type.

    Raises:
        NotJson: for any other media type; ninja hands it on as the cause
            of its ``HttpError(400)``, which ``parley.api.views`` answers
            with 415 (``unsupported_media_type``).
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        media_type = request.content_type or ""
        if media_type != JSON_MEDIA_TYPE and not media_type.endswith("+json"):
            raise NotJson(media_type)
        return super().parse_body(request)


def unsupported_media_type() -> JsonResponse:
    """415 ``unsupported_media_type`` (RFC 9110, section 15.5.16)."""
    return error_response(415, *status_error(415))


def as_json(response: HttpResponse) -> HttpResponse:
    """``response`` itself if it is JSON or a success; otherwise a JSON
    error of the same status (keeping ``Allow`` of a 405)."""
    if response.status_code < 400:
        return response
    if response.get("Content-Type", "").startswith(JSON_MEDIA_TYPE):
        return response
    answer = error_response(response.status_code, *status_error(response.status_code))
    if response.has_header("Allow"):
        answer["Allow"] = response["Allow"]
    return answer


def json_errors(view: View) -> View:
    """Wrap an API view so that it answers every error as JSON (see the
    module docstring); an exception it lets out is logged once with its
    traceback and answered 500 ``internal_error``."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except RequestDataTooBig:
            return too_large()
        except Http404:
            return error_response(404, *status_error(404))
        except Exception:
            logger.exception("API request %s %s failed", request.method, request.path)
            return error_response(500, *status_error(500))
        return as_json(response)

    return wrapped


@csrf_exempt
@json_errors
def no_such_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any path under the API's prefix that no route has: JSON 404."""
    return error_response(404, *status_error(404))


def api_urls(urls: tuple[list[Any], str, str]) -> tuple[list[Any], str, str]:
    """An API's ``urls`` (``NinjaAPI.urls``: patterns, app name, namespace)
    with each view wrapped in ``json_errors`` and a catch-all JSON 404 last.

    The documentation page keeps its HTML; only its errors become JSON.
    """
    patterns, app_name, namespace = urls
    wrapped = [
        URLPattern(
            pattern.pattern,
            json_errors(pattern.callback),
            pattern.default_args,
            pattern.name,
        )
        for pattern in patterns
    ]
    wrapped.append(re_path(r"^(?P<rest>.*)$", no_such_path, name="no-such-path"))
    return wrapped, app_name, namespace
