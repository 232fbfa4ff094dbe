"""Replay every exported article through ``newsarchive replay`` and count those that show their title.

    python benchmarks/replay_check.py --data /tmp/rs/data --export /tmp/rs/export.jsonl

Starts ``newsarchive --data DIR replay --port 0`` (which brings the CDXJ index up to date),
then for each article of the export (JSON Lines, ``newsarchive export --format jsonl``):

1. requests its replay URL, ``/archive/<14-digit fetched_at>/<url>`` (pywb's framed page,
   banner included), which must answer 200;
2. requests the replayed page itself, ``/archive/<timestamp>mp_/<url>`` (what the frame
   loads), which must answer 200 with the article's title in the body (entities decoded,
   white space folded, compared case-sensitively).

Prints one line per failure, then ``replayed N/M articles with their title``; exit status 0
when every article replayed, 1 otherwise.
"""
from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def capture_path(fetched_at: str, url: str, mode: str = "") -> str:
    ts = re.sub(r"\D", "", fetched_at)[:14]
    return f"/archive/{ts}{mode}/{url}"


def fold(text: str) -> str:
    return " ".join(html.unescape(text).split())


def texts(body: bytes, content_type: str) -> list[str]:
    """The body decoded as its header says, as its ``<meta charset>`` says, as UTF-8 and as
    windows-1252 (servers mislabel), each unescaped with white space folded."""
    names = []
    for match in (re.search(r"charset=([\w-]+)", content_type or ""),
                  re.search(r"<meta[^>]+charset=[\"']?([\w-]+)", body[:8192].decode("ascii", "replace"), re.I)):
        if match:
            names.append(match.group(1))
    out = []
    for name in [*names, "utf-8", "cp1252"]:
        try:
            out.append(fold(body.decode(name, "replace")))
        except LookupError:
            continue
    return out


def start_replay(data: Path) -> tuple[subprocess.Popen[bytes], int]:
    # stderr (the access log) goes to a file: a pipe nobody reads would fill and stall the server
    log = open(data / "replay" / "replay_check.log", "wb") if (data / "replay").is_dir() else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "archive", "--data", str(data), "replay", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=log,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    assert proc.stdout is not None
    line = b""
    deadline = time.monotonic() + 300  # indexing a large archive first
    while not line.endswith(b"\n") and time.monotonic() < deadline:
        if select.select([proc.stdout], [], [], 1)[0]:
            chunk = os.read(proc.stdout.fileno(), 1)
            if not chunk:
                break
            line += chunk
    match = re.search(rb"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        proc.kill()
        raise SystemExit(f"replay did not start: {line!r}")
    print(line.decode().strip(), file=sys.stderr)
    return proc, int(match.group(1))


def get(port: int, path: str) -> tuple[int, str, bytes]:
    if os.environ.get("REPLAY_CHECK_TRACE"):
        print("GET", path, file=sys.stderr, flush=True)
    """One GET on a fresh connection (as a browser's parallel requests would be)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", urllib.parse.quote(path, safe="/:?&=%#;,+@!$'()*~"))
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type", ""), resp.read()
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the data folder that was crawled")
    parser.add_argument("--export", type=Path, required=True, help="newsarchive export --format jsonl")
    args = parser.parse_args()
    articles = [json.loads(line) for line in args.export.read_text(encoding="utf-8").splitlines() if line.strip()]
    proc, port = start_replay(args.data)
    ok = 0
    started = time.monotonic()
    try:
        for article in articles:
            url, fetched_at, title = article["url"], article.get("fetched_at"), article.get("title") or ""
            if not fetched_at:
                print(f"FAIL no fetched_at: {url}")
                continue
            status, _, _ = get(port, capture_path(fetched_at, url))
            if status != 200:
                print(f"FAIL {status} {capture_path(fetched_at, url)}")
                continue
            status, ctype, body = get(port, capture_path(fetched_at, url, "mp_"))
            if status != 200:
                print(f"FAIL {status} {capture_path(fetched_at, url, 'mp_')}")
                continue
            if not any(fold(title) in text for text in texts(body, ctype)):
                print(f"FAIL title {title!r} not in {capture_path(fetched_at, url, 'mp_')}")
                continue
            ok += 1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    elapsed = time.monotonic() - started
    print(f"replayed {ok}/{len(articles)} articles with their title ({elapsed:.1f} s)")
    return 0 if ok == len(articles) else 1


if __name__ == "__main__":
    sys.exit(main())
