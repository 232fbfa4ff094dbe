"""Measure extraction quality against a corpus of real pages with known truth.

The corpus layout is the one of ``realsite/corpus``: ``truth.jsonl`` (one JSON object a line
with ``id``, ``title``, ``authors``, ``published``, ``body`` and optionally ``original_url``)
and ``html/<id>.html.gz`` (the publisher's page, gzip-compressed). The figures are those that
``realsite/score.py`` defines; this module imports that file's own ``fold``, ``tokens``,
``f1``, ``set_f1`` and ``as_list`` rather than restating them, so both always agree.

Usage::

    newsarchive eval --corpus ../shared/realsite/corpus [--json] [--show N]
    python -m archive.evaluate --corpus ../shared/realsite/corpus [--json] [--show N]
"""
from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from archive.extract import extract

#: The figures, in print order.
FIGURES = ("title", "authors", "date", "body_f1")
#: Below this body F1 a page is a miss in score.py's report; eval lists the lowest anyway.
BODY_MISS_F1 = 0.8
#: score.py names that evaluation needs.
_SCORE_NAMES = ("fold", "tokens", "f1", "set_f1", "as_list")


def load_score_module(score_py: str | Path) -> ModuleType:
    """Import ``score.py`` from a file path.

    Args:
        score_py: Path to the scorer (``realsite/score.py``).

    Returns:
        The imported module; it provides ``fold``, ``tokens``, ``f1``, ``set_f1`` and
        ``as_list``.

    Raises:
        FileNotFoundError: When ``score_py`` does not exist.
        ImportError: When the file cannot be imported or lacks one of the functions.
    """
    path = Path(score_py)
    if not path.is_file():
        raise FileNotFoundError(
            f"score.py not found at {path}; pass score_py= (or --score) pointing at realsite/score.py"
        )
    spec = importlib.util.spec_from_file_location("newsarchive_realsite_score", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    missing = [name for name in _SCORE_NAMES if not callable(getattr(module, name, None))]
    if missing:
        raise ImportError(f"{path} lacks {', '.join(missing)}")
    return module


class CorpusError(ValueError):
    """A corpus that cannot be scored: a ``truth.jsonl`` line that is no JSON object with an
    ``id``, a page file that is missing or unreadable, or no page at all."""


def _read_truth(corpus: Path) -> list[dict[str, Any]]:
    """The records of ``CORPUS/truth.jsonl``, one JSON object with an ``id`` a line.

    Raises:
        FileNotFoundError: no ``truth.jsonl``.
        CorpusError: a line that is not such an object (its number said), or no record.
    """
    truth_file = corpus / "truth.jsonl"
    if not truth_file.is_file():
        raise FileNotFoundError(f"{truth_file} not found; is {corpus} a realsite corpus folder?")
    records = []
    try:
        lines = truth_file.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{truth_file} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise CorpusError(f"{truth_file} line {number}: not JSON ({exc})") from None
        if not isinstance(record, dict) or not isinstance(record.get("id"), str) or not record["id"]:
            raise CorpusError(f"{truth_file} line {number}: not a JSON object with a text \"id\"")
        records.append(record)
    if not records:
        raise CorpusError(f"{truth_file} holds no record: nothing to score")
    return records


def _read_page(corpus: Path, record_id: str) -> bytes:
    """The HTML of one corpus page (``html/ID.html.gz`` or ``html/ID.html``).

    Raises:
        CorpusError: neither file exists, or the gzip file is damaged.
    """
    for name in (f"{record_id}.html.gz", f"{record_id}.html"):
        path = corpus / "html" / name
        if path.is_file():
            data = path.read_bytes()
            try:
                return gzip.decompress(data) if name.endswith(".gz") else data
            except (OSError, EOFError) as exc:
                raise CorpusError(f"{path}: not a readable gzip file ({exc})") from None
    raise CorpusError(f"{corpus / 'html' / (record_id + '.html.gz')} not found (page {record_id!r} of truth.jsonl)")


def evaluate(
    corpus_dir: str | Path,
    score_py: str | Path | None = None,
    extractor: Callable[..., Any] = extract,
) -> tuple[dict[str, Any], dict[str, list[tuple[Any, Any, Any]]]]:
    """Run :func:`archive.extract.extract` on every corpus page and score the results.

    The figures follow ``score.py``'s definitions exactly: ``title`` is the share of titles
    equal to the truth after ``fold``; ``authors`` the mean ``set_f1`` of ``as_list`` of the
    extracted authors against the truth's (records whose truth has authors); ``date`` the
    share whose first ten characters (``YYYY-MM-DD``) equal the truth's (records with no
    published date ignored); ``body_f1`` the mean bag-of-words ``f1`` of ``tokens``.

    Args:
        corpus_dir: Folder holding ``truth.jsonl`` and ``html/<id>.html.gz``.
        score_py: Path of ``score.py``; default ``<corpus_dir>/../score.py``.
        extractor: The function to evaluate (``extract`` by default); it receives the body
            bytes and the URL.

    Returns:
        ``(figures, misses)``: ``figures`` maps ``pages``, ``title``, ``authors``, ``date`` and
        ``body_f1`` to numbers (rounded to 4 places like score.py); ``misses`` maps ``title``,
        ``authors`` and ``date`` to ``(id, got, want)`` tuples (authors sorted by set-F1,
        lowest first), ``body`` to ``(id, f1, extracted length)`` as score.py reports it,
        lowest F1 first, and ``error`` to ``(id, error, None)``.

    Raises:
        FileNotFoundError: When the corpus or score.py cannot be found.
        ImportError: When score.py cannot be imported.
        CorpusError: A ``truth.jsonl`` line that is no record, a missing page, no record at all.
    """
    return summarize(score_pages(corpus_dir, score_py, extractor))


def summarize(rows: Sequence[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, list[tuple[Any, Any, Any]]]]:
    """The figures and misses of :func:`evaluate`, from the per-page rows of :func:`score_pages`."""
    titles = [r["title_ok"] for r in rows if r["title_ok"] is not None]
    authors = [r["authors_f1"] for r in rows if r["authors_f1"] is not None]
    dates = [r["date_ok"] for r in rows if r["date_ok"] is not None]
    bodies = [r["body_f1"] for r in rows if r["body_f1"] is not None]
    misses: dict[str, list[tuple[Any, Any, Any]]] = {
        "title": [(r["id"], r["title"], r["title_truth"]) for r in rows if r["title_ok"] is False],
        "authors": [(r["id"], r["authors"], r["authors_truth"])
                    for r in sorted((r for r in rows if r["authors_f1"] is not None and r["authors_f1"] < 1),
                                    key=lambda r: r["authors_f1"])],
        "date": [(r["id"], r["published"], r["published_truth"]) for r in rows if r["date_ok"] is False],
        "body": sorted(((r["id"], round(r["body_f1"], 3), r["chars"]) for r in rows
                        if r["body_f1"] is not None and r["body_f1"] < 1), key=lambda m: m[1]),
        "error": [(r["id"], r["error"], None) for r in rows if r["error"]],
    }

    def mean(values: Sequence[float]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    figures: dict[str, Any] = {
        "pages": len(rows),
        "title": mean(titles),
        "authors": mean(authors),
        "date": mean(dates),
        "body_f1": mean(bodies),
    }
    return figures, misses


def publisher_of(record: dict[str, Any]) -> str:
    """The publisher a corpus record belongs to: its ``publisher`` field, else the host of
    its ``original_url`` (``www.`` dropped), else its id."""
    if record.get("publisher"):
        return str(record["publisher"])
    host = urlsplit(str(record.get("original_url") or "")).hostname or ""
    return host[4:] if host.startswith("www.") else host or str(record.get("id"))


def in_date_range(record: dict[str, Any], since: str | None = None, until: str | None = None) -> bool:
    """Whether a corpus record's truth publication date lies in ``[since, until]``.

    Args:
        record: A ``truth.jsonl`` record; its ``published`` (ISO 8601) is compared by its
            first ten characters, ``YYYY-MM-DD``.
        since: First day (``YYYY-MM-DD``, inclusive) or None for no lower bound.
        until: Last day (``YYYY-MM-DD``, inclusive) or None for no upper bound.

    Returns:
        True with no bound; else True only for a record with a truth date inside the bounds
        (a record without one is outside any range: ``realsite/site.py`` gives such a page a
        made-up date, and score.py's coverage does not count it).
    """
    if since is None and until is None:
        return True
    day = str(record.get("published") or "")[:10]
    return bool(day) and (since is None or day >= since) and (until is None or day <= until)


def score_pages(
    corpus_dir: str | Path,
    score_py: str | Path | None = None,
    extractor: Callable[..., Any] = extract,
    since: str | None = None,
    until: str | None = None,
) -> list[dict[str, Any]]:
    """Extract and score every corpus page, one row a page (what :func:`evaluate` sums up).

    ``since``/``until`` (``YYYY-MM-DD``, inclusive) keep only the pages whose truth date is
    in that range (:func:`in_date_range`): the pages a crawl of ``realsite`` with the same
    ``--since``/``--until`` archives and ``score.py`` scores (less the few the site serves
    as deleted), so a crawl's extraction figures can be read offline.

    Returns:
        One dict a page, in corpus order: ``id``, ``publisher`` (:func:`publisher_of`),
        ``url``, the extracted ``title``, ``authors``, ``published`` and ``chars`` (body
        length), the truth's ``title_truth``, ``authors_truth`` and ``published_truth``,
        and the scores ``title_ok`` (bool), ``authors_f1`` (0..1), ``date_ok`` (bool) and
        ``body_f1`` (0..1), each None when the truth lacks that field; ``error`` is the
        extraction error or None.

    Raises:
        FileNotFoundError: When the corpus or score.py cannot be found.
        ImportError: When score.py cannot be imported.
        CorpusError: A ``truth.jsonl`` line that is no record, a missing page, no record at all.
    """
    corpus = Path(corpus_dir)
    score = load_score_module(Path(score_py) if score_py else corpus.parent / "score.py")
    fold, tokens, f1, set_f1, as_list = (getattr(score, name) for name in _SCORE_NAMES)
    rows: list[dict[str, Any]] = []
    for record in _read_truth(corpus):
        if not in_date_range(record, since, until):
            continue
        rid = record["id"]
        url = record.get("original_url") or f"http://localhost/{rid}"
        article = extractor(_read_page(corpus, rid), url, {"Content-Type": "text/html"})
        text = article.text or ""
        rows.append({
            "id": rid, "publisher": publisher_of(record), "url": url,
            "title": article.title, "authors": list(article.authors or []), "published": article.published,
            "chars": len(text), "error": article.error,
            "title_truth": record.get("title"), "authors_truth": record.get("authors"),
            "published_truth": record.get("published"),
            "title_ok": fold(article.title) == fold(record["title"]) if record.get("title") else None,
            "authors_f1": set_f1(as_list(article.authors), record["authors"]) if record.get("authors") else None,
            "date_ok": (str(article.published or "")[:10] == str(record["published"])[:10]
                        if record.get("published") else None),
            "body_f1": f1(tokens(text), tokens(record["body"])) if record.get("body") else None,
        })
    return rows


def format_report(figures: dict[str, Any], misses: dict[str, list[tuple[Any, Any, Any]]], show: int) -> str:
    """The figures, one a line, then up to ``show`` worst misses per field, as text.

    Args:
        figures: As returned by :func:`evaluate`.
        misses: As returned by :func:`evaluate`.
        show: Misses to print per field (0: none).

    Returns:
        The report, lines joined by newlines (no trailing newline).
    """
    width = max(len(k) for k in figures)
    lines = [f"{key:<{width}}  {value}" for key, value in figures.items()]
    for field, items in misses.items():
        if not items or not show:
            continue
        if field == "body":
            below = sum(1 for item in items if item[1] < BODY_MISS_F1)
            lines.append(f"-- body_f1: {below} pages below {BODY_MISS_F1} (score.py's misses); "
                         f"the {min(show, len(items))} lowest:")
            lines += [f"    {rid}: F1 {value}, {length} characters extracted" for rid, value, length in items[:show]]
        elif field == "error":
            lines.append(f"-- extraction errors: {len(items)}")
            lines += [f"    {rid}: {error}" for rid, error, _ in items[:show]]
        else:
            lines.append(f"-- {field}: {len(items)} misses; extracted | truth:")
            lines += [f"    {rid}: {_shown(got)} | {_shown(want)}"[:300] for rid, got, want in items[:show]]
    return "\n".join(lines)


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def report_json(figures: dict[str, Any], misses: dict[str, list[tuple[Any, Any, Any]]], show: int) -> str:
    """The figures and up to ``show`` misses per field as one JSON object (text): each miss
    an object with ``id`` and ``extracted``/``truth`` (``f1``/``chars`` for body, ``error``
    for extraction errors)."""
    def labelled(field: str, item: tuple[Any, Any, Any]) -> dict[str, Any]:
        if field == "body":
            return {"id": item[0], "f1": item[1], "chars": item[2]}
        if field == "error":
            return {"id": item[0], "error": item[1]}
        return {"id": item[0], "extracted": item[1], "truth": item[2]}

    return json.dumps({"figures": figures,
                       "misses": {k: [labelled(k, item) for item in v[:show]] for k, v in misses.items()}},
                      indent=1, ensure_ascii=False, default=str)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: print the figures and the worst misses.

    Args:
        argv: Arguments (default ``sys.argv[1:]``).

    Returns:
        The process exit status (0).
    """
    parser = argparse.ArgumentParser(prog="python -m archive.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True, help="folder with truth.jsonl and html/")
    parser.add_argument("--score", help="path of score.py (default: <corpus>/../score.py)")
    parser.add_argument("--json", action="store_true", help="print figures and misses as JSON")
    parser.add_argument("--show", type=int, default=5, help="misses to print per field")
    args = parser.parse_args(argv)
    figures, misses = evaluate(args.corpus, args.score)
    print(report_json(figures, misses, args.show) if args.json else format_report(figures, misses, args.show))
    return 0


if __name__ == "__main__":
    sys.exit(main())
