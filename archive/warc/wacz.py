"""Package the archive as a WACZ file (WACZ 1.1.1, https://specs.webrecorder.net/wacz/1.1.1/).

A WACZ is a ZIP holding the WARC files (``archive/``), a CDXJ index of them
(``indexes/``), a page list (``pages/pages.jsonl``) and ``datapackage.json`` with every
file's hash. It is built with py-wacz's parts (the ``wacz`` package, Webrecorder's reference
implementation: its indexer, page-list check, ``datapackage.json`` and digest writers), given a
page list we write from the index: one page per article, with its URL and capture time (so
ReplayWeb.page and pywb open the archived page) and its title and extracted text (so the page
list can be searched).

The index lists only the records that replay (:data:`REPLAY_RECORD_TYPES`, and not the
responses of HEAD requests, which would replay as empty pages: brozzler#80). py-wacz's own
``wacz create`` (0.6) also indexes ``metadata`` records, and it gives no option to stop: our
per-article metadata record has the article's URL as WARC-Target-URI and is written after the
response, so a viewer asked for the article's URL with no time (``<replay-web-page url=...>``)
takes that newest "capture", finds no HTTP response in it, and shows "Archived Page Not Found".
So the ZIP is written here, in ``wacz create``'s layout, by the same py-wacz indexer with
cdxj-indexer's ``records`` filter.

Hashes: ``datapackage.json`` gives each file's ``sha256:`` hash over its uncompressed bytes,
as WACZ 1.1.1 and ``wacz validate`` want, and ReplayWeb.page 2.5.3 (wabac.js 2.27) reads the
same hashes. Its "2 invalid" is its own count, not a wrong hash: when it opens a WACZ it
stores the expected hashes of ``pages/pages.jsonl`` and of the ``*.idx``/``*.cdx`` files as
unmatched records, and only a hash check, which wabac.js 2.23.4 made opt-in
(``sw.js?useHashCheck=1``), would mark them matched; by default it never hashes them, so every
WACZ shows them invalid. No WACZ can avoid it (the spec's page list and index must be listed
with their hashes). With the check on, 2.5.3 flags more: it looks ``index.idx``'s hash up
without the WACZ-name prefix it stored it under, passes a WARC record's hash to its verify
store in the wrong argument order, and hashes each ``index.cdx.gz`` block after gunzipping it
while cdxj-indexer's ``digest`` (and py-wacz's) is over the stored gzip block.

The page list follows "Pages" in the WACZ spec (JSON Lines; a header object with
``format: json-pages-1.0``, then one object per page with ``url`` and ``ts`` and optionally
``title`` and ``text``).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

from archive.atomic import replacing
from archive.index import Index
from archive.layout import DataDir

__all__ = ["PAGES_FORMAT", "REPLAY_RECORD_TYPES", "WaczError", "WaczResult", "create_wacz", "iter_pages", "validate_wacz", "write_pages"]

#: The page list's format marker (WACZ 1.1.1, "pages.jsonl").
PAGES_FORMAT = "json-pages-1.0"
#: The WARC record types the WACZ's index lists: the ones a replay serves (WARC 1.1 sections
#: 6.3, 6.6, 6.7). Not ``metadata`` (our article records), ``request`` or ``warcinfo``.
REPLAY_RECORD_TYPES = ("response", "revisit", "resource")
#: CDXJ lines per gzip block of ``indexes/index.cdx.gz`` (py-wacz's and ArchiveWeb.page's size).
INDEX_BLOCK_LINES = 1024


class WaczError(Exception):
    """A WACZ file could not be written, or does not validate."""


@dataclass
class WaczResult:
    """What :func:`create_wacz` wrote.

    Attributes:
        path: The WACZ file.
        pages: Articles in its page list.
        warc_files: WARC files packaged.
        log: What py-wacz printed.
    """

    path: Path
    pages: int
    warc_files: int
    log: str


def iter_pages(index: Index, *, since: str | None = None, until: str | None = None) -> Iterator[dict[str, Any]]:
    """One WACZ page object per article: ``id``, ``url``, ``ts``, ``title``, ``text``.

    ``url`` is the WARC-Target-URI of the response the article was extracted from and
    ``ts`` its WARC-Date, so that the page opens that capture in replay.

    Args:
        index: An open index.
        since, until: Only articles published in this range (``YYYY-MM-DD``), as export.
    """
    for article in index.iter_articles(since=since, until=until):
        url = article["url"]
        if article.get("capture_id") is not None:
            captured = index.capture_url(article["capture_id"])
            if captured is not None:
                url = captured
        page: dict[str, Any] = {"id": f"article-{article['id']}", "url": url, "ts": article["fetched_at"]}
        if article.get("title"):
            page["title"] = article["title"]
        if article.get("text"):
            page["text"] = article["text"]
        yield page


def write_pages(index: Index, out: IO[str], *, since: str | None = None, until: str | None = None) -> int:
    """Write ``pages.jsonl`` (header line, then one page per article) to ``out``.

    Returns:
        The number of pages.
    """
    header = {"format": PAGES_FORMAT, "id": "pages", "title": "Articles", "hasText": True}
    out.write(json.dumps(header, ensure_ascii=False) + "\n")
    count = 0
    for page in iter_pages(index, since=since, until=until):
        if not page.get("ts"):
            continue  # an article with no capture time cannot be replayed
        out.write(json.dumps(page, ensure_ascii=False) + "\n")
        count += 1
    return count


def _run_py_wacz(args: list[str]) -> tuple[int, str]:
    """Run py-wacz's command line in this process; its exit code and what it printed."""
    try:
        from wacz.main import main as wacz_main
    except ImportError as exc:  # pragma: no cover - wacz is in requirements.txt
        raise WaczError(f"py-wacz is not installed ({exc}): pip install -r requirements.txt") from None
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        try:
            code = wacz_main(args)
        except SystemExit as exc:  # argparse errors
            code = exc.code if isinstance(exc.code, int) else 1
        except ValueError as exc:  # py-wacz raises on bad input
            print(exc)
            code = 1
    return int(code or 0), buffer.getvalue()


def create_wacz(
    data_dir: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    since: str | None = None,
    until: str | None = None,
) -> WaczResult:
    """Package ``DATA/warc/*.warc.gz`` and a page list of the index's articles as a WACZ.

    The file is written next to ``output`` under a temporary name and moved into place
    when whole; ``output``'s folder is created if missing. Its index lists the
    :data:`REPLAY_RECORD_TYPES` records of every WARC file (page requisites included), its
    page list the articles only.

    Args:
        data_dir: The data folder (``archive.db`` and ``warc/``).
        output: The ``.wacz`` file to write.
        since, until: Only articles published in this range go into the page list (all
            WARC files are packaged).

    Returns:
        What was written.

    Raises:
        WaczError: There are no WARC files, one has a damaged tail, or py-wacz failed.
        archive.index.IndexNotFound: There is no ``archive.db``.
        OSError: ``output`` cannot be written.
    """
    from archive.warc_indexer import warc_files

    data = Path(data_dir)
    output = Path(output)
    warc_dir = DataDir(data).warc
    files = warc_files(warc_dir) if warc_dir.is_dir() else []
    files = [f for f in files if f.name.endswith(".warc.gz")]
    if not files:
        raise WaczError(f"no WARC files in {warc_dir}: nothing to package")
    from archive.warc.check import check_file

    checked = [(f, check_file(f)) for f in files]
    damaged = [(f.name, r.good_end) for f, r in checked if r.damaged_tail]
    if damaged:
        names = ", ".join(f"{name} (whole up to byte {end})" for name, end in damaged)
        raise WaczError(f"damaged WARC tail in {names}: a WACZ of it would not validate; "
                        f"run `newsarchive --data {data} warc check --repair` first")
    # py-wacz indexes with warcio, which reads the rest of a damaged gzip member as one line
    # in memory (a gzip bomb: gigabytes): damaged framing in the middle is refused as well
    framing = [(f.name, x.offset) for f, r in checked for x in r.findings if x.kind in ("corrupt", "gzip-member")]
    if framing:
        names = ", ".join(f"{name} at byte {offset}" for name, offset in framing[:5])
        raise WaczError(f"damaged WARC framing in {names}: a WACZ of it would not validate; "
                        f"see `newsarchive --data {data} warc check`")
    with Index.open_readonly(DataDir(data).db) as index, tempfile.TemporaryDirectory() as tmp:
        pages_path = Path(tmp) / "pages.jsonl"
        with open(pages_path, "w", encoding="utf-8") as out:
            pages = write_pages(index, out, since=since, until=until)
        output.parent.mkdir(parents=True, exist_ok=True)
        with replacing(output) as partial:
            log = _write_wacz(partial, files, pages_path, title="newsarchive",
                              desc=_description(pages, len(files), since, until))
    return WaczResult(path=output, pages=pages, warc_files=len(files), log=log)


def _write_wacz(path: Path, files: list[Path], pages_path: Path, *, title: str, desc: str) -> str:
    """Write the WACZ at ``path`` as py-wacz 0.6's ``wacz create -p PAGES --copy-pages
    --hash-type sha256`` does, but with an index of :data:`REPLAY_RECORD_TYPES` only.

    Layout (WACZ 1.1.1): ``indexes/index.cdx.gz`` (sorted CDXJ in gzip blocks, stored),
    ``indexes/index.idx`` (one line per block, with its sha256), ``archive/*.warc.gz`` (stored,
    byte for byte), ``pages/pages.jsonl``, then ``datapackage.json`` (each file's path, size
    and ``sha256:`` hash of its uncompressed bytes) and ``datapackage-digest.json``.

    Returns:
        What py-wacz printed.

    Raises:
        WaczError: py-wacz rejected the page list or could not read a WARC file.
    """
    from wacz.util import validate_pages_jsonl_file

    out = io.StringIO()
    with contextlib.redirect_stdout(out), zipfile.ZipFile(path, "w") as wacz:
        if not validate_pages_jsonl_file(str(pages_path)):
            raise WaczError(f"py-wacz rejected the page list:\n{out.getvalue().strip()}")
        indexer = _write_index(wacz, files)
        for warc in files:
            with open(warc, "rb") as src, wacz.open(zipfile.ZipInfo.from_file(warc, f"archive/{warc.name}"), "w") as dst:
                shutil.copyfileobj(src, dst)
        _copy_into(wacz, pages_path, "pages/pages.jsonl")
        package = indexer.generate_datapackage(SimpleNamespace(title=title, desc=desc, date=None), wacz).encode("utf-8")
        _write_bytes(wacz, "datapackage.json", package)
        _write_bytes(wacz, "datapackage-digest.json", indexer.generate_datapackage_digest(package).encode("utf-8"))
    return out.getvalue()


def _write_index(wacz: zipfile.ZipFile, files: list[Path]) -> Any:
    """``indexes/index.cdx.gz`` and ``indexes/index.idx`` by py-wacz's indexer (cdxj-indexer
    with ``records=`` :data:`REPLAY_RECORD_TYPES`); returns the indexer (it writes the
    datapackage)."""
    from warcio.exceptions import ArchiveLoadFailed
    from wacz.util import now
    from wacz.waczindexer import WACZIndexer

    idx = io.BytesIO()
    idx_text = io.TextIOWrapper(idx, "utf-8", write_through=True)
    try:
        with wacz.open(zipfile.ZipInfo("indexes/index.cdx.gz", now()), "w") as cdx:
            indexer = _replayable_indexer(WACZIndexer)(
                idx_text, [str(f) for f in files], sort=True, post_append=True, compress=cdx,
                lines=INDEX_BLOCK_LINES, digest_records=True, fields="referrer,req.http:cookie",
                data_out_name="index.cdx.gz", records=",".join(REPLAY_RECORD_TYPES), hash_type="sha256",
                main_url="", main_ts=None, detect_pages=False, passed_pages_dict={}, extract_text=False,
            )
            indexer.process_all()
    except (ArchiveLoadFailed, ValueError) as exc:
        raise WaczError(f"py-wacz could not index the WARC files: {exc}") from None
    _write_bytes(wacz, "indexes/index.idx", idx.getvalue())
    return indexer


def _replayable_indexer(base: Any) -> Any:
    """py-wacz's indexer without the responses of HEAD requests (:mod:`archive.replayable`):
    cdxj-indexer pairs each response with the request record next to it (``post_append``)."""

    class ReplayableIndexer(base):  # type: ignore[misc, valid-type]
        def process_index_entry(self, it: Any, record: Any, *args: Any) -> None:
            request = getattr(record, "req", None) if record.rec_type == "response" else None
            http = getattr(request, "http_headers", None)
            if http is not None and str(http.protocol or "").upper() == "HEAD":
                return
            super().process_index_entry(it, record, *args)

    return ReplayableIndexer


def _copy_into(wacz: zipfile.ZipFile, source: Path, name: str) -> None:
    from wacz.util import now

    info = zipfile.ZipInfo(name, now())
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(source, "rb") as src, wacz.open(info, "w") as dst:
        shutil.copyfileobj(src, dst)


def _write_bytes(wacz: zipfile.ZipFile, name: str, data: bytes) -> None:
    from wacz.util import now

    info = zipfile.ZipInfo(name, now())
    info.compress_type = zipfile.ZIP_DEFLATED
    wacz.writestr(info, data)


def _description(pages: int, files: int, since: str | None, until: str | None) -> str:
    span = f" published {since or '…'} to {until or '…'}" if since or until else ""
    return f"{pages} articles{span}, from {files} WARC files, exported by newsarchive"


def validate_wacz(path: str | os.PathLike[str]) -> tuple[bool, str]:
    """Validate a WACZ with py-wacz (``wacz validate -f PATH``).

    Returns:
        ``(valid, what py-wacz printed)``.
    """
    code, log = _run_py_wacz(["validate", "-f", str(path)])
    return code == 0, log
