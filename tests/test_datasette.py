"""Datasette on DATA/archive.db: FTS search, facets, default sort and descriptions at once,
through the newsarchive plugin (plain ``datasette DATA/archive.db``) or DATA/metadata.json."""
from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

pytest.importorskip("datasette")

from datasette.app import Datasette  # noqa: E402

from archive.cli import main  # noqa: E402
from archive.datasette import datasette_metadata, write_datasette_metadata  # noqa: E402
from archive.index import ArticleRow, Index  # noqa: E402
from tests.searchdata import BASE, build_archive  # noqa: E402


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("datasette") / "data"
    build_archive(folder)
    return folder


def get(ds: Datasette, path: str) -> Any:
    async def fetch() -> Any:
        response = await ds.client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response
    return asyncio.run(fetch())


def test_the_plugin_is_installed() -> None:
    from datasette.plugins import get_plugins

    assert any(p["name"] == "archive.datasette" or "newsarchive" in p["name"] for p in get_plugins()), get_plugins()


def test_plain_datasette_searches_articles(data: Path) -> None:
    ds = Datasette([str(data / "archive.db")])
    rows = get(ds, "/archive/articles.json?_search=arbitration&_shape=array").json()
    assert [r["id"] for r in rows] == [1]
    rows = get(ds, "/archive/articles.json?_search=kazakhstan&_shape=array&_size=100").json()
    assert sorted(r["id"] for r in rows) == [1, 2, 3, 4, 6, 7]
    # odd input is escaped by Datasette, never an FTS5 syntax error
    for query in ['"unbalanced', "NEAR(", "-", "AND", "😀"]:
        get(ds, "/archive/articles.json?_search=" + query)


def test_plain_datasette_has_facets_sort_and_descriptions(data: Path) -> None:
    ds = Datasette([str(data / "archive.db")])
    payload = get(ds, "/archive/articles.json?_extra=facet_results").json()
    facets = payload["facet_results"]
    assert {"authors", "categories", "site", "published_month"} <= set(facets)
    authors = {r["value"]: r["count"] for r in facets["authors"]["results"]}
    assert authors["Cain Burdeau"] == 2
    months = {r["value"]: r["count"] for r in facets["published_month"]["results"]}
    assert months == {"2022-01": 5, "2022-02": 1}
    assert "sorted by published descending" in payload["human_description_en"]
    assert [r[0] for r in payload["rows"]][:3] == [4, 5, 7]  # newest first
    html = get(ds, "/archive/articles").text
    assert "One row per archived article" in html
    assert "Search it with the box above" in html
    assert "When it was captured" in html  # column descriptions
    meta = get(ds, "/-/metadata.json").json()
    assert meta["databases"]["archive"]["tables"]["captures"]["facets"] == ["record_type", "status", "mime"]


def test_metadata_file_for_datasette_m(data: Path, tmp_path: Path) -> None:
    path = write_datasette_metadata(data)
    assert path == data / "metadata.json"
    metadata = json.loads(path.read_text(encoding="utf-8"))
    assert metadata == datasette_metadata("archive")
    assert not list(data.glob(".metadata-*"))
    # works when given explicitly, also under another database name
    copy = tmp_path / "news.db"
    copy.write_bytes((data / "archive.db").read_bytes())
    ds = Datasette([str(copy)], metadata=datasette_metadata("news"))
    payload = get(ds, "/news/articles.json?_extra=facet_results").json()
    assert "published_month" in payload["facet_results"]


def test_other_databases_are_left_alone(tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT)")
    conn.commit()
    conn.close()
    ds = Datasette([str(other)])
    get(ds, "/other/articles.json")  # no facets on columns it does not have


def test_newsarchive_datasette_command(data: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--data", str(data), "datasette", "--print", "--port", "9000"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"datasette serve {data / 'archive.db'} -m {data / 'metadata.json'}" in result.output
    assert "--port 9000" in result.output
    result = CliRunner().invoke(main, ["--data", str(tmp_path / "none"), "datasette", "--print"])
    assert result.exit_code == 1 and "no archive at" in result.output


def test_datasette_reads_while_a_crawl_writes(data: Path, tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    path.write_bytes((data / "archive.db").read_bytes())
    ds = Datasette([str(path)])
    stop = threading.Event()
    errors: list[BaseException] = []

    def crawl() -> None:
        try:
            with Index(path) as index:
                n = 0
                while not stop.is_set() and n < 2000:
                    index.upsert_articles([
                        ArticleRow(canonical_url=f"{BASE}/live-{n + i}/", url=f"{BASE}/live-{n + i}/",
                                   title=f"Live {n + i}", text="Kazakhstan " * 100, published="2022-01-21")
                        for i in range(50)
                    ])
                    n += 50
        except BaseException as exc:
            errors.append(exc)

    writer = threading.Thread(target=crawl)
    writer.start()
    try:
        for _ in range(20):
            get(ds, "/archive/articles.json?_search=kazakhstan&_extra=facet_results")
    finally:
        stop.set()
        writer.join()
    assert errors == []


def fetch(ds: Datasette, path: str) -> Any:
    async def go() -> Any:
        return await ds.client.get(path)
    return asyncio.run(go())


def test_column_descriptions_are_collapsed_under_the_description(data: Path) -> None:
    html = get(Datasette([str(data / "archive.db")]), "/archive/articles").text
    details = html.index("<details><summary>About the columns</summary>")
    assert html.index("When it was captured") > details
    assert html.count('<dl class="column-descriptions">') == 1  # only inside the closed <details>
    assert "<details open" not in html
    assert html.index("</details>") < html.index('<table class="rows-and-columns">')


def test_full_text_hits_are_ranked_as_newsarchive_search_ranks_them(data: Path) -> None:
    from archive.api import Archive

    ds = Datasette([str(data / "archive.db")])
    page = fetch(ds, "/archive/articles?_search=kazakhstan")
    assert page.status_code == 302 and page.headers["location"] == "/archive/search?q=kazakhstan"
    rows = get(ds, "/archive/search.json?q=kazakhstan&_shape=array").json()
    with Archive(data) as archive:
        ranked = [hit.id for hit in archive.search("kazakhstan", limit=100)]
    assert [r["id"] for r in rows] == ranked
    assert ranked == [2, 4, 1, 7, 6, 3]  # bm25 with the title weighted, not the newest first (4, 7, 3, 1, 2, 6)
    first = next(r for r in rows if r["id"] == 1)
    assert first["replay_url"] == f"/archive/20240302100001/{BASE}/kazakhstan-pipeline/?utm_source=x"
    # a sort or a filter of the page's own: the table as asked, and its JSON is never redirected
    assert fetch(ds, "/archive/articles?_search=kazakhstan&_sort=published").status_code == 200
    assert fetch(ds, "/archive/articles.json?_search=kazakhstan").status_code == 200
    assert fetch(ds, "/archive/search?q=%22unbalanced").status_code == 200  # words, never FTS5 syntax


def test_replay_links_and_canonical_urls_as_text(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_REPLAY", "http://127.0.0.1:9999/")
    ds = Datasette([str(data / "archive.db")])
    hits = get(ds, "/archive/search?q=arbitration").text
    replay = f"http://127.0.0.1:9999/archive/20240302100001/{BASE}/kazakhstan-pipeline/?utm_source=x"
    assert f'<a href="{replay}"' in hits
    table = get(ds, "/archive/articles?_sort=id").text
    assert f'<a href="{replay}"' in table  # the url fetched opens its capture
    assert f'<td class="col-canonical_url type-str">{BASE}/kazakhstan-pipeline/</td>' in table
    assert f'href="{BASE}/' not in table and f'href="{BASE}/' not in hits  # nothing links to the live site
