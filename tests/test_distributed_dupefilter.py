"""The shared seen-set of a distributed crawl (issue 16, fault 1) against a real redis-server:
one fingerprint per canonical URL, keys per site and crawl, --fresh clears them."""
from __future__ import annotations

import redis
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.distributed.dupefilter import FingerprintDupeFilter
from crawler.distributed.keys import CrawlKeys, clear_site, current_key, host_key
from tests.redis_server import redis_server  # noqa: F401 - the fixture

ARTICLE = {"role": "article"}


def dupefilter(url: str, site: str = "courthousenews", crawl: str = "c1") -> FingerprintDupeFilter:
    crawler = get_crawler(settings_dict={
        "REQUEST_FINGERPRINTER_CLASS": "crawler.fingerprint.CanonicalRequestFingerprinter",
        "REDIS_URL": url, "CRAWL_REDIS_SITE": site, "CRAWL_REDIS_CRAWL": crawl})
    crawler._apply_settings()
    return FingerprintDupeFilter.from_crawler(crawler)


def test_spellings_of_one_article_are_one_fingerprint(redis_server):
    df = dupefilter(redis_server.url)
    base = "http://127.0.0.1:8000/story/"
    assert not df.request_seen(Request(base, meta=ARTICLE))
    # utm_ variants, no trailing slash, a fragment, the default port, upper-case host: all seen
    for spelling in (base + "?utm_source=rss", "http://127.0.0.1:8000/story", base + "#comments",
                     "HTTP://127.0.0.1:8000/story/?utm_medium=email&utm_campaign=x"):
        assert df.request_seen(Request(spelling, meta=ARTICLE)), spelling
    assert not df.request_seen(Request("http://127.0.0.1:8000/other-story/", meta=ARTICLE))
    server = redis.Redis.from_url(redis_server.url)
    assert server.smembers("newsarchive:courthousenews:c1:seen") == {
        df.request_fingerprint(Request(base, meta=ARTICLE)).encode(),
        df.request_fingerprint(Request("http://127.0.0.1:8000/other-story/", meta=ARTICLE)).encode()}
    # the crawler's fingerprinter, not scrapy-redis's URL hash
    assert df.request_fingerprint(Request(base)) == df.fingerprinter.fingerprint(Request(base)).hex()


def test_a_second_process_sees_the_first_ones_requests(redis_server):
    one, two = dupefilter(redis_server.url), dupefilter(redis_server.url)
    assert not one.request_seen(Request("http://example.org/a/", meta=ARTICLE))
    assert two.request_seen(Request("http://example.org/a/?utm_source=x", meta=ARTICLE))
    one.close("finished")  # closing one process keeps the crawl's set for the others
    assert two.request_seen(Request("http://example.org/a/", meta=ARTICLE))


def test_keys_are_per_site_and_crawl_not_per_spider(redis_server):
    a = dupefilter(redis_server.url, site="siteone", crawl="c1")
    b = dupefilter(redis_server.url, site="sitetwo", crawl="c1")
    c = dupefilter(redis_server.url, site="siteone", crawl="c2")
    url = "http://example.org/a/"
    assert not a.request_seen(Request(url, meta=ARTICLE))
    assert not b.request_seen(Request(url, meta=ARTICLE))
    assert not c.request_seen(Request(url, meta=ARTICLE))
    assert a.key == "newsarchive:siteone:c1:seen" and b.key == "newsarchive:sitetwo:c1:seen"
    keys = CrawlKeys("siteone", "c1")
    assert {keys.queue, keys.leases, keys.done} == {"newsarchive:siteone:c1:queue",
                                                    "newsarchive:siteone:c1:leases", "newsarchive:siteone:c1:done"}


def test_fresh_clears_every_key_of_the_site_and_only_of_it(redis_server):
    server = redis.Redis.from_url(redis_server.url)
    a = dupefilter(redis_server.url, site="siteone", crawl="c1")
    b = dupefilter(redis_server.url, site="sitetwo", crawl="c1")
    a.request_seen(Request("http://example.org/a/", meta=ARTICLE))
    b.request_seen(Request("http://example.org/a/", meta=ARTICLE))
    server.set(current_key("siteone"), "c1")
    server.set(host_key("example.org"), "0")
    assert clear_site(server, "siteone") == 2
    assert not server.exists("newsarchive:siteone:c1:seen") and not server.exists(current_key("siteone"))
    assert server.exists("newsarchive:sitetwo:c1:seen") and server.exists(host_key("example.org"))
    assert not a.request_seen(Request("http://example.org/a/", meta=ARTICLE))  # new again


def test_discovery_pages_are_not_shared_across_processes(redis_server):
    """A listing carries its process's run token (crawler.fingerprint): each process reads it."""
    one, two = dupefilter(redis_server.url), dupefilter(redis_server.url)
    listing = {"role": "date-archive"}
    assert not one.request_seen(Request("http://example.org/2024/03/", meta=listing))
    assert one.request_seen(Request("http://example.org/2024/03/", meta=listing))
    assert not two.request_seen(Request("http://example.org/2024/03/", meta=listing))


def test_the_worker_spider_sets_up_a_worker_on_its_own_as_under_scrapyd():
    """Scheduled by name with only the crawl's Redis, site, token, id and data folder (what the
    README's Scrapyd example passes), the worker spider takes the other worker settings."""
    from scrapy.spiderloader import SpiderLoader
    from scrapy.settings import Settings

    import crawler.settings as defaults
    from crawler.distributed.spider import WorkerSpider

    project = Settings()
    project.setmodule(defaults, priority="project")
    assert SpiderLoader.from_settings(project).load("backissues-worker") is WorkerSpider
    settings = project.copy()
    given = {"REDIS_URL": "redis://coordinator.lan:6379/0", "CRAWL_REDIS_SITE": "courthousenews",
             "CRAWL_REDIS_CRAWL": "20261204T140501", "CRAWL_REDIS_WORKER_ID": "scrapyd1", "LOG_LEVEL": "INFO"}
    for name, value in given.items():
        settings.set(name, value, priority="cmdline")
    WorkerSpider.update_settings(settings)
    assert settings["CRAWL_REDIS_ROLE"] == "worker"
    assert settings["SCHEDULER"] == "scrapy_redis.scheduler.Scheduler"
    assert settings["SCHEDULER_QUEUE_KEY"] == "newsarchive:courthousenews:20261204T140501:queue"
    assert settings["ARCHIVE_WARC_PREFIX"] == "newsarchive-scrapyd1"
    assert settings.getdict("DOWNLOADER_MIDDLEWARES")["crawler.distributed.robots.SharedRobotsTxtMiddleware"] == 100
