"""The town page and /api/town through Flask, on a real index of one town's reports written
in the test (tests/town_data.py): the timeline, the diff sentence by sentence, the plans
marked, the links to it, and names that must never give a 500."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest

from indexer import ArchiveIndex, update_index
from indexer.timeline import town_view
from tests import town_data as T
from tests.conftest import ARCHIVE
from tests.web_support import page, text

TOWN_URL = f"/town/{quote(T.TOWN)}?county={quote(T.COUNTY)}"


@pytest.fixture(scope="module")
def town_archive(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("webtown")
    archive = root / "archive"
    T.write_town(archive)
    (archive / "samples").mkdir()
    for sample in sorted(ARCHIVE.glob("*.txt")):
        (archive / "samples" / sample.name).write_bytes(sample.read_bytes())
    assert not update_index(archive, root / "index").failed
    return archive, root / "index"


@pytest.fixture(scope="module")
def client(town_archive):
    from web import create_app

    archive, index = town_archive
    app = create_app({"INDEX_DIR": index, "ARCHIVE_DIR": archive, "TESTING": True})
    return app.test_client()


def rows(doc, category: str) -> list[tuple[str, str, str]]:
    """(kind, old text, new text) of each diff row of a part, the year labels left out."""

    def side(cell) -> str:
        return "".join(t for t in cell.xpath(".//text()[not(ancestor::span)]")).strip()

    return [
        (row.get("class").split()[1], side(row.xpath("./div")[0]), side(row.xpath("./div")[1]))
        for row in doc.xpath(f"//section[@id='part-{category}']//div[contains(@class,'diff-row')]")
    ]


def test_the_timeline_shows_each_year_with_its_title_parts_length_and_link(client):
    doc = page(client, TOWN_URL)
    assert text(doc.xpath("//h1")[0]) == f"{T.TOWN} {T.COUNTY} · 历年报告"
    entries = doc.xpath("//ol[@class='timeline-list']/li")
    assert [text(e.xpath(".//span[@class='year']")[0]) for e in entries] == [
        "2020",
        "2021",
        "2022",
    ]
    links = [e.xpath(".//a[@class='entry-title']")[0] for e in entries]
    assert [text(a) for a in links] == [T.title(2020), T.title(2021), T.title(2022)]
    assert [unquote(a.get("href")) for a in links] == [
        "/report/青松镇/2020.txt",
        "/report/青松镇/2021.docx",
        "/report/青松镇/2022.txt",
    ]
    absent = [text(s) for s in entries[0].xpath(".//span[contains(@class,'absent')]")]
    assert absent == ["✗ 第一责任人职责", "✗ 下一年度主要安排"]
    assert "字" in text(entries[0].xpath(".//p[contains(@class,'size')]")[0])
    assert "计划 3 句，2 句在 2022 年的报告中提及" in text(entries[1])
    assert "2020 年的报告没有“下一年度工作打算”部分" in text(entries[0])
    assert not entries[1].xpath(".//a[text()='逐句对照']")  # the plans shown below
    doc = page(client, TOWN_URL + "&plans=2022")
    link = doc.xpath("//ol[@class='timeline-list']/li[2]//a[text()='逐句对照']")[0]
    assert parse_qs(urlsplit(link.get("href")).query)["plans"] == ["2021"]
    compared = [e for e in entries if "compared" in e.get("class")]
    assert [text(e.xpath(".//span[@class='year']")[0]) for e in compared] == ["2021", "2022"]


def test_the_two_years_are_shown_side_by_side_as_a_diff(client):
    doc = page(client, TOWN_URL)
    assert text(doc.xpath("//h2[@id='compare-title']")[0]) == "2021 年与 2022 年逐句对比"
    assert rows(doc, "measures") == [
        ("same", "一、主要举措和成效", "一、主要举措和成效"),
        ("same", T.KEPT, T.KEPT),
        ("modified", T.EDITED_2021, T.EDITED_2022),
        ("removed", T.DROPPED, ""),
        *[("added", "", sentence) for sentence in T.ADDED],
    ]
    modified = doc.xpath("//section[@id='part-measures']//div[contains(@class,'modified')]")[0]
    assert [text(d) for d in modified.xpath(".//del")] == ["二"]
    assert [text(i) for i in modified.xpath(".//ins")] == ["五"]
    assert "相似度" in text(doc.xpath("//section[@class='compare']/p[contains(@class,'rule')]")[0])
    counts = text(doc.xpath("//section[@id='part-measures']/p[@class='diff-counts']")[0])
    assert counts == "新增 3 删去 1 改动 1 相同 2"


def test_other_years_are_picked_by_the_form_or_by_links(client):
    doc = page(client, TOWN_URL)
    form = doc.xpath("//form[@class='pick-years']")[0]
    assert form.xpath(".//select[@name='from']/option[@selected]/@value") == ["2021"]
    assert form.xpath(".//input[@name='county']/@value") == [T.COUNTY]
    link = doc.xpath("//a[text()='与上一份比较']")[0].get("href")
    assert parse_qs(urlsplit(link).query) == {
        "county": [T.COUNTY],
        "from": ["2020"],
        "to": ["2021"],
    }
    doc = page(client, link)
    assert text(doc.xpath("//h2[@id='compare-title']")[0]) == "2020 年与 2021 年逐句对比"
    kinds = [kind for kind, _, _ in rows(doc, "plans")]
    assert set(kinds) == {"added"}  # 2020 has no plans part


def test_the_plans_that_the_next_report_takes_up_are_marked_with_their_evidence(client):
    doc = page(client, TOWN_URL)
    section = doc.xpath("//section[@class='promises']")[0]
    assert "2021 年的打算，2022 年的举措" in text(section.xpath("./h2")[0])
    assert "共有一个 3 字以上的词" in text(section.xpath("./p[contains(@class,'rule')]")[0])
    plans = section.xpath(".//div[@class='plans']//li[contains(@class,'plan')]")
    assert [text(p.xpath("./span[@class='sentence']")[0]) for p in plans] == T.PLANS_2021
    assert [p.get("class").split()[1] for p in plans] == ["taken-up", "taken-up", "not-taken-up"]
    assert [text(m) for m in plans[0].xpath("./span[@class='sentence']//mark")] == [
        "一村一法律顾问"
    ]
    assert [text(li) for li in plans[0].xpath(".//ul[@class='by']/li")] == [
        f"2022 年：{T.ADDED[1]}"
    ]
    assert text(plans[2].xpath("./span[@class='status']")[0]) == "未见提及"
    measures = section.xpath(".//div[@class='measures']//li")
    taking = [li for li in measures if li.get("class") == "takes-up"]
    assert [text(li) for li in taking] == [
        f"{T.ADDED[1]} （计划第 1 句）",
        f"{T.ADDED[2]} （计划第 2 句）",
    ]
    assert "2 / 3 句计划" in text(section.xpath("./p[@class='followed']")[0])


def test_a_year_without_plans_or_next_report_says_so(client):
    doc = page(client, TOWN_URL + "&plans=2020")
    assert "2020 年的报告没有“下一年度工作打算”部分" in text(
        doc.xpath("//section[@class='promises']")[0]
    )
    doc = page(client, TOWN_URL + "&plans=2022")
    notice = text(doc.xpath("//section[@class='promises']/p[@class='notice']")[0])
    assert notice == "没有 2023 年的报告，无法对照 2022 年的计划。"


def test_a_town_of_one_report_has_nothing_to_compare(client):
    doc = page(client, f"/town/{quote(T.TOWN)}?county={quote(T.OTHER_COUNTY)}")
    assert "只有一份报告" in text(doc.xpath("//p[@class='notice']")[0])
    assert not doc.xpath("//section[@class='compare']")


def test_a_name_in_two_counties_asks_which(client):
    doc = page(client, f"/town/{quote(T.TOWN)}", status=300)
    links = doc.xpath("//ul[@class='town-choices']//a")
    assert [text(a) for a in links] == [f"{T.TOWN}（{T.COUNTY}）", f"{T.TOWN}（{T.OTHER_COUNTY}）"]
    assert parse_qs(urlsplit(links[0].get("href")).query) == {"county": [T.COUNTY]}


def test_an_unknown_town_is_a_404_page_with_the_nearest_towns(client):
    doc = page(client, f"/town/{quote('青松')}", status=404)
    assert "档案中没有名为“青松”的镇/街道" in text(doc.xpath("//main")[0])
    assert {text(a) for a in doc.xpath("//ul[@class='town-choices']//a")} == {
        f"{T.TOWN}（{T.COUNTY}）",
        f"{T.TOWN}（{T.OTHER_COUNTY}）",
    }


@pytest.mark.parametrize(
    ("url", "status"),
    [
        (f"{TOWN_URL}&from=2019&to=2022", 400),
        (f"{TOWN_URL}&from=abc&to=2022", 400),
        (f"{TOWN_URL}&from=2021", 400),
        (f"{TOWN_URL}&plans=20x1", 400),
        (f"/town/{quote(T.TOWN)}?county={quote('<b>县</b>')}", 404),
        (f"/town/{quote(T.TOWN)}?county=" + "县" * 300, 400),
        (f"/town/{quote(T.TOWN)}?county=%00", 400),
        ("/town/" + quote("<script>alert(1)</script>"), 404),
        ("/town/" + "镇" * 2000, 404),
        ("/town/../../etc/passwd", 404),
        ("/town/..%2F..%2Fetc%2Fpasswd", 404),
        ("/town/%00", 404),
        (f"/town/{quote(T.TOWN)}%00", 404),
        ("/town/%ff%fe", 404),
        ("/api/town/" + quote("<script>"), 404),
        ("/api/town/%00?from=1&to=2", 400),
    ],
)
def test_hostile_names_and_parameters_never_give_a_500(client, url, status):
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    body = response.data.decode()
    assert "<script>alert" not in body and "<b>县" not in body
    assert "Traceback" not in body


def test_the_json_twin_returns_the_cli_object(client, town_archive):
    response = client.get(f"/api/town/{quote(T.TOWN)}?county={quote(T.COUNTY)}&from=2020&to=2022")
    assert response.status_code == 200
    opened = ArchiveIndex(town_archive[1])
    try:
        expected = town_view(opened, T.TOWN, T.COUNTY, (2020, 2022)).to_json()
    finally:
        opened.close()
    assert response.get_json() == expected


def test_the_json_errors_say_what_to_do(client):
    ambiguous = client.get(f"/api/town/{quote(T.TOWN)}")
    assert ambiguous.status_code == 300
    assert [c["county"] for c in ambiguous.get_json()["counties"]] == [T.COUNTY, T.OTHER_COUNTY]
    missing = client.get(f"/api/town/{quote('青松')}")
    assert missing.status_code == 404
    assert missing.get_json()["nearest"][0]["town"] == T.TOWN
    bad = client.get(f"/api/town/{quote(T.TOWN)}?county={quote(T.COUNTY)}&from=2019&to=2020")
    assert bad.status_code == 400 and "2019" in bad.get_json()["error"]


def test_the_page_downloads_as_word_excel_and_csv_with_the_changes_in_bold(client):
    import csv
    import io

    import openpyxl
    from docx import Document

    links = page(client, TOWN_URL + "&from=2021&to=2022").xpath("//p[contains(@class,'exports')]/a")
    by_label = {text(a): a.get("href") for a in links}
    assert set(by_label) >= {"Word", "Excel", "CSV"}
    assert all("from=2021" in by_label[k] and "to=2022" in by_label[k] for k in ("Word", "CSV"))
    word = client.get(by_label["Word"])
    assert word.status_code == 200
    assert "filename*=UTF-8''" in word.headers["Content-Disposition"]
    assert "fazhi-town.docx" in word.headers["Content-Disposition"]
    document = Document(io.BytesIO(word.data))
    paragraphs = document.paragraphs
    assert paragraphs[0].text.startswith(f"历年对比 · {T.TOWN}（{T.COUNTY}） · 2021–2022 年")
    # The passage's edited character (二 → 五) and its sentence removed in 2022, in bold.
    dropped = next(p for p in paragraphs if T.DROPPED in p.text)
    assert "".join(r.text for r in dropped.runs if r.bold) == "二" + T.DROPPED
    kept = [p for p in paragraphs if p.text == T.KEPT]
    assert kept and all(not r.bold for p in kept for r in p.runs)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(by_label["Excel"]).data)).active
    texts = [row[6] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert any(T.DROPPED in t for t in texts) and T.KEPT in texts
    table = list(csv.reader(io.StringIO(client.get(by_label["CSV"]).data.decode("utf-8-sig"))))
    assert [row[6] for row in table[3:]] == texts


def test_a_download_of_an_unknown_town_or_format_is_refused_with_the_reason(client):
    missing = client.get(f"/export/town/{quote('青松')}.docx")
    assert missing.status_code == 404
    assert (
        client.get(f"/export/town/{quote(T.TOWN)}.pdf?county={quote(T.COUNTY)}").status_code == 404
    )
    ambiguous = client.get(f"/export/town/{quote(T.TOWN)}.csv")
    assert ambiguous.status_code == 400 and T.COUNTY in ambiguous.data.decode()


def test_search_results_the_town_facet_and_the_report_page_link_to_the_town(client):
    doc = page(client, f"/?q={quote('调解室')}&town={quote(T.TOWN)}&county={quote(T.COUNTY)}")
    place = doc.xpath("//li[@class='result']//p[@class='place']/a[@class='town-link']")[0]
    assert text(place) == T.TOWN
    assert unquote(place.get("href")) == f"/town/{T.TOWN}?county={T.COUNTY}"
    facet = doc.xpath("//p[@class='town-years']/a")[0]
    assert unquote(facet.get("href")) == f"/town/{T.TOWN}?county={T.COUNTY}"
    doc = page(client, "/report/" + quote("青松镇/2021.docx"))
    link = doc.xpath("//p[@class='actions']/a[@class='town-years']")[0]
    assert text(link) == f"{T.TOWN}历年报告对比"
    assert unquote(link.get("href")) == f"/town/{T.TOWN}?county={T.COUNTY}"
    assert page(client, link.get("href")) is not None


def test_reports_without_a_year_are_listed_but_not_compared(tmp_path):
    from web import create_app

    archive = tmp_path / "archive"
    archive.mkdir()
    for name, body in (("x.txt", "一、主要举措\n推行调解。"), ("y.txt", "推行调解。开展宣传。")):
        (archive / name).write_text(f"城口县白马镇法治政府建设情况报告\n{body}", "utf-8")
    assert not update_index(archive, tmp_path / "index").failed
    app = create_app({"INDEX_DIR": tmp_path / "index", "ARCHIVE_DIR": archive})
    doc = page(app.test_client(), f"/town/{quote('白马镇')}")
    years = doc.xpath("//ol[@class='timeline-list']//span[@class='year']")
    assert [text(y) for y in years] == ["年份不明", "年份不明"]
    assert "年份不明的报告不参与比较" in text(doc.xpath("//p[@class='notice']")[0])
    assert not doc.xpath("//section[@class='compare'] | //section[@class='promises']")


def test_a_long_run_of_unchanged_sentences_folds_away_but_for_the_context_of_a_change():
    from indexer.sentences import diff_sentences, split_sentences
    from indexer.timeline import PartComparison
    from web.town_layout import CONTEXT, part_layout

    def same(first: int) -> str:
        return "".join(f"第{n}句没有变。" for n in range(first, first + 5))

    old = split_sentences(same(1) + "旧的一句话。" + same(6) + "又一句旧话。" + same(11))
    new = split_sentences(same(1) + same(6) + same(11))
    groups = part_layout(PartComparison("measures", diff_sentences(old, new)))["groups"]
    assert CONTEXT == 1
    assert [(g["same"], g["fold"], len(g["rows"])) for g in groups] == [
        (True, True, 4),  # the part's start: nothing before it to give context to
        (True, False, 1),
        (False, False, 1),
        (True, False, 1),
        (True, True, 3),
        (True, False, 1),
        (False, False, 1),
        (True, False, 1),
        (True, True, 4),
    ]
