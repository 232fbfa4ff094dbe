"""``newsarchive warc check [--repair]``: digests, header/payload agreement, gzip members, tails.

Good files come from our WarcWriter; broken ones are made from them (a tail cut off as a
crash would, case B11; a byte changed inside a record; garbage) or written byte by byte
(a record whose payload digest covers the chunk framing, case B02).
"""
from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import main
from archive.warc import (
    PROFILE_IDENTICAL_PAYLOAD,
    PROFILE_SERVER_NOT_MODIFIED,
    HttpExchange,
    WarcWriter,
    iter_records,
    sha1_digest,
)
from archive.warc.check import check_file, repair_tail

CASES = Path(__file__).resolve().parent / "cases"
T0 = dt.datetime(2024, 4, 2, 9, 0, tzinfo=dt.timezone.utc)


def exchange(url: str, body: bytes, status: int = 200, headers: list[tuple[bytes, bytes]] | None = None) -> HttpExchange:
    return HttpExchange(url=url, method="GET", request_headers=[(b"User-Agent", b"t")], status=status,
                        response_headers=headers if headers is not None else [(b"Content-Type", b"text/html")],
                        body=body, fetched_at=T0)


def page(n: int, size: int = 3200) -> bytes:
    return (f"<html><body><p>story {n} ".encode() + bytes(range(32, 127)) * (size // 95 + 1))[:size]


def write_warc(directory: Path, *, pages: int = 3) -> Path:
    """warcinfo, then ``pages`` exchanges of 3200-byte pages (as case B11 builds it), plus a
    gzip body, a 304 revisit, a repeated payload (identical-payload revisit), a metadata record."""
    with WarcWriter(directory) as writer:
        first = None
        for n in range(pages):
            records = writer.write_exchange(exchange(f"https://news.example/{n}/", page(n)))
            first = first or records.response
        writer.write_exchange(exchange("https://news.example/gz/", gzip.compress(b"<html>zipped</html>"),
                                       headers=[(b"Content-Type", b"text/html"), (b"Content-Encoding", b"gzip"),
                                                (b"Transfer-Encoding", b"chunked")]))
        writer.write_revisit(exchange("https://news.example/0/", b"", status=304, headers=[(b"ETag", b'"a"')]),
                             profile=PROFILE_SERVER_NOT_MODIFIED, refers_to_uri=first.url,
                             refers_to_date=first.fetched_at, refers_to_record_id=first.record_id)
        writer.write_revisit(exchange("https://news.example/0/amp/", page(0)), profile=PROFILE_IDENTICAL_PAYLOAD,
                             refers_to_uri=first.url, refers_to_date=first.fetched_at,
                             payload_digest=sha1_digest(page(0)))
        writer.write_metadata(first, {"record": "newsarchive-article/1", "title": "Story 0"})
        [name] = writer.files_written
    return directory / name


def members(path: Path) -> list[tuple[int, bytes]]:
    """(offset, compressed bytes) of each gzip member."""
    data, out, pos = path.read_bytes(), [], 0
    while pos < len(data):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        inflater.decompress(data[pos:])
        end = len(data) - len(inflater.unused_data)
        out.append((pos, data[pos:end]))
        pos = end
    return out


def gz(raw: bytes) -> bytes:
    return gzip.compress(raw, mtime=0)


def b32(algorithm: str, data: bytes) -> str:
    return f"{algorithm}:" + base64.b32encode(hashlib.new(algorithm, data).digest()).decode()


def raw_record(rec_type: str, block: bytes, *, uri: str = "https://news.example/x", extra: dict[str, str] | None = None,
               content_type: str = "application/http; msgtype=response", block_digest: str | None = None) -> bytes:
    fields = {"WARC-Type": rec_type, "WARC-Record-ID": "<urn:uuid:12345678-1234-1234-1234-123456789abc>",
              "WARC-Date": "2024-04-02T09:00:00Z", "WARC-Target-URI": uri, "Content-Type": content_type,
              "WARC-Block-Digest": block_digest or b32("sha1", block), **(extra or {}),
              "Content-Length": str(len(block))}
    head = "WARC/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
    return head.encode() + block + b"\r\n\r\n"


def warcinfo() -> bytes:
    return raw_record("warcinfo", b"software: tests\r\n", uri="", content_type="application/warc-fields")


def kinds(path: Path) -> list[str]:
    return [f.kind for f in check_file(path).findings]


def cli(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# ---- clean files ---------------------------------------------------------------------------------


def test_our_writer_makes_clean_files(tmp_path: Path) -> None:
    path = write_warc(tmp_path)
    result = check_file(path)
    assert result.ok, [str(f) for f in result.findings]
    assert result.records == 1 + 3 * 2 + 2 + 2 + 2 + 1
    assert result.good_end == result.size == path.stat().st_size


def test_cli_exit_0_on_clean_files(tmp_path: Path) -> None:
    write_warc(tmp_path / "warc")
    result = cli("--data", str(tmp_path), "warc", "check")
    assert result.exit_code == 0, result.output
    assert "Checked 1 WARC file, 14 records: no problems" in result.output


def test_uncompressed_warc(tmp_path: Path) -> None:
    path = tmp_path / "plain.warc"
    path.write_bytes(warcinfo() + raw_record("resource", b"hello", content_type="text/plain",
                                             extra={"WARC-Payload-Digest": b32("sha1", b"hello")}))
    assert check_file(path).ok
    path.write_bytes(path.read_bytes()[:-6])
    result = check_file(path)
    assert [f.kind for f in result.findings] == ["truncated"]
    assert result.good_end == len(warcinfo())


# ---- B11: a tail cut off by a crash --------------------------------------------------------------


@pytest.fixture
def b11(tmp_path: Path) -> tuple[Path, bytes, int]:
    """Case B11: 3 exchanges of 3200-byte pages, the last 40 bytes of the file cut off."""
    with WarcWriter(tmp_path) as writer:
        for n in range(3):
            last = writer.write_exchange(exchange(f"https://news.example/{n}/", page(n))).response
        [name] = writer.files_written
    path = tmp_path / name
    whole = path.read_bytes()
    path.write_bytes(whole[:-40])
    return path, whole, last.warc_offset


def test_b11_warcio_reads_the_cut_record_as_empty(b11) -> None:
    from warcio.archiveiterator import ArchiveIterator

    path, _, last_offset = b11
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh)
        records = [(iterator.get_record_offset(), r.content_stream().read()) for r in iterator]
    assert records[-1] == (last_offset, b"")  # the fault: silent


def test_b11_truncation_reported_with_its_offset(b11) -> None:
    path, whole, last_offset = b11
    result = check_file(path)
    assert [(f.kind, f.offset) for f in result.findings] == [("truncated", last_offset)]
    assert "Content-Length 3" in result.findings[0].detail and "cut off" in result.findings[0].detail
    assert result.good_end == last_offset and result.damaged_tail
    assert result.records == 6  # warcinfo, 2 whole exchanges, the last request


def test_b11_check_exits_1_then_0_after_repair(b11) -> None:
    path, whole, last_offset = b11
    cut = path.read_bytes()
    result = cli("warc", "check", str(path))
    assert result.exit_code == 1
    assert f"{path}:{last_offset}  truncated  response https://news.example/2/" in result.output
    assert "1 problem in 1 file" in result.output
    result = cli("warc", "check", "--repair", str(path))
    assert result.exit_code == 0, result.output
    assert "repaired" in result.output and ".damaged" in result.output
    assert cli("warc", "check", str(path)).exit_code == 0
    damaged = path.with_name(path.name + ".damaged")
    assert path.read_bytes() + damaged.read_bytes() == cut  # nothing lost
    assert path.read_bytes() == whole[:last_offset]
    assert [r.rec_type for _, _, r in iter_records(path)] == ["warcinfo", "request", "response", "request",
                                                              "response", "request"]


def test_repair_twice_is_harmless(b11) -> None:
    path, _, last_offset = b11
    first = repair_tail(path)
    assert first is not None and first.kept_bytes == last_offset and first.moved_bytes > 0
    assert first.findings and first.findings[0].kind == "truncated"
    assert repair_tail(path) is None
    assert path.stat().st_size == last_offset
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, path.name + ".damaged"])


def test_a_second_crash_keeps_the_first_damaged_file(b11) -> None:
    path, _, _ = b11
    repair_tail(path)
    with open(path, "ab") as fh:
        fh.write(gz(b"WARC/1.1\r\nWARC-Type: response\r\n")[:-10])
    again = repair_tail(path)
    assert again is not None and again.damaged_path.name == path.name + ".damaged.2"
    assert check_file(path).ok


@pytest.mark.parametrize("cut", [1, 8, 20, 100, 200])
def test_any_cut_inside_the_last_member_is_found(tmp_path: Path, cut: int) -> None:
    path = write_warc(tmp_path)
    last_offset, last = members(path)[-1]
    assert cut < len(last)
    path.write_bytes(path.read_bytes()[:-cut])
    result = check_file(path)
    assert [f.kind for f in result.findings] == ["truncated"]
    assert result.good_end == last_offset


def test_garbage_tail_is_corrupt_and_repaired(tmp_path: Path) -> None:
    path = write_warc(tmp_path)
    size = path.stat().st_size
    with open(path, "ab") as fh:
        fh.write(b"\x00" * 512)
    result = check_file(path)
    assert [(f.kind, f.offset) for f in result.findings] == [("corrupt", size)]
    fixed = repair_tail(path, result)
    assert fixed is not None and fixed.moved_bytes == 512 and check_file(path).ok


# ---- damage in the middle: reported, not cut off -------------------------------------------------


def rewrite_member(path: Path, index: int, change) -> int:
    parts = members(path)
    offset, member = parts[index]
    parts[index] = (offset, gz(change(zlib.decompress(member, zlib.MAX_WBITS | 16))))
    path.write_bytes(b"".join(m for _, m in parts))
    return offset


def test_bad_digest_is_found_and_not_repaired(tmp_path: Path) -> None:
    path = write_warc(tmp_path)
    offset = rewrite_member(path, 2, lambda raw: raw.replace(b"story 0", b"story X"))  # the first response
    result = check_file(path)
    assert sorted((f.kind, f.offset) for f in result.findings) == [("block-digest", offset), ("payload-digest", offset)]
    assert not result.damaged_tail and repair_tail(path) is None
    run = cli("warc", "check", "--repair", str(path))
    assert run.exit_code == 1 and "block-digest" in run.output and "2 problems in 1 file" in run.output


def test_corrupt_member_in_the_middle_the_rest_still_checked(tmp_path: Path) -> None:
    path = write_warc(tmp_path)
    parts = members(path)
    offset, member = parts[3]
    damaged = bytearray(member)
    damaged[len(member) // 2] ^= 0xFF
    parts[3] = (offset, bytes(damaged))
    path.write_bytes(b"".join(m for _, m in parts))
    result = check_file(path)
    assert [f.kind for f in result.findings] == ["corrupt"] and result.findings[0].offset == offset
    assert result.good_end == result.size  # whole records follow: not a tail
    assert result.records == 14 - 1


def test_b02_payload_digest_over_chunk_framing(tmp_path: Path) -> None:
    wire = (CASES / "B02.response.bin").read_bytes()
    path = tmp_path / "b02.warc.gz"
    bad = raw_record("response", wire, extra={"WARC-Payload-Digest": "sha1:ZZG2ARWAY7WNPD4AFEDEJPZX2MFMQ7NS"})
    path.write_bytes(gz(warcinfo()) + gz(bad))
    [finding] = check_file(path).findings
    assert finding.kind == "payload-digest" and "OO6CF4XXAMOGX432YEQJL34UDXLZTKHY" in finding.detail
    assert "chunk framing" in finding.detail
    good = raw_record("response", wire, extra={"WARC-Payload-Digest": "sha1:OO6CF4XXAMOGX432YEQJL34UDXLZTKHY"})
    path.write_bytes(gz(warcinfo()) + gz(good))
    assert check_file(path).ok


def http_block(head: bytes, body: bytes) -> bytes:
    return head + b"\r\n\r\n" + body


@pytest.mark.parametrize(("head", "body", "kind"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 10", b"12345", "content-length"),
    (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip", b"<html>not gzip</html>", "content-encoding"),
    (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip", gzip.compress(b"<html>cut</html>")[:-12], "content-encoding"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked", b"zz\r\nnot chunked\r\n", "chunked"),
])
def test_headers_that_disagree_with_the_payload(tmp_path: Path, head: bytes, body: bytes, kind: str) -> None:
    path = tmp_path / "x.warc.gz"
    payload = body
    if b"chunked" in head:
        payload = b""  # nothing valid to digest; the chunked finding says why
    path.write_bytes(gz(warcinfo()) + gz(raw_record("response", http_block(head, body),
                                                   extra={"WARC-Payload-Digest": b32("sha1", payload)})))
    assert kind in kinds(path)


def test_deflate_and_304_and_truncated_flag_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    deflated = zlib.compress(b"<html>deflate</html>")
    raw_deflate = zlib.compress(b"<html>raw</html>")[2:-4]
    records = [
        raw_record("response", http_block(b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate", deflated),
                   extra={"WARC-Payload-Digest": b32("sha1", deflated)}),
        raw_record("response", http_block(b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate", raw_deflate),
                   extra={"WARC-Payload-Digest": b32("sha1", raw_deflate)}),
        raw_record("response", http_block(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99", b""),
                   extra={"WARC-Payload-Digest": b32("sha1", b"")}),
        raw_record("response", http_block(b"HTTP/1.1 200 OK\r\nContent-Length: 99", b"short"),
                   extra={"WARC-Payload-Digest": b32("sha1", b"short"), "WARC-Truncated": "length"}),
    ]
    path.write_bytes(gz(warcinfo()) + b"".join(gz(r) for r in records))
    assert check_file(path).ok, [str(f) for f in check_file(path).findings]


def test_sha256_and_hex_digests(tmp_path: Path) -> None:
    block = b"hello"
    path = tmp_path / "x.warc.gz"
    path.write_bytes(gz(warcinfo()) + gz(raw_record("resource", block, content_type="text/plain",
                                                   block_digest="sha256:" + hashlib.sha256(block).hexdigest())))
    assert check_file(path).ok
    path.write_bytes(gz(warcinfo()) + gz(raw_record("resource", block, content_type="text/plain",
                                                   block_digest=b32("sha256", b"other"))))
    assert kinds(path) == ["block-digest"]


# ---- gzip members and headers --------------------------------------------------------------------


def test_several_records_in_one_member(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    path.write_bytes(gz(warcinfo() + raw_record("resource", b"a", content_type="text/plain")))
    assert kinds(path) == ["gzip-member"]


def test_one_record_over_two_members(tmp_path: Path) -> None:
    record = raw_record("resource", b"abcdef" * 50, content_type="text/plain")
    path = tmp_path / "x.warc.gz"
    path.write_bytes(gz(warcinfo()) + gz(record[:100]) + gz(record[100:]))
    result = check_file(path)
    assert [f.kind for f in result.findings] == ["gzip-member"] and result.records == 2


def test_missing_fields_found_and_no_warcinfo_first_rule(tmp_path: Path) -> None:
    """A missing mandatory field is a fault; a file that does not start with warcinfo is
    not (WARC 1.1 section 6.2 makes warcinfo first a convention, not a rule: issue 14)."""
    record = raw_record("resource", b"a", content_type="text/plain").replace(b"WARC-Date: 2024-04-02T09:00:00Z\r\n", b"")
    path = tmp_path / "x.warc.gz"
    path.write_bytes(gz(record))
    found = check_file(path).findings
    assert [(f.kind, f.offset) for f in found] == [("header", 0)]
    assert "missing WARC-Date" in found[0].detail
    path.write_bytes(gz(raw_record("resource", b"a", content_type="text/plain")) + gz(warcinfo()))
    result = check_file(path)
    assert result.ok and result.records == 2, [str(f) for f in result.findings]


def test_not_a_warc(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    path.write_bytes(gz(b"<html>hello</html>\r\n\r\n"))
    result = check_file(path)
    assert [f.kind for f in result.findings] == ["corrupt"] and result.good_end == 0


def test_a_file_without_records_is_reported_empty(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    path.write_bytes(b"")
    result = check_file(path)
    assert result.records == 0 and result.ok and not result.damaged_tail
    assert [(f.kind, f.warning, f.detail) for f in result.findings] == [("empty", True, "no WARC records in 0 bytes")]
    out = cli("warc", "check", str(path))
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == [f"{path}:0  empty (warning)  no WARC records in 0 bytes",
                                       "Checked 1 WARC file, 0 records: no problems, 1 warning"]


@pytest.mark.parametrize("content", [gz(b""), b"\r\n\r\n"], ids=["empty-gzip-member", "blank-lines"])
def test_bytes_without_records_are_corrupt_not_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.warc.gz"
    path.write_bytes(content)
    result = check_file(path)
    assert result.records == 0 and not result.ok
    assert [f.kind for f in result.findings] == ["corrupt"]


def test_cli_checks_every_file_of_the_data_folder(tmp_path: Path) -> None:
    good = write_warc(tmp_path / "warc")
    bad = tmp_path / "warc" / "zz-bad.warc.gz"
    bad.write_bytes(good.read_bytes()[:-30])
    result = cli("--data", str(tmp_path), "warc", "check")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{bad}:") and "  truncated  " in lines[0]
    assert lines[-1] == "Checked 2 WARC files, 27 records: 1 problem in 1 file"


def test_cli_without_warc_files(tmp_path: Path) -> None:
    result = cli("--data", str(tmp_path), "warc", "check")
    assert result.exit_code == 1 and "no WARC files" in result.output


def test_a_member_ending_exactly_at_the_read_size_is_checked_in_finite_time() -> None:
    """A WARC written by a crawl (cases/member_ends_at_output_limit.warc.gz): one record's
    gzip member inflates to exactly a multiple of the checker's read size, where zlib leaves
    the following bytes in unconsumed_tail and unused_data at once. The check used to loop
    forever there (found by crashing a crawl of a hostile site and starting it again)."""
    import signal

    path = Path(__file__).parent / "cases" / "member_ends_at_output_limit.warc.gz"

    def too_slow(signum: int, frame: object) -> None:
        raise TimeoutError("warc check did not finish")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(20)
    try:
        result = check_file(path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.records == 88
    assert result.good_end == path.stat().st_size
    # the one finding is the server's own: a body sent as gzip that is not gzip
    assert [(f.offset, f.kind) for f in result.findings] == [(31192, "content-encoding")]


# ---- issue 14: other tools' files, and resynchronising after a framing error ----------------------


SAMPLES = Path(sys.prefix) / "sample_archive" / "warcs"  # pywb's sample WARCs, installed with pywb
needs_pywb_samples = pytest.mark.skipif(
    not SAMPLES.is_dir() and os.environ.get("NEWSARCHIVE_REQUIRE_SAMPLES") != "1",
    reason=f"pywb's sample WARCs are not installed ({SAMPLES}; `make install` installs them with pywb)")


def warcio_records(path: Path) -> list[tuple[int, str]]:
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh)
        return [(iterator.get_record_offset(), record.rec_type) for record in iterator]


@needs_pywb_samples
@pytest.mark.parametrize("name", ["dupes.warc.gz", "example-url-agnostic-orig.warc.gz",
                                  "example-url-agnostic-revisit.warc.gz", "example-wget-1-14.warc.gz",
                                  "example-wpull.warc.gz", "example.warc.gz", "example2.warc.gz",
                                  "httpbin-resource.warc.gz", "post-test.warc.gz",
                                  "missing-status-text.warc"])
def test_other_tools_valid_files_agree_with_warcio(name: str) -> None:
    """Files `warcio check` passes without a warning (written by wget, wpull, pywb, IA's
    tools): no finding, and the same records at the same offsets as warcio's ArchiveIterator
    (no warcinfo-first rule, single-CRLF trailers and CR CR LF line ends read as warcio reads them)."""
    from archive.warc.parse import Record
    from archive.warc.resync import scan

    path = SAMPLES / name
    result = check_file(path)
    assert result.ok, [str(f) for f in result.findings]
    assert result.good_end == result.size
    ours = [(r.offset, r.rec_type) for r in scan(path) if isinstance(r, Record)]
    assert ours == warcio_records(path) and result.records == len(ours)


@needs_pywb_samples
def test_warcio_example_warc_one_record_content_length_off() -> None:
    """warcio's example.warc: the request at 4061 declares one byte less than it holds
    (`warcio check` warns 'Record not followed by newline' at 4764). Both readers see the
    same 6 records; the check names the 7 stray bytes and calls nothing truncated, and
    reindex reads the file as check does."""
    from archive.warc.parse import Gap, Record
    from archive.warc.resync import scan

    path = SAMPLES / "example.warc"
    result = check_file(path)
    assert [(f.offset, f.kind) for f in result.findings] == [(4764, "corrupt")]
    assert "Content-Length 320 is wrong" in result.findings[0].detail
    assert result.good_end == result.size and not result.damaged_tail
    items = list(scan(path))
    assert [(r.offset, r.rec_type) for r in items if isinstance(r, Record)] == warcio_records(path)
    assert [(g.offset, g.length, g.tail) for g in items if isinstance(g, Gap)] == [(4764, 7, False)]


def test_base64_digests_accepted_and_checked(tmp_path: Path) -> None:
    block = b"hello"
    path = tmp_path / "x.warc.gz"
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        label = "sha1:" + encode(hashlib.sha1(block).digest()).decode()
        path.write_bytes(gz(raw_record("resource", block, content_type="text/plain", block_digest=label,
                                       extra={"WARC-Payload-Digest": label.rstrip("=")})))
        assert check_file(path).ok, [str(f) for f in check_file(path).findings]
    wrong = "sha1:" + base64.b64encode(hashlib.sha1(b"other").digest()).decode()
    path.write_bytes(gz(raw_record("resource", block, content_type="text/plain", block_digest=wrong)))
    assert kinds(path) == ["block-digest"]


def test_no_empty_body_comparison_for_a_record_without_payload(tmp_path: Path) -> None:
    """A response record that stores only the HTTP headers (a revisit written as a response,
    as some tools do) names the digest of the payload it does not hold: not a fault. A
    stored payload that does not match is still one."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html"
    path = tmp_path / "x.warc.gz"
    path.write_bytes(gz(raw_record("response", http_block(head, b""),
                                   extra={"WARC-Payload-Digest": b32("sha1", page(0)),
                                          "WARC-Profile": PROFILE_IDENTICAL_PAYLOAD})))
    assert check_file(path).ok, [str(f) for f in check_file(path).findings]
    path.write_bytes(gz(raw_record("response", http_block(head, b"x"),
                                   extra={"WARC-Payload-Digest": b32("sha1", page(0))})))
    assert kinds(path) == ["payload-digest"]


def with_length(record: bytes, change: int) -> bytes:
    head, sep, rest = record.partition(b"\r\n\r\n")
    lines = [line if not line.startswith(b"Content-Length:") else
             b"Content-Length: " + str(int(line.split(b":")[1]) + change).encode() for line in head.split(b"\r\n")]
    return b"\r\n".join(lines) + sep + rest


@pytest.mark.parametrize("change", [3, -3])
@pytest.mark.parametrize("compressed", [True, False])
def test_a_content_length_off_by_3_is_found_and_the_rest_checked(tmp_path: Path, change: int, compressed: bool) -> None:
    body = page(1, 400)
    records = [warcinfo(),
               raw_record("response", http_block(b"HTTP/1.1 200 OK\r\nContent-Length: 400", body),
                          extra={"WARC-Payload-Digest": b32("sha1", body)}),
               raw_record("resource", b"abc", content_type="text/plain", block_digest=b32("sha1", b"abd"))]
    records[1] = with_length(records[1], change)
    path = tmp_path / ("x.warc.gz" if compressed else "x.warc")
    path.write_bytes(b"".join(gz(r) if compressed else r for r in records))
    offset = len(gz(records[0])) if compressed else len(records[0])
    result = check_file(path)
    found = [(f.offset, f.kind) for f in result.findings]
    # the block digest, the payload digest and the HTTP Content-Length all disagree with the block read
    assert {(offset, "block-digest"), (offset, "payload-digest"), (offset, "content-length")} <= set(found), found
    assert f"Content-Length 400 but the stored body is {400 + change} bytes" in "\n".join(
        f.detail for f in result.findings)
    if change < 0:  # bytes that are not CRLF CRLF follow the declared block
        assert any(k == "corrupt" and "Content-Length" in f.detail
                   for (o, k), f in zip(found, result.findings)), found
    next_offset = len(path.read_bytes()) - (len(gz(records[2])) if compressed else len(records[2]))
    assert (next_offset, "block-digest") in found  # the record after it is still checked
    assert result.records == 3 and not result.damaged_tail


def test_plain_file_resynchronises_after_a_broken_header(tmp_path: Path) -> None:
    broken = b"WARC/1.1\r\nthis line has no colon\r\n\r\nsome bytes\r\n\r\n"
    bad_digest = raw_record("resource", b"abc", content_type="text/plain", block_digest=b32("sha1", b"abd"))
    path = tmp_path / "x.warc"
    path.write_bytes(warcinfo() + broken + bad_digest)
    result = check_file(path)
    assert [(f.offset, f.kind) for f in result.findings] == [
        (len(warcinfo()), "corrupt"), (len(warcinfo()) + len(broken), "block-digest")]
    assert "no colon" in result.findings[0].detail and result.records == 2
    assert result.good_end == result.size


def test_messages_never_print_raw_bytes(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    path.write_bytes(gz(warcinfo()) + gz(b"\x1b]0;owned\x07\r\n\r\n") + b"\x1b[2J\x00\xffjunk" * 10
                     + gz(b"WARC/1.1\r\nContent-Length: \x1b[2J\r\n\r\n"))
    run = cli("warc", "check", str(path))
    assert run.exit_code == 1
    assert all(ch == "\n" or " " <= ch <= "~" for ch in run.output), run.output
    assert run.output.count("\\x1b") == 2, run.output


@needs_pywb_samples
def test_iana_sample_stored_dechunked_under_a_chunked_header() -> None:
    """pywb's iana.warc.gz keeps `Transfer-Encoding: chunked` over bodies stored de-chunked:
    the headers disagree with the payload, which the check says once per record (warcio does
    not look); the payload digest, over the stored body, is not a second finding."""
    path = SAMPLES / "iana.warc.gz"
    result = check_file(path)
    assert result.findings and {f.kind for f in result.findings} == {"chunked"}
    assert len({f.offset for f in result.findings}) == len(result.findings)
    assert result.records == len(warcio_records(path)) and result.good_end == result.size


# ---- issue 14 acceptance: our verdict is warcio's on every one of pywb's sample files ---------------

#: pywb 2.10.0's sample_archive/warcs (its wheel installs them under sys.prefix): all of them
PYWB_SAMPLES = ["bad.arc", "dupes.warc.gz", "example-bad.warc.gz.bad", "example-extra.warc",
                "example-url-agnostic-orig.warc.gz", "example-url-agnostic-revisit.warc.gz",
                "example-wget-1-14.warc.gz", "example-wpull.warc.gz", "example.arc", "example.arc.gz",
                "example.warc", "example.warc.gz", "example2.warc.gz", "httpbin-resource.warc.gz",
                "iana.warc.gz", "missing-status-text.warc", "post-test.warc.gz"]


def warcio_verdict(path: Path) -> tuple[int, int, set[int]]:
    """``warcio check -v FILE``: its exit code, the records it read, and the offsets it names
    (a record whose digest failed, a warning's ``Offset:``)."""
    warcio = Path(sys.executable).with_name("warcio")
    run = subprocess.run([str(warcio), "check", "-v", str(path)], capture_output=True, text=True, timeout=120)
    out = run.stdout + run.stderr
    records = re.findall(r"^\s+offset (\d+) WARC-Record-ID", out, re.M)
    named = {int(m) for m in re.findall(r"^\s+Offset: (\d+)", out, re.M)}
    current = None
    for line in out.splitlines():
        match = re.match(r"^\s+offset (\d+) WARC-Record-ID", line)
        if match:
            current = int(match.group(1))
        elif "digest failed" in line and current is not None:
            named.add(current)
    return run.returncode, len(records), named


@needs_pywb_samples
def test_all_of_pywbs_samples_are_there() -> None:
    assert sorted(p.name for p in SAMPLES.iterdir()) == PYWB_SAMPLES


@needs_pywb_samples
@pytest.mark.parametrize("name", PYWB_SAMPLES)
def test_warc_check_agrees_with_warcio_on_pywbs_sample(name: str, tmp_path: Path) -> None:
    """Where warcio finds nothing (no failed digest, no warning), we call the file clean and
    read as many records; where it finds a fault, we find one at each offset it names.
    ``--repair`` on a copy moves nothing from a file warcio calls valid, and whatever it
    moves, ``kept + .damaged == original``."""
    path = SAMPLES / name
    code, records, named = warcio_verdict(path)
    result = check_file(path)
    problems = [f for f in result.findings if not f.warning]
    if code == 0 and not named:  # valid to warcio
        assert problems == [], [str(f) for f in problems]
        assert result.records == records
    else:
        assert problems, f"warcio: exit {code}, offsets {named}; ours: nothing"
        assert named <= {f.offset for f in problems}, ([str(f) for f in problems], named)
    copy = tmp_path / name
    shutil.copyfile(path, copy)
    repair_tail(copy)
    moved = b"".join(p.read_bytes() for p in sorted(tmp_path.glob(name + ".damaged*")))
    assert copy.read_bytes() + moved == path.read_bytes()
    if code == 0 and not named or name == "example-extra.warc":  # its damage is in the middle
        assert moved == b""
    run = cli("--data", str(tmp_path / "data"), "warc", "check", str(path))
    assert run.exit_code == (1 if problems else 0), run.output


@needs_pywb_samples
def test_a_body_stored_dechunked_is_a_warning_and_real_chunk_damage_a_problem(tmp_path: Path) -> None:
    result = check_file(SAMPLES / "iana.warc.gz")
    assert result.ok and result.findings and all(f.warning for f in result.findings)
    run = cli("warc", "check", str(SAMPLES / "iana.warc.gz"))
    assert run.exit_code == 0 and "chunked (warning)" in run.output
    assert f"no problems, {len(result.findings)} warnings" in run.output
    body = b"5\r\nhello\r\n"  # chunked, its last chunk missing: a problem
    path = tmp_path / "x.warc.gz"
    path.write_bytes(gz(raw_record("response", http_block(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked", body))))
    assert [(f.kind, f.warning) for f in check_file(path).findings] == [("chunked", False)]
