"""Measure WARC record compression cost by gzip level, to choose ARCHIVE_WARC_GZIP_LEVEL.

Writes every page of a site corpus (../shared/realsite/corpus by default) as a WARC
response record through :class:`archive.warc.WarcWriter` at each level, and prints ms per
record (median of 3 runs) and the bytes written.

    python benchmarks/warc_gzip.py [--corpus DIR] [--levels 1,3,6,9]
"""
from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.warc import HttpExchange, WarcWriter  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "realsite" / "corpus")
    ap.add_argument("--levels", default="1,3,6,9")
    args = ap.parse_args()
    pages = [gzip.decompress(p.read_bytes()) for p in sorted((args.corpus / "html").glob("*.html.gz"))]
    if not pages:
        print(f"no pages in {args.corpus}/html", file=sys.stderr)
        return 2
    exchanges = [HttpExchange(url=f"https://example.org/{i}/", method="GET", request_headers=[(b"User-Agent", b"x")],
                              status=200, response_headers=[(b"Content-Type", b"text/html; charset=utf-8")], body=page)
                 for i, page in enumerate(pages)]
    raw = sum(len(p) for p in pages)
    print(f"{len(pages)} pages, {raw / 1e6:.1f} MB of HTML (uncompressed bodies, as a server sends without gzip)")
    print(f"{'level':>5}  {'ms/record':>9}  {'MB written':>10}  {'ratio':>6}")
    for level in [int(x) for x in args.levels.split(",")]:
        times, size = [], 0
        for _ in range(3):
            with tempfile.TemporaryDirectory() as tmp:
                writer = WarcWriter(tmp, gzip_level=level)
                started = time.perf_counter()
                for exchange in exchanges:
                    writer.write_exchange(exchange)
                writer.close()
                times.append((time.perf_counter() - started) * 1000 / len(exchanges))
                size = sum(f.stat().st_size for f in Path(tmp).iterdir())
        print(f"{level:>5}  {statistics.median(times):>9.2f}  {size / 1e6:>10.2f}  {size / raw:>6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
