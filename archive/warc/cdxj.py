"""A CDXJ index of the data folder's WARC files, kept current for replay (pywb).

pywb finds a capture by binary search in a sorted CDXJ file (one line per record:
``SURT-urlkey 14-digit-timestamp {json}``, the format of the IIPC's pywb/OpenWayback CDXJ,
https://pywb.readthedocs.io/en/latest/manual/indexing.html). The lines are written by
cdxj-indexer (``cdxj_indexer.main.CDXJIndexer``), the indexer pywb itself uses.

Layout under ``DATA/indexes/``::

    index.cdxj            every WARC file's lines, merged and sorted (what replay reads)
    files/NAME.cdxj       one sorted CDXJ per WARC file (a cache)
    files/manifest.json   per WARC file: size, mtime_ns, lines, gaps, bodiless lines, or the
                          error that broke it
    .lock                 serialises concurrent updates (a crawl ending while replay runs)

:func:`update_index` is incremental: only WARC files that are new, or whose size or mtime
changed since the last update (a file a crawl appended to), are read again; the merged
``index.cdxj`` is then rewritten atomically (temporary file, ``os.replace``), so a replay
server reading it never sees half a file.

**Damage costs only itself.** Each file is read by the resynchronising reader
(:mod:`archive.warc.cdxj_file`, :func:`archive.warc.resync.scan`): a damaged gzip member, a wrong
``Content-Length``, junk between members or a cut-off tail is a gap, reported with its
offset and length (:attr:`IndexUpdate.damaged`, and a warning), and the readable records
before and after it are indexed. A file with no readable record at all (not WARC, not
gzip) is reported and left out (:attr:`IndexUpdate.broken`).

**Only replayable captures.** The responses of HEAD requests get no line, and a 2xx
response with no payload is left out when a capture of the same URL holds one
(:mod:`archive.replayable`), so replay near a HEAD's time serves the GET's body.

**Every spelling replays under the canonical URL.** An article may have been captured under
another URL than its canonical one (``?utm_source=...``, no trailing slash, an AMP twin, a
``rel=canonical`` that differs from the URL fetched). For each such capture that the SQLite
index (``DATA/archive.db``: ``articles``, ``aliases``, ``article_versions``) ties to an article,
the merged index gets one more line: the canonical URL's SURT key and the capture's timestamp,
with the capture's own JSON (``url`` still its WARC-Target-URI; the same file, offset and
length). So ``/archive/<ts>/<canonical URL>`` reaches it, and pywb's calendar and CDX API list
every version of the article. Only 2xx responses and revisits get such a line (a shortlink's
301 does not). These lines are rebuilt from the SQLite index on every update, so
``newsarchive reindex`` followed by any update restores them.
"""
from __future__ import annotations

import contextlib
import fcntl
import heapq
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.atomic import replacing
from archive.warc.cdxj_file import FileIndex, index_file
from archive.layout import DataDir
from archive.replayable import is_empty_digest
from archive.warc.parse import escape

__all__ = ["IndexUpdate", "alias_lines", "index_path", "store_file_index", "update_index", "update_index_report",
           "WARC_SUFFIXES"]

logger = logging.getLogger(__name__)

#: File names the index covers, in ``DATA/warc`` (what cdxj-indexer accepts).
WARC_SUFFIXES = (".warc.gz", ".warc", ".arc.gz", ".arc")
#: Version 2: lines read past damage, no HEAD responses, bodiless 2xx lines named.
_MANIFEST_VERSION = 2


@dataclass
class IndexUpdate:
    """What one :func:`update_index_report` call did.

    Attributes:
        path: The merged index, ``DATA/indexes/index.cdxj``.
        indexed: WARC files read this time (new or changed), by name.
        reused: WARC files whose cached index was still current.
        removed: Cached indexes dropped because their WARC file is gone.
        broken: WARC files left out, with the reason (also logged as warnings).
        lines: Lines in the merged index.
        alias_lines: Of those, lines that file a capture under its article's canonical URL.
        damaged: Per WARC file indexed past damage, ``(offset, length, why)`` of each
            stretch of bytes left out (no readable record; ``why`` is printable text).
        heads: Response records of HEAD requests left out.
        shadowed: 2xx responses with no payload left out because a capture of the same URL
            holds one (:mod:`archive.replayable`).
    """

    path: Path
    indexed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    broken: dict[str, str] = field(default_factory=dict)
    lines: int = 0
    alias_lines: int = 0
    damaged: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    heads: int = 0
    shadowed: int = 0


def index_path(data_dir: str | os.PathLike[str]) -> Path:
    """The merged CDXJ index of a data folder: ``DATA/indexes/index.cdxj``."""
    return DataDir(Path(data_dir)).cdxj


def _warc_files(warc_dir: Path) -> list[Path]:
    if not warc_dir.is_dir():
        return []
    return sorted(p for p in warc_dir.iterdir() if p.is_file() and p.name.endswith(WARC_SUFFIXES))


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_path`` (waits for another updater)."""
    with open(lock_path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _atomic_write(path: Path, lines: Iterator[str]) -> int:
    """Replace ``path`` with ``lines`` (:func:`archive.atomic.replacing`: a reader sees the
    old file or the new one).

    Returns:
        The number of lines written.
    """
    count = 0
    with replacing(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as out:
        for line in lines:
            out.write(line)
            count += 1
    return count


def index_warc(path: Path) -> list[str]:
    """The sorted CDXJ lines of one WARC file, ``filename`` relative to its folder, read past
    damage, without the responses of HEAD requests (:func:`archive.warc.cdxj_file.index_file`).

    Raises:
        ValueError: the file holds no readable WARC record.
    """
    return index_file(path).lines


def _load_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict) or manifest.get("version") != _MANIFEST_VERSION:
        return {}
    files = manifest.get("files")
    return files if isinstance(files, dict) else {}


def _stamp(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _read_lines(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as fh:
        yield from fh


def update_index_report(data_dir: str | os.PathLike[str]) -> IndexUpdate:
    """Bring ``DATA/indexes/index.cdxj`` up to date with ``DATA/warc/``; say what changed.

    Args:
        data_dir: The data folder (holds ``warc/``; ``indexes/`` is created).

    Returns:
        An :class:`IndexUpdate`. The merged index exists afterwards (empty when there are
        no WARC files), sorted as pywb's binary search needs (plain byte order of lines).

    Raises:
        OSError: ``DATA/indexes`` cannot be written.
    """
    data = DataDir(Path(data_dir))
    warc_dir = data.warc
    cache_dir = data.cdxj_files
    cache_dir.mkdir(parents=True, exist_ok=True)
    result = IndexUpdate(path=data.cdxj)
    manifest_path = cache_dir / "manifest.json"

    with _locked(data.indexes_lock):
        old = _load_manifest(manifest_path)
        new: dict[str, Any] = {}
        for warc in _warc_files(warc_dir):
            entry = _file_entry(warc, cache_dir / (warc.name + ".cdxj"), old.get(warc.name), result)
            if entry is not None:
                new[warc.name] = entry
        for name in old:
            if name not in new:
                result.removed.append(name)
                with contextlib.suppress(FileNotFoundError):
                    (cache_dir / (name + ".cdxj")).unlink()
        _save_manifest(manifest_path, new)
        good = [cache_dir / (name + ".cdxj") for name, info in sorted(new.items()) if not info.get("error")]
        streams = [_read_lines(path) for path in good]
        extra = alias_lines(data.db, {name: cache_dir / (name + ".cdxj") for name, info
                                                  in new.items() if not info.get("error")})
        result.alias_lines = len(extra)
        bodiless = {name: {(key, int(offset)) for key, offset in info.get("bodiless") or []}
                    for name, info in new.items() if info.get("bodiless")}
        merged = _dedup(heapq.merge(*streams, iter(extra)))
        result.lines = _atomic_write(result.path, _replayable(merged, bodiless, result))
    return result


def _file_entry(warc: Path, cached: Path, prev: dict[str, Any] | None, result: IndexUpdate) -> dict[str, Any] | None:
    """The manifest entry of one WARC file: its cached lines reused while it is unchanged,
    else read again (its gaps and HEAD responses noted in ``result``); None when it is gone."""
    name = warc.name
    try:
        stamp = _stamp(warc)
    except OSError as exc:  # removed while we looked
        result.broken[name] = str(exc)
        return None
    if prev and prev.get("size") == stamp["size"] and prev.get("mtime_ns") == stamp["mtime_ns"]:
        if prev.get("error"):
            result.broken[name] = prev["error"]
            return prev
        if cached.is_file():
            result.reused.append(name)
            result.heads += int(prev.get("heads") or 0)
            if prev.get("gaps"):
                result.damaged[name] = [tuple(gap) for gap in prev["gaps"]]
            return prev
    try:
        found = index_file(warc)
    except Exception as exc:  # noqa: BLE001 - warcio/zlib raise assorted errors on bad bytes
        reason = escape(f"{type(exc).__name__}: {exc}".strip(), 400)
        logger.warning("CDXJ index: %s left out, it cannot be read: %s", name, reason)
        result.broken[name] = reason
        with contextlib.suppress(FileNotFoundError):
            cached.unlink()
        return {**stamp, "error": reason}
    for offset, length, why in found.gaps:
        logger.warning("CDXJ index: %s: %d bytes at offset %d left out, no readable record: %s",
                       name, length, offset, why)
    result.indexed.append(name)
    result.heads += found.heads
    if found.gaps:
        result.damaged[name] = list(found.gaps)
    return _cache_entry(cached, stamp, found)


def _cache_entry(cached: Path, stamp: dict[str, int], found: FileIndex) -> dict[str, Any]:
    """Write ``found``'s lines to ``cached``; its manifest entry (size, mtime, what was found)."""
    _atomic_write(cached, iter(found.lines))
    entry: dict[str, Any] = {**stamp, "lines": len(found.lines)}
    if found.gaps:
        entry["gaps"] = [list(gap) for gap in found.gaps]
    if found.bodiless:
        entry["bodiless"] = [list(item) for item in found.bodiless]
    if found.heads:
        entry["heads"] = found.heads
    return entry


def store_file_index(data_dir: str | os.PathLike[str], warc: Path, found: FileIndex) -> None:
    """Keep ``found`` as the index of the whole WARC file ``warc`` in ``DATA/indexes/files/``,
    stamped with the file's size and mtime now, so that :func:`update_index` reuses it.

    The caller vouches that ``found`` is what :func:`archive.warc.cdxj_file.index_file` gives for
    the file as it is now (:mod:`archive.warc.cdxj_ahead` built it range by range while a crawl
    wrote the file).

    Raises:
        OSError: ``DATA/indexes`` cannot be written, or ``warc`` is gone.
    """
    layout = DataDir(Path(data_dir))
    cache_dir = layout.cdxj_files
    cache_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = cache_dir / "manifest.json"
    with _locked(layout.indexes_lock):
        files = _load_manifest(manifest_path)
        files[warc.name] = _cache_entry(cache_dir / (warc.name + ".cdxj"), _stamp(warc), found)
        _save_manifest(manifest_path, files)


def _save_manifest(path: Path, files: dict[str, Any]) -> None:
    _atomic_write(path, iter([json.dumps({"version": _MANIFEST_VERSION, "files": files},
                                         indent=1, sort_keys=True) + "\n"]))


def _holds_payload(info: dict[str, Any]) -> bool:
    """Whether a CDXJ line's capture replays a payload: a 2xx response, a revisit or a
    resource, whose payload digest is not that of zero bytes."""
    if is_empty_digest(info.get("digest")):
        return False
    status = str(info.get("status") or "")
    return info.get("mime") == "warc/revisit" or not status or status.startswith("2")


def _replayable(lines: Iterator[str], bodiless: dict[str, set[tuple[str, int]]],
                result: IndexUpdate) -> Iterator[str]:
    """``lines`` (sorted) without the bodiless 2xx lines of a URL that has a capture holding
    a payload (:mod:`archive.replayable`); ``result.shadowed`` counts them."""
    if not bodiless:
        yield from lines
        return
    keys = {key for marks in bodiless.values() for key, _ in marks}
    group: list[str] = []
    for line in lines:
        key = line.split(" ", 1)[0]
        if group and group[0].split(" ", 1)[0] != key:
            yield from _unshadowed(group, bodiless, result)
            group = []
        if key in keys:
            group.append(line)
        else:
            yield line
    yield from _unshadowed(group, bodiless, result)


def _unshadowed(group: list[str], bodiless: dict[str, set[tuple[str, int]]], result: IndexUpdate) -> list[str]:
    """One URL's lines (a key with bodiless lines) without those, when another holds a payload."""
    marked: list[tuple[str, dict[str, Any]]] = []
    others: list[tuple[str, dict[str, Any]]] = []
    for line in group:
        key, _ts, blob = line.split(" ", 2)
        info = json.loads(blob)
        is_bodiless = (key, int(info.get("offset", -1))) in bodiless.get(str(info.get("filename")), ())
        (marked if is_bodiless else others).append((line, info))
    if marked and any(_holds_payload(info) for _, info in others):
        result.shadowed += len(marked)
        return [line for line, _ in others]
    return group


def _url_key(url: str) -> str:
    """The SURT key cdxj-indexer files ``url`` under (``surt.surt``, as pywb looks it up)."""
    import surt

    try:
        return str(surt.surt(url))
    except Exception:  # noqa: BLE001 - cdxj-indexer keeps the URL as its key then
        return url


def _article_captures(db_path: Path) -> dict[str, dict[int, set[str]]]:
    """``{warc file: {offset: canonical URLs}}`` from the SQLite index
    (:meth:`archive.index.Index.article_capture_offsets`); empty when there is no index or
    it cannot be read."""
    import sqlite3

    from archive.index import ArchiveIndexError, Index

    if not db_path.is_file():
        return {}
    try:
        with Index.open_readonly(db_path) as index:
            return index.article_capture_offsets()
    except (ArchiveIndexError, sqlite3.Error) as exc:
        logger.warning("CDXJ index: no canonical-URL lines, %s cannot be read: %s", db_path, exc)
        return {}


def alias_lines(db_path: Path, caches: dict[str, Path]) -> list[str]:
    """The extra CDXJ lines that file captures under their article's canonical URL.

    Args:
        db_path: The SQLite index, ``DATA/archive.db`` (no lines when it does not exist).
        caches: ``{WARC file name: its cached CDXJ}`` for the files in the merged index.

    Returns:
        Sorted lines ``<canonical SURT> <timestamp> <the capture's JSON>``, one per capture
        whose own key differs from its canonical URL's, for 2xx responses and revisits.
    """
    wanted = _article_captures(db_path)
    out = set()
    for filename, offsets in wanted.items():
        cache = caches.get(filename)
        if cache is None or not cache.is_file():
            continue
        for line in _read_lines(cache):
            key, ts, blob = line.split(" ", 2)
            info = json.loads(blob)
            canonicals = offsets.get(int(info.get("offset", -1)))
            status = str(info.get("status", ""))
            if not canonicals or not (status.startswith("2") or info.get("mime") == "warc/revisit"):
                continue
            for canonical in canonicals:
                canonical_key = _url_key(canonical)
                if canonical_key != key:
                    out.add(f"{canonical_key} {ts} {blob}")
    return sorted(out)


def _dedup(lines: Iterator[str]) -> Iterator[str]:
    last = None
    for line in lines:
        if line != last:
            yield line
        last = line


def update_index(data_dir: str | os.PathLike[str]) -> Path:
    """Bring the data folder's CDXJ index up to date, reading only new or changed WARC files.

    Call it after every crawl (and replay calls it when it starts). Unreadable WARC files
    are logged as warnings and left out; see :func:`update_index_report` for the details.

    Args:
        data_dir: The data folder.

    Returns:
        The merged, sorted index: ``DATA/indexes/index.cdxj``.

    Raises:
        OSError: ``DATA/indexes`` cannot be written.
    """
    return update_index_report(data_dir).path
