"""newsarchive's own Scrapy signals, sent with ``crawler.signals.send_catch_log`` as Scrapy's
are (``scrapy.signals``), so a component tells the spider something without reaching into it.
"""

#: A request left this process for the shared queue of a distributed crawl
#: (:class:`crawler.distributed.scheduler.CoordinatorScheduler`): a worker will answer it.
#: Arguments: ``request``, ``spider``.
request_handed_over = object()
