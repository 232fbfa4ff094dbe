"""Smoke test of benchmarks/crawl.py (issue 8): one round at --scale 1 against the shared realsite.

It takes a minute or more, so it runs only with NEWSARCHIVE_SLOW_TESTS=1 (and ../shared/realsite)::

    NEWSARCHIVE_SLOW_TESTS=1 .venv/bin/python -m pytest tests/test_benchmark_crawl.py
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REALSITES = [REPO.parent / "shared" / "realsite", Path("/work/shared/realsite")]
REALSITE = next((p for p in REALSITES if (p / "site.py").is_file() and (p / "corpus").is_dir()), None)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("NEWSARCHIVE_SLOW_TESTS") != "1",
                       reason="slow (minutes): set NEWSARCHIVE_SLOW_TESTS=1 to run"),
    pytest.mark.skipif(REALSITE is None, reason="needs ../shared/realsite (or /work/shared/realsite)"),
]

NUMBER = r"\d+(?:\.\d+)?"


def test_one_round_prints_the_summary(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "crawl.py"), "--scale", "1", "--rounds", "1",
         "--site-py", str(REALSITE / "site.py"), "--corpus", str(REALSITE / "corpus"),
         "--keep", str(tmp_path / "runs")],
        capture_output=True, text=True, timeout=1800, cwd=REPO)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr

    assert re.search(r"^machine +nproc \d+", out, re.M), out
    assert re.search(r"^site +realsite --scale 1: \d+ articles served, \d+ live", out, re.M), out
    for tool in ("newsarchive", "plain"):
        # the run's row: round, tool, wall, articles, articles/s, cpu s, cpu ms/article, tree MB, main MB, procs
        row = re.search(rf"^ +1  {tool} +({NUMBER}) +(\d+) +({NUMBER}) +({NUMBER})\*? +({NUMBER}) +({NUMBER}) +"
                        rf"({NUMBER}) +(\d+)$", out, re.M)
        assert row, out
        wall, articles, rate, cpu, _, tree, main, procs = (float(x) for x in row.groups())
        assert wall > 0 and articles > 50 and rate > 0 and cpu > 0 and tree >= main > 0 and procs >= 1, row.group(0)
        assert re.search(rf"^  {tool} +wall +{NUMBER} s +articles +\d+ +articles/s +{NUMBER} +"
                         rf"cpu/article +{NUMBER} ms +peak RSS tree +{NUMBER} MB", out, re.M), out
        assert re.search(rf"^peak RSS {tool}: +process tree +{NUMBER} MB .*main process +{NUMBER} MB", out, re.M), out
    ratio = re.search(rf"^median ratio \(newsarchive/plain articles/s\): ({NUMBER})$", out, re.M)
    assert ratio and float(ratio.group(1)) > 0, out
    # --keep kept each run's archive / items
    assert (tmp_path / "runs" / "round1-newsarchive" / "data" / "archive.db").is_file()
    assert (tmp_path / "runs" / "round1-plain" / "items.jsonl").is_file()
