"""Time extraction per page: plain ``trafilatura.bare_extraction`` vs ``archive.extract.extract``.

Usage::

    .venv/bin/python benchmarks/extract.py [--corpus ../shared/realsite/corpus] [--repeat 5]

For every corpus page (``html/<id>.html.gz``, un-gzipped first, outside the timing) each
function runs ``--repeat`` times, alternating; a page's figure is the median of its runs, and
the printed figure the median over pages, in milliseconds. The baseline is what a plain spider
would do: ``bare_extraction(body_bytes, url=url, with_metadata=True)``.
"""
from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from archive.extract import extract  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2] / "shared/realsite/corpus"))
    parser.add_argument("--repeat", type=int, default=5, help="runs of each function per page")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    pages = []
    for line in (corpus / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            path = corpus / "html" / f"{record['id']}.html.gz"
            if path.is_file():
                pages.append((gzip.decompress(path.read_bytes()), record.get("original_url") or "http://localhost/"))
    headers = {"Content-Type": "text/html"}
    plain: list[float] = []
    ours: list[float] = []
    for body, url in pages:
        extract(body, url, headers)  # warm-up (lazy imports, caches)
        runs_plain, runs_ours = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            trafilatura.bare_extraction(body, url=url, with_metadata=True)
            runs_plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            extract(body, url, headers)
            runs_ours.append(time.perf_counter() - start)
        plain.append(statistics.median(runs_plain))
        ours.append(statistics.median(runs_ours))
    p, o = statistics.median(plain) * 1000, statistics.median(ours) * 1000
    print(f"pages                                {len(pages)} (x{args.repeat} each)")
    print(f"trafilatura.bare_extraction, median  {p:.1f} ms/page")
    print(f"archive.extract.extract, median      {o:.1f} ms/page")
    print(f"ratio                                {o / p:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
