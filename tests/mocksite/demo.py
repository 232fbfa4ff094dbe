"""``make demo``: start the bundled offline mock news site, crawl it, search it.

Everything lands in ``.demo/data`` (WARC files, archive.db); nothing leaves this machine.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.mocksite import MockSite

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / ".demo" / "data"


def run(*args: str) -> None:
    cli = [sys.executable, "-m", "archive", "--data", str(DATA), *args]
    print("$ newsarchive --data .demo/data " + " ".join(args), flush=True)
    subprocess.run(cli, check=True, cwd=ROOT)


def main() -> int:
    if DATA.exists():
        shutil.rmtree(DATA)
    with MockSite() as site:
        print(f"Demo site (offline, Courthouse News layout) at {site.url}", flush=True)
        run("crawl", "courthousenews", "--base-url", site.url, "--since", "2024-03-01", "--until", "2024-03-31",
            "-s", "DOWNLOAD_DELAY=0.05")
    run("search", "judge", "--limit", "5")
    print(f"\nThe archive is in {DATA.relative_to(ROOT)}: WARC files in warc/, the index in archive.db.")
    print("Try: .venv/bin/newsarchive --data .demo/data search kazakhstan")
    return 0


if __name__ == "__main__":
    sys.exit(main())
