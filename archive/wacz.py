"""Package the archive as a WACZ file (WACZ 1.1.1, https://specs.webrecorder.net/wacz/1.1.1/).

A WACZ is a ZIP holding the WARC files (``archive/``), a CDXJ index of them
(``indexes/``), a page list (``pages/pages.jsonl``) and ``datapackage.json`` with every
file's hash. It is built by py-wacz (the ``wacz`` package, Webrecorder's reference
implementation), given a page list we write from the index: one page per article, with its
URL and capture time (so ReplayWeb.page and pywb open the archived page) and its title and
extracted text (so the page list can be searched).

The page list follows "Pages" in the WACZ spec (JSON Lines; a header object with
``format: json-pages-1.0``, then one object per page with ``url`` and ``ts`` and optionally
``title`` and ``text``).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from archive.index import Index

__all__ = ["PAGES_FORMAT", "WaczError", "WaczResult", "create_wacz", "iter_pages", "validate_wacz", "write_pages"]

#: The page list's format marker (WACZ 1.1.1, "pages.jsonl").
PAGES_FORMAT = "json-pages-1.0"


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
            row = index.db.execute("SELECT url FROM captures WHERE id = ?", (article["capture_id"],)).fetchone()
            if row is not None:
                url = row[0]
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
    when whole.

    Args:
        data_dir: The data folder (``archive.db`` and ``warc/``).
        output: The ``.wacz`` file to write.
        since, until: Only articles published in this range go into the page list (all
            WARC files are packaged).

    Returns:
        What was written.

    Raises:
        WaczError: There are no WARC files, or py-wacz failed.
        archive.index.IndexNotFound: There is no ``archive.db``.
    """
    from archive.reindex import warc_files

    data = Path(data_dir)
    output = Path(output)
    warc_dir = data / "warc"
    files = warc_files(warc_dir) if warc_dir.is_dir() else []
    files = [f for f in files if f.name.endswith(".warc.gz")]
    if not files:
        raise WaczError(f"no WARC files in {warc_dir}: nothing to package")
    from archive.warc_check import check_file

    damaged = [(f.name, r.good_end) for f in files for r in [check_file(f)] if r.damaged_tail]
    if damaged:
        names = ", ".join(f"{name} (whole up to byte {end})" for name, end in damaged)
        raise WaczError(f"damaged WARC tail in {names}: a WACZ of it would not validate; "
                        f"run `newsarchive --data {data} warc check --repair` first")
    with Index.open_readonly(data / "archive.db") as index, tempfile.TemporaryDirectory() as tmp:
        pages_path = Path(tmp) / "pages.jsonl"
        with open(pages_path, "w", encoding="utf-8") as out:
            pages = write_pages(index, out, since=since, until=until)
        partial = output.with_name(output.name + ".part")
        code, log = _run_py_wacz(
            ["create", "-o", str(partial), "-p", str(pages_path), "--copy-pages", "--hash-type", "sha256",
             "--title", "newsarchive", "--desc", _description(pages, len(files), since, until),
             *(str(f) for f in files)]
        )
    if code != 0 or not partial.exists():
        if partial.exists():
            partial.unlink()
        raise WaczError(f"py-wacz could not create {output}:\n{log.strip()}")
    os.replace(partial, output)
    return WaczResult(path=output, pages=pages, warc_files=len(files), log=log)


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
