"""The search page and the search API, with Flask's test client on a real index."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from indexer import TIER_NAMES, SearchRequest, search
from indexer.normalize import normalize
from tests.conftest import WEB_WORD
from tests.web_support import page, text
from web.highlight import SNIPPET_CHARS, snippet


def params(href: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(href).query).items()}


def totals(doc) -> tuple[int, int]:
    line = text(doc.xpath("//p[@class='totals']")[0])
    found = re.fullmatch(r"共 (\d+) 份报告，(\d+) 个段落", line)
    assert found, line
    return int(found[1]), int(found[2])


def form_value(doc, form: str, name: str) -> str:
    (value,) = doc.xpath(f"//form[@class='{form}']//input[@name='{name}']/@value")
    return value


def facet_links(doc, name: str) -> dict[str, str]:
    """Facet value → link, for one facet (town, county, year, category)."""
    return {
        text(a): a.get("href")
        for a in doc.xpath(f"//section[contains(@class, 'facet-{name}')]//li/a")
    }


def test_blank_search_welcomes_with_the_archive_size_and_examples(client):
    doc = page(client, "/")
    lead = text(doc.xpath("//section[@class='welcome']//p[@class='lead']")[0])
    reports = int(re.search(r"共有 (\d+) 份报告", lead)[1])
    assert reports == 40 + 5 + 4  # generated, samples, hand-made (the damaged file is not)
    examples = doc.xpath("//ul[@class='examples']//a/@href")
    assert len(examples) >= 3
    for href in examples:
        assert client.get(href).status_code == 200
    assert not doc.xpath("//*[contains(@class, 'result')]")


def test_query_keeps_its_value_and_counts_match_the_search_function(client, archive_index):
    doc = page(client, f"/?q={WEB_WORD}")
    assert doc.xpath("//form[@class='search']//input[@name='q']/@value") == [WEB_WORD]
    expected = search(archive_index, SearchRequest(query=WEB_WORD))
    assert totals(doc) == (expected.total_reports, expected.total_passages)
    files = [params(a)["q"] for a in doc.xpath("//li[@class='result']/h2/a/@href")]
    assert files == [WEB_WORD] * len(expected.results)  # the report links keep q
    assert doc.xpath("//p[@class='hint']")


def test_results_show_title_place_section_path_and_every_match_marked(client, archive_index):
    doc = page(client, f"/?q={WEB_WORD}&town=青山镇")
    results = doc.xpath("//li[@class='result']")
    assert len(results) == 2
    titles = {text(r.xpath("./h2/a")[0]) for r in results}
    assert titles == {
        "城口县青山镇2019年法治政府建设情况报告",
        "城口县青山镇2021年法治政府建设情况报告",
    }
    places = {text(r.xpath(".//p[@class='place']")[0]) for r in results}
    assert places == {"青山镇 · 城口县 · 2019 年", "青山镇 · 城口县 · 2021 年"}
    shown = {
        text(p.xpath("./p[@class='text']")[0]).removeprefix("¶")[:12]: text(p.xpath("./p")[0])
        for p in doc.xpath("//div[@class='passage']")
    }
    # A passage that starts with its heading shows only the headings above it.
    assert shown["（一）推进网格化调解。全"] == "一、主要工作"
    assert shown["全镇推行网格化调解机制，"] == "一、主要工作"
    for passage in doc.xpath("//div[@class='passage']/p[@class='text']"):
        marks = passage.xpath(".//mark")
        assert marks and all(text(mark) == WEB_WORD for mark in marks)
        assert len(marks) == normalize(text(passage)).count(WEB_WORD)


def test_title_falls_back_to_the_file_name(client):
    doc = page(client, "/?q=宣传&town=红叶镇")
    assert [text(a) for a in doc.xpath("//li[@class='result']/h2/a")] == ["corrected.txt"]


def test_more_passages_link_leads_to_the_report_with_the_query(client, archive_index):
    expected = search(archive_index, SearchRequest(query="法治", town="庙坝镇"))
    hit = expected.results[0]
    assert hit.matched_passages > 3
    doc = page(client, "/?q=法治&town=庙坝镇")
    more = doc.xpath("//p[@class='more']/a")[0]
    assert text(more) == f"还有 {hit.matched_passages - 3} 个段落"
    assert urlsplit(more.get("href")).path == f"/report/{hit.file}"
    assert params(more.get("href"))["q"] == "法治"


@pytest.mark.parametrize(
    ("facet", "value", "parameter"),
    [
        ("town", "青山镇", {"town": "青山镇"}),
        ("county", "城口县", {"county": "城口县"}),
        ("year", "2021", {"year_from": "2021", "year_to": "2021"}),
        ("category", "存在的不足和原因", {"section": "problems"}),
    ],
)
def test_a_facet_link_adds_its_filter_and_the_cross_removes_it(
    client, archive_index, facet, value, parameter
):
    start = "/?q=法治&sort=year&page=2"
    doc = page(client, start)
    href = facet_links(doc, facet)[value]
    assert params(href) == {"q": "法治", "sort": "year", **parameter}  # page back to 1
    filtered = page(client, href)
    request = SearchRequest(
        query="法治",
        sort="year",
        **{k: (int(v) if k.startswith("year") else v) for k, v in parameter.items()},
    )
    expected = search(archive_index, request)
    assert totals(filtered) == (expected.total_reports, expected.total_passages)
    assert (
        expected.total_passages < search(archive_index, SearchRequest(query="法治")).total_passages
    )
    chosen = filtered.xpath(f"//section[contains(@class, 'facet-{facet}')]//p[@class='chosen']")
    assert value in text(chosen[0])
    remove = chosen[0].xpath("./a[@class='remove']/@href")[0]
    assert params(remove) == {"q": "法治", "sort": "year"}
    chips = filtered.xpath("//p[@class='chosen-all']//a[@class='remove']/@href")
    assert chips == [remove]


def test_facet_counts_are_the_search_function_facets(client, archive_index):
    doc = page(client, "/?q=法治")
    expected = search(archive_index, SearchRequest(query="法治")).facets
    for value in expected["county"]:
        item = doc.xpath(
            f"//section[contains(@class, 'facet-county')]//li[a[normalize-space()='{value.value}']]"
        )
        assert text(item[0].xpath("./span[@class='count']")[0]) == str(value.count)


def test_year_span_form_carries_the_state_and_filters_the_years(client, archive_index):
    doc = page(client, "/?q=法治&county=城口县&sort=year")
    form = doc.xpath("//form[@class='year-span']")[0]
    hidden = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    assert hidden == {"q": "法治", "county": "城口县", "sort": "year"}
    assert {i.get("name") for i in form.xpath(".//input[@type='number']")} == {
        "year_from",
        "year_to",
    }
    spanned = page(client, "/?q=法治&year_from=2019&year_to=2021")
    expected = search(archive_index, SearchRequest(query="法治", year_from=2019, year_to=2021))
    assert totals(spanned) == (expected.total_reports, expected.total_passages)
    years = [
        int(y)
        for y in re.findall(r"(\d{4}) 年", " ".join(spanned.xpath("//p[@class='place']/text()")))
    ]
    assert years and all(2019 <= y <= 2021 for y in years)
    assert "2019–2021" in text(spanned.xpath("//p[@class='chosen-all']")[0])
    assert form_value(spanned, "year-span", "year_from") == "2019"


def test_search_form_keeps_the_filters_as_hidden_fields(client):
    doc = page(client, "/?q=法治&town=青山镇&section=problems&sort=year&page=1")
    form = doc.xpath("//form[@class='search']")[0]
    hidden = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    assert hidden == {"town": "青山镇", "section": "problems", "sort": "year"}


def test_sort_by_year_puts_the_newest_first(client):
    doc = page(client, "/?q=法治&sort=year")
    places = doc.xpath("//p[@class='place']/text()")
    years = [int(m[1]) for p in places if (m := re.search(r"(\d{4}) 年", p))]
    assert len(years) >= 5 and years == sorted(years, reverse=True)
    relevance = page(client, "/?q=法治").xpath("//li[@class='result']/h2/a/@href")
    assert doc.xpath("//li[@class='result']/h2/a/@href") != relevance
    sort_links = {text(a): a.get("href") for a in doc.xpath("//p[@class='sort']/a")}
    assert params(sort_links["相关度"]) == {"q": "法治", "sort": "relevance"}


def test_paging_walks_through_every_result_once(client, archive_index):
    expected = search(archive_index, SearchRequest(query="法治", sort="year", limit=100))
    assert expected.total_reports > 20
    seen, url = [], "/?q=法治&sort=year"
    for number in range(1, 20):
        doc = page(client, url)
        files = [unquote(urlsplit(h).path) for h in doc.xpath("//li[@class='result']/h2/a/@href")]
        assert len(files) == min(10, expected.total_reports - len(seen))
        seen.extend(files)
        current = doc.xpath("//nav[@class='pager']/strong/text()")
        assert current == [str(number)] or expected.total_reports <= 10
        following = doc.xpath("//nav[@class='pager']/a[@rel='next']/@href")
        if not following:
            break
        assert params(following[0]) == {"q": "法治", "sort": "year", "page": str(number + 1)}
        url = following[0]
    assert seen == [f"/report/{hit.file}" for hit in expected.results]


def test_pager_links_keep_the_state(client):
    doc = page(client, "/?q=法治&sort=year")
    links = doc.xpath("//nav[@class='pager']/a/@href")
    assert links
    for href in links:
        assert {k: v for k, v in params(href).items() if k != "page"} == {
            "q": "法治",
            "sort": "year",
        }


def test_a_page_past_the_end_says_so(client):
    doc = page(client, "/?q=网格化调解&page=50")
    assert "没有第 50 页" in text(doc.xpath("//div[@class='empty']")[0])
    assert not doc.xpath("//li[@class='result']")


def test_filters_alone_search_every_report_in_scope(client, archive_index):
    doc = page(client, "/?section=problems&county=城口县")
    expected = search(archive_index, SearchRequest(section="problems", county="城口县"))
    assert totals(doc) == (expected.total_reports, expected.total_passages) != (0, 0)
    assert form_value(doc, "search", "q") == ""


def test_an_empty_result_offers_to_drop_each_filter(client):
    doc = page(client, '/?q="网格化调解"&town=庙坝镇&year_from=2021&year_to=2021')
    assert totals(doc) == (0, 0)
    assert "没有找到符合条件的报告" in text(doc.xpath("//div[@class='empty']")[0])
    loosen = {text(a): params(a.get("href")) for a in doc.xpath("//ul[@class='loosen']//a")}
    assert loosen == {
        "去掉“镇/街道：庙坝镇”": {"q": '"网格化调解"', "year_from": "2021", "year_to": "2021"},
        "去掉“年份：2021”": {"q": '"网格化调解"', "town": "庙坝镇"},
    }


def test_a_natural_query_shows_its_tiers_words_and_the_tier_of_each_result(client, archive_index):
    expected = search(archive_index, SearchRequest(query="如何开展禁毒常态化"))
    assert len(expected.tiers) == 3 and expected.tiers[0].reports == 0  # never as typed
    doc = page(client, "/?q=如何开展禁毒常态化")
    notes = text(doc.xpath("//div[@class='query-notes']")[0])
    for tier in expected.tiers:
        assert (f"{tier.name} {tier.reports} 份" in notes) == bool(tier.reports)
    assert all(word in notes for word in expected.words)
    assert "不计入：" + "、".join(expected.ignored) in notes
    # a heading where a tier begins; a report of tier 3 names the words it lacks
    breaks = [text(b) for b in doc.xpath("//li[@class='tier-break']/span[1]")]
    assert breaks == [TIER_NAMES[t] for t in dict.fromkeys(hit.tier for hit in expected.results)]
    lacking = [text(m) for m in doc.xpath("//li[@class='result']/p[@class='match']")]
    assert lacking == ["缺少：" + "、".join(hit.missing) for hit in expected.results if hit.missing]
    assert totals(doc) == (expected.total_reports, expected.total_passages)


def test_a_typo_gets_suggestions_that_search_again(client):
    doc = page(client, "/?q=扫黑除饿")  # a typo of 扫黑除恶: jieba cuts 扫黑/除/饿
    links = doc.xpath("//p[@class='suggestions']/a")
    assert "扫黑除恶" in [text(a) for a in links]
    fixed = next(a for a in links if text(a) == "扫黑除恶")
    assert params(fixed.get("href")) == {"q": "扫黑除恶"}
    absent = page(client, "/?q=行政复意 调解")  # 复意 occurs nowhere: named in its context
    assert not absent.xpath("//p[@class='absent']")
    line = text(absent.xpath("//p[@class='suggestions']")[0])
    assert line.startswith("“行政复意”没有出现，是不是要找：")
    nowhere = page(client, "/?q=调解 乌有之词")
    assert text(nowhere.xpath("//p[@class='absent']")[0]).startswith("档案中没有：“乌有”")


def test_a_report_with_a_script_tag_shows_it_as_text(client):
    response = client.get("/?q=alert")
    body = response.data.decode()
    assert response.status_code == 200
    assert "<script>alert" not in body
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("q=%22unbalanced", "引号"),
        ("q=" + "法" * 600, "查询太长"),
        ("q=%01", "控制字符"),
        ("q=%00", "控制字符"),
        ("q=法治&year_from=abc", "不是数字"),
        ("q=法治&year_from=99999", "99999"),
        ("q=法治&year_from=2022&year_to=2019", "颠倒"),
        ("q=法治&page=-1", "页码"),
        ("q=法治&page=0", "页码"),
        ("q=法治&page=" + str(10**9), "页码"),
        ("q=法治&sort=x", "排序"),
        ("q=法治&town=" + "镇" * 600, "town"),
    ],
)
def test_a_query_that_cannot_be_read_is_a_400_page_with_the_message(client, query, message):
    doc = page(client, "/?" + query, status=400)
    alert = text(doc.xpath("//div[@role='alert']")[0])
    assert message in alert
    assert not doc.xpath("//li[@class='result']")
    response = client.get("/api/search?" + query)
    assert response.status_code == 400 and message in response.get_json()["error"]


def test_the_query_box_keeps_an_unreadable_query(client):
    doc = page(client, "/?q=%22%E4%BF%A1%E8%AE%BF", status=400)
    assert form_value(doc, "search", "q") == '"信访'


@pytest.mark.parametrize(
    "url",
    [
        "/?q=%ED%A0%80",
        "/?q=法治&unknown=1&x[]=2",
        "/?town=%00&q=法治",
        "/?section=%3Cscript%3E",
        "/?q=%E6%B3%95&q=second",
        "/?q=+++",
        "/?year_from=&year_to=&q=法治",
        "/?county=%ED%A0%80%ED%B0%80",
    ],
)
def test_odd_but_harmless_query_strings_answer_200(client, url):
    assert client.get(url).status_code == 200


def test_the_api_returns_exactly_the_search_function_json(client, archive_index):
    response = client.get("/api/search?q=法治 -禁毒&county=城口县&sort=year&page=1")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    expected = search(
        archive_index, SearchRequest(query="法治 -禁毒", county="城口县", sort="year")
    ).to_json()
    assert response.get_json() == json.loads(json.dumps(expected))
    assert list(response.get_json()) == list(expected)  # the CLI's key order


def test_the_api_pages_by_offset(client, archive_index):
    second = client.get("/api/search?q=法治&page=2").get_json()
    expected = search(archive_index, SearchRequest(query="法治", offset=10)).to_json()
    assert second == json.loads(json.dumps(expected))


def test_the_api_refuses_a_blank_search(client):
    response = client.get("/api/search")
    assert response.status_code == 400
    assert "请输入" in response.get_json()["error"]


def test_long_passages_are_cut_around_their_first_match(client, archive_index):
    expected = search(archive_index, SearchRequest(query="依法行政", town="庙坝镇")).results
    doc = page(client, "/?q=依法行政&town=庙坝镇")
    shown = doc.xpath("//li[@class='result']//p[@class='text']")
    passages = [passage for hit in expected for passage in hit.passages]
    assert len(shown) == len(passages)
    cut = 0
    for element, passage in zip(shown, passages, strict=True):
        visible = text(element).removeprefix("¶")
        inner = visible.strip("…")
        assert inner in passage.text and element.xpath(".//mark")
        assert len(inner) <= SNIPPET_CHARS + len("依法行政")
        assert visible.startswith("…") == (not passage.text.startswith(inner))
        assert visible.endswith("…") == (not passage.text.endswith(inner))
        cut += inner != passage.text
    assert cut  # the sample's passages are long


@pytest.mark.parametrize("at", [0, 30, 150, 199, 390])
def test_a_snippet_never_cuts_a_match_in_two(at):
    passage = "字" * 400
    spans = [(at, at + 5), (195, 205)]
    start, end = snippet(passage, spans)
    assert start <= at and end - start >= SNIPPET_CHARS
    for span_start, span_end in spans:
        assert span_end <= start or span_start >= end or start <= span_start < span_end <= end


def test_a_long_facet_lists_the_largest_values_and_offers_a_name_box(client, monkeypatch):
    from web import facets

    monkeypatch.setattr(facets, "SHOWN_VALUES", 3)
    monkeypatch.setattr(facets, "LISTED_VALUES", 5)
    doc = page(client, "/?q=法治&sort=year")
    towns = doc.xpath("//section[contains(@class, 'facet-town')]")[0]
    total = len(search_facet(client, "town"))
    assert total > 5
    assert len(towns.xpath(".//li")) == 5
    assert text(towns.xpath(".//details/summary")[0]) == f"其余 {total - 3} 项"
    assert f"另有 {total - 5} 项未列出" in text(towns)
    form = towns.xpath(".//form[@class='by-name']")[0]
    hidden = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    assert hidden == {"q": "法治", "sort": "year"}
    assert form.xpath(".//input[@type='search']/@name") == ["town"]
    filtered = page(client, "/?q=法治&sort=year&town=青山")
    assert {text(p) for p in filtered.xpath("//p[@class='place']")} == {
        "青山镇 · 城口县 · 2019 年",
        "青山镇 · 城口县 · 2021 年",
    }


def search_facet(client, name: str) -> list[dict]:
    return client.get("/api/search?q=法治").get_json()["facets"][name]


@pytest.mark.parametrize(
    "file", ["a.txt", "青山镇/2019 年 #1?.docx", "x/%2e%2e/y&z=1.txt", "报告(二)'s;@.txt"]
)
def test_report_links_built_directly_equal_url_for(web_app, file):
    from flask import url_for

    from web.state import report_path

    with web_app.test_request_context("/"):
        assert report_path(file) == url_for("pages.report", file=file)


def test_sections_can_be_chosen_by_words_of_their_heading(client, archive_index):
    doc = page(client, "/?q=法治&county=城口县")
    (form,) = doc.xpath("//section[contains(@class, 'facet-category')]//form[@class='by-name']")
    hidden = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    assert hidden == {"q": "法治", "county": "城口县"}
    assert form.xpath(".//input[@type='search']/@name") == ["section"]
    chosen = page(client, "/?q=法治&county=城口县&section=存在的问题")
    expected = search(
        archive_index, SearchRequest(query="法治", county="城口县", section="存在的问题")
    )
    assert totals(chosen) == (expected.total_reports, expected.total_passages) != (0, 0)
    assert "章节：存在的问题" in text(chosen.xpath("//p[@class='chosen-all']")[0])
    for path in chosen.xpath("//p[@class='section-path']"):
        assert "存在的问题" in text(path)


def test_a_query_that_finds_nothing_shows_the_results_of_its_nearest_form(client):
    doc = page(client, "/?q=信方维稳")
    assert text(doc.xpath("//p[contains(@class, 'instead')]")[0]) == (
        "没有找到“信方维稳”，以下是 信访维稳 的结果。"
    )
    assert totals(doc)[0] > 0
    assert set(doc.xpath("//input[@name='q']/@value")) == {"信方维稳"}  # as typed
