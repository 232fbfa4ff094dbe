"""Scrapy settings for newsarchive: defaults in one place, overridable with ``-s NAME=VALUE``.

Our own settings are ``ARCHIVE_*`` (where and how the archive is written) and ``CRAWL_*``
(what the spider fetches), each with its unit in the name.
"""
from __future__ import annotations

import os

from archive import __version__

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders", "crawler.distributed.spider"]  # backissues, backissues-worker
NEWSPIDER_MODULE = "crawler.spiders"

# ---- the archive ---------------------------------------------------------------------
#: The data folder: archive.db, warc/, indexes/, jobs/ (see README "Where the data goes").
ARCHIVE_DATA_DIR = os.environ.get("NEWSARCHIVE_DATA", "data")
#: A WARC file is closed and the next one begun at this size.
ARCHIVE_WARC_MAX_BYTES = 1_000_000_000
#: zlib level of each WARC record's gzip member (1 fastest .. 9 smallest). 3 by measurement
#: (benchmarks/warc_gzip.py): half the cost of 6 on HTML bodies, for files about 12% larger.
ARCHIVE_WARC_GZIP_LEVEL = 3
#: Bytes of WARC written between two ranges indexed for replay while the crawl runs, in a
#: worker process of its own (archive.warc.cdxj_ahead); 0: the whole file after the crawl.
ARCHIVE_CDXJ_AHEAD_BYTES = 16 * 1024 * 1024
#: WARC file name prefix.
ARCHIVE_WARC_PREFIX = "newsarchive"
#: Rows buffered before one write transaction to archive.db.
ARCHIVE_INDEX_BATCH_SIZE = 50
#: Seconds between two writes of the buffered rows while a crawl runs, so that search sees
#: its articles as they come (0: only full batches and the crawl's end).
ARCHIVE_INDEX_FLUSH_SECS = 5.0
#: Extraction worker processes (-1: one per core; 0: extract in the crawler's own process).
ARCHIVE_EXTRACT_WORKERS = -1
#: Pages waiting for extraction at most (back-pressure; default 4 per worker).
ARCHIVE_EXTRACT_MAX_PENDING = 8
#: Who runs the crawl, for the warcinfo record's ``operator`` field.
ARCHIVE_OPERATOR = os.environ.get("NEWSARCHIVE_OPERATOR", "")

# ---- what the spider fetches ------------------------------------------------------------
#: Fetch the court filings (PDF documents) linked from in-range issues and articles.
CRAWL_FETCH_DOCUMENTS = True
#: Page requisites (stylesheets and what they load, scripts, images, icons) fetched so that
#: a capture replays as the page looked: ``same-site`` (the site's registrable domain and
#: its subdomains), ``all`` (any host, e.g. a third-party image CDN) or ``none``.
CRAWL_PAGE_REQUISITES = "same-site"
#: Audio and video requisites larger than this are skipped (logged and counted); every
#: requisite is also inside DOWNLOAD_MAXSIZE.
CRAWL_REQUISITE_MAX_BYTES = 10 * 1000 * 1000
#: A folder whose first this-many requisites answered 404 (and none 200) is given up for
#: the rest of the crawl (0: never give up).
CRAWL_REQUISITE_DEAD_FOLDER_404S = 3
#: A robots.txt Crawl-delay longer than this (seconds) is taken as this.
CRAWL_MAX_CRAWL_DELAY_SECS = 60.0
#: Longest Retry-After (seconds) honoured in this crawl; a longer one defers the URL.
CRAWL_RETRY_AFTER_MAX_SECS = 3600
#: A crawl with no --since starts at the last finished crawl's horizon minus this many days.
CRAWL_OVERLAP_DAYS = 2
#: Articles published this many days ago or less are fetched again (conditionally) by each crawl.
CRAWL_REVISIT_DAYS = 3
#: Start a crawl with no --since from the last crawl's horizon (False: from the beginning).
CRAWL_INCREMENTAL = True
#: The crawl's session (start, finish, horizon, deferred pages, recovery; crawler.session)
#: and its WARC capture writer (records and the revisit rule; crawler.capture), chosen as
#: Scrapy chooses SCHEDULER: a distributed crawl sets its own writer.
CRAWL_SESSION_CLASS = "crawler.session.CrawlSession"
CRAWL_CAPTURE_WRITER_CLASS = "crawler.capture.CaptureWriter"
#: Seconds between progress lines on the terminal (0 turns them off).
CRAWL_PROGRESS_INTERVAL_SECS = 5.0
#: Plain progress lines even on a terminal (else rich's live display there).
CRAWL_PROGRESS_PLAIN = False
#: The end-of-crawl summary lists articles per issue date even for a range over 31 days
#: (else per month; ``--per-day``).
CRAWL_SUMMARY_PER_DAY = False

# ---- distributed crawls (crawl --workers N, crawler/distributed/) -------------------------
#: Seconds between two heartbeats of a worker (and two lease checks of the coordinator).
CRAWL_REDIS_HEARTBEAT_SECS = 1.0
#: A worker silent this many seconds is taken for dead: its leased requests are queued again.
CRAWL_REDIS_LEASE_SECS = 10.0
#: Keep the time of every per-host delay slot taken, in Redis (``newsarchive:host:<host>:log``),
#: to audit the pace the site was given.
CRAWL_REDIS_SLOT_LOG = False

# ---- politeness --------------------------------------------------------------------------
#: Where a site owner can reach the operator; set it with --contact or NEWSARCHIVE_CONTACT.
CRAWL_CONTACT_URL = os.environ.get("NEWSARCHIVE_CONTACT", "https://github.com/newsarchive/newsarchive")
USER_AGENT = f"newsarchive/{__version__} (+{CRAWL_CONTACT_URL})"
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 4
#: Outputs of one callback processed at once. Scrapy starts this many asyncio tasks for
#: every callback's output, however little it yields: at Scrapy's 100 that was a fifth of
#: a crawl's CPU (benchmarks/crawl.py). Our callbacks yield one item or a list of requests,
#: and pages are processed in parallel anyway (one output pass per response).
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
DOWNLOAD_TIMEOUT = 60
#: Pages larger than this are not downloaded (the reason is logged and counted).
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = False
COOKIES_ENABLED = False
REDIRECT_MAX_TIMES = 10
#: Scrapy's own meta-refresh redirects stay off (they follow any host); ours follow a 200 page's
#: <meta http-equiv="refresh"> to the same site after at most this many seconds (-1: never).
METAREFRESH_ENABLED = False
CRAWL_META_REFRESH_MAX_DELAY_SECS = 5.0
# 404s, 410s and other errors are archived and counted, not hidden from the spider.
HTTPERROR_ALLOW_ALL = True
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
}

# ---- components ----------------------------------------------------------------------------
#: Scrapy's HTTP/1.1 handler, plus the response's status line and header lines as the server
#: sent them (case, order, Transfer-Encoding and Content-Length), for the WARC record.
DOWNLOAD_HANDLERS = {
    "http": "crawler.download.HeadRecordingDownloadHandler",
    "https": "crawler.download.HeadRecordingDownloadHandler",
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    # a 301 from /story to /story/ (one fingerprint) is not dropped as a duplicate of itself
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.redirects.SameKeyRedirectMiddleware": 600,
    "crawler.middlewares.ArchivedArticleFilterMiddleware": 90,
    # after RobotsTxtMiddleware (100): while robots.txt failed to connect, only the home page goes
    "crawler.reachability.SiteReachabilityMiddleware": 105,
    "crawler.requisites.RequisiteMiddleware": 95,
    "crawler.middlewares.RetryAfterMiddleware": 550,
    # just below the retries: sees each request's final answer (the errors figure)
    "crawler.errors.ErrorTallyMiddleware": 540,
    # before RedirectMiddleware (600) sees the answer: a redirect back to itself is asked again
    "crawler.politeness.SelfRedirectMiddleware": 610,
    # where Scrapy's MetaRefreshMiddleware would be: a stub shortlink to the same site is a redirect
    "crawler.metarefresh.SameSiteMetaRefreshMiddleware": 580,
    # Closest to the downloader: sees every response with its raw bytes, before retries,
    # redirects and decompression (STYLE.md habit 5).
    "crawler.middlewares.WarcCaptureMiddleware": 950,
    # every attempt's outcome, whichever middleware gave it, per phase (the progress lines)
    "crawler.progress.PhaseTally": 990,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ExtractPipeline": 300,
    "crawler.pipelines.IndexPipeline": 800,
}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "crawler.extensions.CrawlProgress": 500,
    # after AutoThrottle (0): robots.txt Crawl-delay is a floor it never goes under
    "crawler.politeness.CrawlDelay": 600,
}
REQUEST_FINGERPRINTER_CLASS = "crawler.fingerprint.CanonicalRequestFingerprinter"
#: Scrapy's LIFO pickle queue for JOBDIR, with callback names looked up once (crawler/queues.py).
SCHEDULER_DISK_QUEUE = "crawler.queues.ArchiveDiskQueue"
#: Scrapy's scheduler and priority queue, with page requisites served while every extraction
#: worker is busy (crawler/scheduler.py).
SCHEDULER = "crawler.scheduler.ArchiveScheduler"
SCHEDULER_PRIORITY_QUEUE = "crawler.scheduler.ArchivePriorityQueue"
#: Requests below this priority (page requisites, documents: crawler.spiders.roles.PRIORITY,
#: where article pages are 40) go ahead of article pages while extraction is saturated ...
CRAWL_FILL_BELOW_PRIORITY = 40
#: ... that is, while this many items are in the item pipelines (-1: one per extraction worker;
#: 0: never, requests strictly by priority).
CRAWL_FILL_AT_PENDING = -1
LOG_FORMATTER = "crawler.extensions.QuietLogFormatter"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
#: Scrapy's check that a callback is no generator returning a value reads the callback's source
#: and parses it (ast) on every response: its cache is keyed by weak references to the bound
#: methods, which die at once, so it never hits (about 1% of a crawl's main process). The
#: check runs in tests/test_spider_callbacks.py instead, once per callback.
WARN_ON_GENERATOR_RETURN_VALUE = False
