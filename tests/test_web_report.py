"""The report page, its JSON and the download of the original, on a real index."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, quote, unquote, urlsplit

import lxml.html
import pytest

from indexer import get_record
from indexer.normalize import normalize
from tests.conftest import WEB_WORD
from tests.web_support import page, text

QINGSHAN_2021 = "青山镇/青山镇2021年报告.txt"
QINGSHAN_2019 = "青山镇/2019.docx"


def metadata(doc) -> dict[str, list[str]]:
    return {
        text(row.xpath("./th")[0]): [text(cell) for cell in row.xpath("./td")]
        for row in doc.xpath("//table[@class='metadata']/tbody/tr")
    }


def test_the_report_shows_its_metadata_with_evidence_and_source(client):
    doc = page(client, "/report/" + quote(QINGSHAN_2021))
    assert text(doc.xpath("//h1")[0]) == "城口县青山镇2021年法治政府建设情况报告"
    rows = metadata(doc)
    assert rows["镇/街道"] == ["青山镇", "城口县青山镇2021年法治政府建设情况报告", "标题"]
    assert rows["年份"][0] == "2021" and rows["年份"][2] == "标题"
    assert rows["省"][0] == "不明"
    town_phrase = doc.xpath("//table[@class='metadata']/tbody/tr[2]/td[@class='phrase']//b")
    assert [text(b) for b in town_phrase] == ["青山镇"]


def test_a_sidecar_value_says_it_was_set_by_the_corrections_file(client):
    doc = page(client, "/report/corrected.txt")
    rows = metadata(doc)
    assert rows["镇/街道"][0] == "红叶镇"
    assert rows["镇/街道"][2] == "人工更正（由更正文件设定）"
    assert rows["年份"][2] == "开头"  # not overridden: read from the opening
    assert "（由更正文件设定）" not in rows["年份"][2]
    assert text(doc.xpath("//h1")[0]) == "corrected.txt"  # no title: the file name


def test_the_outline_has_headings_by_level_and_a_table_of_contents_that_links_to_them(client):
    doc = page(client, "/report/" + quote(QINGSHAN_2021))
    body = doc.xpath("//div[@id='report-text']")[0]
    assert [text(h) for h in body.xpath("./h2")] == [
        "一、主要工作",
        "二、存在的问题",
        "三、下一步打算",
    ]
    assert [text(h) for h in body.xpath("./h3")] == [
        "（一）推进网格化调解。",
        "（二）加强普法宣传。",
    ]
    toc = doc.xpath("//nav[@class='toc']//a")
    assert [text(a) for a in toc] == [
        "一、主要工作",
        "（一）推进网格化调解。",
        "（二）加强普法宣传。",
        "二、存在的问题",
        "三、下一步打算",
    ]
    for link in toc:
        (target,) = doc.xpath(f"//*[@id='{link.get('href')[1:]}']")
        assert text(target) == text(link)


def test_the_whole_text_is_on_the_page(client, archive_index):
    record = get_record(archive_index, "samples/002_c95c61ecb8064d92.txt")
    doc = page(client, "/report/samples/002_c95c61ecb8064d92.txt")
    shown = "".join(text(doc.xpath("//div[@id='report-text']")[0]).split())
    for passage in record.passages:
        assert "".join(passage.text.split()) in shown


def test_every_match_of_the_query_is_marked_and_counted(client, archive_index):
    record = get_record(archive_index, "samples/002_c95c61ecb8064d92.txt")
    occurrences = sum(normalize(p.text).count("法治") for p in record.passages)
    assert occurrences > 10
    doc = page(client, "/report/samples/002_c95c61ecb8064d92.txt?q=法治")
    marks = doc.xpath("//div[@id='report-text']//mark")
    assert len(marks) == occurrences
    assert {text(mark) for mark in marks} == {"法治"}
    assert text(doc.xpath("//*[@id='match-count']")[0]) == f"共 {occurrences} 处"
    assert doc.xpath("//button[@id='prev-match']") and doc.xpath("//button[@id='next-match']")
    scripts = doc.xpath("//script/@src")
    assert scripts == ["/static/app.js"]
    with client.get(scripts[0]) as script:  # the counter's text is written there
        assert "第 " in script.data.decode()


def test_several_words_are_all_marked_and_an_excluded_one_is_not(client):
    doc = page(client, "/report/" + quote(QINGSHAN_2021) + "?q=调解 OR 普法 -禁毒")
    marked = {text(m) for m in doc.xpath("//div[@id='report-text']//mark")}
    assert marked == {"调解", "普法"}


def test_a_natural_query_marks_its_words(client):
    doc = page(client, "/report/samples/000_43e2c25a4f19f0bd.txt?q=如何开展禁毒宣传")
    marked = {text(m) for m in doc.xpath("//div[@id='report-text']//mark")}
    assert marked and marked <= {"如何开展禁毒宣传", "禁毒", "宣传"}


def test_a_query_absent_from_the_report_says_so(client):
    doc = page(client, "/report/" + quote(QINGSHAN_2021) + "?q=扫黑除恶")
    assert text(doc.xpath("//*[@id='match-count']")[0]) == "本报告中没有匹配处"
    assert doc.xpath("//button[@id='next-match']/@disabled")


def test_an_unreadable_query_still_shows_the_report(client):
    doc = page(client, "/report/" + quote(QINGSHAN_2021) + '?q="open')
    assert "引号" in text(doc.xpath("//p[contains(@class, 'error')]")[0])
    assert not doc.xpath("//mark")
    assert doc.xpath("//div[@id='report-text']/h2")


def test_without_a_query_there_is_no_match_navigation(client):
    doc = page(client, "/report/" + quote(QINGSHAN_2021))
    assert not doc.xpath("//*[@id='match-count']") and not doc.xpath("//mark")


def test_links_to_the_same_towns_other_years(client):
    doc = page(client, "/report/" + quote(QINGSHAN_2021) + f"?q={WEB_WORD}")
    links = doc.xpath("//nav[@class='same-town']//a")
    assert [text(a) for a in links] == ["2019 年"]
    href = links[0].get("href")
    assert unquote(urlsplit(href).path) == "/report/" + QINGSHAN_2019
    assert parse_qs(urlsplit(href).query) == {"q": [WEB_WORD]}


def test_the_back_link_returns_to_the_search_as_it_was(client):
    state = f"q={WEB_WORD}&town=青山镇&sort=year&page=1"
    doc = page(client, "/report/" + quote(QINGSHAN_2021) + "?" + state)
    (back,) = doc.xpath("//p[@class='back']/a/@href")
    assert urlsplit(back).path == "/"
    assert parse_qs(urlsplit(back).query) == parse_qs(state)


def test_a_search_result_links_to_its_passage(client):
    doc = page(client, f"/?q={WEB_WORD}&town=青山镇&sort=year")
    jump = doc.xpath("//li[@class='result'][1]//a[@class='jump']/@href")[0]
    report, anchor = jump.split("#")
    target = page(client, report)
    (element,) = target.xpath(f"//*[@id='{anchor}']")
    assert WEB_WORD in text(element.getparent() if element.tag == "span" else element)


def test_a_script_in_a_report_is_shown_as_text(client):
    response = client.get("/report/" + quote("白石镇2022.txt") + "?q=alert")
    body = response.data.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in body
    assert lxml.html.fromstring(body).xpath("//script/@src") == ["/static/app.js"]


def test_the_download_is_the_original_file_with_its_chinese_name(client, web_archive):
    archive, _ = web_archive
    doc = page(client, "/report/" + quote(QINGSHAN_2021))
    (href,) = doc.xpath("//a[contains(@class, 'download')]/@href")
    with client.get(href) as response:
        assert response.status_code == 200
        assert response.data == (archive / QINGSHAN_2021).read_bytes()
        disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''" + quote("青山镇2021年报告.txt") in disposition
    with client.get("/file/" + quote(QINGSHAN_2019)) as docx:
        assert docx.data == (archive / QINGSHAN_2019).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/file/damaged.docx",  # in the archive, not in the index
        "/file/corrected.txt.meta.toml",
        "/file/..%2f..%2fetc/passwd",
        "/file/../../etc/passwd",
        "/file/%2fetc%2fpasswd",
        "/file/nothing.txt",
    ],
)
def test_only_indexed_files_inside_the_archive_are_served(client, path):
    response = client.get(path, follow_redirects=True)  # Werkzeug merges double slashes
    assert response.status_code == 404
    assert "找不到" in response.data.decode() or "索引中没有" in response.data.decode()


def test_a_file_deleted_since_indexing_is_a_404_not_a_500(web_archive, tmp_path):
    from web import create_app

    archive, index = web_archive
    app = create_app({"INDEX_DIR": index, "ARCHIVE_DIR": tmp_path, "TESTING": True})
    response = app.test_client().get("/file/" + quote(QINGSHAN_2021))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/report/../../etc/passwd",
        "/report/..%2f..%2fetc/passwd",
        "/report/nothing.txt",
        "/report/%ED%A0%80",
        "/report/" + "a" * 5000,
        "/report/%00",
    ],
)
def test_an_unknown_report_is_a_chinese_404_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    doc = lxml.html.fromstring(response.data.decode())
    assert text(doc.xpath("//h1")[0]) == "找不到该页面"


def test_the_report_api_is_the_record_json(client, archive_index):
    response = client.get("/api/report/" + quote(QINGSHAN_2019))
    assert response.status_code == 200
    expected = get_record(archive_index, QINGSHAN_2019).to_json()
    assert response.get_json() == json.loads(json.dumps(expected))
    assert list(response.get_json()) == list(expected)


def test_the_report_api_answers_404_json_for_an_unknown_file(client):
    response = client.get("/api/report/../../etc/passwd")
    assert response.status_code == 404
    assert re.search("索引中没有", response.get_json()["error"])


def test_a_value_read_from_a_cited_document_names_that_source(client):
    doc = page(client, "/report/samples/000_43e2c25a4f19f0bd.txt")
    county = metadata(doc)["县/区"]
    assert county[0] == "威信县"
    assert county[1].startswith("中共威信县委") and county[2] == "引用文件名"
    assert metadata(doc)["镇/街道"][0] == "不明"  # redacted as **镇 in the text
