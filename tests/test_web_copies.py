"""Copied text through Flask: the list of pairs, the report page's marks and notes, the JSON
twins, bad parameters (400, never 500), report text with HTML shown as text, and an index
whose copies are not computed yet."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import samples_with
from web import create_app

SHARED = [
    "青岗镇在全县率先建成村级法律服务站十八个，聘请律师驻站值班两百余天。",
    "宣传栏上写着<script>alert(1)</script>和<b>依法治镇</b>的标语共四十块。",
    "对照权责清单逐项梳理行政执法事项四十六项，公示执法流程图十二张。",
]


def _report(town: str, own: str) -> str:
    return "\n".join(
        [
            f"城口县{town}2021年法治政府建设情况报告",
            f"2021年以来，{town}扎实推进法治政府建设。",
            "一、主要工作",
            "".join(SHARED),
            "二、存在的问题",
            own,
        ]
    )


COPIER = "白沙镇2021.txt"
SOURCE = "青岗镇2021.txt"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("web-copies")
    return samples_with(
        root,
        {
            SOURCE: _report("青岗镇", "青岗镇村级法律顾问作用发挥得还不够充分。"),
            COPIER: _report("白沙镇", "白沙镇执法人员的业务培训次数偏少，需要加强。"),
        },
    )


@pytest.fixture(scope="module")
def client(built):
    archive, index = built
    return create_app({"INDEX_DIR": index, "ARCHIVE_DIR": archive, "TESTING": True}).test_client()


def test_the_list_names_the_pair_and_links_both_reports(client) -> None:
    response = client.get("/copies")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "相同文字最多的报告" in page and "不同乡镇" in page
    for file in (SOURCE, COPIER):
        assert f'href="/report/{quote(file)}"' in page
    assert "少于 12 个字的句子不计" in page  # the rule is stated on the page


def test_the_json_list_gives_shares_both_ways(client) -> None:
    data = client.get("/api/copies").get_json()
    assert data["computed"] is True and data["rule"]["common_reports"] == 20
    pair = next(p for p in data["pairs"] if {p["a"]["file"], p["b"]["file"]} == {SOURCE, COPIER})
    assert pair["kind"] == "other town" and pair["sentences"] == 3
    assert 0 < pair["share_a"] <= 1 and 0 < pair["share_b"] <= 1
    assert pair["a"]["county"] == "城口县"


def test_filters_by_county_year_and_kind(client) -> None:
    def files(query: str) -> set[str]:
        data = client.get(f"/api/copies?{query}").get_json()
        return {f for p in data["pairs"] for f in (p["a"]["file"], p["b"]["file"])}

    assert {SOURCE, COPIER} <= files("county=城口&year=2021&kind=town&sort=sentences")
    assert SOURCE not in files("year=1999")
    assert SOURCE not in files("kind=year")
    assert SOURCE not in files("county=没有这个县")


def test_the_report_marks_copied_sentences_and_names_the_other_report(client) -> None:
    page = client.get(f"/report/{quote(SOURCE)}").get_data(as_text=True)
    assert page.count('<span class="copied">') >= 3
    assert "这段文字中有 3 句也见于 1 份报告（1 个乡镇）" in page
    assert f'href="/report/{quote(COPIER)}"' in page
    # Report text with HTML in it is shown as text, never as markup.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "&lt;b&gt;依法治镇&lt;/b&gt;" in page
    # The reports sharing the most with it, each with the pair side by side.
    summary = page.split('class="copies-summary"')[1].split("</section>")[0]
    assert "白沙镇 2021" in summary and "不同乡镇" in summary and "3 句" in summary
    assert f"/copies/pair?a={quote(SOURCE)}&amp;b={quote(COPIER)}" in summary


def test_the_reports_json_quotes_its_shared_sentences(client) -> None:
    data = client.get(f"/api/copies/{quote(SOURCE)}").get_json()
    assert data["computed"] is True and data["file"] == SOURCE
    shared = [s for p in data["passages"] for s in p["sentences"] if not s["common"]]
    assert [s["text"] for s in shared] == SHARED
    assert {r["file"] for p in data["passages"] for r in p["also_in"]} == {COPIER}
    assert data["pairs"][0]["a"]["file"] == SOURCE and data["pairs"][0]["b"]["file"] == COPIER


@pytest.mark.parametrize(
    "url",
    [
        "/copies?year=20x",
        "/copies?kind=neighbour",
        "/copies?sort=size",
        "/copies?page=0",
        "/api/copies?page=abc",
        "/api/copies?year=1",
    ],
)
def test_bad_parameters_are_a_400_with_the_reason(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.get_json()["error"]
    else:
        assert 'class="notice error"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/copies?county=%00%FF&year=&kind=&sort=&page=",
        "/copies?page=1000&sort=year",
        "/copies?county=" + "县" * 5000,
        "/api/copies/%2e%2e/etc/passwd",
        "/api/copies/" + quote("<script>.txt"),
        "/copies/extra",
    ],
)
def test_odd_requests_never_answer_500(client, url: str) -> None:
    assert client.get(url).status_code in (200, 400, 404)


def test_a_report_not_in_the_index_is_a_404(client) -> None:
    response = client.get("/api/copies/nowhere.txt")
    assert response.status_code == 404 and "nowhere.txt" in response.get_json()["error"]


def test_copies_not_computed_yet_are_said_so(built, tmp_path: Path) -> None:
    archive, index = built
    copy = tmp_path / "index"
    shutil.copytree(index, copy)
    for folder in copy.glob("copies-*"):
        shutil.rmtree(folder)
    client = create_app({"INDEX_DIR": copy, "ARCHIVE_DIR": archive, "TESTING": True}).test_client()
    for url in ("/copies", f"/report/{quote(SOURCE)}"):
        response = client.get(url)
        assert response.status_code == 200 and "尚未计算" in response.get_data(as_text=True)
    assert client.get("/api/copies").get_json()["computed"] is False
    assert client.get(f"/api/copies/{quote(SOURCE)}").get_json()["computed"] is False


def test_side_by_side_marks_the_shared_sentences_of_both(client) -> None:
    list_page = client.get("/copies").get_data(as_text=True)
    link = f'/copies/pair?a={quote(SOURCE)}&amp;b={quote(COPIER)}'
    reverse = f'/copies/pair?a={quote(COPIER)}&amp;b={quote(SOURCE)}'
    assert link in list_page or reverse in list_page
    page = client.get(f"/copies/pair?a={quote(SOURCE)}&b={quote(COPIER)}").get_data(as_text=True)
    assert page.count('<span class="copied">') == 2 * 3 + 1  # the legend's sample too
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert "村级法律顾问" not in page  # a passage sharing nothing is left out
    assert client.get(f"/copies/pair?a={quote(SOURCE)}&b=nowhere.txt").status_code == 404
    assert client.get("/copies/pair").status_code == 400  # which two reports: not said
