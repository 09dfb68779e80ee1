"""The overview page: counts, SVG charts, the town × year grid, the last update's status."""

from __future__ import annotations

import re
import shutil
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest

from indexer import (
    FIRST_YEAR,
    LAST_YEAR,
    SearchRequest,
    archive_reports,
    search,
    update_index,
)
from tests.web_support import text
from web import create_app


@pytest.fixture(scope="module")
def overview(web_app):
    response = web_app.test_client().get("/overview")
    assert response.status_code == 200
    return lxml.html.fromstring(response.data.decode())


def chart(doc, caption: str) -> dict[str, tuple[int, str]]:
    """A chart's bars: label → (count from its tooltip, link)."""
    (figure,) = doc.xpath(f"//figure[figcaption='{caption}']")
    bars = {}
    for link in figure.xpath(".//*[local-name()='a']"):
        title = text(link.xpath(".//*[local-name()='title']")[0])
        label, count = re.fullmatch(r"(.+)：(\d+) 份", title).groups()
        label_text = text(link.xpath(".//*[local-name()='text'][@class='bar-label']")[0])
        assert label_text == label  # a visible label, not only a tooltip
        bars[label] = (int(count), link.get("href"))
    return bars


def test_counts_match_the_index(overview, archive_index):
    reports = archive_reports(archive_index)
    lead = text(overview.xpath("//section[@class='stats']/p[@class='lead']")[0])
    assert f"共 {len(reports)} 份报告" in lead
    assert f"{len({r.town for r in reports if r.town})} 个镇/街道" in lead


EVERY_KNOWN_YEAR = SearchRequest(year_from=FIRST_YEAR, year_to=LAST_YEAR, limit=1)


def test_the_year_chart_counts_what_a_year_filter_finds(overview, archive_index):
    bars = chart(overview, "各年份报告数")
    facets = search(archive_index, EVERY_KNOWN_YEAR).facets
    by_year = {f"{v.value} 年": v.count for v in facets["year"]}
    assert {label: count for label, (count, _) in bars.items() if count} == by_year
    years = sorted(int(label[:4]) for label in bars)
    assert years == list(range(years[0], years[-1] + 1))  # empty years get a bar of 0
    count, href = bars["2019 年"]
    assert parse_qs(urlsplit(href).query) == {"year_from": ["2019"], "year_to": ["2019"]}


def test_reports_without_a_year_are_counted(overview, archive_index):
    everything = len(archive_reports(archive_index))
    with_year = search(archive_index, EVERY_KNOWN_YEAR)
    line = text(overview.xpath("//section[@class='stats']/p[@class='muted']")[0])
    assert f"年份不明 {everything - with_year.total_reports} 份" in line


def test_the_county_chart_counts_what_a_county_filter_finds(overview, archive_index):
    bars = chart(overview, "各县/区报告数")
    facets = search(archive_index, SearchRequest(year_from=FIRST_YEAR, year_to=LAST_YEAR, limit=1))
    assert bars
    for label, (count, href) in bars.items():
        assert parse_qs(urlsplit(href).query) == {"county": [label]}
        expected = [r for r in archive_reports(archive_index) if r.county == label]
        assert count == len(expected)
    assert facets.facets["county"]  # the chart is not built from nothing


def test_the_town_grid_shows_held_and_missing_years(overview):
    (row,) = overview.xpath("//table[@class='town-grid']//tr[th/a='青山镇']")
    years = [int(y) for y in overview.xpath("//table[@class='town-grid']/thead/tr/th/text()")[1:-1]]
    cells = dict(zip(years, row.xpath("./td[contains(@class, 'cell')]"), strict=True))
    assert "have" in cells[2019].get("class") and text(cells[2019]) == "✓"
    assert "gap" in cells[2020].get("class") and text(cells[2020]) == "缺"
    assert "have" in cells[2021].get("class")
    assert all("out" in cells[y].get("class") for y in years if y < 2019 or y > 2021)
    assert text(row.xpath("./td[@class='total']")[0]) == "2"
    link = cells[2019].xpath("./a/@href")[0]
    assert link.startswith("/report/")
    group = row.getparent()
    assert text(group.xpath("./tr[@class='county']/th")[0]).startswith("城口县")


def test_every_known_town_is_in_the_grid(overview, archive_index):
    towns = {r.town for r in archive_reports(archive_index) if r.town}
    shown = overview.xpath("//table[@class='town-grid']/tbody/tr/th[@scope='row']/a/text()")
    assert sorted(shown) == sorted(towns)


def test_the_last_update_and_the_failed_files_are_shown(overview):
    status = text(overview.xpath("//p[@class='status']")[0])
    assert re.search(r"索引最后更新：\d{4}-\d\d-\d\d \d\d:\d\d UTC[+-]\d\d:\d\d", status)
    rows = overview.xpath("//section[@class='failed']//tbody/tr")
    assert [text(r.xpath("./td")[0]) for r in rows] == ["damaged.docx"]
    assert text(rows[0].xpath("./td")[1])  # the reason


def test_an_index_without_a_status_file_says_so(web_archive, tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    shutil.copy(next(web_archive[0].glob("samples/*.txt")), archive / "one.txt")
    update_index(archive, tmp_path / "index")
    (tmp_path / "index.status.json").unlink()
    app = create_app({"INDEX_DIR": tmp_path / "index", "ARCHIVE_DIR": archive})
    doc = lxml.html.fromstring(app.test_client().get("/overview").data.decode())
    assert text(doc.xpath("//p[@class='status']")[0]) == "尚无更新记录。"
    assert not doc.xpath("//section[@class='failed']")


def test_the_update_time_is_shown_in_the_servers_zone(monkeypatch):
    import time

    from web.overview import local_time

    monkeypatch.setenv("TZ", "CST-8")
    time.tzset()
    try:
        assert local_time("2026-11-29T02:35:00+00:00") == "2026-11-29 10:35 UTC+08:00 (CST)"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert local_time("not a time") == "not a time"
