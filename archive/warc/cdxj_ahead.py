"""CDXJ ahead of time: a WARC file is indexed range by range while a crawl writes it.

:func:`archive.warc.cdxj.update_index` reads every WARC file that is new since the last update.
After a crawl that is the whole of the file the crawl wrote (200 MB at 2,500 articles,
about 4 s of cdxj-indexer), and it runs after the last response, on one core, while
nothing else is left to do. :class:`AheadIndexer` spreads that work over the crawl: the
writer reports each record boundary (:attr:`archive.warc.WarcWriter.on_boundary`), and
each time ``chunk_bytes`` more bytes are written behind the last range, the new range goes
to a separate worker process (:func:`archive.warc.cdxj_file.index_file` over the range), beside the
extraction workers. :meth:`AheadIndexer.finish`, once the writer is closed, indexes the
last range, and stores each file's lines as that file's cached index
(:func:`archive.warc.cdxj.store_file_index`), so the update after the crawl only merges.

The result is the same index: a range ends only where a whole exchange (request and
response) or record has been written, and a file is stored only when its ranges cover it
from offset 0 to its size, every range was indexed, and the size is the last boundary the
writer reported. Anything else (a failed range, a file another program appended to, a
worker that could not start) leaves that file to :func:`~archive.warc.cdxj.update_index`, which
reads it whole as before. A crawl that is killed stores nothing.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from archive.warc.cdxj import store_file_index
from archive.warc.cdxj_file import FileIndex, index_file
from archive.layout import DataDir
from archive.workers import init_pool_worker

logger = logging.getLogger(__name__)

#: Bytes of WARC written between two ranges sent to the worker (``ARCHIVE_CDXJ_AHEAD_BYTES``).
DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024


@dataclass
class _FileProgress:
    #: the end of the last range sent to the worker (a record boundary)
    submitted: int = 0
    #: the last record boundary the writer reported
    last: int = 0
    ranges: list[tuple[int, int, Future[FileIndex]]] = field(default_factory=list)
    broken: bool = False


class AheadIndexer:
    """Index a crawl's WARC files in ranges while they are written (see the module).

    Args:
        data_dir: the data folder (``warc/`` holds the files, ``indexes/`` gets the result).
        chunk_bytes: bytes written between two ranges (at least 1).
    """

    def __init__(self, data_dir: str | os.PathLike[str], chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> None:
        self.data_dir = Path(data_dir)
        self.warc_dir = DataDir(self.data_dir).warc
        self.chunk_bytes = max(1, int(chunk_bytes))
        self._files: dict[str, _FileProgress] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._pool_failed = False

    def boundary(self, filename: str, position: int) -> None:
        """The writer has written whole records of ``filename`` up to byte ``position``."""
        progress = self._files.setdefault(filename, _FileProgress())
        progress.last = position
        if position - progress.submitted >= self.chunk_bytes:
            self._submit(filename, progress, position)

    def _submit(self, filename: str, progress: _FileProgress, end: int) -> None:
        if progress.broken:
            return
        pool = self._executor()
        if pool is None:
            progress.broken = True
            return
        try:
            future = pool.submit(index_file, self.warc_dir / filename, progress.submitted, end)
        except RuntimeError as exc:  # the pool broke (a worker was killed) or shut down
            logger.debug("CDXJ ahead: %s left to the final update: %s", filename, exc)
            progress.broken = True
            return
        progress.ranges.append((progress.submitted, end, future))
        progress.submitted = end

    def _executor(self) -> ProcessPoolExecutor | None:
        if self._pool is None and not self._pool_failed:
            try:
                self._pool = ProcessPoolExecutor(max_workers=1, initializer=init_pool_worker,
                                                 mp_context=multiprocessing.get_context("forkserver"))
            except (OSError, ValueError) as exc:
                logger.debug("CDXJ ahead: no worker process (%s); the final update reads every file", exc)
                self._pool_failed = True
        return self._pool

    def finish(self) -> list[str]:
        """Index the last ranges, store each fully covered file's index, stop the worker.

        Call it once the writer is closed. Returns the names of the files stored; the others
        are left to :func:`archive.warc.cdxj.update_index`. Never raises for a file it could not
        index (that file is simply not stored).
        """
        stored = []
        try:
            for name, progress in self._files.items():
                path = self.warc_dir / name
                try:
                    size = path.stat().st_size
                except OSError:
                    continue
                if size != progress.last:  # written to since the writer's last boundary
                    continue
                if progress.submitted < size:
                    self._submit(name, progress, size)
                found = self._gather(name, progress)
                if found is None:
                    continue
                try:
                    store_file_index(self.data_dir, path, found)
                except OSError as exc:
                    logger.debug("CDXJ ahead: could not store the index of %s: %s", name, exc)
                    continue
                stored.append(name)
        finally:
            self.close()
        return stored

    def _gather(self, name: str, progress: _FileProgress) -> FileIndex | None:
        """What all of ``name``'s ranges hold, or None unless they cover it from 0 to its last
        boundary with no gap. A range the worker did not index (it failed, or the pool was
        shut down first) is indexed here; a range that fails here too, or that has a gap
        (damage: its extent may cross the range's end), leaves the file to update_index."""
        wait([future for _, _, future in progress.ranges])
        parts: list[FileIndex] = []
        expected = 0
        pending: list[tuple[int, int, Future[FileIndex] | None]] = list(progress.ranges)
        if progress.submitted < progress.last:  # the tail after the last range sent
            pending.append((progress.submitted, progress.last, None))
        for start, end, future in pending:
            if start != expected:
                return None
            if future is not None and not future.cancelled() and future.exception() is None:
                parts.append(future.result())
            else:
                try:
                    parts.append(index_file(self.warc_dir / name, start, end))
                except Exception as exc:  # noqa: BLE001 - warcio/zlib raise assorted errors on bad bytes
                    logger.debug("CDXJ ahead: %s bytes %d-%d left to the final update: %s", name, start, end, exc)
                    return None
            if parts[-1].gaps:
                return None
            expected = end
        return _joined(parts)

    def close(self) -> None:
        """Stop the worker process (pending ranges are dropped). Safe to call twice."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _joined(parts: list[FileIndex]) -> FileIndex:
    """One file's :class:`FileIndex` from those of its consecutive ranges."""
    whole = FileIndex()
    for part in parts:
        whole.lines.extend(part.lines)
        whole.bodiless.extend(part.bodiless)
        whole.heads += part.heads
    whole.lines.sort()
    return whole
