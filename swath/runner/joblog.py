"""The job log: one file that gathers the runner's messages, cwltool's log and the tools' stdout and stderr.

cwltool has one global logger (DESIGN.md), so the log is attached to it for the length of one job and detached
afterwards. The runner normally runs in a forked child dedicated to the job; restoring the handlers keeps an
in-process caller (tests, a one-shot CLI run) unchanged after the job.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

# The loggers whose records belong in the job log: the runner's own, cwltool's and schema-salad's.
RUNNER_LOGGER = "swath.runner"
_LOGGER_NAMES = (RUNNER_LOGGER, "cwltool", "salad")
_FORMAT = "%(asctime)s %(levelname)s %(message)s"


@contextmanager
def open_job_log(log_path: Path) -> Iterator[BinaryIO]:
    """Send the job's loggers to `log_path` and yield a binary handle on it for the tools' stdout and stderr.

    Records do not propagate to the caller's handlers while the job runs, so a job's log never leaks into the
    supervisor's output. Both writers append, so their lines interleave in order.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_path, mode="a", encoding="utf-8")
    handler.setFormatter(logging.Formatter(_FORMAT))
    saved: list[tuple[logging.Logger, list[logging.Handler], bool, int]] = []
    for name in _LOGGER_NAMES:
        logger = logging.getLogger(name)
        saved.append((logger, list(logger.handlers), logger.propagate, logger.level))
        logger.handlers = [handler]
        logger.propagate = False
        logger.setLevel(logging.INFO)
    stream = _SharedLog(log_path, "ab")
    try:
        yield stream
    finally:
        stream.release()
        for logger, handlers, propagate, level in saved:
            logger.handlers = handlers
            logger.propagate = propagate
            logger.setLevel(level)
        handler.close()


class _SharedLog(io.FileIO):
    """The log file as the tools' stdout and stderr: it survives cwltool's attempts to close it.

    cwltool closes `default_stdout`/`default_stderr` after every tool it runs (job.py, `_job_popen`), yet all
    tools of a workflow share the job's log; the second one would fail with "I/O operation on closed file".
    """

    def close(self) -> None:
        pass

    def release(self) -> None:
        super().close()


def runner_logger() -> logging.Logger:
    return logging.getLogger(RUNNER_LOGGER)


def log_line(log_path: Path, text: str) -> None:
    """Append one line to a job's log from outside a run (before it starts, or after its process died)."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with log_path.open("a", encoding="utf-8") as stream:
        stream.write(f"{stamp} [swath] {text}\n")
