"""Check WARC files record by record, and repair a truncated or corrupt tail.

warcio's reader and ``warcio check`` accept a ``.warc.gz`` whose last gzip member was cut
short by a crash: the last record reads back empty and validation passes (case B11,
webrecorder/warcio#138). They also accept a payload digest taken over chunk framing (case
B02, webrecorder/warcio#74). This module reads the file with :func:`archive.warc.resync.scan`
(the reader ``reindex`` uses), one gzip member at a time (:mod:`zlib`, RFC 1952), and
parses each record's header block (WARC 1.1 section 4) and HTTP header block (RFC 9112) as
the bytes stream past, so no record is held in memory. After damaged bytes it goes on at
the next readable record (the next gzip member that inflates to a record, or in a plain
file the next ``WARC/1.`` line that parses), so one fault hides nothing after it.

Files from other tools are judged by the standard, not by our writer's habits: a file need
not start with ``warcinfo``; digests may be base32, base64 or hex; a record that stores no
payload (a revisit written as a response, a 304) is not compared with the digest of an
empty body; fewer CR LF than CRLF CRLF after a block are read as warcio reads them. An ARC
file (``filedesc://`` first, plain or gzipped) is read by warcio's reader, as ``warcio
check`` reads it (:mod:`archive.warc.arc_check`): ARC records carry no digests, so only that
every record reads is checked, and ``--repair`` leaves it alone.

What :func:`check_file` verifies, and the ``kind`` of each :class:`Finding`:

==================  ===========================================================================
``truncated``       the file ends inside a gzip member or a record: the record declares more
                    bytes (``Content-Length``) than the file holds (B11)
``corrupt``         bytes that are not a gzip member, a member that does not inflate or whose
                    CRC fails, a record whose header block cannot be parsed, or whose block
                    does not end where its ``Content-Length`` says (not followed by CRLF
                    CRLF, or its gzip member ends first); a member that inflates past its
                    record (a gzip bomb) is not inflated further
``gzip-member``     a record that does not fill exactly one gzip member (several records in
                    one member, or one record spread over several)
``header``          a missing mandatory WARC field (WARC 1.1 section 5)
``block-digest``    ``WARC-Block-Digest`` does not match the block (section 5.8)
``payload-digest``  ``WARC-Payload-Digest`` does not match the entity body after transfer
                    decoding (section 5.9); the detail says when it matches the chunked bytes
``content-length``  the HTTP ``Content-Length`` disagrees with the stored entity body
``chunked``         the stored headers say ``Transfer-Encoding: chunked`` but the body is
                    not valid chunked framing (a warning when it holds no chunk at all and
                    the payload digest is over the bytes as stored: a body stored de-chunked
                    under its original header, which warcio and pywb read as stored)
``content-encoding`` ``Content-Encoding: gzip`` (or deflate) over a body that does not decode
``empty``           (a warning) the file holds no record at all, although a WARC file is one
                    or more records (WARC 1.1 section 4): a crawl killed between creating a
                    file and writing its ``warcinfo`` record, or the wrong file
==================  ===========================================================================

:func:`repair_tail` moves a damaged tail (the bytes after the last readable record, which
belong to no readable record) into ``FILE.damaged``, so the WARC is readable to its end
again; damage in the middle of a file is reported and left in place. It never deletes
bytes (``kept + .damaged == original``), and running it twice is harmless.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from archive.warc.arc_check import check_arc, is_arc
from archive.warc.check_record import Finding, RecordCheck
from archive.warc.parse import Gap
from archive.warc.resync import scan

__all__ = [
    "CheckResult",
    "Finding",
    "RepairResult",
    "check_file",
    "check_files",
    "repair_tail",
]

#: Bytes read from the file at a time.
READ_SIZE = 1 << 16
#: Fields every WARC record must have (WARC 1.1 section 5).
MANDATORY_FIELDS = ("WARC-Record-ID", "Content-Length", "WARC-Date", "WARC-Type")


@dataclass
class CheckResult:
    """What :func:`check_file` found in one file.

    Attributes:
        path: The file.
        size: Its size in bytes.
        records: Whole records read.
        findings: The problems, in file order.
        good_end: The offset just after the last readable record: what follows belongs
            to no readable record (a truncated or damaged tail). Equals ``size`` when the
            file ends with a readable record, even when damage lies before it.
    """

    path: Path
    size: int = 0
    records: int = 0
    findings: list[Finding] = field(default_factory=list)
    good_end: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing but warnings was found."""
        return all(f.warning for f in self.findings)

    @property
    def damaged_tail(self) -> bool:
        """True when the file ends in bytes that are not whole records (repairable)."""
        return self.good_end < self.size


@dataclass(frozen=True)
class RepairResult:
    """What :func:`repair_tail` did to one file.

    Attributes:
        path: The WARC file, now ending after its last whole record.
        kept_bytes: Its new size.
        moved_bytes: How many bytes were cut off.
        damaged_path: The file those bytes were written to.
        findings: The findings of the check that led to the repair.
    """

    path: Path
    kept_bytes: int
    moved_bytes: int
    damaged_path: Path
    findings: tuple[Finding, ...] = ()


# ---- one file --------------------------------------------------------------------------------


def check_file(path: str | os.PathLike[str]) -> CheckResult:
    """Check one WARC file: a ``.warc.gz`` of gzip members (RFC 1952), or a plain ``.warc``.

    Every record's digests and HTTP headers are checked (see the module docstring), and
    each gzip member must hold exactly one record. The file is read with
    :func:`archive.warc.resync.scan`, as ``reindex`` reads it: after damaged bytes the check goes
    on at the next readable record, so one fault hides nothing after it, and both agree on
    which bytes are records.

    Args:
        path: The file.

    Returns:
        The findings (in file order) and ``good_end``, the offset just after the last
        readable record: only bytes that belong to no readable record follow it.

    Raises:
        OSError: The file cannot be read.
    """
    path = Path(path)
    result = CheckResult(path=path, size=path.stat().st_size)
    report = result.findings.append
    if is_arc(path):
        result.records, error = check_arc(path)
        result.good_end = result.size
        if error:
            report(Finding(path, error[0], "corrupt", error[1]))
        return result
    for item in scan(path, sink=RecordCheck.start):
        if isinstance(item, Gap):
            if item.inside_record and item.cause == "records":
                report(Finding(path, item.offset, "gzip-member", item.why))
                result.good_end = item.offset + item.length
            elif item.inside_record:
                report(Finding(path, item.offset, "corrupt", item.why))
                result.good_end = item.offset + item.length
            elif item.tail and item.why.startswith("truncated: "):
                report(Finding(path, item.offset, "truncated", item.why[len("truncated: "):]))
            else:
                report(Finding(path, item.offset, "corrupt", f"{item.why} ({item.length} bytes)"))
            continue
        result.records += 1
        result.good_end = item.offset + item.length
        checker: RecordCheck = item.sink
        missing = [name for name in MANDATORY_FIELDS if item.header(name) is None]
        if missing:
            report(Finding(path, item.offset, "header", f"{checker.describe()}: missing {', '.join(missing)}"))
        if item.members > 1:
            report(Finding(path, item.offset, "gzip-member",
                           f"{checker.describe()}: the record continues past the end of its gzip member "
                           f"({item.members} members)"))
        for finding in checker.findings(path):
            report(finding)
    if not result.records and not result.findings:
        report(Finding(path, 0, "empty", f"no WARC records in {result.size} bytes", warning=True))
    result.findings.sort(key=lambda f: f.offset)
    return result


def check_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[CheckResult]:
    """:func:`check_file` for each path, in the order given."""
    for path in paths:
        yield check_file(path)


# ---- repair ----------------------------------------------------------------------------------


def _damaged_path(path: Path) -> Path:
    candidate = path.with_name(path.name + ".damaged")
    serial = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.damaged.{serial}")
        serial += 1
    return candidate


def repair_tail(path: str | os.PathLike[str], result: CheckResult | None = None) -> RepairResult | None:
    """Cut a truncated or corrupt tail off a WARC file, keeping the cut bytes aside.

    The file is checked (unless ``result`` is a fresh :func:`check_file` of it) and, when it
    ends in bytes that belong to no readable record (``good_end < size``: a gzip member cut
    off by a crash, case B11, or garbage), those bytes are first written to ``FILE.damaged``
    (or ``FILE.damaged.2`` ... when that exists) and flushed to disk, then the WARC is
    truncated to ``good_end``: the kept file and the ``.damaged`` file together are the
    original, byte for byte. Damage with a readable record after it (a member that does not
    inflate, junk between members, a wrong Content-Length, a bad digest) is left in place:
    the check reports it, and ``reindex`` reads past it. A second call finds nothing to cut
    and returns None.

    This is the hook a crawl calls on the WARC file an earlier crash left open, before it
    begins a new file.

    Args:
        path: The WARC file. Nothing may be writing to it.
        result: Its check result, when already computed.

    Returns:
        What was moved, or None when the file already ends after a whole record.

    Raises:
        OSError: The file cannot be read, or the ``.damaged`` file written, or the WARC
            truncated (the WARC is then unchanged, or whole up to ``good_end``).
    """
    path = Path(path)
    if result is None:
        result = check_file(path)
    if not result.damaged_tail:
        return None
    damaged = _damaged_path(path)
    moved = result.size - result.good_end
    with open(path, "rb") as src, open(damaged, "xb") as out:
        src.seek(result.good_end)
        while True:
            chunk = src.read(READ_SIZE)
            if not chunk:
                break
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    with open(path, "r+b") as fh:
        fh.truncate(result.good_end)
        fh.flush()
        os.fsync(fh.fileno())
    tail = tuple(f for f in result.findings if f.offset >= result.good_end)
    return RepairResult(path=path, kept_bytes=result.good_end, moved_bytes=moved, damaged_path=damaged, findings=tail)
