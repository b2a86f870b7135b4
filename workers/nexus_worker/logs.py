"""Structured JSON logs: one object per line on stderr."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
                 .replace("+00:00", "Z"), "level": record.levelname.lower(), "logger": record.name,
                 "msg": record.getMessage()}
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(level: str = "INFO", loggers: tuple[str, ...] = ()) -> None:
    """Sends the worker's and uvicorn's loggers (and `loggers`, e.g. a stand-in's own) to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in ("nexus_worker", "uvicorn", "uvicorn.error", "uvicorn.access", *loggers):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False


LOG_CONFIG = {  # uvicorn's log_config: its own loggers through the JSON formatter
    "version": 1, "disable_existing_loggers": False,
    "formatters": {"json": {"()": "nexus_worker.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "loggers": {n: {"handlers": ["stderr"], "level": "INFO", "propagate": False}
                for n in ("uvicorn", "uvicorn.error", "uvicorn.access", "nexus_worker")},
}
