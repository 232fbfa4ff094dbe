"""What we change in pywb's replay: more content codings, and a small 404 for embedded parts.

:func:`customise` is applied by :func:`archive.replay.make_app` to pywb's ``FrontEndApp``:

- warcio, which pywb reads records with, learns ``br`` and ``zstd`` (:mod:`archive.warc.codings`).
- A capture that is missing answers our branded "Not archived" page (HTML, about 2 kB) only when
  a person navigated to it; an iframe, image, script, stylesheet, font, media file or
  ``fetch()`` inside a replayed page gets a plain ``404`` of 13 bytes (``text/plain``), so a
  page with ten missing ad frames does not show ten "Not archived" pages.
- No ``Location`` leaves the archive (:func:`archive_location`, applied by
  :class:`archive.replay.ReplayApp` to every pywb response). pywb passes an archived
  redirect's ``Location`` through unchanged in ``id_`` mode (``http://evil.example/``,
  ``//evil.example/``, ``/\\evil.example/`` would send the browser to the live web), and
  writes the ones it makes (``mp_`` rewrites, ``redirect_to_exact``) as absolute URLs on the
  request's ``Host`` header. Every ``Location`` becomes a path on our server: a pywb URL
  loses the scheme and host, an archived target becomes ``/archive/<ts><mod>/<absolute
  target>``, and one that is not an http(s) URL (``javascript:``, ``data:``...) is answered
  by "Not archived". pywb's URLs on the request's ``Host`` in ``Link`` (Memento) and
  ``Content-Location`` become paths too (:func:`without_host`). An archived ``Refresh``
  header (which browsers follow like a redirect, and pywb passes through in every mode) gets
  the same treatment (:func:`archive_refresh`).
- ``id_`` sends a page's archived bytes unchanged, so its absolute URLs (an ``<img>`` on
  another host) are not rewritten: its answer carries the ``Content-Security-Policy`` pywb
  gives ``mp_`` pages (:data:`ID_MODE_CSP`: only our own origin, ``data:`` and ``blob:``), so a
  browser loads nothing from elsewhere.
- pywb sends the archived ``Content-Length`` of a body it does not rewrite (``id_``, an image
  in ``mp_``). A damaged record (a WARC ``Content-Length`` too small) or one cut short by
  another tool holds fewer bytes than that, and a client would wait for the rest until it
  times out: :func:`honest_length` gives such an answer the length of the body sent.
- pywb builds a page's absolute URLs (wombat's prefix, its scripts, the banner's frame) on the
  request's ``Host`` header, which the client chooses. Only a ``Host`` that names the address
  the connection came in on is believed (:func:`trusted_host`); any other is replaced by
  that address before pywb sees the request, so no replayed page loads from a host a forged
  header names (a proxy's or a cache's, a rebound DNS name).

Which requests are embedded is read from two things browsers and pywb send:

- pywb's modifier, after the timestamp (``/archive/<ts><mod>/<url>``,
  https://pywb.readthedocs.io/en/latest/manual/configuring.html#framed-vs-frameless-replay):
  pywb rewrites ``<iframe src>`` to ``if_``, ``<frame src>`` to ``fr_``, images to ``im_``,
  scripts to ``js_``, stylesheets to ``cs_``, other media, objects and ``<link>`` to ``oe_``,
  workers to ``wkr_``/``sw_``. No modifier is the top frame (pywb's banner) and ``mp_`` is
  the page inside it (also what wombat rewrites links, navigations and ``fetch()`` to).
  ``id_`` (the bytes as archived) is for programs and embeds.
- The ``Sec-Fetch-Dest`` request header (W3C Fetch Metadata; sent by current browsers):
  ``document`` is a top-level navigation, ``iframe``/``frame`` a nested one (pywb's page
  frame is an iframe), anything else (``image``, ``script``, ``style``, ``font``,
  ``empty`` for fetch/XHR...) is a subresource.
"""
from __future__ import annotations

import ipaddress
import logging
import re
import socket
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["EMBED_MODIFIERS", "ID_MODE_CSP", "LENGTH_CHECK_BYTES", "SMALL_NOT_FOUND", "archive_location",
           "archive_refresh", "customise", "honest_length", "is_embedded",
           "replay_modifier", "trusted_host", "without_host"]

#: pywb modifiers of a page's parts (``pywb/rewrite/html_rewriter.py``, ``wombat.js``).
EMBED_MODIFIERS = frozenset({"if_", "fr_", "im_", "js_", "cs_", "oe_", "wkr_", "wkrf_", "sw_", "vi_"})
#: ``Sec-Fetch-Dest`` values of a navigation, top-level or nested.
NAVIGATION_DESTS = frozenset({"", "document", "iframe", "frame"})
#: The policy of an ``id_`` answer: pywb's own for ``mp_`` pages (``RewriterApp.DEFAULT_CSP``,
#: pywb 2.10), W3C Content Security Policy Level 3.
ID_MODE_CSP = ("default-src 'unsafe-eval' 'unsafe-inline' 'self' data: blob: mediastream: ws: wss: ; "
               "form-action 'self'")
#: The longest declared body :func:`honest_length` reads before it answers (bytes).
LENGTH_CHECK_BYTES = 16 << 20
#: The body of the small not-found response.
SMALL_NOT_FOUND = b"Not archived\n"

# /archive/<digits><mod>/<url>: pywb's WbUrl.REPLAY_REGEX, after the collection
_REPLAY_PATH = re.compile(r"^/[^/]+/(\d*)([a-z]+_)?/{1,3}(.+)$")


def replay_modifier(path: str) -> str | None:
    """The pywb modifier of a replay path (``""`` for none), or None for a non-replay path.

    >>> replay_modifier("/archive/20240301000000im_/http://example.org/a.png")
    'im_'
    >>> replay_modifier("/archive/20240301000000/http://example.org/")
    ''
    """
    match = _REPLAY_PATH.match(path or "")
    return (match.group(2) or "") if match else None


# C0 controls and space, which browsers strip from both ends of a URL (WHATWG URL, "basic
# URL parser"); tab, CR and LF, which they remove anywhere in it
_URL_EDGES = "".join(map(chr, range(0x21)))
_URL_REMOVED = str.maketrans("", "", "\t\r\n")
# what a Location we write may hold unquoted (RFC 3986 reserved and unreserved, and %)
_URL_SAFE = "/:?#[]@!$&'()*+,;=%~"


# a Host header (RFC 9110 section 7.2): a bracketed IPv6 address or a name, and a port
_HOST_HEADER = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$")


def _is_ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None


def _format_host(address: str, port: int) -> str:
    shown = f"[{address}]" if ":" in address else address
    return shown if port == 80 else f"{shown}:{port}"


def trusted_host(header: str, local: tuple[str, int]) -> str:
    """The ``Host`` pywb may build absolute URLs on: ``header`` (the request's ``Host``) when
    it names this server, else the address the connection came in on.

    Believed, with the local port (80 when the header has none, RFC 9110 section 7.2): the
    local address itself; for a loopback connection, any loopback name (``localhost``,
    127.0.0.0/8, ``[::1]``), as a browser at ``http://localhost:8080/`` sends; this machine's
    own host name. Anything else (another name, another port, bytes that are no host) is not.

    Args:
        header: The ``Host`` header as received (``""`` when there was none).
        local: ``(address, port)`` of our end of the connection (``getsockname()``).

    >>> trusted_host("localhost:8080", ("127.0.0.1", 8080))
    'localhost:8080'
    >>> trusted_host("attacker.invalid", ("127.0.0.1", 8080))
    '127.0.0.1:8080'
    """
    address, port = local[0], int(local[1])
    mapped = getattr(_is_ip(address), "ipv4_mapped", None)  # a dual-stack socket's IPv4 peer
    address = str(mapped) if mapped else address
    fallback = _format_host(address, port)
    match = _HOST_HEADER.match(header or "")
    if not match or int(match.group(2) or 80) != port:
        return fallback
    name = match.group(1).lower().rstrip(".")
    ip, own = _is_ip(name), _is_ip(address)
    if ip is not None and own is not None:
        if ip == own or (ip.is_loopback and own.is_loopback):
            return header
        return fallback
    if name == "localhost" and own is not None and own.is_loopback:
        return header
    if ip is None and name in {socket.gethostname().lower(), socket.getfqdn().lower()}:
        return header
    return fallback


def _host_prefix(environ: Mapping[str, Any]) -> str:
    """``scheme://host`` as pywb writes its absolute URLs (``RewriterApp.get_host_prefix``)."""
    scheme = str(environ.get("wsgi.url_scheme") or "http")
    host = str(environ.get("HTTP_HOST") or "")
    if not host:
        host = str(environ.get("SERVER_NAME") or "")
        port = str(environ.get("SERVER_PORT") or "")
        if port and port != ("443" if scheme == "https" else "80"):
            host += ":" + port
    return f"{scheme}://{host}"


def archive_location(environ: Mapping[str, Any], location: str, collection: str = "archive") -> str | None:
    """The ``Location`` to send instead of *location*, a path on our server; ``None`` when the
    target cannot be in the archive (answer "Not archived").

    Args:
        environ: The request's WSGI environ as it reached us (before pywb shifts
            ``SCRIPT_NAME``): its path names the capture (``/archive/<ts><mod>/<url>``) that
            relative targets resolve against, its ``Host`` what pywb prefixed.
        location: The response's ``Location`` as pywb wrote it.
        collection: The pywb collection's name.

    >>> env = {"PATH_INFO": "/archive/20240301000000id_/http://news.example/a/", "HTTP_HOST": "x:1"}
    >>> archive_location(env, "http://evil.example/p")
    '/archive/20240301000000id_/http://evil.example/p'
    >>> archive_location(env, "/\\\\evil.example/p")
    '/archive/20240301000000id_/http://evil.example/p'
    >>> archive_location(env, "b?c=1")
    '/archive/20240301000000id_/http://news.example/a/b?c=1'
    >>> archive_location(env, "http://x:1/archive/20240301000000mp_/http://news.example/")
    '/archive/20240301000000mp_/http://news.example/'
    >>> archive_location(env, "javascript:alert(1)") is None
    True
    """
    own = f"/{collection}/"
    # what a browser would make of it: controls trimmed, tab/CR/LF dropped, and "\" read as
    # "/" (http and https are "special" schemes, WHATWG URL)
    target = str(location).strip(_URL_EDGES).translate(_URL_REMOVED).replace("\\", "/")
    prefix = _host_prefix(environ)
    if target.lower().startswith(prefix.lower() + own):
        target = target[len(prefix):]  # pywb's own URL, on whatever Host the request named
    if target.startswith(own):
        return urllib.parse.quote(target, safe=_URL_SAFE)
    path = str(environ.get("SCRIPT_NAME") or "") + str(environ.get("PATH_INFO") or "")
    match = _REPLAY_PATH.match(path)
    if not match or not path.startswith(own):  # not a capture's path: nothing to resolve against
        return None
    timestamp, modifier, base = match.group(1), match.group(2) or "", match.group(3)
    if "://" not in base:
        base = "http://" + base
    query = str(environ.get("QUERY_STRING") or "")
    if query:
        base += "?" + query
    try:
        absolute = urllib.parse.urljoin(base, target)
        parts = urllib.parse.urlsplit(absolute)
    except ValueError:  # e.g. a bracketed host that is not an IPv6 address
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    stamp = f"{timestamp}{modifier}/" if timestamp or modifier else ""
    return urllib.parse.quote(f"{own}{stamp}{absolute}", safe=_URL_SAFE)


# HTML's "shared declarative refresh steps": a delay, then "," or ";", an optional "url=", and
# the URL, optionally quoted
_REFRESH = re.compile(r"^\s*(\d+)(?:\.[\d.]*)?\s*(?:[;,]\s*(?:url\s*=\s*)?(.*))?$", re.IGNORECASE | re.DOTALL)


def archive_refresh(environ: Mapping[str, Any], value: str, collection: str = "archive") -> str | None:
    """The ``Refresh`` header to send instead of *value*: its URL made a path into the archive
    (:func:`archive_location`), or ``None`` to send none (a URL that cannot be in the
    archive, or a value that is no refresh).

    >>> env = {"PATH_INFO": "/archive/20240301000000id_/http://news.example/a/"}
    >>> archive_refresh(env, "0; URL='http://evil.example/'")
    '0; url=/archive/20240301000000id_/http://evil.example/'
    >>> archive_refresh(env, "30")
    '30'
    """
    match = _REFRESH.match(str(value))
    if not match:
        return None
    delay, target = match.group(1), (match.group(2) or "").strip()
    if target[:1] in ("'", '"'):
        target = target[1:].split(target[0], 1)[0]
    if not target:
        return delay
    location = archive_location(environ, target, collection)
    return None if location is None else f"{delay}; url={location}"


def without_host(environ: Mapping[str, Any], value: str, collection: str = "archive") -> str:
    """*value* (a header) with pywb's absolute URLs on the request's ``Host``
    (``http://HOST/archive/...``) written as paths (``/archive/...``).

    >>> without_host({"HTTP_HOST": "a.invalid"}, '<http://a.invalid/archive/x>; rel="timegate"')
    '</archive/x>; rel="timegate"'
    """
    prefix = _host_prefix(environ) + f"/{collection}/"
    return re.sub(re.escape(prefix), f"/{collection}/", str(value), flags=re.IGNORECASE)


def is_embedded(environ: Mapping[str, Any]) -> bool:
    """True when a WSGI request is for an embedded part of a replayed page, not a page a
    person navigated to (see the module's docstring for the rule).

    A top-level navigation (``Sec-Fetch-Dest: document``) is never embedded; an embed
    modifier or ``id_`` always is otherwise; without one, a ``Sec-Fetch-Dest`` that names
    no navigation (``image``, ``script``, ``empty``...) is.
    """
    dest = str(environ.get("HTTP_SEC_FETCH_DEST") or "").strip().lower()
    if dest == "document":
        return False
    # pywb shifts the collection from PATH_INFO to SCRIPT_NAME before it replays
    mod = replay_modifier(str(environ.get("SCRIPT_NAME") or "") + str(environ.get("PATH_INFO") or ""))
    if mod is None:
        return False
    if mod in EMBED_MODIFIERS or mod == "id_":
        return True
    return dest not in NAVIGATION_DESTS


def _closing(parts: list[bytes], rest: Iterator[bytes], body: Iterable[bytes]) -> Iterator[bytes]:
    try:
        yield from parts
        yield from rest
    finally:
        close = getattr(body, "close", None)
        if close:
            close()


def honest_length(environ: Mapping[str, Any], status: str, headers: list[tuple[str, str]],
                  body: Iterable[bytes]) -> tuple[list[tuple[str, str]], Iterable[bytes]]:
    """The headers and body of a pywb answer, its ``Content-Length`` the length of the body.

    A body declared at most :data:`LENGTH_CHECK_BYTES` long is read before it is sent; when
    it holds another number of bytes (a record whose block is shorter than its HTTP
    ``Content-Length`` says: damaged, or cut short by the tool that wrote it), the header
    says what is sent (RFC 9112 section 6.3: a message's length is its ``Content-Length``;
    a client given more than it gets waits for the rest). HEAD answers, 204, 206 and 304, a
    longer body and an answer with no ``Content-Length`` are left as pywb made them.

    Args:
        environ: The WSGI request.
        status: The answer's status line (``"200 OK"``).
        headers: Its header fields.
        body: Its body (a WSGI iterable, closed here when read whole).

    Returns:
        ``(headers, body)`` to send.
    """
    declared = [value for name, value in headers if name.lower() == "content-length"]
    if (environ.get("REQUEST_METHOD") == "HEAD" or status[:3] in ("204", "206", "304")
            or len(declared) != 1 or not declared[0].strip().isdigit()
            or int(declared[0]) > LENGTH_CHECK_BYTES):
        return headers, body
    parts, size, rest = [], 0, iter(body)
    for part in rest:
        parts.append(part)
        size += len(part)
        if size > LENGTH_CHECK_BYTES:
            return headers, _closing(parts, rest, body)
    close = getattr(body, "close", None)
    if close:
        close()
    if size != int(declared[0]):
        logger.info("%s: the archived body is %d bytes, not the %s its Content-Length says",
                    environ.get("PATH_INFO", ""), size, declared[0])
        headers = [(name, str(size) if name.lower() == "content-length" else value) for name, value in headers]
    return headers, parts


def _small_not_found() -> Any:
    from pywb.apps.wbrequestresponse import WbResponse
    from warcio.statusandheaders import StatusAndHeaders

    headers = StatusAndHeaders("404 Not Found", [
        ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(SMALL_NOT_FOUND))),
        ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")])
    return WbResponse(headers, value=[SMALL_NOT_FOUND])


def customise(frontend_app: Any) -> Any:
    """Apply our changes to a pywb ``FrontEndApp`` (and warcio); returns the same app.

    The not-found hook wraps the app's ``rewriterapp.handle_error`` (pywb 2.10), which turns
    a ``NotFoundException`` (no capture for the URL) into the "Not archived" page; an
    archived capture whose own status was 404 is replayed as before.
    """
    from pywb.utils.wbexception import NotFoundException

    from archive.warc.codings import register_warcio

    register_warcio()
    rewriter = frontend_app.rewriterapp
    branded = rewriter.handle_error

    def handle_error(environ: dict[str, Any], wbe: Exception) -> Any:
        if isinstance(wbe, NotFoundException) and is_embedded(environ):
            return _small_not_found()
        return branded(environ, wbe)

    rewriter.handle_error = handle_error
    return frontend_app
