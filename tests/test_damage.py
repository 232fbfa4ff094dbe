"""Issue 14: damaged bytes cost only themselves.

A small archive is written as the crawler writes one (tests/test_reindex.build_archive, one
WARC file of one gzip member per record), and copies of it are damaged the ways an
adversarial trial damaged ours: a flipped byte inside a middle member; a Content-Length
too small, too large and absurd; garbage between members; a truncated tail; a gzip bomb;
an empty file; a file that is not gzip. After each, ``reindex`` must still index every
readable record (captures and articles compared with the undamaged archive's, and every
capture's pointer must read back its record), name each gap on one line of printable
text, and ``warc check --repair`` must move only a tail that belongs to no readable record
(``kept + .damaged == original`` byte for byte).
"""
from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path
from typing import Any, Callable

import pytest
from click.testing import CliRunner

from archive.cli import main
from archive.index import Index
from archive.reindex import ReindexRefused, reindex
from archive.warc import read_record
from tests.test_reindex import SITE, build_archive, export_jsonl, table
from tests.test_warc_check import members

ROOT = Path(__file__).resolve().parents[1]
CAPTURE_KEY = ("SELECT record_id, url, record_type, status, mime, payload_digest, fetched_at, profile,"
               " refers_to_uri, refers_to_date FROM captures")
ARTICLE_FIELDS = ("canonical_url", "url", "title", "authors", "published", "text")


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data = tmp_path_factory.mktemp("damage") / "data"
    build_archive(data, max_bytes=10**9)  # one file: every record is a member of it
    [warc] = sorted((data / "warc").glob("*.warc.gz"))
    parts = [m for _, m in members(warc)]
    offsets = [o for o, _ in members(warc)]
    listing = table(data, f"SELECT record_id, warc_offset FROM captures WHERE url = '{SITE}/2024/03/05/'")
    [(listing_id, listing_offset)] = listing
    return {
        "data": data, "warc": warc, "parts": parts, "offsets": offsets,
        "target": offsets.index(listing_offset),  # the listing page's response: a middle member
        "target_id": listing_id,
        "captures": table(data, CAPTURE_KEY),
        "articles": articles(data),
    }


def articles(data: Path) -> list[tuple[Any, ...]]:
    return sorted(tuple(repr(row[name]) for name in ARTICLE_FIELDS) for row in export_jsonl(data))


def gz(raw: bytes) -> bytes:
    return gzip.compress(raw, mtime=0)


def inflate(member: bytes) -> bytes:
    return zlib.decompress(member, zlib.MAX_WBITS | 16)


def with_content_length(member: bytes, change: Callable[[int], int]) -> bytes:
    """The member with its record's WARC Content-Length changed (the block left as it is)."""
    raw = inflate(member)
    head, sep, rest = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    for i, line in enumerate(lines):
        if line.lower().startswith(b"content-length:"):
            lines[i] = b"Content-Length: " + str(change(int(line.split(b":", 1)[1]))).encode()
    return gz(b"\r\n".join(lines) + sep + rest)


def damaged_copy(original: dict[str, Any], tmp_path: Path, content: bytes, *, with_index: bool = False) -> Path:
    data = tmp_path / "data"
    if with_index:
        shutil.copytree(original["data"], data)
    else:
        (data / "warc").mkdir(parents=True)
    (data / "warc" / original["warc"].name).write_bytes(content)
    return data


def reindex_cli(data: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["--data", str(data), "reindex", *args])


def check_cli(data: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["--data", str(data), "warc", "check", *args])


def printable(text: str) -> bool:
    return all(ch == "\n" or " " <= ch <= "~" for ch in text)


def assert_pointers_read_back(data: Path) -> None:
    """Every capture's (file, offset) reads back the very record it names."""
    rows = table(data, "SELECT warc_filename, warc_offset, record_id FROM captures")
    assert rows
    for filename, offset, record_id in rows:
        assert read_record(data / "warc" / filename, offset).warc_headers["WARC-Record-ID"] == record_id


def assert_all_but_target_indexed(original: dict[str, Any], data: Path, *, target_lost: bool) -> None:
    after = table(data, CAPTURE_KEY)
    expected = [row for row in original["captures"] if not target_lost or row[0] != original["target_id"]]
    assert after == expected
    assert articles(data) == original["articles"]
    assert_pointers_read_back(data)


def left_out_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("Left out ")]


# ---- damage in the middle: only the damaged record is lost, and nothing is moved -----------------------


def flipped(original: dict[str, Any]) -> bytes:
    parts = list(original["parts"])
    member = bytearray(parts[original["target"]])
    member[len(member) // 2] ^= 0xFF
    parts[original["target"]] = bytes(member)
    return b"".join(parts)


def content_length(change: Callable[[int], int]) -> Callable[[dict[str, Any]], bytes]:
    def make(original: dict[str, Any]) -> bytes:
        parts = list(original["parts"])
        parts[original["target"]] = with_content_length(parts[original["target"]], change)
        return b"".join(parts)
    return make


@pytest.mark.parametrize(("make", "lost"), [
    pytest.param(flipped, True, id="flipped-byte"),
    # a block shorter than declared: the record reads as it declares itself (as warcio
    # reads it), its HTTP headers whole; the bytes after it are the gap
    pytest.param(content_length(lambda n: n - 10), False, id="content-length-too-small"),
    pytest.param(content_length(lambda n: n + 10), True, id="content-length-too-large"),
    pytest.param(content_length(lambda n: 99999999999999), True, id="content-length-absurd"),
])
def test_damaged_middle_member_costs_only_itself(original, tmp_path: Path, make, lost: bool) -> None:
    content = make(original)
    data = damaged_copy(original, tmp_path, content)
    result = reindex_cli(data)
    assert result.exit_code == 0, result.output
    assert_all_but_target_indexed(original, data, target_lost=lost)
    target_offset = original["offsets"][original["target"]]
    [line] = left_out_lines(result.output)
    assert f"{original['warc'].name} at offset {target_offset}:" in line and " bytes" in line
    assert printable(result.output)

    # warc check reports the damage where it is, and --repair moves nothing
    check = check_cli(data, "--repair")
    assert check.exit_code == 1, check.output
    assert f":{target_offset}  corrupt  " in check.output
    assert "repaired" not in check.output and printable(check.output)
    warc = data / "warc" / original["warc"].name
    assert warc.read_bytes() == content
    assert not list((data / "warc").glob("*.damaged*"))


def test_garbage_between_members_costs_nothing(original, tmp_path: Path) -> None:
    parts = list(original["parts"])
    junk = (b"\x00\xff\x1b[31mjunk\x1f\x8b\x08\x00" + bytes(range(256))) * 20
    at = original["target"] + 1
    content = b"".join(parts[:at]) + junk + b"".join(parts[at:])
    data = damaged_copy(original, tmp_path, content)
    result = reindex_cli(data)
    assert result.exit_code == 0, result.output
    assert_all_but_target_indexed(original, data, target_lost=False)
    [line] = left_out_lines(result.output)
    junk_offset = sum(len(p) for p in parts[:at])
    assert f"at offset {junk_offset}: unreadable: {len(junk)} bytes: " in line
    assert printable(result.output)
    check = check_cli(data)
    assert check.exit_code == 1 and f":{junk_offset}  corrupt  " in check.output and printable(check.output)


# ---- a truncated tail: the only bytes --repair moves --------------------------------------------------


def test_truncated_tail_is_moved_and_nothing_else(original, tmp_path: Path) -> None:
    content = b"".join(original["parts"])[:-40]
    data = damaged_copy(original, tmp_path, content)
    result = reindex_cli(data)
    assert result.exit_code == 0, result.output
    last_offset = original["offsets"][-1]
    [line] = left_out_lines(result.output)
    assert f"at offset {last_offset}: truncated: {len(content) - last_offset} bytes" in line
    lost = table(data, "SELECT count(*) FROM captures")[0][0]
    assert lost == len(original["captures"]) - 1  # the last response (the feed)
    assert articles(data) == original["articles"]

    check = check_cli(data, "--repair")
    assert check.exit_code == 0, check.output
    warc = data / "warc" / original["warc"].name
    damaged = warc.with_name(warc.name + ".damaged")
    assert warc.read_bytes() + damaged.read_bytes() == content
    assert warc.stat().st_size == last_offset
    assert check_cli(data).exit_code == 0
    again = reindex_cli(data)
    assert again.exit_code == 0 and not left_out_lines(again.output), again.output


# ---- a gzip bomb: one damaged record, read in bounded memory ---------------------------------------------


def bomb(header: bytes, zeros: int) -> bytes:
    """A valid gzip member: ``header`` then ``zeros`` zero bytes (~1000:1)."""
    chunk_size = 1 << 20
    assert zeros % chunk_size == 0
    start = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = start.compress(header) + start.flush(zlib.Z_FULL_FLUSH)
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = block.compress(bytes(chunk_size)) + block.flush(zlib.Z_FULL_FLUSH)  # refers to nothing before it
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    crc = zlib.crc32(header)
    zero_chunk = bytes(chunk_size)
    for _ in range(zeros // chunk_size):
        crc = zlib.crc32(zero_chunk, crc)
    size = (len(header) + zeros) & 0xFFFFFFFF
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + head + chunk * (zeros // chunk_size) + final
            + crc.to_bytes(4, "little") + size.to_bytes(4, "little"))


def bomb_header(length: int) -> bytes:
    return (b"WARC/1.1\r\nWARC-Type: metadata\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-00000000b0b0>\r\n"
            b"WARC-Date: 2024-03-05T12:00:00Z\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(length).encode() + b"\r\n\r\n")


def test_gzip_bomb_is_a_damaged_record_read_in_bounded_memory(original, tmp_path: Path) -> None:
    gigabyte = 1 << 30
    small = bomb(bomb_header(100), gigabyte)  # declares 100 bytes, inflates to 1 GiB
    huge = bomb(bomb_header(10**12), gigabyte)  # declares 1 TB: inflates to its end, 1 GiB
    assert len(small) < 2_000_000 and len(huge) < 2_000_000
    parts = list(original["parts"])
    at = original["target"]
    content = b"".join(parts[:at]) + small + huge + b"".join(parts[at:])
    data = damaged_copy(original, tmp_path, content)
    script = textwrap.dedent("""
        import resource, subprocess, sys
        run = subprocess.run([sys.executable, "-m", "archive", "--data", sys.argv[1], "reindex"],
                             capture_output=True, text=True)
        sys.stderr.write(run.stderr)
        print(run.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    """)
    run = subprocess.run([sys.executable, "-c", script, str(data)], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    code, peak_kib = (int(v) for v in run.stdout.split())
    assert code == 0, run.stderr[-3000:]
    assert peak_kib < 300 * 1024, f"reindex peaked at {peak_kib // 1024} MB"
    print(f"reindex of the bombed archive peaked at {peak_kib // 1024} MB")
    assert len(run.stderr) < 10_000 and printable(run.stderr)
    lines = left_out_lines(run.stderr)
    bomb_offset = sum(len(p) for p in parts[:at])
    assert any(f"at offset {bomb_offset}:" in line for line in lines), lines
    assert any(f"at offset {bomb_offset + len(small)}:" in line for line in lines), lines
    assert_all_but_target_indexed(original, data, target_lost=False)


# ---- files that hold no record ----------------------------------------------------------------------


def test_empty_file_and_non_gzip_file(original, tmp_path: Path) -> None:
    content = b"".join(original["parts"])
    data = damaged_copy(original, tmp_path, content)
    (data / "warc" / "zz-empty.warc.gz").write_bytes(b"")
    notes = b"these are notes, not a WARC \x00\x01\xfe\x1b[2J\n" * 3
    (data / "warc" / "zz-notes.warc.gz").write_bytes(notes)
    result = reindex_cli(data)
    assert result.exit_code == 0, result.output
    assert_all_but_target_indexed(original, data, target_lost=False)
    [line] = left_out_lines(result.output)
    assert line.startswith(f"Left out zz-notes.warc.gz at offset 0: unreadable: {len(notes)} bytes: ")
    assert printable(result.output)

    check = check_cli(data, "--repair")
    assert check.exit_code == 0, check.output
    notes_path = data / "warc" / "zz-notes.warc.gz"
    assert notes_path.read_bytes() + notes_path.with_name("zz-notes.warc.gz.damaged").read_bytes() == notes
    assert (data / "warc" / original["warc"].name).read_bytes() == content
    assert printable(check.output)


# ---- the index is never replaced by a smaller one without --force -------------------------------------


def test_reindex_refuses_to_shrink_the_index_without_force(original, tmp_path: Path) -> None:
    data = damaged_copy(original, tmp_path, flipped(original), with_index=True)
    db = data / "archive.db"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    result = reindex_cli(data)
    assert result.exit_code == 1, result.output
    n_captures, n_articles = len(original["captures"]), len(original["articles"])
    assert (f"would hold {n_articles} articles and {n_captures - 1} captures" in result.output
            and f"holds {n_articles} and {n_captures}" in result.output
            and "it would lose 0 articles and 1 captures" in result.output), result.output
    assert "--force" in result.output and left_out_lines(result.output)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not list(data.glob("archive.db.rebuild*")) and not (data / "archive.db.bak").exists()
    with pytest.raises(ReindexRefused) as refused:
        reindex(data)
    assert refused.value.lost == {"articles": 0, "captures": 1}
    assert [offset for _, offset, _ in refused.value.stats.damaged] == [original["offsets"][original["target"]]]
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before

    forced = reindex_cli(data, "--force")
    assert forced.exit_code == 0, forced.output
    assert_all_but_target_indexed(original, data, target_lost=True)
    assert (data / "archive.db.bak").exists()
    with Index(data / "archive.db", readonly=True) as index:
        assert index.db["crawls"].count == 1  # carried over as always


def test_offset_index_of_the_good_records_skips_the_damage(original, tmp_path: Path) -> None:
    """readable_ranges: every record but the damaged one, each readable alone by a seek
    (what a CDXJ indexer or a replay that cannot resynchronise needs)."""
    from archive.warc.resync import readable_ranges

    content = flipped(original)
    data = damaged_copy(original, tmp_path, content)
    path = data / "warc" / original["warc"].name
    ranges, gaps = readable_ranges(path)
    target = original["target"]
    expected = [(o, len(m)) for i, (o, m) in enumerate(zip(original["offsets"], original["parts"])) if i != target]
    assert ranges == expected
    assert [(g.offset, g.length) for g in gaps] == [(original["offsets"][target], len(original["parts"][target]))]
    for offset, _ in ranges:
        read_record(path, offset)  # raises if no whole record starts there


# ---- every kind of damage: kept + .damaged == original, and every readable record replays ----------


def peak_rss_run(data: Path, *args: str) -> tuple[int, str, int]:
    """``python -m archive --data DATA ARGS`` in a child process: (exit code, stdout + stderr,
    the child's peak RSS in KiB, from getrusage)."""
    script = textwrap.dedent("""
        import resource, subprocess, sys
        run = subprocess.run([sys.executable, "-m", "archive", "--data", *sys.argv[1:]],
                             capture_output=True, text=True)
        sys.stderr.write(run.stdout + run.stderr)
        print(run.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    """)
    run = subprocess.run([sys.executable, "-c", script, str(data), *args], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    code, peak_kib = (int(v) for v in run.stdout.split())
    return code, run.stderr, peak_kib


def vm_hwm_kib(pid: int) -> int:
    """A running process's peak RSS (VmHWM, KiB) from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def every_damage(original: dict[str, Any]) -> dict[str, tuple[dict[str, bytes], set[str]]]:
    """name -> ({file name: damaged content}, record ids of the captures the damage costs)."""
    name = original["warc"].name
    whole = b"".join(original["parts"])
    parts, at = list(original["parts"]), original["target"]
    junk = (b"\x00\xff\x1b[31mjunk\x1f\x8b\x08\x00" + bytes(range(256))) * 20
    gigabyte = 1 << 30
    bombs = bomb(bomb_header(100), gigabyte) + bomb(bomb_header(10**12), gigabyte)
    last = original["offsets"][-1]
    tail_lost = {r[0] for r in table(original["data"],
                                     f"SELECT record_id FROM captures WHERE warc_offset >= {last}")}
    notes = b"these are notes, not a WARC \x00\x01\xfe\x1b[2J\n" * 3
    target = {original["target_id"]}
    return {
        "flipped-byte": ({name: flipped(original)}, target),
        "content-length-too-small": ({name: content_length(lambda n: n - 10)(original)}, set()),
        "content-length-too-large": ({name: content_length(lambda n: n + 10)(original)}, target),
        "content-length-absurd": ({name: content_length(lambda n: 99999999999999)(original)}, target),
        "garbage-between-members": ({name: b"".join(parts[:at + 1]) + junk + b"".join(parts[at + 1:])}, set()),
        "truncated-tail": ({name: whole[:-40]}, tail_lost),
        "gzip-bomb": ({name: b"".join(parts[:at]) + bombs + b"".join(parts[at:])}, set()),
        "empty-file": ({name: whole, "zz-empty.warc.gz": b""}, set()),
        "non-gzip-file": ({name: whole, "zz-notes.warc.gz": notes}, set()),
    }


DAMAGE_KINDS = ["flipped-byte", "content-length-too-small", "content-length-too-large", "content-length-absurd",
                "garbage-between-members", "truncated-tail", "gzip-bomb", "empty-file", "non-gzip-file"]


@pytest.mark.parametrize("kind", DAMAGE_KINDS)
def test_each_damage_keeps_every_byte_and_every_readable_record_replays(original, tmp_path: Path, kind: str) -> None:
    """The acceptance of issue 14 for each kind of damage, in order: ``reindex``, ``warc check
    --repair``, ``reindex`` again; then for every file ``kept + .damaged == original`` byte for
    byte, every readable record is indexed, and every 200 response replays (pywb, ``id_``)
    with its stored payload and every article with its title. For the gzip bomb, the peak RSS
    of reindex, of the check and of the replay server (which indexes the file) is under 300 MB."""
    from archive.index import replay_url
    from tests.test_replay import ReplayServer

    files, lost = every_damage(original)[kind]
    data = tmp_path / "data"
    (data / "warc").mkdir(parents=True)
    for name, content in files.items():
        (data / "warc" / name).write_bytes(content)
    limit_kib = 300 * 1024
    code, output, peak = peak_rss_run(data, "reindex")
    assert code == 0 and printable(output), output[-3000:]
    assert peak < limit_kib, f"reindex peaked at {peak // 1024} MB"
    code, output, peak = peak_rss_run(data, "warc", "check", "--repair")
    assert printable(output) and "Traceback" not in output, output[-3000:]
    assert peak < limit_kib, f"warc check --repair peaked at {peak // 1024} MB"
    for name, content in files.items():
        kept = (data / "warc" / name).read_bytes()
        moved = [p.read_bytes() for p in sorted((data / "warc").glob(name + ".damaged*"))]
        assert len(moved) <= 1 and kept + b"".join(moved) == content, (name, len(kept), [len(m) for m in moved])
    code, output, _ = peak_rss_run(data, "reindex")
    assert code == 0, output[-3000:]

    expected = [row for row in original["captures"] if row[0] not in lost]
    assert table(data, CAPTURE_KEY) == expected
    assert articles(data) == original["articles"]
    assert_pointers_read_back(data)

    responses = table(data, "SELECT url, fetched_at, warc_filename, warc_offset FROM captures"
                            " WHERE record_type = 'response' AND status = 200")
    titles = table(data, "SELECT url, fetched_at, title FROM articles")
    assert responses and titles
    with ReplayServer(data) as server:
        failed = []
        for url, fetched_at, filename, offset in responses:
            path = replay_url(fetched_at, url)
            assert path is not None
            stamp = path.split("/")[2]
            status, _, body = server.get(f"/archive/{stamp}id_/{url}")
            if status != 200 or body != read_record(data / "warc" / filename, offset).payload:
                failed.append((url, fetched_at, status, body[:80]))
        for url, fetched_at, title in titles:
            stamp = replay_url(fetched_at, url).split("/")[2]
            status, _, body = server.get(f"/archive/{stamp}mp_/{url}", follow=2)
            if status != 200 or title.encode() not in body:
                failed.append((url, fetched_at, status, title))
        assert server.process is not None
        replay_peak = vm_hwm_kib(server.process.pid)  # the high-water mark: indexing and serving
    assert not failed, failed
    assert replay_peak < limit_kib, f"replay peaked at {replay_peak // 1024} MB"
