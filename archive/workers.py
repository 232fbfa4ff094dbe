"""What runs in the crawler's extraction worker processes.

:func:`extract_in_worker` is :func:`archive.extract.extract` plus one thing a long-lived
worker needs: after a large page, the C allocator is asked to give its free memory back to
the system (glibc ``malloc_trim``), so a worker's resident size follows the page in hand
rather than the largest page it ever parsed.

:func:`init_pool_worker` is the initializer of every pool of ours (extraction, import,
CDXJ ahead): Ctrl-C is the parent's to handle, and a worker ends when its parent dies. A
``ProcessPoolExecutor`` worker whose parent was SIGKILLed otherwise waits for its next call
for ever (it holds its call queue's write end itself, so it never reads an end of file).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Mapping

from archive.extract import extract
from archive.records import ExtractedArticle

#: Pages at least this large (bytes) are followed by a ``malloc_trim``.
TRIM_AFTER_BYTES = 512 * 1024


def _malloc_trim() -> object:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return getattr(libc, "malloc_trim", None)
    except OSError:
        return None


_TRIM = _malloc_trim()


def extract_in_worker(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> ExtractedArticle:
    """:func:`archive.extract.extract`, then release the allocator's free memory after a big page."""
    try:
        return extract(body, url, headers)
    finally:
        if _TRIM is not None and len(body) >= TRIM_AFTER_BYTES:
            _TRIM(0)  # type: ignore[operator]


def warm_up() -> None:
    """Run once in each new worker: importing this module (which the call's unpickling
    did) loads the extraction libraries before the first page arrives."""


def ignore_interrupts() -> None:
    """Worker initializer: a Ctrl-C on the terminal reaches the whole process group, but
    stopping is the crawler's decision (it stops cleanly and shuts the pool down); a worker
    interrupted mid-page would instead hand a KeyboardInterrupt back into the reactor."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def exit_with_parent() -> None:
    """End this process (exit status 1) as soon as the process that started it is gone.

    A daemon thread waits on :func:`multiprocessing.parent_process`'s sentinel (with the
    forkserver and spawn start methods: a pipe whose other end only the parent holds, so
    it reads end-of-file when the parent dies, SIGKILL included). Nothing when there is
    no parent process (not a multiprocessing child).
    """
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def wait() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=wait, name="exit-with-parent", daemon=True).start()


def init_pool_worker() -> None:
    """Initializer of our process pools: :func:`ignore_interrupts`, :func:`exit_with_parent`."""
    ignore_interrupts()
    exit_with_parent()
