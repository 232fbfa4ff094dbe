"""The WARC files (ISO 28500, WARC 1.1): the archive's source of truth, and what reads them.

One module per concept, as warcio has them:

==================  ==========================================================================
``blocks``          digests, WARC-Date, WARC-Target-URI, the ``application/http`` blocks
``writer``          :class:`WarcWriter`: request, response, revisit and metadata records
``reader``          :func:`read_record` (a seek and one record), :func:`iter_records`
``codings``         the ``br`` and ``zstd`` content codings, taught to warcio
``parse``           a record's header blocks parsed as its bytes stream past; Record, Gap
``resync``          every readable record of a file, damaged bytes skipped past
``check``           ``warc check`` and ``--repair`` (``check_record``: one record, strictly)
``arc_check``       the same for ARC files
``cdxj``            DATA/indexes/index.cdxj, kept current incrementally
``cdxj_file``       one file's CDXJ lines (``cdxj_ahead``: while a crawl writes it)
``wacz``            the archive as a WACZ package
``importer``        WARC and ARC files of other tools, imported
==================  ==========================================================================

The writer's and reader's names are importable from here (``from archive.warc import
WarcWriter, read_record``); the other modules by their own names. Nothing here imports
Scrapy: the crawler hands the writer plain :class:`HttpExchange` values.
"""
from __future__ import annotations

from archive.warc.blocks import (
    DEFAULT_GZIP_LEVEL,
    DEFAULT_MAX_BYTES,
    METADATA_CONTENT_TYPE,
    PROFILE_IDENTICAL_PAYLOAD,
    PROFILE_SERVER_NOT_MODIFIED,
    WARC_VERSION,
    ExchangeRecords,
    HeaderList,
    HttpExchange,
    WarcError,
    http_request_block,
    http_response_block,
    sha1_digest,
    target_uri,
    warc_date,
)
from archive.warc.reader import StoredRecord, dechunk, decode_content, iter_records, read_record
from archive.warc.writer import WarcWriter

__all__ = [
    "DEFAULT_GZIP_LEVEL",
    "DEFAULT_MAX_BYTES",
    "METADATA_CONTENT_TYPE",
    "PROFILE_IDENTICAL_PAYLOAD",
    "PROFILE_SERVER_NOT_MODIFIED",
    "WARC_VERSION",
    "ExchangeRecords",
    "HeaderList",
    "HttpExchange",
    "StoredRecord",
    "WarcError",
    "WarcWriter",
    "dechunk",
    "decode_content",
    "http_request_block",
    "http_response_block",
    "iter_records",
    "read_record",
    "sha1_digest",
    "target_uri",
    "warc_date",
]
