"""One JSON object per log line, for log collectors (``PARLEY_LOG_FORMAT=json``).

Each line holds ``time`` (ISO 8601, UTC, milliseconds), ``level``,
``logger`` and ``message``, plus ``exception`` (the formatted traceback)
when the record carries one::

    {"time": "2025-01-31T12:00:00.123Z", "level": "WARNING",
     "logger": "parley.ops.health", "message": "health check: database failed"}
"""

import logging
from datetime import UTC, datetime

import orjson


class JsonFormatter(logging.Formatter):
    """A ``logging.Formatter`` that renders a record as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return orjson.dumps(entry).decode()
