"""Fixtures shared by the test modules.

``mock_crawl``: one crawl of the mock news site (``tests.mocksite.MockSite``, faults on, the
courthousenews profile, March 2024), made once a test session for the tests that only read
an archive. Its data folder must not be changed: a test that writes into it (a replay
server's collection, a file beside the archive) works on a copy
(:func:`tests.helpers.copy_data_folder`).
"""
from __future__ import annotations

import urllib.request
from typing import Any

import pytest

from tests.helpers import crawl_mock_site
from tests.mocksite import MockSite

#: The range of the shared crawl (the mock site's March 2024 issues).
MOCK_SINCE, MOCK_UNTIL = "2024-03-01", "2024-03-31"


@pytest.fixture(scope="session")
def mock_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The shared crawl, the site stopped once it is done (a replay that fetched anything live
    would fail).

    Returns:
        ``data`` (the data folder, read only), ``site`` (the stopped MockSite, for its
        ``articles``), ``url`` (the site's address during the crawl), ``log`` (the requests
        the site saw), ``stderr`` (the crawl command's), ``expected`` (the articles in
        range), ``served`` (slug -> the bytes the site served for three of them).
    """
    work = tmp_path_factory.mktemp("mock-crawl")
    data = work / "data"
    with MockSite(log_path=work / "requests.jsonl") as site:
        result = crawl_mock_site(site.url, data, MOCK_SINCE, MOCK_UNTIL)
        log = site.requests()
        expected = site.expected(MOCK_SINCE, MOCK_UNTIL)
        served = {}
        for article in expected[:3]:  # fetched directly, for byte comparisons
            with urllib.request.urlopen(site.url_for(article)) as resp:
                served[article.slug] = resp.read()
    return {"site": site, "data": data, "url": site.url, "log": log, "stderr": result.stderr,
            "expected": expected, "served": served}

