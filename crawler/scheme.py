"""A site address given without ``http://`` or ``https://``: find which one it speaks.

``--base-url 127.0.0.1:8765`` or ``news.example.org``: https is tried first (a TLS
handshake, RFC 8446, on the port given or 443), then http (a TCP connection on the port
given or 80). Nothing is requested over HTTP, so nothing goes unarchived; the crawl's own
first request is robots.txt as always. Certificates are not verified here, as Scrapy does
not verify them either.
"""
from __future__ import annotations

import socket
import ssl
from urllib.parse import urlsplit

#: Seconds each attempt may take.
PROBE_TIMEOUT_SECS = 3.0


class SchemeError(ValueError):
    """Neither https nor http answered at the address; the message gives an example."""


def has_scheme(address: str) -> bool:
    """Whether ``address`` starts with a scheme (``http://``, ``https://``, ``ftp://`` ...)."""
    return "://" in address


def choose_scheme(address: str, timeout: float = PROBE_TIMEOUT_SECS) -> str:
    """``address`` (``host``, ``host:port``, ``host:port/path``) with the scheme that answers.

    Returns:
        ``https://`` + address when a TLS handshake succeeds, else ``http://`` + address when
        a TCP connection opens.

    Raises:
        SchemeError: neither answered (the message names both causes and gives an example),
            or the address has no host.
    """
    address = address.strip()
    try:
        parts = urlsplit("//" + address)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise SchemeError(f"not a usable address: {address!r} ({exc}); e.g. https://news.example.org") from None
    if not host:
        raise SchemeError(f"not a usable address: {address!r}; e.g. https://news.example.org")
    tls = _tls_handshake(host, port or 443, timeout)
    if tls is None:
        return "https://" + address
    tcp = _tcp_connect(host, port or 80, timeout)
    if tcp is None:
        return "http://" + address
    raise SchemeError(
        f"{address} answers neither https ({tls}) nor http ({tcp}); check the address, and give "
        f"its scheme, e.g. --base-url http://{address} or --base-url https://{address}")


def _tcp_connect(host: str, port: int, timeout: float) -> str | None:
    """None when a TCP connection to ``host:port`` opens, else why not (a few words)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return _why(exc)


def _tls_handshake(host: str, port: int, timeout: float) -> str | None:
    """None when ``host:port`` completes a TLS handshake, else why not (a few words)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=host):
                return None
    except ssl.SSLError:
        return "no TLS on that port"
    except OSError as exc:
        return _why(exc)


def _why(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "host name not found"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    return exc.strerror or type(exc).__name__
