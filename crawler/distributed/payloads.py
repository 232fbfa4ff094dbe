"""The payloads archived by any process of a distributed crawl, for revisit records (issue 16).

Each process writes its own WARC files; on its own, a worker that fetches a payload another
worker archived writes it again in full. The crawl's ``payloads`` hash
(:attr:`crawler.distributed.keys.CrawlKeys.payloads`) maps each payload digest (WARC-Payload-Digest,
``sha1:BASE32``) to the response record holding it: ``"<WARC-Target-URI> <WARC-Date>
<WARC-Record-ID>"``. A process publishes a digest once its response record is written (so the
map never names a record that is not in some WARC file: a worker killed before the write
published nothing), and before writing a response asks the map, so that the payload becomes
an identical-payload-digest revisit record (WARC 1.1 section 6.7.2) referring to the other
process's record (WARC-Refers-To-Target-URI, -Date, WARC-Refers-To). ``merge`` puts both in
one archive, where the revisit replays with the response's payload. Two processes fetching
one payload at the same moment may both write a response (the first published wins).
"""
from __future__ import annotations

from typing import Any

from archive.records import CaptureRecord
from crawler.capture import CaptureWriter
from crawler.distributed.keys import CrawlKeys
from crawler.indexbuffer import IndexBuffer


class SharedPayloads:
    """The crawl's digest -> response record map, as one process uses it."""

    def __init__(self, server: Any, keys: CrawlKeys) -> None:
        self.server, self.key = server, keys.payloads

    @classmethod
    def from_settings(cls, settings: Any) -> SharedPayloads | None:
        """For a process of a distributed crawl (``CRAWL_REDIS_CRAWL`` set), else None."""
        if not settings.get("CRAWL_REDIS_CRAWL"):
            return None
        from scrapy_redis.connection import get_redis_from_settings

        return cls(get_redis_from_settings(settings), CrawlKeys.from_settings(settings))

    def get(self, digest: str) -> dict[str, Any] | None:
        """``{"url", "fetched_at", "record_id", "payload_digest"}`` of the response record
        another process wrote with ``digest``, or None."""
        found = self.server.hget(self.key, digest)
        if not found:
            return None
        url, fetched_at, record_id = found.decode().rsplit(" ", 2)  # a URI is the only part that could hold a space
        return {"url": url, "fetched_at": fetched_at, "record_id": record_id, "payload_digest": digest}

    def publish(self, digest: str, record: CaptureRecord) -> None:
        """``record`` (a response record just written) holds ``digest``, unless one already does."""
        self.server.hsetnx(self.key, digest, f"{record.url} {record.fetched_at} {record.record_id}")


class SharedCaptureWriter(CaptureWriter):
    """The capture writer of a process of a distributed crawl (``CRAWL_CAPTURE_WRITER_CLASS``
    in :mod:`crawler.distributed.settings`): a payload none of this process's records nor its
    archive holds is looked up in the crawl's shared map, and each response record written
    is published there."""

    def __init__(self, buffer: IndexBuffer, stats: Any, settings: Any, shared: SharedPayloads | None) -> None:
        super().__init__(buffer, stats, settings)
        self.shared = shared

    @classmethod
    def from_crawler(cls, crawler: Any, buffer: IndexBuffer) -> SharedCaptureWriter:
        return cls(buffer, crawler.stats, crawler.settings, SharedPayloads.from_settings(crawler.settings))

    def earlier_payload(self, digest: str) -> tuple[dict[str, Any] | None, bool]:
        earlier, _ = super().earlier_payload(digest)
        if earlier is None and self.shared is not None:
            return self.shared.get(digest), True  # another process's record
        return earlier, False

    def published(self, digest: str, record: CaptureRecord) -> None:
        super().published(digest, record)
        if self.shared is not None:
            self.shared.publish(digest, record)
