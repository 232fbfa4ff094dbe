"""archive.warc: the WARC 1.1 writer and reader (cases B01, B02, B03, B04, B11, B12).

The wire inputs in ``tests/cases/B0*.response.bin`` are copies of ``/work/shared/cases``.
Exchanges are built from them the way the crawler gets them from its HTTP client: the
status, the header fields as bytes pairs in order (repeated fields as separate pairs), and
the entity body after transfer decoding but before content decoding (still gzip).

The checks read the files back independently of the code under test where it matters:
each gzip member is inflated with zlib and parsed by hand, digests are recomputed with
hashlib/base32, and warcio's own checker and cdxj-indexer are run over the output.
"""
from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import http.client
import io
import random
import re
import types
import zlib
from collections.abc import Iterable
from pathlib import Path

import brotli
import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.checker import Checker

from archive.warc import (
    ExchangeRecords,
    HttpExchange,
    WarcError,
    WarcWriter,
    decode_content,
    dechunk,
    http_response_block,
    iter_records,
    read_record,
    sha1_digest,
    target_uri,
)

CASES = Path(__file__).parent / "cases"
FETCHED_AT = dt.datetime(2024, 3, 2, 10, 0, 0, tzinfo=dt.timezone.utc)

B01_URL = "https://news.example.org/2024/03/02/council-budget"
B01_HTML = (b"<html><head><title>Council approves budget</title></head><body><article><p>The city "
            b"council approved the budget.</p></article></body></html>")
B02_ENTITY = b"<html><body>Hello chunked world</body></html>"
B03_HTML = b"<html><body><p>Chunked and gzipped story text.</p></body></html>"
EMPTY_SHA1 = "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"


# ---- helpers ----------------------------------------------------------------------------
def b32sha1(data: bytes) -> str:
    """The digest label, computed here independently of archive.warc.sha1_digest."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


class _FakeSocket:
    def __init__(self, data: bytes) -> None:
        self._file = io.BytesIO(data)

    def makefile(self, *args: object, **kwargs: object) -> io.BytesIO:
        return self._file


def parse_wire(raw: bytes) -> tuple[int, str, list[tuple[bytes, bytes]], bytes]:
    """Parse a raw HTTP/1.1 response as an HTTP client does (the stdlib's http.client).

    Returns the status, reason, header pairs (bytes, in order, repeats kept) and the body
    with the transfer coding removed and the content coding left alone.
    """
    response = http.client.HTTPResponse(_FakeSocket(raw))  # type: ignore[arg-type]
    response.begin()
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.msg.items()]
    body = response.read()
    return response.status, response.reason, headers, body


def wire_exchange(name: str, url: str = B01_URL, *, drop: Iterable[bytes] = ()) -> HttpExchange:
    status, reason, headers, body = parse_wire((CASES / name).read_bytes())
    dropped = {d.lower() for d in drop}
    return HttpExchange(
        url=url, method="GET",
        request_headers=[(b"Accept", b"text/html"), (b"Accept-Encoding", b"gzip, deflate, br")],
        status=status, reason=reason,
        response_headers=[(k, v) for k, v in headers if k.lower() not in dropped],
        body=body, ip_address="192.0.2.10", fetched_at=FETCHED_AT,
    )


def simple_exchange(url: str = B01_URL, *, status: int = 200, body: bytes = b"<html>ok</html>",
                    headers: list[tuple[bytes, bytes]] | None = None, **kw: object) -> HttpExchange:
    return HttpExchange(
        url=url, method="GET", request_headers=[(b"Accept", b"*/*")], status=status,
        response_headers=headers if headers is not None else [(b"Content-Type", b"text/html")],
        body=body, fetched_at=FETCHED_AT, **kw,  # type: ignore[arg-type]
    )


def parse_record(raw: bytes) -> tuple[list[tuple[str, str]], bytes]:
    """Split one uncompressed WARC record into (WARC header pairs, block); strict."""
    head, sep, rest = raw.partition(b"\r\n\r\n")
    assert sep, "WARC header block not terminated"
    lines = head.split(b"\r\n")
    assert lines[0] == b"WARC/1.1"
    pairs = []
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        assert colon, line
        pairs.append((name.decode("utf-8"), value.strip().decode("utf-8")))
    length = int(dict(pairs)["Content-Length"])
    block = rest[:length]
    assert len(block) == length
    assert rest[length:] == b"\r\n\r\n", "record must end with exactly two CRLFs and nothing else"
    return pairs, block


def one_member(member: bytes) -> bytes:
    """Inflate ``member``; it must be exactly one complete gzip member, nothing after it."""
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    raw = inflater.decompress(member) + inflater.flush()
    assert inflater.eof, "gzip member is incomplete"
    assert inflater.unused_data == b"", "more than one gzip member in the span"
    return raw


def walk_members(path: Path) -> list[tuple[int, int, list[tuple[str, str]], bytes]]:
    """Every gzip member of a file as (offset, length, WARC headers, block), by hand."""
    data = path.read_bytes()
    out, offset = [], 0
    while offset < len(data):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        raw = inflater.decompress(data[offset:])
        assert inflater.eof, f"incomplete gzip member at {offset}"
        length = len(data) - offset - len(inflater.unused_data)
        headers, block = parse_record(raw)
        out.append((offset, length, headers, block))
        offset += length
    return out


def member_at(path: Path, offset: int, length: int) -> tuple[dict[str, str], bytes]:
    with open(path, "rb") as fh:
        fh.seek(offset)
        member = fh.read(length)
    assert len(member) == length
    headers, block = parse_record(one_member(member))
    return dict(headers), block


def http_head_lines(block: bytes) -> tuple[list[bytes], bytes]:
    head, _, body = block.partition(b"\r\n\r\n")
    return head.split(b"\r\n"), body


def field_values(lines: list[bytes], name: bytes) -> list[bytes]:
    out = []
    for line in lines[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name.lower():
            out.append(value.strip())
    return out


def write_all(directory: Path, *exchanges: HttpExchange, **kw: object) -> tuple[WarcWriter, list[ExchangeRecords]]:
    writer = WarcWriter(directory, **kw)  # type: ignore[arg-type]
    with writer:
        pointers = [writer.write_exchange(ex) for ex in exchanges]
    return writer, pointers


# ---- digests ----------------------------------------------------------------------------
def test_sha1_digest_is_base32_sha1() -> None:
    assert sha1_digest(b"") == EMPTY_SHA1
    assert sha1_digest(B02_ENTITY) == "sha1:OO6CF4XXAMOGX432YEQJL34UDXLZTKHY"
    for data in (b"x", B01_HTML, bytes(range(256)) * 10):
        assert sha1_digest(data) == b32sha1(data)


# ---- B01: gzip entity kept as on the wire ---------------------------------------------------
def test_b01_inputs_are_what_the_case_says() -> None:
    raw = (CASES / "B01.response.bin").read_bytes()
    assert len(raw) == 242
    status, _, headers, body = parse_wire(raw)
    assert status == 200 and len(body) == 115 and gzip.decompress(body) == B01_HTML
    assert len(B01_HTML) == 140
    assert (b"Content-Encoding", b"gzip") in headers


def test_b01_response_block_is_the_242_wire_bytes(tmp_path: Path) -> None:
    raw = (CASES / "B01.response.bin").read_bytes()
    exchange = wire_exchange("B01.response.bin")
    block, payload = http_response_block(exchange)
    assert block == raw
    assert payload == raw[-115:]

    _, [pointers] = write_all(tmp_path, exchange)
    path = tmp_path / pointers.response.warc_filename
    warc_headers, stored_block = member_at(path, pointers.response.warc_offset, pointers.response.warc_length)
    assert stored_block == raw
    assert warc_headers["WARC-Type"] == "response"
    assert warc_headers["Content-Length"] == "242"
    assert warc_headers["Content-Type"] == "application/http; msgtype=response"
    assert warc_headers["WARC-Payload-Digest"] == "sha1:I4RSONK6D6P6MY6FUCSQUGX4OC6JYOVK"
    assert warc_headers["WARC-Block-Digest"] == b32sha1(raw)
    assert warc_headers["WARC-Target-URI"] == B01_URL
    assert warc_headers["WARC-Date"] == "2024-03-02T10:00:00.000000Z"
    assert warc_headers["WARC-IP-Address"] == "192.0.2.10"
    assert pointers.response.payload_digest == "sha1:I4RSONK6D6P6MY6FUCSQUGX4OC6JYOVK"
    assert pointers.response.status == 200
    assert pointers.response.mime == "text/html"


def test_b01_read_record_gives_stored_gzip_and_decoded_html(tmp_path: Path) -> None:
    _, [pointers] = write_all(tmp_path, wire_exchange("B01.response.bin"))
    record = read_record(tmp_path / pointers.response.warc_filename, pointers.response.warc_offset)
    assert record.rec_type == "response"
    assert record.status == 200
    assert record.header("Content-Encoding") == "gzip"
    assert record.header("Content-Length") == "115"
    assert record.header("content-type") == "text/html; charset=utf-8"
    assert record.http_headers == [
        ("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
        ("Content-Length", "115"), ("Vary", "Accept-Encoding"),
    ]
    assert record.raw_payload == (CASES / "B01.response.bin").read_bytes()[-115:]
    assert record.payload == B01_HTML
    assert len(record.payload) == 140
    assert record.warc_headers["WARC-Payload-Digest"] == "sha1:I4RSONK6D6P6MY6FUCSQUGX4OC6JYOVK"


@pytest.mark.parametrize("coding, encode", [
    ("gzip", lambda b: gzip.compress(b, mtime=0)),
    ("x-gzip", lambda b: gzip.compress(b, mtime=0)),
    ("deflate", zlib.compress),
    ("br", brotli.compress),
])
def test_content_coded_body_stored_as_sent_digest_over_coded_bytes(tmp_path: Path, coding: str, encode) -> None:
    # The whole kind of B01: whatever the Content-Encoding, the stored entity is the coded
    # bytes, the header stays, Content-Length is the coded length, and only reading decodes.
    coded = encode(B01_HTML)
    exchange = simple_exchange(body=coded, headers=[
        (b"Content-Type", b"text/html"), (b"Content-Encoding", coding.encode()),
        (b"Content-Length", str(len(coded)).encode()),
    ])
    _, [pointers] = write_all(tmp_path, exchange)
    path = tmp_path / pointers.response.warc_filename
    warc_headers, block = member_at(path, pointers.response.warc_offset, pointers.response.warc_length)
    lines, body = http_head_lines(block)
    assert body == coded
    assert field_values(lines, b"Content-Encoding") == [coding.encode()]
    assert field_values(lines, b"Content-Length") == [str(len(coded)).encode()]
    assert field_values(lines, b"X-Archive-Orig-Content-Length") == []
    assert warc_headers["WARC-Payload-Digest"] == b32sha1(coded)
    record = read_record(path, pointers.response.warc_offset)
    assert record.raw_payload == coded
    assert record.payload == B01_HTML


# ---- B02: payload digest over the de-chunked entity ----------------------------------------
def test_b02_inputs_dechunk_to_the_same_entity() -> None:
    for name in ("B02.response.bin", "B02.response-rechunked.bin"):
        raw = (CASES / name).read_bytes()
        framed = raw.partition(b"\r\n\r\n")[2]
        assert dechunk(framed) == B02_ENTITY
        assert parse_wire(raw)[3] == B02_ENTITY
    framed_a = (CASES / "B02.response.bin").read_bytes().partition(b"\r\n\r\n")[2]
    framed_b = (CASES / "B02.response-rechunked.bin").read_bytes().partition(b"\r\n\r\n")[2]
    # the wrong digests the case warns about: over the chunk framing
    assert b32sha1(framed_a) == "sha1:ZZG2ARWAY7WNPD4AFEDEJPZX2MFMQ7NS"
    assert b32sha1(framed_b) == "sha1:NVNPDJ4XZ7C7PPC3W6HJMSVVX53NNBMH"


@pytest.mark.parametrize("name", ["B02.response.bin", "B02.response-rechunked.bin"])
@pytest.mark.parametrize("keep_te", [True, False], ids=["te-header-kept", "te-header-removed"])
def test_b02_payload_digest_and_headers_agree(tmp_path: Path, name: str, keep_te: bool) -> None:
    exchange = wire_exchange(name, drop=() if keep_te else (b"Transfer-Encoding",))
    assert exchange.body == B02_ENTITY
    assert any(k.lower() == b"transfer-encoding" for k, _ in exchange.response_headers) is keep_te

    _, [pointers] = write_all(tmp_path, exchange)
    path = tmp_path / pointers.response.warc_filename
    warc_headers, block = member_at(path, pointers.response.warc_offset, pointers.response.warc_length)
    assert warc_headers["WARC-Payload-Digest"] == "sha1:OO6CF4XXAMOGX432YEQJL34UDXLZTKHY"
    assert pointers.response.payload_digest == "sha1:OO6CF4XXAMOGX432YEQJL34UDXLZTKHY"
    assert warc_headers["WARC-Block-Digest"] == b32sha1(block)

    lines, body = http_head_lines(block)
    assert lines[0] == b"HTTP/1.1 200 OK"
    assert body == B02_ENTITY
    assert field_values(lines, b"Transfer-Encoding") == []  # never chunked over a de-chunked body
    assert field_values(lines, b"X-Archive-Orig-Transfer-Encoding") == ([b"chunked"] if keep_te else [])
    assert field_values(lines, b"Content-Length") == [b"45"]
    assert field_values(lines, b"Content-Type") == [b"text/html"]

    record = read_record(path, pointers.response.warc_offset)
    assert record.payload == B02_ENTITY
    assert record.raw_payload == B02_ENTITY


def test_b02_both_chunkings_give_one_digest(tmp_path: Path) -> None:
    _, pointers = write_all(tmp_path, wire_exchange("B02.response.bin"),
                            wire_exchange("B02.response-rechunked.bin"))
    assert pointers[0].response.payload_digest == pointers[1].response.payload_digest \
        == "sha1:OO6CF4XXAMOGX432YEQJL34UDXLZTKHY"


@pytest.mark.parametrize("te_name", [b"Transfer-Encoding", b"transfer-encoding", b"TRANSFER-ENCODING"])
def test_transfer_encoding_renamed_whatever_its_spelling(te_name: bytes) -> None:
    exchange = simple_exchange(body=B02_ENTITY, headers=[(b"Content-Type", b"text/html"), (te_name, b"chunked")])
    block, payload = http_response_block(exchange)
    lines, body = http_head_lines(block)
    assert payload == body == B02_ENTITY
    assert field_values(lines, b"Transfer-Encoding") == []
    assert field_values(lines, b"X-Archive-Orig-Transfer-Encoding") == [b"chunked"]
    assert field_values(lines, b"Content-Length") == [b"45"]


def test_stale_and_duplicate_content_length_repaired() -> None:
    exchange = simple_exchange(body=B02_ENTITY, headers=[
        (b"Content-Type", b"text/html"), (b"Content-Length", b"999"), (b"content-length", b"999"),
    ])
    block, payload = http_response_block(exchange)
    lines, body = http_head_lines(block)
    assert body == payload == B02_ENTITY
    assert field_values(lines, b"Content-Length") == [b"45"]
    assert field_values(lines, b"X-Archive-Orig-Content-Length") == [b"999"]


def test_matching_content_length_kept_once_without_orig_copy() -> None:
    exchange = simple_exchange(body=B02_ENTITY, headers=[(b"Content-Length", b"45"), (b"Content-Type", b"text/html")])
    block, _ = http_response_block(exchange)
    assert block == b"HTTP/1.1 200 OK\r\nContent-Length: 45\r\nContent-Type: text/html\r\n\r\n" + B02_ENTITY


# ---- B03: chunked + gzip + two Set-Cookie lines ---------------------------------------------
def test_b03_normalised_record(tmp_path: Path) -> None:
    exchange = wire_exchange("B03.response.bin")
    assert len(exchange.body) == 75
    assert [v for k, v in exchange.response_headers if k == b"Set-Cookie"] == [
        b"a=1; Expires=Wed, 09 Jun 2027 10:18:14 GMT; Path=/", b"b=2; Path=/",
    ]
    _, [pointers] = write_all(tmp_path, exchange)
    path = tmp_path / pointers.response.warc_filename
    warc_headers, block = member_at(path, pointers.response.warc_offset, pointers.response.warc_length)
    assert warc_headers["WARC-Payload-Digest"] == "sha1:2VDYJHF6V3KZEBJCSEVSTFSVPWW756W6"
    assert warc_headers["WARC-Block-Digest"] == b32sha1(block)
    lines, body = http_head_lines(block)
    assert body == exchange.body
    assert gzip.decompress(body) == B03_HTML
    assert lines == [
        b"HTTP/1.1 200 OK",
        b"Content-Type: text/html; charset=utf-8",
        b"Content-Encoding: gzip",
        b"X-Archive-Orig-Transfer-Encoding: chunked",
        b"Set-Cookie: a=1; Expires=Wed, 09 Jun 2027 10:18:14 GMT; Path=/",
        b"Set-Cookie: b=2; Path=/",
        b"Connection: close",
        b"Content-Length: 75",
    ]
    record = read_record(path, pointers.response.warc_offset)
    assert [v for k, v in record.http_headers if k.lower() == "set-cookie"] == [
        "a=1; Expires=Wed, 09 Jun 2027 10:18:14 GMT; Path=/", "b=2; Path=/",
    ]
    assert record.payload == B03_HTML
    assert len(record.payload) == 64


# ---- B04: redirect hops, request records ------------------------------------------------------
def b04_exchanges() -> list[HttpExchange]:
    html = b"<html><head><title>Council approves budget</title></head><body>budget</body></html>"
    return [
        HttpExchange(url="http://news.example.org/story?id=7", method="GET",
                     request_headers=[(b"Accept", b"text/html")], status=301,
                     response_headers=[(b"Location", B01_URL.encode()), (b"Content-Length", b"0")],
                     body=b"", fetched_at=FETCHED_AT),
        HttpExchange(url=B01_URL, method="GET", request_headers=[(b"Accept", b"text/html")], status=200,
                     response_headers=[(b"Content-Type", b"text/html"), (b"Content-Length", str(len(html)).encode())],
                     body=html, fetched_at=FETCHED_AT + dt.timedelta(seconds=1)),
    ]


def test_b04_request_and_response_per_hop(tmp_path: Path) -> None:
    writer, pointers = write_all(tmp_path, *b04_exchanges())
    assert len(writer.files_written) == 1
    path = tmp_path / writer.files_written[0]
    records = list(iter_records(path))
    assert [r.rec_type for _, _, r in records] == ["warcinfo", "request", "response", "request", "response"]
    uris = [r.warc_headers.get("WARC-Target-URI") for _, _, r in records[1:]]
    assert uris == ["http://news.example.org/story?id=7"] * 2 + [B01_URL] * 2
    for (_, _, request), (_, _, response) in (records[1:3], records[3:5]):
        assert request.warc_headers["WARC-Concurrent-To"] == response.warc_headers["WARC-Record-ID"]
        assert "WARC-Concurrent-To" not in response.warc_headers
    ids = [r.warc_headers["WARC-Record-ID"] for _, _, r in records]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"<urn:uuid:[0-9a-f-]{36}>", i) for i in ids)

    redirect = records[2][2]
    assert redirect.status == 301
    assert redirect.header("Location") == B01_URL
    assert redirect.header("Content-Length") == "0"
    assert records[4][2].status == 200
    # the pointers handed back name the same records
    assert [p.request.record_id for p in pointers] == [records[1][2].warc_headers["WARC-Record-ID"],
                                                       records[3][2].warc_headers["WARC-Record-ID"]]
    assert [p.response.status for p in pointers] == [301, 200]

    # request records: origin-form request line and the Host the client sends
    _, request_block = member_at(path, pointers[0].request.warc_offset, pointers[0].request.warc_length)
    assert request_block == b"GET /story?id=7 HTTP/1.1\r\nHost: news.example.org\r\nAccept: text/html\r\n\r\n"
    _, request_block = member_at(path, pointers[1].request.warc_offset, pointers[1].request.warc_length)
    assert request_block.startswith(b"GET /2024/03/02/council-budget HTTP/1.1\r\nHost: news.example.org\r\n")


def cdxj_lines(path: Path) -> list[tuple[str, str, dict]]:
    import json

    from cdxj_indexer.main import CDXJIndexer

    out = io.StringIO()
    CDXJIndexer(output=out, inputs=[str(path)]).process_all()
    rows = []
    for line in out.getvalue().splitlines():
        key, stamp, blob = line.split(" ", 2)
        rows.append((key, stamp, json.loads(blob)))
    return rows


def test_b04_cdxj_has_the_301_for_the_old_url(tmp_path: Path) -> None:
    writer, pointers = write_all(tmp_path, *b04_exchanges())
    rows = cdxj_lines(tmp_path / writer.files_written[0])
    responses = [(k, s, j) for k, s, j in rows if j.get("status")]
    assert [(j["url"], j["status"]) for _, _, j in responses] == [
        ("http://news.example.org/story?id=7", "301"), (B01_URL, "200"),
    ]
    old = responses[0]
    assert old[0] == "org,example,news)/story?id=7"
    assert old[1] == "20240302100000"
    assert int(old[2]["offset"]) == pointers[0].response.warc_offset
    assert int(old[2]["length"]) == pointers[0].response.warc_length
    assert old[2]["filename"] == writer.files_written[0]


# ---- B12: ASCII target URIs -------------------------------------------------------------------
B12_IRI = "https://news.example.org/2024/03/café–opens.html"
B12_URI = "https://news.example.org/2024/03/caf%C3%A9%E2%80%93opens.html"


@pytest.mark.parametrize("iri, uri", [
    (B12_IRI, B12_URI),
    (B12_URI, B12_URI),  # already encoded: unchanged
    ("https://nachrichten-münchen.example/2024/03/a.html", "https://xn--nachrichten-mnchen-y6b.example/2024/03/a.html"),
    ("https://xn--nachrichten-mnchen-y6b.example/2024/03/a.html", "https://xn--nachrichten-mnchen-y6b.example/2024/03/a.html"),
    ("https://news.example.org/suche?q=straße", "https://news.example.org/suche?q=stra%C3%9Fe"),
    ("https://news.example.org/caf%C3%A9/–", "https://news.example.org/caf%C3%A9/%E2%80%93"),
    ("http://news.example.org/story?id=7", "http://news.example.org/story?id=7"),
])
def test_target_uri(iri: str, uri: str) -> None:
    assert target_uri(iri) == uri
    assert target_uri(uri) == uri
    uri.encode("ascii")


def test_b12_written_target_uri_is_ascii(tmp_path: Path) -> None:
    idn = "https://nachrichten-münchen.example/2024/03/café–opens.html"
    writer, pointers = write_all(tmp_path, simple_exchange(B12_IRI), simple_exchange(idn))
    path = tmp_path / writer.files_written[0]
    raw = gzip.decompress(path.read_bytes())
    assert "café".encode() not in raw and "münchen".encode() not in raw
    targets = [dict(h).get("WARC-Target-URI") for _, _, h, _ in walk_members(path)]
    idn_uri = "https://xn--nachrichten-mnchen-y6b.example/2024/03/caf%C3%A9%E2%80%93opens.html"
    assert targets == [None, B12_URI, B12_URI, idn_uri, idn_uri]
    assert pointers[0].response.url == pointers[0].request.url == B12_URI
    _, request_block = member_at(path, pointers[1].request.warc_offset, pointers[1].request.warc_length)
    assert request_block.startswith(b"GET /2024/03/caf%C3%A9%E2%80%93opens.html HTTP/1.1\r\n"
                                    b"Host: xn--nachrichten-mnchen-y6b.example\r\n")
    assert [j["url"] for _, _, j in cdxj_lines(path) if j.get("status")] == [
        B12_URI, "https://xn--nachrichten-mnchen-y6b.example/2024/03/caf%C3%A9%E2%80%93opens.html",
    ]


# ---- writer properties ------------------------------------------------------------------------
@pytest.fixture
def mixed_warc(tmp_path: Path) -> tuple[Path, WarcWriter, list[ExchangeRecords]]:
    exchanges = [
        wire_exchange("B01.response.bin"),
        wire_exchange("B02.response.bin"),
        wire_exchange("B03.response.bin"),
        *b04_exchanges(),
        simple_exchange(B12_IRI),
        simple_exchange(status=404, body=b""),
        simple_exchange(status=304, body=b"", headers=[(b"ETag", b'"abc"')]),
        simple_exchange(body=b"<html>partial", truncated="disconnect"),
        simple_exchange(body=b"x" * 5000, headers=[(b"Content-Type", b"text/plain")]),
    ]
    writer, pointers = write_all(tmp_path, *exchanges, info={"operator": "Test Operator"})
    assert len(writer.files_written) == 1
    return tmp_path / writer.files_written[0], writer, pointers


def test_file_starts_with_warcinfo(mixed_warc) -> None:
    path, writer, _ = mixed_warc
    offset, _, headers, block = walk_members(path)[0]
    headers = dict(headers)
    assert offset == 0
    assert headers["WARC-Type"] == "warcinfo"
    assert headers["WARC-Filename"] == path.name == writer.files_written[0]
    assert headers["Content-Type"] == "application/warc-fields"
    fields = dict(line.split(": ", 1) for line in block.decode("utf-8").strip().split("\r\n"))
    assert fields["operator"] == "Test Operator"
    assert fields["format"] == "WARC File Format 1.1"
    assert fields["software"].startswith("newsarchive/")
    assert path.read_bytes()[:2] == b"\x1f\x8b"


def test_each_record_is_its_own_gzip_member(mixed_warc) -> None:
    path, _, pointers = mixed_warc
    members = walk_members(path)
    assert len(members) == 1 + 2 * len(pointers)
    spans = {(o, n) for o, n, _, _ in members}
    for p in pointers:
        for capture, kind in ((p.request, "request"), (p.response, "response")):
            assert (capture.warc_offset, capture.warc_length) in spans
            headers, _ = member_at(path, capture.warc_offset, capture.warc_length)
            assert headers["WARC-Type"] == kind == capture.record_type
            assert headers["WARC-Record-ID"] == capture.record_id
    # members tile the file exactly
    assert members[-1][0] + members[-1][1] == path.stat().st_size
    for (o1, n1, _, _), (o2, _, _, _) in zip(members, members[1:]):
        assert o1 + n1 == o2


def test_block_and_payload_digests_verify(mixed_warc) -> None:
    path, _, _ = mixed_warc
    for _, _, headers, block in walk_members(path):
        headers = dict(headers)
        assert headers["WARC-Block-Digest"] == b32sha1(block), headers["WARC-Type"]
        assert int(headers["Content-Length"]) == len(block)
        if headers["WARC-Type"] == "response":
            head, _, body = block.partition(b"\r\n\r\n")
            assert headers["WARC-Payload-Digest"] == b32sha1(body)
            declared = field_values(head.split(b"\r\n"), b"Content-Length")
            assert declared == [str(len(body)).encode()]
            assert field_values(head.split(b"\r\n"), b"Transfer-Encoding") == []


def test_warcio_checker_passes(mixed_warc, capsys: pytest.CaptureFixture[str]) -> None:
    path, _, pointers = mixed_warc
    checker = Checker(types.SimpleNamespace(inputs=[str(path)], verbose=True))
    assert checker.process_all() == 0
    out = capsys.readouterr().out
    assert "failed" not in out
    assert out.count("digest pass") == 1 + 2 * len(pointers)

    checked = 0
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh, check_digests="raise"):
            record.content_stream().read()
            assert record.digest_checker.passed is True, record.digest_checker.problems
            checked += 1
    assert checked == 1 + 2 * len(pointers)


def test_empty_bodies_written_with_content_length_zero(mixed_warc) -> None:
    path, _, pointers = mixed_warc
    by_status = {p.response.status: p.response for p in pointers}
    for status, line in ((404, b"HTTP/1.1 404 Not Found"), (304, b"HTTP/1.1 304 Not Modified")):
        capture = by_status[status]
        headers, block = member_at(path, capture.warc_offset, capture.warc_length)
        lines, body = http_head_lines(block)
        assert lines[0] == line
        assert body == b""
        assert field_values(lines, b"Content-Length") == [b"0"]
        assert headers["WARC-Payload-Digest"] == EMPTY_SHA1
        assert capture.payload_digest == EMPTY_SHA1
        record = read_record(path, capture.warc_offset)
        assert record.status == status and record.payload == b""


def test_truncated_flag(mixed_warc) -> None:
    path, _, pointers = mixed_warc
    truncated = [p for p in pointers if p.response.status == 200]
    flags = {}
    for p in truncated:
        headers, block = member_at(path, p.response.warc_offset, p.response.warc_length)
        flags[block.partition(b"\r\n\r\n")[2]] = headers.get("WARC-Truncated")
    assert flags[b"<html>partial"] == "disconnect"
    assert flags[b"x" * 5000] is None
    assert all(v is None for k, v in flags.items() if k != b"<html>partial")


@pytest.mark.parametrize("reason", ["length", "time", "disconnect", "unspecified"])
def test_truncated_reasons(tmp_path: Path, reason: str) -> None:
    _, [p] = write_all(tmp_path, simple_exchange(body=b"<html>cut", truncated=reason))
    headers, _ = member_at(tmp_path / p.response.warc_filename, p.response.warc_offset, p.response.warc_length)
    assert headers["WARC-Truncated"] == reason
    req_headers, _ = member_at(tmp_path / p.request.warc_filename, p.request.warc_offset, p.request.warc_length)
    assert "WARC-Truncated" not in req_headers


def test_iter_records_matches_read_record_and_pointers(mixed_warc) -> None:
    path, _, pointers = mixed_warc
    listed = list(iter_records(path))
    assert [(o, n) for o, n, _ in listed] == [(o, n) for o, n, _, _ in walk_members(path)]
    for offset, length, record in listed:
        again = read_record(path, offset)
        assert again.warc_headers == record.warc_headers
        assert again.raw_payload == record.raw_payload
        assert again.payload == record.payload
    spans = [(o, n) for o, n, _ in listed[1:]]
    expected = [(c.warc_offset, c.warc_length) for p in pointers for c in (p.request, p.response)]
    assert spans == expected


def test_read_record_bad_offsets_raise(mixed_warc) -> None:
    path, _, pointers = mixed_warc
    size = path.stat().st_size
    for offset in (1, pointers[0].response.warc_offset + 7, size - 3, size, size + 100):
        with pytest.raises(WarcError):
            read_record(path, offset)
    with pytest.raises(WarcError):
        read_record(path.with_name("missing.warc.gz"), 0)
    with pytest.raises(WarcError):
        list(iter_records(path.with_name("missing.warc.gz")))


def test_iter_records_on_corrupt_gzip_raises(tmp_path: Path) -> None:
    writer, pointers = write_all(tmp_path, simple_exchange(body=_story_body()[:4000]))
    path = tmp_path / writer.files_written[0]
    data = bytearray(path.read_bytes())
    middle = pointers[0].response.warc_offset + pointers[0].response.warc_length // 2
    data[middle:middle + 16] = b"\xff" * 16  # bit rot inside the response's deflate stream
    path.write_bytes(bytes(data))
    with pytest.raises(WarcError):
        list(iter_records(path))
    with pytest.raises(WarcError):
        read_record(path, pointers[0].response.warc_offset)
    assert read_record(path, pointers[0].request.warc_offset).rec_type == "request"


def test_rotation_never_splits_a_pair(tmp_path: Path) -> None:
    rnd = random.Random(1234)
    exchanges = [simple_exchange(f"https://news.example.org/2024/03/02/story-{i}", body=rnd.randbytes(1500))
                 for i in range(7)]
    max_bytes = 4000
    writer, pointers = write_all(tmp_path, *exchanges, prefix="gazette", max_bytes=max_bytes)
    names = writer.files_written
    assert len(names) >= 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    pattern = re.compile(r"gazette-(\d{14})-(\d{5})-([A-Za-z0-9.-]+)\.warc\.gz")
    matches = [pattern.fullmatch(n) for n in names]
    assert all(matches), names
    assert [int(m.group(2)) for m in matches] == list(range(len(names)))
    assert len({m.group(1) for m in matches}) == 1
    dt.datetime.strptime(matches[0].group(1), "%Y%m%d%H%M%S")

    seen_ids = {p.response.record_id for p in pointers}
    for name in names:
        members = walk_members(tmp_path / name)
        types_ = [dict(h)["WARC-Type"] for _, _, h, _ in members]
        assert types_[0] == "warcinfo" and dict(members[0][2])["WARC-Filename"] == name
        assert types_[1:] == ["request", "response"] * ((len(types_) - 1) // 2)
        assert len(types_) >= 3
        for (_, _, req, _), (_, _, resp, _) in zip(members[1::2], members[2::2]):
            assert dict(req)["WARC-Concurrent-To"] == dict(resp)["WARC-Record-ID"] in seen_ids
            assert dict(req)["WARC-Target-URI"] == dict(resp)["WARC-Target-URI"]
    for p in pointers:
        assert p.request.warc_filename == p.response.warc_filename
        assert p.request.warc_offset + p.request.warc_length == p.response.warc_offset
    # a file is closed once it reaches max_bytes, and not before
    sizes = [(tmp_path / n).stat().st_size for n in names]
    pair = max(p.request.warc_length + p.response.warc_length for p in pointers)
    for size in sizes[:-1]:
        assert max_bytes <= size < max_bytes + pair
    assert [p.response.warc_filename for p in pointers] == sorted(p.response.warc_filename for p in pointers)


def test_rotation_with_tiny_max_bytes_gives_one_pair_per_file(tmp_path: Path) -> None:
    writer, pointers = write_all(tmp_path, *(simple_exchange(f"https://news.example.org/{i}") for i in range(3)),
                                 max_bytes=1)
    assert len(writer.files_written) == 3
    assert [p.response.warc_filename for p in pointers] == writer.files_written


def test_new_writer_does_not_overwrite_existing_files(tmp_path: Path) -> None:
    first, _ = write_all(tmp_path, simple_exchange())
    second = WarcWriter(tmp_path)
    second._stamp = first._stamp  # same second: the serial must move past the existing file
    with second:
        second.write_exchange(simple_exchange())
    assert second.files_written[0] != first.files_written[0]
    assert len(list(tmp_path.iterdir())) == 2


def _story_body() -> bytes:
    rnd = random.Random(7)
    words = ["council", "budget", "approved", "the", "city", "mayor", "street", "school", "vote", "tax"]
    return " ".join(rnd.choice(words) for _ in range(20000)).encode()


def test_gzip_level_is_honoured(tmp_path: Path) -> None:
    body = _story_body()
    sizes, xfl = {}, {}
    for level in (1, 9):
        directory = tmp_path / f"level{level}"
        _, [p] = write_all(directory, simple_exchange(body=body), gzip_level=level)
        path = directory / p.response.warc_filename
        member = path.read_bytes()[p.response.warc_offset:p.response.warc_offset + p.response.warc_length]
        xfl[level] = member[8]  # gzip XFL: 2 = slowest/best compression, 4 = fastest
        sizes[level] = p.response.warc_length
        assert read_record(path, p.response.warc_offset).payload == body
    assert xfl == {1: 4, 9: 2}
    assert sizes[1] > sizes[9]
    with pytest.raises(ValueError):
        WarcWriter(tmp_path / "bad", gzip_level=10)


# ---- decode_content / dechunk -------------------------------------------------------------------
@pytest.mark.parametrize("coding, encode", [
    ("gzip", lambda b: gzip.compress(b, mtime=0)),
    ("x-gzip", lambda b: gzip.compress(b, mtime=0)),
    ("GZIP", lambda b: gzip.compress(b, mtime=0)),
    ("deflate", zlib.compress),  # zlib-wrapped, as RFC 9110 says
    ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send
    ("br", brotli.compress),
    ("identity", lambda b: b),
    (None, lambda b: b),
    ("", lambda b: b),
])
def test_decode_content(coding: str | None, encode) -> None:
    assert decode_content(encode(B01_HTML), coding) == B01_HTML


@pytest.mark.parametrize("header, encode", [
    # codings are listed in the order they were applied; decoding goes right to left
    ("gzip, br", lambda b: brotli.compress(gzip.compress(b, mtime=0))),
    ("deflate,gzip", lambda b: gzip.compress(zlib.compress(b), mtime=0)),
    ("identity, gzip", lambda b: gzip.compress(b, mtime=0)),
    ("gzip, gzip", lambda b: gzip.compress(gzip.compress(b, mtime=0), mtime=0)),
])
def test_decode_content_chained(header: str, encode) -> None:
    assert decode_content(encode(B01_HTML), header) == B01_HTML


@pytest.mark.parametrize("body, coding", [
    (b"not gzip at all", "gzip"),
    (gzip.compress(B01_HTML, mtime=0)[:40], "gzip"),  # truncated gzip
    (b"not deflate", "deflate"),
    (b"\x00\x01 not brotli \xff", "br"),
    (b"abc", "compress"),  # unsupported coding
], ids=["not-gzip", "truncated-gzip", "not-deflate", "not-br", "unsupported-coding"])
def test_decode_content_broken_raises_value_error(body: bytes, coding: str) -> None:
    with pytest.raises(ValueError):
        decode_content(body, coding)


def test_decode_content_multi_member_gzip() -> None:
    # RFC 1952 section 2.2: a gzip file is a series of members; all of them are the entity.
    body = gzip.compress(b"<html><body>first half ", mtime=0) + gzip.compress(b"second half</body></html>", mtime=0)
    assert gzip.decompress(body) == b"<html><body>first half second half</body></html>"
    assert decode_content(body, "gzip") == b"<html><body>first half second half</body></html>"


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_read_record_keeps_raw_payload_when_body_does_not_decode(tmp_path: Path, coding: str) -> None:
    # A server that lies about its Content-Encoding must not make the record unreadable:
    # the reader falls back to the stored bytes, and iter_records goes on to the next record.
    liar = simple_exchange(body=b"plain text, not " + coding.encode(),
                           headers=[(b"Content-Encoding", coding.encode())])
    writer, pointers = write_all(tmp_path, liar, simple_exchange())
    path = tmp_path / writer.files_written[0]
    record = read_record(path, pointers[0].response.warc_offset)
    assert record.raw_payload == liar.body
    assert record.payload == liar.body
    assert [r.rec_type for _, _, r in iter_records(path)] == ["warcinfo"] + ["request", "response"] * 2


_HALVES = (b"<html><body>first half ", b"second half</body></html>")


@pytest.mark.parametrize("coding, body, entity", [
    ("gzip", gzip.compress(_HALVES[0], mtime=0) + gzip.compress(_HALVES[1], mtime=0), b"".join(_HALVES)),
    ("x-gzip", gzip.compress(B01_HTML, mtime=0), B01_HTML),  # RFC 9110 section 8.4.1.3
    ("gzip, br", brotli.compress(gzip.compress(B01_HTML, mtime=0)), B01_HTML),  # a list: warcio leaves it
    ("gzip", gzip.compress(B01_HTML, mtime=0)[:40], None),  # cut short: read as stored
    ("gzip", gzip.compress(B01_HTML, mtime=0) + b"junk after", None),  # junk after the member
], ids=["gzip-members", "x-gzip", "coding-list", "gzip-cut-short", "gzip-then-junk"])
def test_read_record_payload_through_content_stream(tmp_path: Path, coding: str, body: bytes,
                                                    entity: bytes | None) -> None:
    # read_record reads the payload as warcio's content_stream() does (every gzip member),
    # and a body that does not decode to its end as stored, as before
    exchange = simple_exchange(body=body, headers=[(b"Content-Encoding", coding.encode())])
    writer, [pointers] = write_all(tmp_path, exchange)
    record = read_record(tmp_path / writer.files_written[0], pointers.response.warc_offset)
    assert record.raw_payload == body
    assert record.payload == (body if entity is None else entity)


@pytest.mark.parametrize("framed, entity", [
    (b"5\r\nHello\r\n6\r\n world\r\n0\r\n\r\n", b"Hello world"),
    (b"Hello world", b"Hello world"),  # stored de-chunked under its chunked header: as stored
    (b"5\r\nHello\r\nzz\r\n world\r\n0\r\n\r\n", b"5\r\nHello\r\nzz\r\n world\r\n0\r\n\r\n"),
], ids=["chunked", "not-chunked-after-all", "bad-chunk-size"])
def test_read_record_dechunks_a_foreign_chunked_body(tmp_path: Path, framed: bytes, entity: bytes) -> None:
    # another tool's WARC may keep Transfer-Encoding: chunked and the chunk framing
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "foreign.warc.gz"
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        head = StatusAndHeaders("200 OK", [("Transfer-Encoding", "chunked")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("http://example.com/", "response",
                                                      payload=io.BytesIO(framed), http_headers=head))
    record = read_record(path, 0)
    assert record.raw_payload == framed
    assert record.payload == entity


@pytest.mark.parametrize("framed, entity", [
    (b"a\r\n<html><bod\r\n23\r\ny>Hello chunked world</body></html>\r\n0\r\n\r\n", B02_ENTITY),
    (b"5;name=value\r\nHello\r\n6;a=1;b=\"x\"\r\n world\r\n0\r\n\r\n", b"Hello world"),  # chunk extensions
    (b"A\r\n0123456789\r\n0\r\nTrailer: yes\r\n\r\n", b"0123456789"),  # upper-case hex, trailer
    (b"0\r\n\r\n", b""),
    (b"1a\r\n" + b"z" * 26 + b"\r\n0\r\n\r\n", b"z" * 26),
], ids=["b02-input-a", "chunk-extensions", "upper-hex-and-trailer", "empty-entity", "hex-size"])
def test_dechunk(framed: bytes, entity: bytes) -> None:
    assert dechunk(framed) == entity


@pytest.mark.parametrize("framed", [
    b"",  # nothing at all
    b"5\r\nHello\r\n",  # no last chunk
    b"zz\r\nHello\r\n0\r\n\r\n",  # size not hex
    b"10\r\nHello\r\n0\r\n\r\n",  # chunk runs past the end
    b"5\r\nHello",  # size line, then data cut
    b"5\r\nHelloXY0\r\n\r\n",  # chunk data not followed by CRLF
    b"3\r\nHello\r\n0\r\n\r\n",  # chunk longer than its size line says
], ids=["empty", "no-last-chunk", "size-not-hex", "runs-past-end", "data-cut", "no-crlf-after-data",
        "chunk-longer-than-size"])
def test_dechunk_malformed_raises_value_error(framed: bytes) -> None:
    with pytest.raises(ValueError):
        dechunk(framed)


# ---- B11: a truncated last member is reported, not read as valid --------------------------
def test_b11_read_record_of_truncated_member_raises(tmp_path: Path) -> None:
    rnd = random.Random(11)
    exchanges = [simple_exchange(f"https://news.example.org/2024/03/02/story-{i}", body=rnd.randbytes(3200))
                 for i in range(3)]
    writer, pointers = write_all(tmp_path, *exchanges)
    path = tmp_path / writer.files_written[0]
    path.write_bytes(path.read_bytes()[:-40])  # kill -9 while the 3rd response was written

    # records 1 and 2 are intact and still read
    for p, exchange in zip(pointers[:2], exchanges):
        assert read_record(path, p.response.warc_offset).raw_payload == exchange.body
    broken = pointers[2].response.warc_offset
    with pytest.raises(WarcError):
        read_record(path, broken)


def test_b11_iter_records_reports_truncation_with_offset(tmp_path: Path) -> None:
    rnd = random.Random(11)
    exchanges = [simple_exchange(f"https://news.example.org/2024/03/02/story-{i}", body=rnd.randbytes(3200))
                 for i in range(3)]
    writer, pointers = write_all(tmp_path, *exchanges)
    path = tmp_path / writer.files_written[0]
    path.write_bytes(path.read_bytes()[:-40])
    broken = pointers[2].response.warc_offset
    seen = []
    with pytest.raises(WarcError) as excinfo:
        for offset, _, record in iter_records(path):
            seen.append((offset, record.rec_type))
    assert str(broken) in str(excinfo.value)
    # everything before the broken member was yielded, the broken member was not
    assert seen == [(0, "warcinfo")] + [
        (c.warc_offset, c.record_type) for p in pointers[:2] for c in (p.request, p.response)
    ] + [(pointers[2].request.warc_offset, "request")]


def test_a_body_compressed_by_the_server_is_stored_without_recompressing(tmp_path: Path) -> None:
    """Deflating gzip bytes again costs time and saves nothing: such a record's gzip member
    uses stored blocks, and it still reads back (and digests) like any other."""
    html = b"<html><body>" + b"<p>A story about the harbour and the council vote.</p>" * 200 + b"</body></html>"
    body = gzip.compress(html)
    exchange = HttpExchange(url="https://news.example.org/a/", method="GET", request_headers=[], status=200,
                            response_headers=[(b"Content-Type", b"text/html"), (b"Content-Encoding", b"gzip")],
                            body=body)
    writer, (pointers,) = write_all(tmp_path, exchange, gzip_level=9)
    path = tmp_path / writer.files_written[0]
    member = path.read_bytes()[pointers.response.warc_offset:pointers.response.warc_offset + pointers.response.warc_length]
    assert len(member) > len(body)  # stored, not deflated again
    record = read_record(path, pointers.response.warc_offset)
    assert record.raw_payload == body and record.payload == html
    assert pointers.response.payload_digest == sha1_digest(body)
