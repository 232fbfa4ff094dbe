"""Search latency on a synthetic archive: p50/p95 of two-word queries with snippets.

    python benchmarks/search.py --articles 100000

Builds ``--articles`` synthetic articles (about 5 KB of text each, words drawn from a
Zipf-distributed vocabulary, like prose) in a fresh ``archive.db`` made by
:class:`archive.index.Index` (same schema, FTS5 index and triggers), then times
``--queries`` two-word searches through :meth:`Index.search` (bm25 ranking, 20 hits,
highlighted snippets) on a read-only connection, and prints p50 and p95 latency in ms and
the database's bytes per article.

The build inserts in large transactions with the FTS triggers set aside, then rebuilds
the FTS index once and puts the triggers back: the database ends exactly as if the
crawler had written it. Query words are drawn from the vocabulary's ranks 50..5,000
(content words; the commonest 50 are the "the, of, and" of this language).
"""
from __future__ import annotations

import argparse
import itertools
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.index import Index  # noqa: E402

VOCABULARY = 30_000
WORDS_PER_ARTICLE = 1_120  # about 5 KB of text
BATCH = 5_000
_SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["an", "er", "in", "on", "us"]


def _vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 4)))))
    ordered = sorted(words, key=lambda w: (len(w), w))  # short words are the common ones
    return ordered


def build(path: Path, articles: int, seed: int) -> None:
    """Create *path* with *articles* synthetic articles."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    cum = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocab))))
    authors = [f"{rng.choice(vocab).title()} {rng.choice(vocab).title()}" for _ in range(2_000)]
    categories = [rng.choice(vocab).title() for _ in range(30)]
    Index(path).close()  # schema, migrations, FTS table and triggers
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'articles'"
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    insert = (
        "INSERT INTO articles (canonical_url, url, site, title, authors, published, categories,"
        " tags, language, text, extractor, warc_filename, warc_offset, warc_length, fetched_at,"
        " first_seen, last_seen, version) VALUES (?, ?, ?, ?, ?, ?, ?, '[]', 'en', ?, 'synthetic',"
        " 'bench.warc.gz', ?, 5000, ?, ?, ?, 1)"
    )
    start = time.perf_counter()
    for first in range(0, articles, BATCH):
        rows = []
        for n in range(first, min(first + BATCH, articles)):
            words = rng.choices(vocab, cum_weights=cum, k=WORDS_PER_ARTICLE)
            sentences = []
            for i in range(0, len(words), 16):
                chunk = words[i:i + 16]
                sentences.append(" ".join(chunk).capitalize() + ".")
            text = " ".join(sentences)
            title = " ".join(rng.choices(vocab[100:], k=8)).capitalize()
            day = 1 + n % 1000
            published = f"{2022 + day // 366:04d}-{1 + (day % 366) // 31 % 12:02d}-{1 + day % 28:02d}"
            fetched = "2024-05-01T12:00:00Z"
            url = f"https://news.example.org/{published[:4]}/{n}/"
            author = f'["{rng.choice(authors)}"]'
            category = f'["{rng.choice(categories)}"]'
            rows.append((url, url, "example", title, author, published, category, text,
                         n * 5000, fetched, fetched, fetched))
        conn.execute("BEGIN")
        conn.executemany(insert, rows)
        conn.execute("COMMIT")
        print(f"  {min(first + BATCH, articles)} articles, {time.perf_counter() - start:.0f} s",
              file=sys.stderr, flush=True)
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')")
    for _, sql in triggers:
        conn.execute(sql)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(f"  FTS built, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, help="Build here (and keep it) instead of a temporary folder.")
    parser.add_argument("--reuse", action="store_true", help="Use an existing --db as it is.")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="newsarchive-bench-") as tmp:
        path = args.db or Path(tmp) / "archive.db"
        if not (args.reuse and path.exists()):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            print(f"Building {args.articles} articles in {path} ...", file=sys.stderr)
            t0 = time.perf_counter()
            build(path, args.articles, args.seed)
            build_s = time.perf_counter() - t0
        else:
            build_s = 0.0
        rng = random.Random(args.seed + 1)
        vocab = _vocabulary(random.Random(args.seed))
        queries = [f"{rng.choice(vocab[50:5_000])} {rng.choice(vocab[50:5_000])}"
                   for _ in range(args.queries)]
        with Index(path, readonly=True) as index:
            count = index.count_articles()
            for query in queries[:5]:  # warm-up, not timed
                index.search(query)
            times, hits = [], 0
            for query in queries:
                t0 = time.perf_counter()
                found = index.search(query, limit=20)
                times.append((time.perf_counter() - t0) * 1000)
                hits += len(found)
                assert all(h.snippet for h in found)
        size = sum(os.path.getsize(f"{path}{s}") for s in ("", "-wal") if os.path.exists(f"{path}{s}"))
        times.sort()
        p50 = statistics.median(times)
        p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
        print(f"articles: {count}  (built in {build_s:.0f} s)")
        print(f"queries: {len(queries)} two-word, 20 hits each with snippets ({hits} hits in all)")
        print(f"latency: p50 {p50:.1f} ms  p95 {p95:.1f} ms  max {times[-1]:.1f} ms")
        print(f"database: {size / 1e6:.1f} MB, {size / max(count, 1):.0f} bytes per article")
    return 0


if __name__ == "__main__":
    sys.exit(main())
