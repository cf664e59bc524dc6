"""Logs of a serving process: one line per request with its id, as text or as JSON (ADR 0055).

Every request carries an id: the client's ``X-Request-Id`` when it is a sane one (up to 64 of
``A-Z a-z 0-9 . _ -``), else a new one; the answer sends it back, and every line logged while the
request runs (in its route's thread too: the id is a context variable) names it. ``KEEL_LOG_FORMAT``
chooses text for people or JSON, one object a line, for a log pipeline.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id: ContextVar[str] = ContextVar("request_id", default="")
SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Attributes of a LogRecord that are its own, not fields a caller passed with ``extra=``
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id", "color_message"}


def new_request_id(sent: str | None) -> str:
    return sent if sent is not None and SANE_ID.fullmatch(sent) else uuid.uuid4().hex[:16]


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id and the ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", ""):
            line["request_id"] = record.request_id  # type: ignore[attr-defined]
        line |= {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        rid = getattr(record, "request_id", "")
        return f"{text} [{rid}]" if rid else text


def log_config(form: str) -> dict[str, Any]:
    """The logging of ``keel serve`` (uvicorn applies it in every server process). Uvicorn's own
    access log is off: ``api.metrics.RequestObserver`` logs each request, with its id and time."""
    formatter = {"()": JsonFormatter} if form == "json" else {"()": TextFormatter}
    handler = {"class": "logging.StreamHandler", "formatter": "keel", "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"keel": formatter},
        "handlers": {"stderr": handler | {"stream": "ext://sys.stderr"}},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "keel": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }
