"""newsarchive's Scrapy project: spiders that walk a news site's back issues, and the
middlewares, pipelines and extensions that write every exchange to WARC and index the
articles through :mod:`archive`."""
