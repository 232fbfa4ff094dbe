"""A crawl over several processes (or machines) that share one Redis (issue 16).

scrapy-redis gives the shared queue and scheduler; this package fixes what a news archive
needs on top of them:

* :mod:`.keys`       every Redis key of a crawl, named by site and crawl (not by spider);
* :mod:`.dupefilter` the shared seen-set over our request fingerprinter;
* :mod:`.queue`      a priority queue whose pop leases the request to a worker, re-queued
  when that worker's heartbeat stops;
* :mod:`.politeness` one delay slot per host across every process (Redis ``TIME``);
* :mod:`.scheduler`  the coordinator's scheduler: discovery stays local, article,
  requisite and document requests go to the shared queue;
* :mod:`.idle`       the idle policy: workers wait for the coordinator's "done";
* :mod:`.spider`     the workers' spider: the coordinator's callbacks, no seeds, no phases;
* :mod:`.server`     a private ``redis-server`` on a Unix socket;
* :mod:`.run`        ``newsarchive crawl --workers N``: workers started, waited for, merged
  (:mod:`archive.merge`); :mod:`.cli` is ``newsarchive worker``.

A single-process crawl and a distributed one differ in settings
(:func:`.settings.coordinator_settings`, :func:`.settings.worker_settings`), not in what
the spider does.
"""
