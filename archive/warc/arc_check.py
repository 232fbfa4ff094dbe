"""ARC files (the Internet Archive's ARC 1.0 format, before WARC) in ``warc check``.

An ARC file begins with a ``filedesc://`` version block (plain, or in a gzip member of its
own). It has no digests to compare, so it is read with warcio's reader, as ``warcio check``
reads it: every record's block to its end. A file that reads is valid, as warcio says.
"""
from __future__ import annotations

import zlib
from pathlib import Path

from archive.warc.parse import escape

__all__ = ["check_arc", "is_arc"]


def is_arc(path: Path) -> bool:
    """True when the file begins with an ARC version block (``filedesc://``), gzipped or not."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(head, 64)
        except zlib.error:
            return False
    return head.startswith(b"filedesc://")


def check_arc(path: Path) -> tuple[int, tuple[int, str] | None]:
    """Read every record of an ARC file with warcio (``ArchiveIterator``, no conversion).

    Returns:
        ``(records read, None)``, or with ``(offset, why)`` of the first record warcio
        cannot read (printable text).

    Raises:
        OSError: The file cannot be read.
    """
    from warcio.archiveiterator import ArchiveIterator

    records = 0
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh, arc2warc=False)
        try:
            for record in iterator:
                while record.raw_stream.read(1 << 16):
                    pass
                records += 1
        except Exception as exc:  # noqa: BLE001 - warcio raises assorted errors on bad bytes
            return records, (iterator.offset, escape(f"ARC file: warcio cannot read it: {type(exc).__name__}: {exc}", 300))
    return records, None
