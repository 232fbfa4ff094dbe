"""The content codings we ask sites for, decoded wherever captures are read back.

The crawler sends ``Accept-Encoding: gzip, deflate, br, zstd`` (Scrapy's default) and the
WARC file keeps each body as it arrived, still encoded, with its ``Content-Encoding``
(RFC 9110 section 8.4; WARC 1.1 section 6.3.2). So every coding in :data:`ACCEPTED` must
also be decodable when a capture is replayed or read again:

- ``gzip`` and ``deflate`` (RFC 1952, RFC 1950): zlib, in warcio and :mod:`archive.warc`.
- ``br`` (RFC 7932): Google's ``brotli`` module, which Scrapy decodes with too. warcio's own
  brotli decompressor assumes brotlipy and sets ``unused_data`` on the decompressor, which
  ``brotli.Decompressor`` refuses (pywb#372), so pywb answers 500 for a brotli capture.
- ``zstd`` (RFC 8878): ``compression.zstd`` (Python 3.14) or its backport ``backports.zstd``;
  warcio has no zstd decompressor at all, so pywb served the raw zstd bytes undecoded.
- ``x-gzip``, gzip's old name (RFC 9110 section 8.4.1.3): not asked for, but some servers
  answer a request for gzip with it; warcio knows only ``gzip``, so pywb served it undecoded.

:func:`register_warcio` puts small adapters for br and zstd, and x-gzip as gzip, into warcio's decompressor table
(``warcio.bufferedreaders.BufferedReader.DECOMPRESSORS``), which pywb reads through;
:func:`decode` decodes a whole body for our own readers.
"""
from __future__ import annotations

from typing import Any

__all__ = ["ACCEPTED", "BrotliDecompressor", "ZstdDecompressor", "decode", "register_warcio"]

#: The codings the crawler accepts, in the order it names them (``Accept-Encoding``).
ACCEPTED = ("gzip", "deflate", "br", "zstd")


def _zstd() -> Any:
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python 3.14+
    except ImportError:
        from backports import zstd  # type: ignore[import-not-found,no-redef]
    return zstd


class BrotliDecompressor:
    """warcio's decompressor interface over ``brotli.Decompressor`` (RFC 7932).

    ``decompress(bytes) -> bytes`` takes the next compressed bytes and returns what they
    decode to; ``unused_data`` is always ``b""`` (a brotli stream ends itself, and bytes
    after its end are an error, not a next member); ``flush() -> b""``.

    Raises (from ``decompress``):
        brotli.error: the bytes are not brotli. warcio takes an error on the first block
            as "not compressed after all" and passes the bytes through, as for gzip.
    """

    def __init__(self) -> None:
        import brotli  # type: ignore[import-not-found]  # installed with Scrapy

        self._decompressor = brotli.Decompressor()
        self.unused_data = b""

    @property
    def eof(self) -> bool:
        """True once the end of the brotli stream has been decoded."""
        return bool(self._decompressor.is_finished())

    def decompress(self, data: bytes) -> bytes:
        return bytes(self._decompressor.process(data)) if data else b""

    def flush(self) -> bytes:
        return b""


class ZstdDecompressor:
    """warcio's decompressor interface over ``ZstdDecompressor`` (RFC 8878).

    Zstandard frames may follow one another (RFC 8878 section 3.1); they decode as one
    body, as browsers do, so ``unused_data`` stays ``b""``; ``flush() -> b""``.

    Raises (from ``decompress``):
        zstd.ZstdError: the bytes are not Zstandard (see :class:`BrotliDecompressor`).
    """

    def __init__(self) -> None:
        self._module = _zstd()
        self._decompressor = self._module.ZstdDecompressor()
        self.unused_data = b""

    @property
    def eof(self) -> bool:
        """True when the data so far ends at the end of a frame."""
        return bool(self._decompressor.eof)

    def decompress(self, data: bytes) -> bytes:
        out = []
        while data:
            if self._decompressor.eof:
                self._decompressor = self._module.ZstdDecompressor()
            out.append(self._decompressor.decompress(data))
            data = self._decompressor.unused_data if self._decompressor.eof else b""
        return b"".join(out)

    def flush(self) -> bytes:
        return b""


_DECODERS: dict[str, type[BrotliDecompressor] | type[ZstdDecompressor]] = {
    "br": BrotliDecompressor,
    "zstd": ZstdDecompressor,
}


def register_warcio() -> None:
    """Make warcio (and pywb, which reads captures through it) decode ``br``, ``zstd`` and
    ``x-gzip``.

    Replaces warcio 1.8's brotli entry, which fails on Google's ``brotli`` module, and adds
    zstd and x-gzip. Idempotent; call it before pywb reads a record (``archive.replay.make_app`` does).
    """
    from warcio.bufferedreaders import BufferedReader

    BufferedReader.DECOMPRESSORS.update(_DECODERS)
    # x-gzip is gzip (RFC 9110 section 8.4.1.3); warcio knows only the new name, so pywb
    # failed on such a capture ("Decompression type not supported") or served it undecoded
    BufferedReader.DECOMPRESSORS["x-gzip"] = BufferedReader.DECOMPRESSORS["gzip"]


def decode(body: bytes, coding: str) -> bytes:
    """Decode a whole body under one content coding, ``br`` or ``zstd``.

    Args:
        body: The entity body as stored (after transfer decoding).
        coding: ``"br"`` or ``"zstd"`` (lower case, as in ``Content-Encoding``).

    Returns:
        The decoded bytes.

    Raises:
        ValueError: *coding* is neither, or the body does not decode under it, or it ends
            before the end of its stream.
    """
    if coding not in _DECODERS:
        raise ValueError(f"unsupported Content-Encoding {coding!r}")
    decompressor = _DECODERS[coding]()
    try:
        out = decompressor.decompress(body)
    except Exception as exc:  # noqa: BLE001 - brotli.error, zstd.ZstdError
        raise ValueError(f"body is not valid {coding}: {exc}") from exc
    if body and not decompressor.eof:
        raise ValueError(f"{coding} body ends before the end of its stream")
    return out
