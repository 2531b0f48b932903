"""Logging: structlog for the hub, and the stdlib loggers of aiohttp and aiokafka through the same pipeline."""

from __future__ import annotations

import logging
import re
import sys
from typing import Literal

import structlog
from structlog.typing import Processor

__all__ = ["configure_logging"]

_THIRD_PARTY_LOGGERS = ("aiohttp", "aiokafka")


# aiokafka logs these at ERROR although it retries them itself: a fresh cluster has no group coordinator for a
# moment (its __consumer_offsets topic is being created), and a coordinator moves during a rebalance. Seen at
# every first start, they would teach operators to ignore ERROR lines; they are logged at DEBUG instead.
_TRANSIENT_AIOKAFKA = re.compile(
    # "Marking the coordinator dead": a coordinator request timed out (a busy machine); aiokafka looks it up again.
    r"GroupCoordinatorNotAvailableError|NotCoordinatorForGroupError|CoordinatorLoadInProgress"
    r"|Marking the coordinator dead"
)


class _TransientKafkaErrors(logging.Filter):
    """Lower aiokafka's ERROR lines for conditions it retries by itself to DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING and _TRANSIENT_AIOKAFKA.search(record.getMessage()):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def _wants_json(log_format: Literal["auto", "json", "console"]) -> bool:
    if log_format == "auto":
        return not sys.stderr.isatty()
    return log_format == "json"


def configure_logging(log_format: Literal["auto", "json", "console"] = "auto", level: str = "INFO") -> None:
    """Configure structlog and route stdlib logging through it; call once, in ``main()``."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Processor
    if _wants_json(log_format):
        renderer = structlog.processors.JSONRenderer()
        # Tracebacks as data, but without frame locals: a connector's config (and its secrets) is often in scope.
        shared.append(
            structlog.processors.ExceptionRenderer(structlog.tracebacks.ExceptionDictTransformer(show_locals=False))
        )
    else:
        renderer = structlog.dev.ConsoleRenderer()

    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiokafka is chatty at INFO about every rebalance; its warnings still come through.
    for name in _THIRD_PARTY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.getLevelName(level), logging.WARNING))
    handler.addFilter(_TransientKafkaErrors())
