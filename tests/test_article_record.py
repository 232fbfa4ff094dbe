"""The article metadata record (issue 15): written by :func:`archive.records.metadata_fields`
and read back by :func:`metadata_record_fields` and :func:`article_from_metadata`, in one
module, so a crawl, ``import``, ``reindex`` and crash recovery agree on its format."""
from __future__ import annotations

import dataclasses
import json

import pytest

from archive.index import ArticleRow
from archive.records import (
    METADATA_RECORD_FORMAT,
    CaptureRecord,
    ExtractedArticle,
    article_from_metadata,
    metadata_fields,
    metadata_record_fields,
)

URL = "https://news.example/2024/03/05/judge-rules/"


def _extracted() -> ExtractedArticle:
    return ExtractedArticle(title="Judge Rules", authors=["Ana Ruiz", "Bo Li"], published="2024-03-05",
                            categories=["Courts"], tags=["appeals"], language="en",
                            text="The judge ruled. " * 20, extractor="trafilatura",
                            requisites=[(URL + "style.css", "stylesheet"), (URL + "lead.jpg", "image")])


def _row(extracted: ExtractedArticle) -> ArticleRow:
    capture = CaptureRecord(url=URL, status=200, mime="text/html", payload_digest="sha1:X",
                            fetched_at="2024-03-06T00:00:00Z", warc_filename="a.warc.gz", warc_offset=0,
                            warc_length=10, record_id="<urn:uuid:1>")
    return ArticleRow.from_extracted(extracted, canonical_url=URL, url=URL + "?amp=1", site="news.example",
                                     issue_date="2024-03-05", capture=capture, capture_id=1)


def test_a_written_record_reads_back_as_the_same_article() -> None:
    extracted = _extracted()
    block = json.dumps(metadata_fields(extracted, _row(extracted), [URL + "?amp=1"])).encode("utf-8")
    fields = metadata_record_fields(block, "application/json")
    assert fields is not None
    assert fields["record"] == METADATA_RECORD_FORMAT
    assert (fields["canonical_url"], fields["url"], fields["aliases"]) == (URL, URL + "?amp=1", [URL + "?amp=1"])
    # the row's key is carried over into the article read back
    assert article_from_metadata(fields) == dataclasses.replace(extracted, canonical_url=URL)


@pytest.mark.parametrize("block, content_type", [
    (None, "application/json"),
    (b'{"record": "newsarchive-article/1"}', "text/plain"),
    (b'{"record": "someone-else/2", "title": "x"}', "application/json"),
    (b'["newsarchive-article/1"]', None),
])
def test_what_is_not_our_article_record_is_none(block: bytes | None, content_type: str | None) -> None:
    assert metadata_record_fields(block, content_type) is None


@pytest.mark.parametrize("block", [b'{"record": "newsarchive-article/1", ', b"\xff\xfe{}", b"[" * 100_000])
def test_a_damaged_block_is_a_value_error(block: bytes) -> None:
    with pytest.raises(ValueError):
        metadata_record_fields(block, "application/json")


def test_missing_fields_take_their_defaults_and_unknown_ones_are_ignored() -> None:
    article = article_from_metadata({"record": METADATA_RECORD_FORMAT, "title": "T", "authors": None,
                                     "surprise": 1})
    assert (article.title, article.authors, article.text, article.is_article) == ("T", [], "", True)


def test_requisites_read_back_as_pairs_and_damaged_ones_are_dropped() -> None:
    article = article_from_metadata({"record": METADATA_RECORD_FORMAT, "requisites": [
        ["https://n.example/a.css", "stylesheet"], ["https://n.example/b.png"], "c.js", [1, "image"],
        ["https://n.example/d.woff2", "font", "extra"], ("https://n.example/e.jpg", "image")]})
    assert article.requisites == [("https://n.example/a.css", "stylesheet"), ("https://n.example/e.jpg", "image")]
    assert article_from_metadata({"requisites": None}).requisites == []
