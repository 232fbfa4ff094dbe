"""The spiders: BackIssuesSpider (``backissues``)."""
