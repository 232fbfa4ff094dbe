"""A first crawl (issue 18): the --contact hint is said once, and robots.txt is fetched once a crawl."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT
from tests.mocksite import MockSite

FAST = ("-s", "DOWNLOAD_DELAY=0.01", "-s", "AUTOTHROTTLE_ENABLED=False")
HINT = "No --contact given"


def crawl(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_CONTACT"}
    result = subprocess.run([sys.executable, "-m", "archive", "--data", str(data), "crawl", *args, *FAST],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def robots_fetches(site: MockSite) -> int:
    return sum(1 for e in site.requests() if e["path"] == "/robots.txt")


def test_the_contact_hint_once_and_robots_txt_once_a_crawl(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with MockSite(log_path=tmp_path / "requests.jsonl") as site:
        first = crawl(data, "courthousenews", "--base-url", site.url, "--since", "2024-03-04", "--until", "2024-03-08")
        after_first = robots_fetches(site)
        second = crawl(data, "courthousenews", "--base-url", site.url, "--since", "2024-03-04", "--until", "2024-03-08")
        after_second = robots_fetches(site)
        generic = crawl(tmp_path / "generic", site.url + "/", "--since", "2024-03-04", "--until", "2024-03-08",
                        "--contact", "mailto:archivist@example.org")
        after_generic = robots_fetches(site)
        agents = {e["ua"] for e in site.requests()}
    assert first.stderr.count(HINT) == 1 and "--contact mailto:you@example.org" in first.stderr
    assert HINT not in second.stderr  # said on the first crawl only
    assert HINT not in generic.stderr  # a contact was given
    assert any("mailto:archivist@example.org" in ua for ua in agents)
    assert (after_first, after_second - after_first, after_generic - after_second) == (1, 1, 1)
