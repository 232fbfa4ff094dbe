"""The roles a request plays in a crawl, and the priority of each (Scrapy's
``Request.priority``: higher is fetched first). robots.txt and the lists of back issues
come first, then editions and date archives, then articles; page requisites and documents
queue behind every article (:mod:`crawler.scheduler` lets a requisite through while every
extraction worker is busy).
"""

#: ``Request.priority`` by role: discovery first, so that every spelling of an article meets
#: the duplicate filter after its listing, then articles, then page requisites, then documents.
PRIORITY = {"robots": 100, "back-issues": 90, "sitemap": 85, "feed": 85, "home": 80, "edition": 70,
            "date-archive": 60, "article": 40, "site-requisite": 25, "requisite": 20, "document": 10}
