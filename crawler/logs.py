"""Where a crawl's log goes: all of it to ``DATA/logs/crawl-<time>.log``, little to the terminal.

Scrapy's own records (its warnings about page sizes, retries given up, robots.txt
downloads ...), Twisted's and Python's warnings go to the log file, always written, at
INFO (DEBUG with ``-v``). The terminal gets our progress lines and notices (written by
them directly) and the warnings and errors of newsarchive's own modules; with ``-v`` it
gets the whole log at INFO, as before.
"""
from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path
from typing import TextIO

from archive.layout import DataDir

#: Loggers whose records reach the terminal without ``-v``: newsarchive's own modules.
OWN_LOGGERS = ("crawler.", "archive.")


def crawl_log_path(data_dir: Path, now: dt.datetime | None = None) -> Path:
    """``DATA/logs/crawl-YYYYmmddTHHMMSSZ.log`` (UTC); the folder is created.

    Raises:
        OSError: the folder cannot be created.
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    folder = DataDir(Path(data_dir)).logs
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"crawl-{now:%Y%m%dT%H%M%SZ}.log"


class OwnRecords(logging.Filter):
    """Keeps WARNING and above from newsarchive's own loggers (:data:`OWN_LOGGERS`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING and record.name.startswith(OWN_LOGGERS)


def terminal_handler(verbose: bool, stream: TextIO | None = None) -> logging.Handler:
    """The root logger's handler for the terminal (stderr): everything at INFO with
    ``verbose``, else only :class:`OwnRecords`, one line each with no traceback."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if verbose:
        handler.setLevel(logging.INFO)
        handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
    else:
        handler.setLevel(logging.WARNING)
        handler.addFilter(OwnRecords())
        handler.setFormatter(_OneLine("[newsarchive] %(message)s"))
    return handler


class _OneLine(logging.Formatter):
    """A formatter that leaves tracebacks out (they are in the log file)."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text
        record.exc_info, record.exc_text = None, None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text = saved
