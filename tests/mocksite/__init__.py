"""A mock WordPress news site (modelled on Courthouse News Service) for tests and the offline demo.

The server (``server.py``, standard library only) runs as a subprocess, like Scrapy's
tests/mockserver::

    python -m tests.mocksite [--host 127.0.0.1] [--port 0] [--today YYYY-MM-DD]
                             [--log requests.jsonl] [--no-faults] [--layout wordpress|cms]

prints one line ``serving http://127.0.0.1:PORT`` once listening and serves until SIGTERM/SIGINT.

``MockSite`` starts and stops it from Python::

    with MockSite(today="2024-03-13") as site:
        crawl(site.url + "/")                  # site.url has no trailing slash
        site.set_today("2024-03-15")           # two more days published, one article revised
        hits = site.requests()                 # parsed JSON lines of the request log
        truth = site.articles                  # content.Article records (ground truth)

``MockSite(layout="cms")`` serves the same articles (same ground truth, ``expected()``) as a
non-WordPress news CMS instead: archive tree, sections, gzip sitemaps, Atom/RDF feeds, sid and sort
traps (see cms.py); ``site.url_for(a)`` / ``site.path_for(a)`` give its article URLs, and
``cms.tree_outside(entry["tree_date"], since, until)`` says whether a logged tree request left the range.

Page requisites (stylesheets, their @import/font/url() files, scripts, images; see requisites.py)::

    SHARED_REQUISITES                          # paths every HTML page needs (with ?ver= queries)
    article_requisites(a) / a.requisites       # paths an article page needs besides those
    DISALLOWED_REQUISITE, THIRD_PARTY_REQUISITE, MEDIA_REQUISITE, VIDEO_ARTICLE, VIDEO_POSTER,
    BASE_HREF_ARTICLE, BASE_HREF_REQUISITE     # the traps
    site.third_party_url                       # http://localhost:PORT/cdn/third-party.js
    site.requisite_hits()                      # Counter of requisite paths served (200) so far

Importable without Scrapy.
"""
from __future__ import annotations

import collections
import datetime as dt
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.helpers import stop_process

from . import content, requisites
from .content import ARTICLES, BY_NUMBER, BY_SLUG, DEFAULT_TODAY, FORTNIGHT, Article
from .requisites import (BASE_HREF_ARTICLE, BASE_HREF_REQUISITE, DISALLOWED_REQUISITE, MEDIA_BYTES,
                         MEDIA_REQUISITE, SHARED_REQUISITES, THIRD_PARTY_REQUISITE, VIDEO_ARTICLE,
                         VIDEO_POSTER, article_requisites)

__all__ = ["MockSite", "Article", "ARTICLES", "BY_SLUG", "BY_NUMBER", "FORTNIGHT", "DEFAULT_TODAY", "REPO_ROOT",
           "SHARED_REQUISITES", "article_requisites", "DISALLOWED_REQUISITE", "THIRD_PARTY_REQUISITE",
           "MEDIA_REQUISITE", "MEDIA_BYTES", "VIDEO_ARTICLE", "VIDEO_POSTER", "BASE_HREF_ARTICLE",
           "BASE_HREF_REQUISITE"]

REPO_ROOT = Path(__file__).resolve().parents[2]


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


class MockSite:
    """Context manager running ``python -m tests.mocksite --port 0`` in a subprocess.

    today     publication horizon (date or "YYYY-MM-DD"; default 2024-03-15, the fortnight's last day)
    faults    first-hit 429/503, a chunked and a slow article (default on)
    log_path  request log (JSON lines); None writes one to a temporary folder removed on exit
    layout    "wordpress" (default, server.py), "cms" (cms.py: same articles, another CMS's URLs) or
              "bulk" (bulk.py: 1,000 generated stories, feed and sitemaps, meta-refresh stubs)
    args      more command-line options for the layout (bulk: ``--articles N``, ``--feed-items N``)

    Attributes: url (no trailing slash), log_path, today, articles (ground truth), process.
    """

    START_TIMEOUT = 20.0

    def __init__(self, today=None, faults: bool = True, log_path=None, host: str = "127.0.0.1",
                 layout: str = "wordpress", args: tuple[str, ...] = ()):
        if layout not in ("wordpress", "cms", "bulk"):
            raise ValueError(f"layout must be 'wordpress', 'cms' or 'bulk', not {layout!r}")
        self.layout = layout
        self.args = tuple(args)
        self.today = _as_date(today) if today is not None else DEFAULT_TODAY
        self.faults = faults
        self.host = host
        self._tmpdir = None
        if log_path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="mocksite-")
            log_path = os.path.join(self._tmpdir, "requests.jsonl")
        self.log_path = Path(log_path)
        self.url: str | None = None
        self.process: subprocess.Popen | None = None
        self.articles: list[Article] = list(ARTICLES)

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> "MockSite":
        cmd = [sys.executable, "-m", "tests.mocksite", "--host", self.host, "--port", "0",
               "--today", self.today.isoformat(), "--log", str(self.log_path)]
        if not self.faults:
            cmd.append("--no-faults")
        if self.layout != "wordpress":
            cmd += ["--layout", self.layout]
        cmd += self.args
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        env["PYTHONUNBUFFERED"] = "1"
        self.process = subprocess.Popen(cmd, cwd=str(REPO_ROOT), env=env, stdout=subprocess.PIPE,
                                        stdin=subprocess.DEVNULL)
        line = self._read_line(self.START_TIMEOUT)
        if not line.startswith("serving http://"):
            self.stop()
            raise RuntimeError(f"mock site did not start: {line!r}")
        self.url = line.split(" ", 1)[1].strip().rstrip("/")
        return self

    def _read_line(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        out = self.process.stdout
        buf = b""
        while not buf.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([out], [], [], left)
            if not ready:
                break
            chunk = os.read(out.fileno(), 1)
            if not chunk:
                break
            buf += chunk
        return buf.decode("utf-8", "replace")

    def stop(self) -> None:
        proc, self.process = self.process, None
        stop_process(proc)
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> "MockSite":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- control ------------------------------------------------------------------------------
    def _control(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=10) as resp:
            return json.loads(resp.read().decode())

    def set_today(self, date) -> dt.date:
        """Move the publication horizon; articles dated later become 404 and unlisted."""
        day = _as_date(date)
        self._control(f"/__mock/today?date={day.isoformat()}")
        self.today = day
        return day

    def reset_faults(self) -> None:
        """Make the first-request faults (429, 503) fire again."""
        self._control("/__mock/reset")

    # -- observation --------------------------------------------------------------------------
    def requests(self) -> list[dict]:
        """The request log so far, one dict per request (control requests are not logged)."""
        if not self.log_path.exists():
            return []
        entries = []
        with open(self.log_path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line:
                    try:
                        entries.append(json.loads(line))
                    except ValueError:
                        pass  # a line being written right now
        return entries

    def requisite_hits(self, statuses=(200,)) -> collections.Counter:
        """How often each requisite path (with its query) was served with one of `statuses`."""
        return collections.Counter(e["path"] for e in self.requests()
                                   if e.get("requisite") and e["status"] in statuses)

    @property
    def third_party_url(self) -> str:
        """Where article pages load THIRD_PARTY_REQUISITE from: this server under its other host name."""
        return requisites.third_party_base(self.url) + THIRD_PARTY_REQUISITE

    def path_for(self, article: Article | str) -> str:
        """The article's path in this site's layout (/<slug>/, or cms.article_path())."""
        if isinstance(article, str) and self.layout == "wordpress":
            return f"/{article}/"
        a = BY_SLUG[article] if isinstance(article, str) else article
        if self.layout == "cms":
            from .cms import article_path
            return article_path(a)
        return a.path

    def url_for(self, article: Article | str) -> str:
        return self.url + self.path_for(article)

    def expected(self, since=FORTNIGHT[0], until=FORTNIGHT[1]) -> list[Article]:
        """Articles a correct crawl of [since, until] should hold on the current ``today``."""
        return content.expected(_as_date(since), _as_date(until), self.today)
