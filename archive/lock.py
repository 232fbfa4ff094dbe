"""The data folder's writer lock: one crawl (or rebuild) writes to an archive at a time."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from archive.layout import DataDir


class ArchiveLocked(RuntimeError):
    """Another crawl or rebuild is writing to this data folder."""


def lock_data_dir(data_dir: Path) -> IO[str]:
    """Take the data folder's crawl lock (``DATA/crawl.lock``), held while the file stays open.

    The lock is an ``flock``: the kernel drops it when the process dies, so it is right
    after a crash too (no stale lock file to clean up).

    Raises:
        ArchiveLocked: another process holds it; the message names its PID.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = open(DataDir(data_dir).crawl_lock, "a+", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise ArchiveLocked(f"another crawl ({holder}) is writing to {data_dir}; wait for it to finish, "
                            "or use another --data folder") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle
