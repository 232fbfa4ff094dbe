"""The data folder's layout (``--data``, default ``./data``): one object that knows where
everything lives, so no other module spells out ``data / "warc"`` (pywb's collection manager
and Scrapy's JOBDIR handling keep a directory's layout in one place the same way).

::

    DATA/
      archive.db            the index (archive.index): articles, captures, crawls, ...
      archive.db.rebuild    a reindex's new index while it is built
      archive.db.bak        the index a reindex or merge replaced (with its WAL, if any)
      metadata.json         Datasette's metadata for archive.db (archive.datasette)
      warc/                 *.warc.gz, rotated by size; the source of truth
      indexes/index.cdxj    the CDXJ index replay reads; indexes/files/ one per WARC file
      indexes/.lock         held while indexes/ is written
      jobs/<site>/          Scrapy JOBDIR of an unfinished crawl
      logs/                 crawl-<time>.log, schedule-<time>.log
      replay/               pywb collection config (generated)
      redis/                a distributed crawl's private redis-server (its dump and log)
      workers/<name>/       a distributed crawl's worker, a data folder of its own, merged
                            into this one and removed when the crawl ends
      crawl.lock            the writer lock: one crawl or rebuild at a time (archive.lock)
      schedule.lock         one ``schedule run`` at a time

Nothing here touches the disk except :meth:`DataDir.ensure`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["DataDir"]


@dataclass(frozen=True)
class DataDir:
    """Where everything in one data folder lives.

    Attributes:
        root: The data folder itself, as given (not resolved).

    Example::

        data = DataDir(Path("data"))
        data.db            # data/archive.db
        data.warc_file("crawl-1.warc.gz")
    """

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    # -- the index ----------------------------------------------------------------------

    @property
    def db(self) -> Path:
        """``DATA/archive.db``: the SQLite index."""
        return self.root / "archive.db"

    @property
    def db_rebuild(self) -> Path:
        """``DATA/archive.db.rebuild``: a reindex's new index while it is built."""
        return self.root / "archive.db.rebuild"

    @property
    def db_backup(self) -> Path:
        """``DATA/archive.db.bak``: the index that a reindex or merge swapped out."""
        return self.root / "archive.db.bak"

    @property
    def datasette_metadata(self) -> Path:
        """``DATA/metadata.json``: Datasette's metadata (``datasette archive.db -m``)."""
        return self.root / "metadata.json"

    # -- WARC and CDXJ ------------------------------------------------------------------

    @property
    def warc(self) -> Path:
        """``DATA/warc/``: the WARC files."""
        return self.root / "warc"

    def warc_file(self, name: str) -> Path:
        """One WARC file by its name as the index keeps it (``captures.warc_filename``)."""
        return self.warc / name

    @property
    def indexes(self) -> Path:
        """``DATA/indexes/``: CDXJ for replay."""
        return self.root / "indexes"

    @property
    def cdxj(self) -> Path:
        """``DATA/indexes/index.cdxj``: the merged CDXJ index pywb reads."""
        return self.indexes / "index.cdxj"

    @property
    def cdxj_files(self) -> Path:
        """``DATA/indexes/files/``: one CDXJ file per WARC file, merged into :attr:`cdxj`."""
        return self.indexes / "files"

    @property
    def indexes_lock(self) -> Path:
        """``DATA/indexes/.lock``: held while ``indexes/`` is written."""
        return self.indexes / ".lock"

    # -- crawls -------------------------------------------------------------------------

    @property
    def jobs(self) -> Path:
        """``DATA/jobs/``: the resume state of unfinished crawls."""
        return self.root / "jobs"

    @property
    def redis(self) -> Path:
        """``DATA/redis/``: the private redis-server of a distributed crawl."""
        return self.root / "redis"

    @property
    def workers(self) -> Path:
        """``DATA/workers/``: the folders of a distributed crawl's workers."""
        return self.root / "workers"

    def worker(self, name: str) -> Path:
        """``DATA/workers/<name>/``: one worker's own data folder."""
        return self.workers / name

    def job(self, site: str) -> Path:
        """``DATA/jobs/<site>/``: Scrapy's JOBDIR of an unfinished crawl of *site*."""
        return self.jobs / site

    @property
    def logs(self) -> Path:
        """``DATA/logs/``: the crawls' and the scheduler's log files."""
        return self.root / "logs"

    @property
    def crawl_lock(self) -> Path:
        """``DATA/crawl.lock``: the writer lock (:func:`archive.lock.lock_data_dir`)."""
        return self.root / "crawl.lock"

    @property
    def schedule_lock(self) -> Path:
        """``DATA/schedule.lock``: held by the one ``schedule run`` of this folder."""
        return self.root / "schedule.lock"

    # -- replay -------------------------------------------------------------------------

    @property
    def replay(self) -> Path:
        """``DATA/replay/``: the generated pywb collection config."""
        return self.root / "replay"

    @property
    def replay_collections(self) -> Path:
        """``DATA/replay/collections/``: pywb's ``collections_root``."""
        return self.replay / "collections"
