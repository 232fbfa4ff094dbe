"""A small archive with known answers for the search, show, stats, API and Datasette tests."""
from __future__ import annotations

from pathlib import Path

from archive.index import ArticleRow, Index
from archive.records import CaptureRecord

BASE = "https://www.courthousenews.com"

# (title, text, authors, categories, tags, published, site, language, canonical_url)
ROWS = [
    ("Judge blocks Kazakhstan pipeline seizure",
     "A federal judge blocked the seizure of a pipeline in Kazakhstan pending arbitration.",
     ["Cain Burdeau"], ["Courts"], ["energy", "arbitration"], "2022-01-10T09:00:00Z",
     "courthousenews", "en", f"{BASE}/kazakhstan-pipeline/"),
    ("Unrest spreads across Kazakhstan",
     "Protests over fuel prices spread across Kazakhstan; the government resigned.",
     ["Cain Burdeau", "Other Person"], ["International"], ["protests"], "2022-01-05",
     "courthousenews", "en-US", f"{BASE}/kazakhstan-unrest/"),
    ("Budget talks stall",
     "Negotiators in the capital discussed Kazakhstan only in passing; the budget stalled.",
     ["Cain Burdeauville"], ["Politics"], [], "2022-01-12",
     "courthousenews", "en", f"{BASE}/budget-talks/"),
    ("Kazakhstan court rules on grain exports",
     "A court in Kazakhstan ruled on grain exports in February.",
     ["cain burdeau"], ["Courts"], ["trade"], "2022-02-03",
     "courthousenews", "en", f"{BASE}/kazakhstan-grain/"),
    ("Kasachstan: Gericht urteilt",
     "Ein Gericht in Kasachstan hat geurteilt. Die Pipeline bleibt offen.",
     ["Zoë Müller"], ["Gerichte"], [], "2022-01-20T10:00:00+01:00",
     None, "de-DE", "https://www.example.de/kasachstan-gericht/"),
    ("Short note", "Kazakhstan.", [], [], [], None,
     "courthousenews", "en", f"{BASE}/short-note/"),
    ("Reporter profile",
     "Cain Burdeau has reported on Kazakhstan and energy courts for years, a long profile.",
     ["Jane Roe"], ["Media"], ["kazakhstan"], "2022-01-15",
     "courthousenews", "en", f"{BASE}/reporter-profile/"),
]
KAZ_CAIN_JAN_2022 = [1, 2]  # Cain Burdeau, January 2022, mentions Kazakhstan


def capture(n: int, url: str, fetched_at: str, record_type: str = "response", **extra: object) -> CaptureRecord:
    return CaptureRecord(
        url=url, status=200, mime="text/html", payload_digest=f"sha1:D{n}", fetched_at=fetched_at,
        warc_filename="newsarchive-20240302100000-00000-test.warc.gz", warc_offset=1000 * n,
        warc_length=900 + n, record_id=f"<urn:uuid:00000000-0000-0000-0000-{n:012d}>",
        record_type=record_type, **extra,  # type: ignore[arg-type]
    )


def build_archive(data: Path) -> Path:
    """Write the rows (ids 1..7 in order) with captures into DATA/archive.db; return the db path."""
    path = data / "archive.db"
    with Index(path) as index:
        crawl = index.start_crawl("courthousenews", since="2022-01-01", until="2022-02-28", args={})
        rows = []
        for n, (title, text, authors, cats, tags, published, site, lang, url) in enumerate(ROWS, start=1):
            fetched = f"2024-03-02T10:00:{n:02d}Z"
            fetched_url = url + "?utm_source=x" if n == 1 else url
            (capture_id,) = index.add_captures([capture(n, fetched_url, fetched)], crawl)
            rows.append(ArticleRow(
                canonical_url=url, url=fetched_url, site=site, title=title, authors=authors,
                published=published, categories=cats, tags=tags, language=lang, text=text,
                capture_id=capture_id, warc_filename="newsarchive-20240302100000-00000-test.warc.gz",
                warc_offset=1000 * n, warc_length=900 + n, fetched_at=fetched,
            ))
        assert index.upsert_articles(rows) == list(range(1, len(ROWS) + 1))
        # a later revisit of article 1 (same payload)
        index.add_captures([capture(100, f"{BASE}/kazakhstan-pipeline/", "2024-04-02T10:00:00Z",
                                    "revisit", profile="http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
                                    refers_to_uri=f"{BASE}/kazakhstan-pipeline/?utm_source=x",
                                    refers_to_date="2024-03-02T10:00:01Z")], crawl)
        index.finish_crawl(crawl, status="finished", stats={"articles": len(ROWS)})
    return path
