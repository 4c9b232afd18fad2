"""JSON log lines (``parley.ops.jsonlog``), from a Python process of their own."""

import json
import os
import subprocess
import sys

import pytest


def test_json_logs_are_one_object_per_line(tmp_path):
    code = (
        "import logging, django; django.setup();"
        "log = logging.getLogger('parley.test');"
        "log.warning('hello %s', 'мир');"
        "\ntry:\n    1 / 0\nexcept ZeroDivisionError:\n    log.exception('failed')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "PARLEY_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "parley.site.settings",
            "PARLEY_LOG_FORMAT": "json",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    first, second = (json.loads(line) for line in result.stderr.splitlines())
    assert set(first) == {"time", "level", "logger", "message"}
    assert (first["level"], first["logger"], first["message"]) == (
        "WARNING",
        "parley.test",
        "hello мир",
    )
    assert first["time"].endswith("Z")
    assert second["message"] == "failed" and second["level"] == "ERROR"
    assert "ZeroDivisionError" in second["exception"]


@pytest.mark.parametrize("value", ["xml", ""])
def test_an_unknown_log_format_is_refused(tmp_path, value):
    result = subprocess.run(
        [sys.executable, "-c", "import parley.site.settings"],
        env={
            **os.environ,
            "PARLEY_DATA_DIR": str(tmp_path),
            "PARLEY_LOG_FORMAT": value,
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "PARLEY_LOG_FORMAT" in result.stderr and "plain, json" in result.stderr
