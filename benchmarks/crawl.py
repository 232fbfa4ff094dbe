"""Crawl throughput (issue 8): newsarchive's whole pipeline vs a plain Scrapy spider, same local site.

Usage::

    .venv/bin/python benchmarks/crawl.py [--scale 20] [--rounds 3] [--corpus DIR] [--site-py PATH]
                                         [--keep DIR] [--timeout SECS]

It starts ``../shared/realsite/site.py --corpus ../shared/realsite/corpus --scale N`` (no
faults) once, on a free 127.0.0.1 port, and crawls it ``--rounds`` times with each tool,
alternating (newsarchive, plain, newsarchive, plain, ...), every run into a fresh folder:

newsarchive
    ``newsarchive --data RUN/data crawl courthousenews --base-url URL --since 2000-01-01``:
    discovery, download, WARC writing, extraction (a pool of worker processes) and the SQLite
    index. Articles = ``SELECT count(*) FROM articles`` in ``RUN/data/archive.db``.
plain
    ``scrapy runspider benchmarks/plain_spider.py -a base=URL -o RUN/items.jsonl``: a
    ``SitemapSpider`` over ``URL/wp-sitemap.xml`` calling ``trafilatura.bare_extraction`` in its
    callback, nothing else. Articles = items written with a non-empty ``text``. It runs from an
    empty temporary folder so that the repository's scrapy.cfg (newsarchive's project settings)
    does not apply.

Both get the same download settings (``DOWNLOAD_SETTINGS`` below: no delay, no AutoThrottle,
32 concurrent requests); robots.txt is obeyed by both.

What is measured, per run:

wall s
    From starting the process to its exit.
articles/s
    Articles / wall s.
cpu s, cpu ms/article
    user + system CPU of the whole process tree: the delta of ``getrusage(RUSAGE_CHILDREN)``
    around the run. A process's CPU reaches its parent when the parent waits for it; so that
    the extraction workers count even though multiprocessing's forkserver (not the crawl
    process) is their parent, this script makes itself a child subreaper
    (``prctl(PR_SET_CHILD_SUBREAPER)``): descendants left behind when the crawl exits are
    re-parented here and waited for (up to 30 s) before the figure is read. As a check, the
    tree is also read from ``/proc/PID/stat`` every 0.1 s; if that lower bound exceeds the
    rusage figure the row is marked ``*``.
peak RSS tree MB
    The largest sum of ``VmRSS`` over the crawl process and all its descendants
    (``/proc/PID/task/*/children``, recursively), sampled every 0.1 s, and at least the main
    process's own peak (which can fall between two samples). MB = 2^20 bytes.
main MB
    The crawl process's own peak: the last ``VmHWM`` read from its ``/proc/PID/status``.
procs
    The most processes seen in the tree at once.

At the end: medians per tool, ``median ratio (newsarchive/plain articles/s)`` and the peak RSS
lines (the largest over the rounds). Other load on the machine skews every figure: the load
average is printed at the start and the end. Exit 0 when every run finished (the script
reports, it does not judge), 1 when the site or a crawl failed, 2 on bad usage.

Linux only (``/proc``).
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import re
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REALSITE = REPO.parent / "shared" / "realsite"
PLAIN_SPIDER = Path(__file__).resolve().with_name("plain_spider.py")

#: Throughput settings for a local benchmark, given to both tools.
DOWNLOAD_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
}
NEWSARCHIVE_SETTINGS = {**DOWNLOAD_SETTINGS, "CRAWL_PROGRESS_INTERVAL_SECS": "0"}
PLAIN_SETTINGS = {**DOWNLOAD_SETTINGS, "ROBOTSTXT_OBEY": "True", "LOG_LEVEL": "WARNING"}
SINCE = "2000-01-01"
SAMPLE_SECS = 0.1
REAP_SECS = 30.0
TOOLS = ("newsarchive", "plain")


class UsageError(Exception):
    """Bad arguments or a missing file: exit 2."""


class RunError(Exception):
    """The site could not be started: exit 1."""


# ---- the process tree, from /proc -------------------------------------------------------------
def child_pids(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids.extend(int(p) for p in f.read().split())
        except OSError:
            pass
    return kids


def tree_pids(root: int) -> list[int]:
    seen, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.append(pid)
        todo.extend(child_pids(pid))
    return seen


def status_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process in KiB (empty when it is gone or a zombie)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    name, value = line.split(":", 1)
                    out[name] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return out


def pss_kib(pid: int) -> int:
    """Proportional set size of a process in KiB (``/proc/PID/smaps_rollup``): its private
    pages plus its share of pages shared with other processes, so that a process tree's
    PSS adds up to the memory it really holds (RSS counts shared pages once per process)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_secs(pid: int) -> float | None:
    """utime + stime of the process itself (not its children), from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None


def become_subreaper() -> bool:
    """Orphaned descendants get re-parented to this process (so their CPU time reaches us)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def reap_orphans(keep: set[int], pgid: int, timeout: float) -> int:
    """Wait for this process's children other than ``keep`` (descendants of a finished crawl
    re-parented here); after ``timeout`` kill the crawl's process group. Returns how many
    had to be killed."""
    deadline = time.monotonic() + timeout
    killed = 0
    while True:
        for pid in [p for p in child_pids(os.getpid()) if p not in keep]:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        left = [p for p in child_pids(os.getpid()) if p not in keep]
        if not left:
            return killed
        if time.monotonic() > deadline:
            killed = len(left)
            try:
                os.killpg(pgid, signal.SIGKILL)
            except OSError:
                pass
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except OSError:
                    pass
            return killed
        time.sleep(0.05)


# ---- one run --------------------------------------------------------------------------------
@dataclass
class Run:
    round: int
    tool: str
    wall: float = 0.0
    articles: int | None = None
    cpu: float = 0.0
    cpu_sampled: float = 0.0
    tree_peak_kib: int = 0
    tree_pss_peak_kib: int = 0
    main_peak_kib: int = 0
    procs: int = 0
    exit_code: int | None = None
    note: str = ""
    log: Path | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.articles is not None

    @property
    def rate(self) -> float:
        return self.articles / self.wall if self.ok and self.wall > 0 else float("nan")

    @property
    def cpu_ms_per_article(self) -> float:
        return 1000 * self.cpu / self.articles if self.ok and self.articles else float("nan")


def measure(run: Run, cmd: list[str], cwd: Path, log: Path, env: dict, keep: set[int], timeout: float) -> None:
    """Run ``cmd``, sampling its process tree every 0.1 s; fill in ``run``'s figures."""
    run.log = log
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seen: dict[int, float] = {}
    with open(log, "wb") as out:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, start_new_session=True)
    ended = threading.Event()
    end_time = [0.0]

    def waiter() -> None:
        proc.wait()
        end_time[0] = time.monotonic()
        ended.set()

    threading.Thread(target=waiter, daemon=True).start()
    timed_out = False
    try:
        while not ended.is_set():
            total = live = pss = 0
            for pid in tree_pids(proc.pid):
                status = status_kib(pid)
                if not status:  # gone, or a zombie
                    continue
                live += 1
                total += status.get("VmRSS", 0)
                pss += pss_kib(pid)
                if pid == proc.pid:
                    run.main_peak_kib = max(run.main_peak_kib, status.get("VmHWM", 0), status.get("VmRSS", 0))
                secs = cpu_secs(pid)
                if secs is not None:
                    cpu_seen[pid] = max(cpu_seen.get(pid, 0.0), secs)
            run.tree_peak_kib = max(run.tree_peak_kib, total)
            run.tree_pss_peak_kib = max(run.tree_pss_peak_kib, pss)
            run.procs = max(run.procs, live)
            if time.monotonic() - start > timeout and not timed_out:
                timed_out = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
            ended.wait(SAMPLE_SECS)
    except BaseException:  # Ctrl-C: leave nothing running
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        raise
    run.wall = end_time[0] - start
    # The main process's high-water mark can fall between two samples; the tree held at least that.
    run.tree_peak_kib = max(run.tree_peak_kib, run.main_peak_kib)
    run.exit_code = proc.returncode
    killed = reap_orphans(keep, proc.pid, REAP_SECS)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    run.cpu_sampled = sum(cpu_seen.values())
    notes = []
    if timed_out:
        notes.append(f"killed after {timeout:.0f} s")
    if killed:
        notes.append(f"{killed} leftover process(es) killed after {REAP_SECS:.0f} s")
    run.note = "; ".join(notes)


def count_newsarchive(data: Path) -> int | None:
    db = data / "archive.db"
    if not db.is_file():
        return None
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        con.close()


def count_plain(items: Path) -> tuple[int | None, int]:
    """(items with non-empty text, all items)."""
    if not items.is_file():
        return None, 0
    good = total = 0
    with open(items, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                total += 1
                if (json.loads(line).get("text") or "").strip():
                    good += 1
    return good, total


def clean_env() -> dict:
    env = dict(os.environ)
    for name in ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "NEWSARCHIVE_DATA"):
        env.pop(name, None)
    return env


def settings_args(settings: dict) -> list[str]:
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


def run_newsarchive(rnd: int, base: str, work: Path, exe: str, keep: set[int], timeout: float) -> Run:
    run = Run(rnd, "newsarchive")
    folder = work / f"round{rnd}-newsarchive"
    folder.mkdir()
    data = folder / "data"
    cmd = [exe, "--data", str(data), "crawl", "courthousenews", "--base-url", base, "--since", SINCE,
           *settings_args(NEWSARCHIVE_SETTINGS)]
    measure(run, cmd, folder, folder / "crawl.log", clean_env(), keep, timeout)
    run.articles = count_newsarchive(data) if run.exit_code == 0 else None
    return run


def run_plain(rnd: int, base: str, work: Path, exe: str, keep: set[int], timeout: float) -> Run:
    run = Run(rnd, "plain")
    folder = work / f"round{rnd}-plain"
    folder.mkdir()
    items = folder / "items.jsonl"
    cmd = [exe, "runspider", str(PLAIN_SPIDER), "-a", f"base={base}", "-o", str(items),
           *settings_args(PLAIN_SETTINGS)]
    # An empty folder outside the repository: no scrapy.cfg, so no newsarchive project settings.
    with tempfile.TemporaryDirectory(prefix="plain-spider-cwd-") as cwd:
        measure(run, cmd, Path(cwd), folder / "crawl.log", clean_env(), keep, timeout)
    if run.exit_code == 0:
        run.articles, run.extra["items"] = count_plain(items)
    return run


# ---- the site ---------------------------------------------------------------------------------
class SiteServer:
    def __init__(self, site_py: Path, corpus: Path, scale: int, work: Path):
        self.out = work / "site.out"
        self.state = work / "site-state.json"
        cmd = [sys.executable, str(site_py), "--corpus", str(corpus), "--port", "0", "--scale", str(scale),
               "--state", str(self.state)]
        with open(self.out, "wb") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        deadline = time.monotonic() + 120
        match = None
        while time.monotonic() < deadline:
            text = self.out.read_text(errors="replace")
            match = re.search(r"serving (\d+) articles .* on (http://\S+)", text)
            if match or self.proc.poll() is not None:
                break
            time.sleep(0.1)
        if not match:
            self.stop()
            raise RunError(f"the site did not start ({site_py}); its output:\n{self.out.read_text(errors='replace')}")
        self.served = int(match.group(1))
        self.base = match.group(2).rstrip("/")
        state = json.loads(self.state.read_text(encoding="utf-8"))
        self.live = sum(1 for a in state["articles"] if a["visible"] and not a["deleted"])
        self.today = state.get("today")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---- the report -------------------------------------------------------------------------------
def machine_lines() -> list[str]:
    model, mem = "unknown CPU", ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = " ".join(line.split(":", 1)[1].split())
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem = f", {int(line.split()[1]) / 2**20:.1f} GiB RAM"
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [f"machine   nproc {usable} (cpu_count {os.cpu_count()}), {model}{mem}",
            f"          {platform.system()} {platform.release()}, Python {platform.python_version()}"]


def versions_line() -> str:
    parts = []
    for name in ("newsarchive", "Scrapy", "trafilatura"):
        try:
            from importlib.metadata import version
            parts.append(f"{name} {version(name)}")
        except Exception:  # noqa: BLE001 - only informative
            parts.append(f"{name} ?")
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        if head:
            parts[0] += f" (git {head}{', uncommitted changes' if dirty else ''})"
    except (OSError, subprocess.SubprocessError):
        pass
    return "versions  " + ", ".join(parts)


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min)"


HEADER = (f"{'round':>5}  {'tool':<11}  {'wall s':>7}  {'articles':>8}  {'articles/s':>10}  {'cpu s':>7}  "
          f"{'cpu ms/article':>14}  {'peak RSS tree MB':>16}  {'PSS tree MB':>11}  {'main MB':>7}  {'procs':>5}")


def row(run: Run) -> str:
    if not run.ok:
        why = f"exit {run.exit_code}" if run.exit_code else "no archive"
        return f"{run.round:>5}  {run.tool:<11}  {run.wall:>7.1f}  FAILED ({why}{'; ' + run.note if run.note else ''}; log {run.log})"
    flag = "*" if run.cpu_sampled > run.cpu * 1.05 else " "
    line = (f"{run.round:>5}  {run.tool:<11}  {run.wall:>7.1f}  {run.articles:>8}  {run.rate:>10.2f}  "
            f"{run.cpu:>7.1f}{flag} {run.cpu_ms_per_article:>14.1f}  {run.tree_peak_kib / 1024:>16.1f}  "
            f"{run.tree_pss_peak_kib / 1024:>11.1f}  {run.main_peak_kib / 1024:>7.1f}  {run.procs:>5}")
    return line + (f"  ({run.note})" if run.note else "")


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join("      " + line for line in path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "      (no log)"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summary(runs: list[Run], rounds: int) -> list[str]:
    out = [f"medians over {rounds} round(s), finished runs only:"]
    med = {}
    for tool in TOOLS:
        done = [r for r in runs if r.tool == tool and r.ok]
        med[tool] = {
            "wall": median([r.wall for r in done]), "articles": median([r.articles for r in done]),
            "rate": median([r.rate for r in done]), "cpu": median([r.cpu_ms_per_article for r in done]),
            "tree": median([r.tree_peak_kib / 1024 for r in done]), "n": len(done),
        }
        m = med[tool]
        if not done:
            out.append(f"  {tool:<11}  no finished run")
            continue
        out.append(f"  {tool:<11}  wall {m['wall']:7.1f} s  articles {m['articles']:6.0f}  "
                   f"articles/s {m['rate']:7.2f}  cpu/article {m['cpu']:6.1f} ms  peak RSS tree {m['tree']:7.1f} MB"
                   f"  ({m['n']} run{'s' if m['n'] != 1 else ''})")
    ratio = med["newsarchive"]["rate"] / med["plain"]["rate"] if med["plain"]["rate"] else float("nan")
    cpu_ratio = med["newsarchive"]["cpu"] / med["plain"]["cpu"] if med["plain"]["cpu"] else float("nan")
    out.append(f"median ratio (newsarchive/plain articles/s): {fmt(ratio)}")
    out.append(f"median ratio (newsarchive/plain cpu s/article): {fmt(cpu_ratio)}")
    for tool in TOOLS:
        done = [r for r in runs if r.tool == tool and r.ok]
        if done:
            tree = max(r.tree_peak_kib for r in done) / 1024
            pss = max(r.tree_pss_peak_kib for r in done) / 1024
            main = max(r.main_peak_kib for r in done) / 1024
            procs = max(r.procs for r in done)
            out.append(f"peak RSS {tool + ':':<12} process tree {tree:7.1f} MB ({procs} process{'es' if procs != 1 else ''} at most), "
                       f"main process {main:7.1f} MB  (max over rounds)")
            out.append(f"peak PSS {tool + ':':<12} process tree {pss:7.1f} MB (shared pages counted once)")
        else:
            out.append(f"peak RSS {tool + ':':<12} n/a")
    return out


def fmt(value: float) -> str:
    return "n/a" if value != value else f"{value:.2f}"


# ---- main ---------------------------------------------------------------------------------------
def find_exe(name: str) -> str:
    for candidate in (Path(sys.executable).parent / name, REPO / ".venv" / "bin" / name):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise UsageError(f"cannot find the {name!r} command (looked next to {sys.executable}, in {REPO}/.venv/bin "
                         "and on PATH); run `make install` first")
    return found


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=20, help="site.py --scale: copies of each corpus page (default 20)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each tool, alternating (default 3)")
    parser.add_argument("--corpus", type=Path, default=REALSITE / "corpus",
                        help=f"site corpus folder (default {REALSITE / 'corpus'})")
    parser.add_argument("--site-py", type=Path, default=REALSITE / "site.py",
                        help=f"the realsite server (default {REALSITE / 'site.py'})")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep every run's data, items and logs in DIR (new or empty); default: a temporary "
                             "folder, removed at the end")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds before a run is killed (default 3600)")
    parser.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra newsarchive setting (repeatable), e.g. -s CRAWL_PAGE_REQUISITES=none "
                             "for the figures without page requisites")
    args = parser.parse_args(argv)
    for pair in args.settings:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            parser.error(f"-s {pair!r}: use NAME=VALUE")
        NEWSARCHIVE_SETTINGS[name.strip()] = value
    if args.scale < 1:
        parser.error("--scale must be 1 or more")
    if args.rounds < 1:
        parser.error("--rounds must be 1 or more")
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return benchmark(args)
    except UsageError as exc:
        print(f"crawl.py: error: {exc}", file=sys.stderr)
        return 2
    except RunError as exc:
        print(f"crawl.py: {exc}", file=sys.stderr)
        return 1


def benchmark(args: argparse.Namespace) -> int:
    if not sys.platform.startswith("linux"):
        raise UsageError("this benchmark reads /proc: Linux only")
    site_py, corpus = args.site_py.resolve(), args.corpus.resolve()
    if not site_py.is_file():
        raise UsageError(f"site server not found: {site_py} (give --site-py PATH; the default is "
                         f"<repo>/../shared/realsite/site.py)")
    if not (corpus / "truth.jsonl").is_file():
        raise UsageError(f"corpus not found: {corpus} has no truth.jsonl (give --corpus DIR; the default is "
                         f"<repo>/../shared/realsite/corpus)")
    newsarchive_exe, scrapy_exe = find_exe("newsarchive"), find_exe("scrapy")
    if args.keep:
        work = args.keep.resolve()
        if work.exists() and (not work.is_dir() or any(work.iterdir())):
            raise UsageError(f"--keep {work}: must be a new or empty folder")
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="newsarchive-crawl-bench-"))
    subreaper = become_subreaper()

    print("newsarchive crawl benchmark (issue 8): whole pipeline vs a plain Scrapy spider", flush=True)
    for line in machine_lines():
        print(line)
    print(versions_line())
    print(f"load      {load_text()} at start")
    site = None
    runs: list[Run] = []
    try:
        site = SiteServer(site_py, corpus, args.scale, work)
        print(f"site      realsite --scale {args.scale}: {site.served} articles served, {site.live} live "
              f"(published by today {site.today}, not deleted), {site.base}")
        print(f"crawls    newsarchive crawl courthousenews --since {SINCE} {' '.join(settings_args(NEWSARCHIVE_SETTINGS))}")
        print(f"          scrapy runspider benchmarks/plain_spider.py {' '.join(settings_args(PLAIN_SETTINGS))}")
        print(f"rounds    {args.rounds}, alternating newsarchive / plain, each run in a fresh folder"
              f"{'' if args.keep else ' (removed at the end)'}" + (f": {work}" if args.keep else ""))
        if not subreaper:
            print("note      prctl(PR_SET_CHILD_SUBREAPER) failed: cpu s may miss processes the crawl leaves behind")
        print()
        print(HEADER, flush=True)
        keep = {site.proc.pid}
        for rnd in range(1, args.rounds + 1):
            for tool in TOOLS:
                if not site.alive():
                    raise RunError(f"the site stopped; its output:\n{site.out.read_text(errors='replace')}")
                if tool == "newsarchive":
                    run = run_newsarchive(rnd, site.base, work, newsarchive_exe, keep, args.timeout)
                else:
                    run = run_plain(rnd, site.base, work, scrapy_exe, keep, args.timeout)
                runs.append(run)
                print(row(run), flush=True)
                if not run.ok:
                    print(tail(run.log), flush=True)
    finally:
        if site is not None:
            site.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print()
    if any(r.cpu_sampled > r.cpu * 1.05 for r in runs if r.ok):
        print("* cpu s is below the CPU seen in /proc while running: some process was never waited for")
    plain_items = [r.extra.get("items") for r in runs if r.tool == "plain" and r.ok]
    if plain_items and any(n != r.articles for n, r in zip(plain_items, [r for r in runs if r.tool == "plain" and r.ok])):
        print(f"plain items yielded (with or without text): {', '.join(str(n) for n in plain_items)}")
    for line in summary(runs, args.rounds):
        print(line)
    print(f"load      {load_text()} at the end")
    return 0 if runs and all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
