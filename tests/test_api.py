"""archive.api.Archive: the Python API, typed results, and no Scrapy needed."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from archive.api import Archive, ArticleDetail, IndexNotFound, QueryError, SearchHit
from archive.index import replay_url
from tests.searchdata import KAZ_CAIN_JAN_2022, build_archive

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("api") / "data"
    build_archive(folder)
    return folder


def test_search_returns_typed_hits(data: Path) -> None:
    with Archive(data) as archive:
        hits = archive.search("kazakhstan", author="Cain Burdeau", since="2022-01-01", until="2022-01-31")
    assert sorted(h.id for h in hits) == KAZ_CAIN_JAN_2022
    assert all(isinstance(h, SearchHit) for h in hits)
    assert all("Cain Burdeau" in h.authors for h in hits)


def test_archive_opens_a_folder_or_the_file(data: Path) -> None:
    with Archive(data / "archive.db") as archive:
        assert archive.count() == 7
        assert [a["id"] for a in archive.articles(since="2022-02-01")] == [4]
    with pytest.raises(IndexNotFound):
        Archive(data / "missing")


def test_all_options(data: Path) -> None:
    with Archive(data) as archive:
        assert [h.id for h in archive.search("", category="courts", sort="oldest")] == [1, 4]
        assert [h.id for h in archive.search("", tag="energy")] == [1]
        assert [h.id for h in archive.search("", site="example.de", lang="de")] == [5]
        assert [h.id for h in archive.search("", limit=2, offset=1)] == [5, 7]
        assert [h.id for h in archive.search("authors:burdeau OR title:grain", raw=True, sort="oldest")] == [2, 1, 4]
        (hit,) = archive.search("arbitration", highlight=("<b>", "</b>"))
        assert "<b>arbitration</b>" in hit.snippet
        with pytest.raises(QueryError, match="sort must be one of"):
            archive.search("x", sort="best")


def test_article_detail(data: Path) -> None:
    with Archive(data) as archive:
        detail = archive.article(1)
        assert isinstance(detail, ArticleDetail)
        assert detail.article["authors"] == ["Cain Burdeau"]
        assert [c["record_type"] for c in detail.captures] == ["response", "revisit"]
        assert detail.versions[0]["version"] == 1
        assert archive.article(999) is None
        assert archive.article("https://www.courthousenews.com/kazakhstan-pipeline/?utm_source=x").article["id"] == 1


@pytest.mark.parametrize(("fetched_at", "url", "expected"), [
    ("2024-03-02T10:00:01Z", "https://a.example/x?y=1", "/archive/20240302100001/https://a.example/x?y=1"),
    ("2024-03-02T10:00:01.123456Z", "https://a.example/", "/archive/20240302100001/https://a.example/"),
    ("2024-03-02", "https://a.example/", "/archive/20240302000000/https://a.example/"),
    (None, "https://a.example/", None),
])
def test_replay_url(fetched_at: str | None, url: str, expected: str | None) -> None:
    assert replay_url(fetched_at, url) == expected


def test_archive_package_works_without_scrapy(data: Path) -> None:
    code = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "scrapy" or name.startswith("scrapy."):
            raise ImportError("scrapy is blocked")
sys.meta_path.insert(0, Block())
from archive.api import Archive
import archive.cli, archive.datasette, archive.cli_query
with Archive({str(data)!r}) as a:
    assert a.search("kazakhstan", author="cain burdeau")
    assert a.stats().articles == 7
assert "scrapy" not in sys.modules
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_search_benchmark_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_search", ROOT / "benchmarks" / "search.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--articles", "200", "--queries", "20", "--db", str(tmp_path / "b.db")]) == 0
    out = capsys.readouterr().out
    assert "articles: 200" in out and "p95" in out and "bytes per article" in out


def test_search_takes_any_str_and_has_a_time_limit(data: Path) -> None:
    from archive.api import SearchTimeout

    with Archive(data, search_time_limit=3) as archive:
        assert archive.search_time_limit == 3.0
        assert archive.search("\ud800 \udcff", author="\udcff") == []
        assert sorted(h.id for h in archive.search("kazakhstan " * 1000 + "\x00", limit=50)) == [1, 2, 3, 4, 6, 7]
        with pytest.raises(QueryError, match=r"^too many search terms \(100\); at most 64$"):
            archive.search(" ".join(f"w{i}" for i in range(100)))
        with pytest.raises(QueryError, match="since must be a date"):
            archive.search("x", since="\ud800")
    assert issubclass(SearchTimeout, Exception) and not issubclass(SearchTimeout, QueryError)
    with Archive(data, search_time_limit=0) as unlimited:
        assert unlimited.search_time_limit is None  # 0: no limit
