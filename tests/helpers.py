"""Helpers shared by the tests: run the CLI in a subprocess, stop a server subprocess."""
from __future__ import annotations

import http.client
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cli(data: Path, *args: str, check: bool = False, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``newsarchive --data DATA ARGS...`` as a subprocess (``python -m archive``) from the repo root.

    With ``check``, a non-zero exit fails the test with the command's last stderr lines.
    """
    result = subprocess.run([sys.executable, "-m", "archive", "--data", str(data), *args],
                            cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def stop_process(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    """Ask a subprocess to stop (SIGTERM), kill it if it has not after ``timeout`` seconds,
    and close its stdout pipe."""
    if proc is None:
        return
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    if proc.stdout:
        proc.stdout.close()


def crawl_mock_site(site_url: str, data: Path, since: str, until: str) -> subprocess.CompletedProcess[str]:
    """Crawl a running mock site (``tests.mocksite.MockSite``) into ``data`` quickly, the way
    the end-to-end tests do; a failed crawl fails the test with its last stderr lines."""
    return run_cli(data, "crawl", "courthousenews", "--base-url", site_url, "--since", since, "--until", until,
                   "-s", "DOWNLOAD_DELAY=0.01", "-s", "AUTOTHROTTLE_ENABLED=False", check=True)


def copy_data_folder(source: Path, work: Path) -> Path:
    """A copy of the data folder ``source`` in ``work/data`` (for a test that writes into a
    shared archive: conftest's ``mock_crawl`` is read only)."""
    data = work / "data"
    shutil.copytree(source, data)
    return data


def http_get(port: int, path: str, headers: dict[str, str] | None = None,
             host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET ``path`` from 127.0.0.1:``port`` exactly as given, with exactly ``headers`` (no
    Accept-Encoding of http.client's own) and ``Host: host`` (default: the server's address):
    ``(status, lower-cased headers, body)``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host or f"127.0.0.1:{port}")
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()
