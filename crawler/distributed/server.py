"""A private ``redis-server`` on a Unix socket (no TCP port), started and stopped by us.

Used by ``newsarchive crawl --workers N`` without ``--redis`` and by the tests. Nothing
is saved to disk (``--save ''``, no AOF): the queue lives as long as the crawl.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

#: Unix socket paths are limited to 107 bytes on Linux (sun_path).
_MAX_SOCKET_PATH = 100


class RedisServerError(RuntimeError):
    """redis-server is not installed, or did not start."""


class RedisServer:
    """``redis-server --port 0 --unixsocket DIR/redis.sock``; :attr:`url` is ``unix://...``.

    Use as a context manager, or :meth:`start` and :meth:`stop`.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        socket = self.directory / "redis.sock"
        self._tmp: str | None = None
        if len(str(socket.resolve())) > _MAX_SOCKET_PATH:
            self._tmp = tempfile.mkdtemp(prefix="na-redis-")
            socket = Path(self._tmp) / "redis.sock"
        self.socket = socket
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = 10.0) -> RedisServer:
        """Start it and wait until it answers PING.

        Raises:
            RedisServerError: no ``redis-server`` on PATH, or it did not answer in ``timeout`` s.
        """
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisServerError("redis-server is not installed (Debian: apt-get install redis-server)")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [binary, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        import redis

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RedisServerError(f"redis-server exited ({self.process.returncode}): {err.strip()[-300:]}")
            if self.socket.exists():
                try:
                    redis.Redis(unix_socket_path=str(self.socket)).ping()
                    return self
                except redis.ConnectionError:
                    pass
            time.sleep(0.05)
        self.stop()
        raise RedisServerError(f"redis-server did not answer on {self.socket} within {timeout:.0f} s")

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL after 5 s) and remove its socket."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        self.process = None
        self.socket.unlink(missing_ok=True)
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
