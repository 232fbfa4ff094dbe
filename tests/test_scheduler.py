"""The scheduler: priority order, except that page requisites fill the time articles would
spend waiting for a busy extraction worker (crawler/scheduler.py)."""
from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.scheduler import ArchivePriorityQueue, ArchiveScheduler

ARTICLE, SITE_REQUISITE, REQUISITE, DOCUMENT = 40, 25, 20, 10


class _Spider(scrapy.Spider):
    name = "scheduler-test"

    def parse(self, response):  # pragma: no cover - only its name matters (disk queue)
        return None


def _scheduler(tmp_path=None, **overrides):
    settings = {name: getattr(project_settings, name) for name in (
        "SCHEDULER", "SCHEDULER_PRIORITY_QUEUE", "SCHEDULER_DISK_QUEUE", "CRAWL_FILL_BELOW_PRIORITY",
        "CRAWL_FILL_AT_PENDING", "ARCHIVE_EXTRACT_WORKERS")}
    if tmp_path is not None:
        settings["JOBDIR"] = str(tmp_path / "job")
    settings.update(overrides)
    crawler = get_crawler(_Spider, settings)
    crawler.spider = _Spider()
    slot = SimpleNamespace(itemproc_size=0)
    crawler.engine = SimpleNamespace(scraper=SimpleNamespace(slot=slot))
    scheduler = ArchiveScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    return scheduler, slot


def _push(scheduler, *pairs):
    for name, priority in pairs:
        assert scheduler.enqueue_request(scrapy.Request(f"http://example.com/{name}", priority=priority))


def _drain(scheduler, slot, pending_per_pop):
    order = []
    for pending in pending_per_pop:
        slot.itemproc_size = pending
        request = scheduler.next_request()
        order.append(request.url.rsplit("/", 1)[1] if request else None)
    return order


@pytest.mark.parametrize("jobdir", [False, True], ids=["memory", "disk"])
def test_requisites_fill_only_while_extraction_is_saturated(tmp_path, jobdir):
    scheduler, slot = _scheduler(tmp_path if jobdir else None, CRAWL_FILL_AT_PENDING=8)
    _push(scheduler, ("a1", ARTICLE), ("r1", REQUISITE), ("a2", ARTICLE), ("s1", SITE_REQUISITE),
          ("d1", DOCUMENT), ("r2", REQUISITE))
    # 8 items in the pipelines (ARCHIVE_EXTRACT_MAX_PENDING): the best request below articles
    # (the site's own theme first); below 8: articles, as Scrapy orders them
    order = _drain(scheduler, slot, [8, 0, 9, 3, 8, 8, 8])
    assert order[0] == "s1"
    assert set(order[1:2] + order[3:4]) == {"a1", "a2"}
    assert order[2] in ("r1", "r2")
    assert order[4] in ("r1", "r2") and order[5] == "d1" and order[6] is None
    assert scheduler.stats.get_value("newsarchive/scheduler/filled_while_extracting") == 4
    assert scheduler.stats.get_value("scheduler/dequeued") == 6
    assert not scheduler.has_pending_requests()
    scheduler.close("finished")


def test_saturated_with_no_requisite_left_serves_articles():
    scheduler, slot = _scheduler()
    _push(scheduler, ("a1", ARTICLE), ("a2", ARTICLE))
    assert _drain(scheduler, slot, [20, 20, 20]) in (["a1", "a2", None], ["a2", "a1", None])


def test_fill_off_is_strict_priority_order():
    scheduler, slot = _scheduler(CRAWL_FILL_AT_PENDING=0)
    _push(scheduler, ("r1", REQUISITE), ("a1", ARTICLE), ("d1", DOCUMENT))
    assert _drain(scheduler, slot, [50, 50, 50]) == ["a1", "r1", "d1"]


def test_default_threshold_is_one_page_per_extraction_worker():
    assert _scheduler(ARCHIVE_EXTRACT_WORKERS=0)[0].fill_at_pending == 1
    assert _scheduler(ARCHIVE_EXTRACT_WORKERS=-1)[0].fill_at_pending == max(1, os.cpu_count() or 1)
    scheduler, slot = _scheduler(ARCHIVE_EXTRACT_WORKERS=3)
    assert scheduler.fill_at_pending == 3
    _push(scheduler, ("r1", REQUISITE), ("a1", ARTICLE))
    assert _drain(scheduler, slot, [2, 3]) == ["a1", "r1"]


def test_disk_queue_resumes_with_the_rest(tmp_path):
    scheduler, slot = _scheduler(tmp_path, CRAWL_FILL_AT_PENDING=8)
    _push(scheduler, ("a1", ARTICLE), ("r1", REQUISITE), ("r2", REQUISITE))
    assert _drain(scheduler, slot, [8]) in (["r1"], ["r2"])
    scheduler.close("shutdown")
    again, slot = _scheduler(tmp_path, CRAWL_FILL_AT_PENDING=8)
    assert len(again) == 2
    left = _drain(again, slot, [0, 0, 0])
    assert left[0] == "a1" and left[1] in ("r1", "r2") and left[2] is None
    again.close("finished")


def test_pop_below_keeps_the_queue_consistent():
    crawler = get_crawler(_Spider)
    queue = ArchivePriorityQueue(crawler, scrapy.squeues.FifoMemoryQueue, "")
    for name, priority in (("a", 40), ("r", 20), ("d", 10), ("r2", 20)):
        queue.push(scrapy.Request(f"http://example.com/{name}", priority=priority))
    assert queue.pop_below(10) is None  # nothing below the lowest
    assert [queue.pop_below(40).url[-1] for _ in range(2)] == ["r", "2"]
    assert len(queue) == 2
    assert queue.pop().url.endswith("/a") and queue.pop().url.endswith("/d")
    assert queue.pop() is None and queue.pop_below(100) is None and queue.curprio is None
