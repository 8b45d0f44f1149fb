"""Log lines that say which request, organisation and import they belong to.

A `LogContext` is bound for the time of one request (graph.observability) or one worker
message (workers.broker); code under it notes the organisation and import ids as it learns
them, and every log line then carries them. Lines are text, or one JSON object each.

Log ids, names and counts; never the cells of a row (they are the customers' data).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(organisation_id)s %(import_id)s] %(message)s"
IDS = ("request_id", "organisation_id", "import_id")
# Attributes every LogRecord has; anything else was passed in `extra=` and goes into the JSON.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", *IDS}


@dataclass
class LogContext:
    request_id: str | None = None
    organisation_id: str | None = None
    import_id: str | None = None


_current: ContextVar[LogContext | None] = ContextVar("importer_log_context", default=None)


@contextmanager
def bound(context: LogContext) -> Iterator[LogContext]:
    """Make `context` the one log lines of this task or thread (and those it starts) carry."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def current() -> LogContext | None:
    return _current.get()


def use(context: LogContext | None) -> None:
    """Bind `context` (None: nothing) from now on in this thread; for long-lived worker threads."""
    _current.set(context)


def note(*, organisation_id: object = None, import_id: object = None) -> None:
    """Record ids learnt along the way in the bound context (if any)."""
    context = _current.get()
    if context is None:
        return
    if organisation_id is not None:
        context.organisation_id = str(organisation_id)
    if import_id is not None:
        context.import_id = str(import_id)


class ContextFilter(logging.Filter):
    """Puts the bound ids on every record ('-' when unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _current.get() or LogContext()
        for name in IDS:
            if not hasattr(record, name):
                setattr(record, name, getattr(context, name) or "-")
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the ids, and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in IDS:
            value = getattr(record, name, "-")
            if value != "-":
                line[name] = value
        line.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def log_handler(log_format: str, stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing `log_format` ('text' or 'json') lines with the ids to `stream` (stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(log_format: str, *, level: int = logging.INFO) -> None:
    """Send every logger's lines through one handler of `log_format` (replacing earlier set-ups)."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(log_handler(log_format))
    root.setLevel(level)
