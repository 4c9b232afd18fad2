"""Every answer under ``/api/`` is JSON, whatever its status
(``parley.api.errors``); the live twin is in
``tests/contract/test_schemathesis.py``."""

import logging

import pytest
from django.test import Client

from parley.models import Room
from parley.services import rooms

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(django_user_model) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(django_user_model.objects.create_user("frank"))
    return client


def error_of(response) -> tuple[int, str]:
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["message"]
    return response.status_code, body["code"]


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("get", "/api/nope", (404, "not_found")),
        ("get", "/api/rooms/lobby/", (404, "not_found")),
        ("get", "/api/", (404, "not_found")),
        ("put", "/api/rooms", (405, "method_not_allowed")),
        ("delete", "/api/notifications", (405, "method_not_allowed")),
    ],
)
def test_a_path_or_method_with_no_operation_is_a_json_error(
    api, method, path, expected
):
    response = getattr(api, method)(path)
    assert error_of(response) == expected
    if expected[0] == 405:
        assert "GET" in response["Allow"]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "application/x-www-form-urlencoded"],
)
def test_a_body_that_is_not_json_is_415(api, content_type):
    response = api.post("/api/rooms", "title=lobby", content_type=content_type)
    assert error_of(response) == (415, "unsupported_media_type")
    assert not Room.objects.exists()


def test_a_json_suffix_media_type_is_json(api):
    response = api.post(
        "/api/rooms", '{"title": "lobby"}', content_type="application/merge+json"
    )
    assert response.status_code == 201


def test_a_body_over_the_limit_is_413_and_logs_no_traceback(api, settings, caplog):
    """Django's ``RequestDataTooBig`` became an HTML 400 with an ERROR
    traceback; it is a 413 now, logged as Django logs any 4xx: one line."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    with caplog.at_level(logging.INFO):
        response = api.post(
            "/api/rooms",
            '{"title": "' + "x" * 1000 + '"}',
            content_type="application/json",
        )
    assert error_of(response) == (413, "request_too_large")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert all(r.exc_info is None for r in caplog.records)


def test_an_unexpected_exception_is_a_json_500_logged_once(api, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(rooms, "readable_rooms", broken)
    with caplog.at_level(logging.ERROR, logger="parley.api.errors"):
        response = api.get("/api/rooms")
    assert error_of(response) == (500, "internal_error")
    assert "boom" not in response.content.decode()
    failures = [r for r in caplog.records if r.name == "parley.api.errors"]
    assert len(failures) == 1 and failures[0].exc_info is not None


def test_the_documentation_page_stays_html(api):
    response = api.get("/api/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
