"""Replay archived captures in a browser with pywb, and search the archive from the front page.

pywb (https://pywb.readthedocs.io) is the web archiving field's reference replay engine; we
configure it, we do not replay ourselves. One WSGI app (:class:`ReplayApp`) serves:

``/`` and ``/search``
    Our search page over the SQLite index (``DATA/archive.db``, :mod:`archive.replay_search`):
    a search box, filters by date and author, hits with title, date, authors and snippet.
    Each hit links to its exact capture (``/archive/<14-digit timestamp>/<url>``) and to the
    article's other versions.
``/archive/<timestamp>/<url>``, ``/archive/*/<url>``, ``/archive/cdx``, ``/static/...``
    pywb's ``FrontEndApp`` over one collection, ``archive``: the WARC files in ``DATA/warc``
    and the CDXJ index ``DATA/indexes/index.cdxj`` (:mod:`archive.warc.cdxj`). Framed replay: the
    top frame is pywb's banner (the capture's title and date), the page is rewritten so that
    every link and resource points back into ``/archive/``.

What it never does: fetch from the live web (no ``live`` collection, no proxy mode, no
recorder, no auto-collections from a folder), send the browser there (every ``Location`` a
response carries, an archived redirect's in ``id_`` mode too, is a path into the archive,
never an outside URL nor one on the request's ``Host``: :func:`archive.replay_pywb.archive_location`;
nor build a page's URLs on a ``Host`` header that does not name the address the connection came
in on: :func:`archive.replay_pywb.trusted_host`),
or serve files other than the archive's captures and pywb's own static assets (paths with
``..``, backslashes or NUL are refused before pywb sees them, and pywb's static handler
checks again). A missing page is our "Not archived" page (HTTP 404), a missing part of a
page a plain 404 (:mod:`archive.replay_pywb`).

A search runs off the server's event loop (gevent's thread pool), under a time limit
(``$NEWSARCHIVE_SEARCH_TIME_LIMIT``, 5 s by default): a slow one answers "the search took
longer than 5 s and was stopped" (HTTP 503) and never holds up other visitors.

Importing this module is cheap; :func:`make_app` imports pywb, which monkey-patches the
process for gevent (``gevent.monkey.patch_all``), so call it only in the process that serves.
"""
from __future__ import annotations

if __name__ == "__main__":  # the serving process: patch for gevent before anything imports ssl
    from gevent import monkey

    monkey.patch_all()

import argparse
import ipaddress
import logging
import sys
import os
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from archive.atomic import write_text
from archive.layout import DataDir
from archive.replay_search import COLLECTION, SearchForm, capture_timestamp, replay_url, search_page

__all__ = [
    "COLLECTION",
    "ReplayApp",
    "SearchForm",
    "capture_timestamp",
    "make_app",
    "pywb_config",
    "replay_url",
    "serve",
    "write_config",
]

logger = logging.getLogger(__name__)

#: Our templates: the search page, and overrides of pywb's (``not_found.html``).
TEMPLATES_DIR = Path(__file__).resolve().parent / "replay_templates"
#: The WSGI environ key of our end of the connection, ``(address, port)`` (set by :func:`serve`).
LOCAL_ADDRESS = "newsarchive.local_address"
_StartResponse = Callable[..., Any]


# -- pywb configuration -------------------------------------------------------------------


def pywb_config(data_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """pywb's configuration for a data folder: one collection, archived content only.

    See https://pywb.readthedocs.io/en/latest/manual/configuring.html.
    """
    data = DataDir(Path(data_dir).resolve())
    return {
        # no folder of auto-collections, no live web, no proxy, no recorder
        "collections_root": str(data.replay_collections),
        "enable_auto_colls": False,
        "collections": {
            COLLECTION: {
                "index_paths": str(data.cdxj),
                "archive_paths": str(data.warc) + os.sep,
            },
        },
        "framed_replay": True,
        "redirect_to_exact": True,
        "enable_memento": True,
        "ui": {"logo_home_url": "/"},
        "debug": False,
    }


#: Our overrides of pywb's templates, copied to ``DATA/replay/templates/``.
PYWB_TEMPLATE_OVERRIDES = ("not_found.html", "_style.html")


def write_config(data_dir: str | os.PathLike[str]) -> Path:
    """Generate pywb's folder ``DATA/replay/``: ``config.yaml`` and ``templates/``.

    pywb looks templates up in ``./templates`` before its own (and resolves its static
    and per-collection folders against the working directory), so the server runs in
    ``DATA/replay`` and our "Not archived" page is ``DATA/replay/templates/not_found.html``.

    Returns:
        The path of ``config.yaml``.
    """
    import yaml

    folder = DataDir(Path(data_dir)).replay
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    for name in PYWB_TEMPLATE_OVERRIDES:
        write_text(folder / "templates" / name, (TEMPLATES_DIR / name).read_text(encoding="utf-8"))
    path = folder / "config.yaml"
    write_text(path, "# Generated by `newsarchive replay`; edits are overwritten.\n"
                  + yaml.safe_dump(pywb_config(data_dir), sort_keys=True))
    return path


# -- the WSGI app -------------------------------------------------------------------------


def _unsafe_path(path: str) -> bool:
    """True for a path that could name a file outside the archive (``..``, ``\\``, NUL)."""
    if "\x00" in path or "\\" in path:
        return True
    return any(segment in ("..", ".") for segment in path.split("/")[1:])


def off_the_loop(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``func(*args, **kwargs)``, in gevent's thread pool when the process is patched for
    gevent (the replay server), so that a slow search blocks one worker thread, not the
    event loop that serves every other request; a plain call otherwise.

    SQLite releases the GIL while it works, so the loop keeps serving meanwhile.
    """
    if "gevent" in sys.modules:
        from gevent import monkey

        if monkey.is_module_patched("socket"):
            import gevent

            return gevent.get_hub().threadpool.spawn(func, *args, **kwargs).get()
    return func(*args, **kwargs)


class ReplayApp:
    """WSGI: our search page at ``/`` and ``/search``, pywb for everything else.

    Args:
        data_dir: The data folder.
        pywb_app: pywb's ``FrontEndApp`` (or any WSGI app) serving ``/archive/`` and
            ``/static/``; every ``Location`` it answers is made a path into the archive
            (:func:`archive.replay_pywb.archive_location`).
        search_time_limit: Seconds a search page may search (``0``: no limit; ``None``:
            ``$NEWSARCHIVE_SEARCH_TIME_LIMIT``, else 5).

    Raises:
        archive.index.QueryError: *search_time_limit* (or the variable) is not a number of
            seconds.
    """

    def __init__(self, data_dir: str | os.PathLike[str], pywb_app: Callable[..., Any], *,
                 search_time_limit: float | None = None) -> None:
        import jinja2

        from archive.index import search_time_limit as resolve_time_limit

        self.data_dir = Path(data_dir)
        self.pywb_app = pywb_app
        self.search_time_limit = resolve_time_limit(search_time_limit)
        self.jinja = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
                                        autoescape=True)

    def _html(self, start_response: _StartResponse, status: str, template: str,
              **context: Any) -> list[bytes]:
        body = self.jinja.get_template(template).render(**context).encode("utf-8")
        start_response(status, [("Content-Type", "text/html; charset=utf-8"),
                                ("Content-Length", str(len(body))),
                                ("Cache-Control", "no-store"),
                                ("X-Content-Type-Options", "nosniff")])
        return [body]

    def __call__(self, environ: dict[str, Any], start_response: _StartResponse) -> Iterable[bytes]:
        local = environ.get(LOCAL_ADDRESS)
        if local:  # pywb builds absolute URLs on the Host header: only ours is believed
            from archive.replay_pywb import trusted_host

            environ["HTTP_HOST"] = trusted_host(str(environ.get("HTTP_HOST") or ""), local)
        path = environ.get("PATH_INFO") or "/"
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or path
        decoded_raw = urllib.parse.unquote(raw.split("?", 1)[0])
        in_archive = path.startswith(f"/{COLLECTION}/")
        if not in_archive and (_unsafe_path(path) or _unsafe_path(decoded_raw)
                               or path.startswith("/static/_/")):
            return self._html(start_response, "404 Not Found", "not_found.html", url=path,
                              reason="This path is not part of the archive.")
        if path in ("/", "/search"):
            if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
                start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"),
                                                          ("Content-Length", "0")])
                return [b""]
            form = SearchForm.from_query_string(environ.get("QUERY_STRING", ""))
            context, status = off_the_loop(search_page, self.data_dir, form,
                                           time_limit=self.search_time_limit or 0)
            return self._html(start_response, {200: "200 OK", 400: "400 Bad Request",
                                               500: "500 Internal Server Error",
                                               503: "503 Service Unavailable"}[status],
                              "archive_search.html", **context)
        if path == "/favicon.ico":
            start_response("204 No Content", [("Content-Length", "0")])
            return [b""]
        return self._pywb(environ, start_response)

    def _pywb(self, environ: dict[str, Any], start_response: _StartResponse) -> Iterable[bytes]:
        """pywb's answer, its ``Location`` (if any) made a path into the archive, or "Not
        archived" when the target cannot be in it; an archived ``Refresh`` likewise (dropped
        when its URL cannot be in it); the URLs pywb writes on the request's ``Host`` in
        ``Link`` (Memento) and ``Content-Location`` made paths; an ``id_`` answer given
        pywb's Content-Security-Policy (its bytes are not rewritten); a ``Content-Length`` the
        archived body does not have made its length (:func:`archive.replay_pywb.honest_length`)."""
        from archive.replay_pywb import (ID_MODE_CSP, SMALL_NOT_FOUND, archive_location, archive_refresh,
                                         honest_length, is_embedded, replay_modifier, without_host)

        asked = dict(environ)  # pywb moves the collection from PATH_INFO to SCRIPT_NAME
        answer: dict[str, Any] = {}
        written: list[bytes] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            answer.update(status=status, headers=list(headers), exc_info=exc_info)
            return written.append

        body = self.pywb_app(environ, capture)
        if not answer:  # start_response called lazily, with the first part of the body
            parts = iter(body)
            first = next(parts, b"")
            body, close = [first, *parts], getattr(body, "close", None)
            if close:
                close()
        headers: list[tuple[str, str]] = []
        for name, value in answer.get("headers", []):
            if name.lower() == "location":
                location = archive_location(asked, value, COLLECTION)
                if location is None:
                    close = getattr(body, "close", None)
                    if close:
                        close()
                    logger.info("refused a redirect out of the archive to %r", value)
                    if is_embedded(asked):
                        start_response("404 Not Found", [
                            ("Content-Type", "text/plain; charset=utf-8"),
                            ("Content-Length", str(len(SMALL_NOT_FOUND))),
                            ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")])
                        return [SMALL_NOT_FOUND]
                    return self._html(start_response, "404 Not Found", "not_found.html",
                                      url=value, reason="This archived page redirects out of the "
                                      "archive. Nothing is fetched from the live web.")
                value = location
            elif name.lower() == "refresh":
                refresh = archive_refresh(asked, value, COLLECTION)
                if refresh is None:
                    logger.info("dropped a Refresh header out of the archive: %r", value)
                    continue
                value = refresh
            elif name.lower() in ("link", "content-location"):
                value = without_host(asked, value, COLLECTION)
            headers.append((name, value))
        mod = replay_modifier(str(asked.get("SCRIPT_NAME") or "") + str(asked.get("PATH_INFO") or ""))
        if mod == "id_" and not any(name.lower() == "content-security-policy" for name, _ in headers):
            headers.append(("Content-Security-Policy", ID_MODE_CSP))  # its bytes are not rewritten
        status = answer.get("status", "500 Internal Server Error")
        headers, body = honest_length(asked, status, headers, [*written, *body] if written else body)
        start_response(status, headers, *([answer["exc_info"]] if answer.get("exc_info") else []))
        return body


def make_app(data_dir: str | os.PathLike[str]) -> ReplayApp:
    """Build the replay app for a data folder (imports pywb: gevent monkey-patches the process).

    Writes ``DATA/replay/config.yaml`` and hands it to pywb. ``$PYWB_CONFIG_FILE`` is
    ignored, so no outside configuration can add a live-web collection.

    Raises:
        FileNotFoundError: the data folder has no ``indexes/index.cdxj`` (run
            :func:`archive.warc.cdxj.update_index` first).
    """
    data = Path(data_dir)
    index = DataDir(data).cdxj
    if not index.is_file():
        raise FileNotFoundError(f"no CDXJ index at {index}")
    config_file = write_config(data).resolve()
    os.environ.pop("PYWB_CONFIG_FILE", None)
    from pywb.apps.frontendapp import FrontEndApp

    from archive.replay_pywb import customise  # br and zstd; small 404s for a page's parts
    pywb_app = customise(FrontEndApp(config_file=str(config_file)))
    return ReplayApp(data.resolve(), pywb_app)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def announce(host: str, port: int) -> str:
    """The line ``newsarchive replay`` prints once it listens: the URL, and who can reach it."""
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    if _is_loopback(host):
        return f"Serving the archive on {url} (loopback only; use --host 0.0.0.0 to share it)"
    return f"Serving the archive on {url} (reachable from other machines on this network)"


def serve(data_dir: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8080, *,
          on_ready: Callable[[str, int], None] | None = None) -> None:
    """Serve the replay app with gevent's WSGI server until interrupted.

    Run it in a process of its own (``python -m archive.replay``): pywb needs gevent's
    monkey-patching, best done before anything else is imported.

    Args:
        data_dir: The data folder (its CDXJ index must be current).
        host: The address to bind (loopback by default).
        port: The TCP port; 0 picks a free one.
        on_ready: Called with ``(host, port)`` once the socket listens.

    Raises:
        OSError: the address cannot be bound.
    """
    from gevent import monkey

    if not monkey.is_module_patched("socket"):
        monkey.patch_all()
    from gevent.pywsgi import WSGIHandler, WSGIServer

    class Handler(WSGIHandler):
        """gevent's handler, telling the app which address the connection came in on."""

        def get_environ(self) -> dict[str, Any]:
            environ = super().get_environ()
            try:
                environ[LOCAL_ADDRESS] = tuple(self.socket.getsockname()[:2])
            except (OSError, AttributeError, TypeError):
                pass
            return environ

    data = Path(data_dir).resolve()
    DataDir(data).replay.mkdir(parents=True, exist_ok=True)
    os.chdir(DataDir(data).replay)  # pywb resolves ./templates, ./static and ./config.yaml here
    app = make_app(data)
    server = WSGIServer((host, port), app, log=logging.getLogger("archive.replay.access"), handler_class=Handler)
    server.start()
    if on_ready:
        on_ready(host, server.server_port)
    try:
        server.serve_forever()
    finally:
        server.stop(timeout=2)


def main(argv: list[str] | None = None) -> int:
    """``python -m archive.replay --data DIR [--host H] [--port P]``: what ``newsarchive replay`` runs.

    Returns:
        The exit code: 0 when stopped with Ctrl-C or SIGTERM, 1 when it cannot start.
    """
    import signal

    from archive.query import ArchiveIndexError

    parser = argparse.ArgumentParser(prog="python -m archive.replay", description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    logging.getLogger("archive.replay.access").setLevel(logging.INFO)

    def ready(host: str, port: int) -> None:
        print(announce(host, port), flush=True)
        print("Press Ctrl-C to stop.", file=sys.stderr, flush=True)

    def stop(signum: int, frame: Any) -> None:
        # The server keeps no state to flush: end at once, without gevent's traceback of
        # the interrupted hub.
        print("Stopped.", file=sys.stderr, flush=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        serve(args.data, args.host, args.port, on_ready=ready)
    except FileNotFoundError as exc:
        print(f"Error: {exc}. Run `newsarchive replay`, which builds it.", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"Error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    except ArchiveIndexError as exc:  # a bad $NEWSARCHIVE_SEARCH_TIME_LIMIT
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
