"""The same report in every encoding and wrapper it reaches us in; bad files fail with a reason."""
from __future__ import annotations

import os

import pytest

from conftest import CORPUS, extracted, gold
from xxgk.extract.report import extract_bytes, extract_file

SEED = CORPUS / "dev" / "seed_003.txt"
TEXT = SEED.read_text(encoding="utf-8")
GOLD = gold(CORPUS / "dev" / "seed_003.gold.json")["cells"]


def _html_page(body: str) -> str:
    return ('<!doctype html><html><head><meta charset="{cs}"><title>卧龙区政府</title>'
            '<script>var x = "1 2 3";</script></head><body><div class="nav">首页 | 政务公开 | 2</div>'
            f'<div class="article">{body}</div><div class="footer">版权所有 2021</div></body></html>')


VARIANTS = {
    "gb18030": TEXT.encode("gb18030"),
    "utf-16 with BOM": TEXT.encode("utf-16"),
    "utf-16-le without BOM": TEXT.encode("utf-16-le"),
    "utf-8 with BOM": TEXT.encode("utf-8-sig"),
    "crlf": TEXT.replace("\n", "\r\n").encode(),
    "gbk html, a div per line": _html_page("".join(f"<div>{line}</div>" for line in TEXT.splitlines()))
    .replace("{cs}", "gbk").encode("gb18030"),
    "utf-8 html, <pre>": _html_page(f"<pre>{TEXT}</pre>").replace("{cs}", "utf-8").encode(),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_same_report_in_other_encodings_and_wrappers(name):
    r = extract_bytes(VARIANTS[name], f"seed_003.{'html' if 'html' in name else 'txt'}")
    assert r.status == "ok", [c for c in r.checks if not c.ok]
    assert {k: c.value for k, c in r.cells.items()} == GOLD
    assert (r.template, r.report_year, r.agency) == ("2019", 2020, "卧龙区人民政府")


def test_gbk_spans_point_into_the_decoded_text():
    r = extract_bytes(VARIANTS["gbk html, a div per line"], "seed_003.html")
    page = VARIANTS["gbk html, a div per line"].decode("gb18030")
    start, end = r.cells["applications.new_received.total"].span
    assert page[start:end] == "56"


@pytest.mark.parametrize("data,reason", [
    (b"", "empty file"),
    (b"  \n\n ", "empty file"),
    (bytes(range(256)) * 20, "binary file"),
    (b"%PDF-1.4 not really", "unreadable PDF"),
    (b"PK\x03\x04" + b"\x00" * 100, "a damaged ZIP file"),
    ("这是一篇普通的新闻稿，没有任何表格。2020年。".encode(), "no report found"),
])
def test_bad_inputs_fail_with_a_reason(data, reason):
    r = extract_bytes(data, "bad")
    assert r.status == "failed"
    assert r.cells == {}
    assert reason in r.checks[-1].detail


def test_random_bytes_fail(tmp_path):
    r = extract_bytes(os.urandom(5000), "noise.bin")
    assert r.status == "failed"


def test_truncated_report_fails_with_where_it_stops():
    r = extract_bytes(TEXT[: len(TEXT) // 3].encode(), "cut.txt")
    assert r.status == "failed"
    assert "ends in section" in r.checks[-1].detail


def test_truncated_inside_a_character_still_decodes():
    data = TEXT.encode()
    cut = data[: data.index("四、政府信息公开行政复议".encode()) + 2]
    r = extract_bytes(cut, "cut.txt")
    assert r.encoding == "utf-8 (truncated)"
    assert r.status != "ok"
    assert r.cells["applications.new_received.total"].value == 56


def test_pre_2019_report_is_refused():
    r = extract_bytes(TEXT.replace("2020", "2017").encode(), "old.txt")
    assert r.status == "failed"
    assert "predates the 2019 form" in r.checks[-1].detail


def test_missing_file(tmp_path):
    r = extract_file(tmp_path / "nope.txt")
    assert r.status == "failed" and "cannot read file" in r.checks[-1].detail


def test_pdf_text_layer_reads_like_its_text_dump():
    pdf = extracted(CORPUS / "pdf" / "hongze_2024.pdf")
    txt = extracted(CORPUS / "real" / "002_huaian_hongze_qu_2024_pdftext.txt")
    assert pdf.kind == "pdf"
    assert {k: c.value for k, c in pdf.cells.items()} == {k: c.value for k, c in txt.cells.items()}


def test_headings_split_by_spaces_and_other_numbering():
    text = (TEXT.replace("二、主动公开政府信息情况", "（二） 主 动 公 开 政 府 信 息 情 况")
            .replace("三、收到和处理政府信息公开申请情况", "## 3、收到和处理政府信息公开申请情况")
            .replace("四、政府信息公开行政复议、行政诉讼情况", "四 、 政府信息公开行政复议、行政诉讼情况"))
    r = extract_bytes(text.encode(), "split.txt")
    assert r.sections == [1, 2, 3, 4, 5, 6]
    assert r.status == "ok" and {k: c.value for k, c in r.cells.items()} == GOLD


def test_amounts_in_yuan_are_converted_to_wan_yuan_with_a_check():
    text = TEXT.replace("采购总金额(单位：万元，保留4位小数)", "采购总金额（单位：元）").replace("14584.9972", "145849972")
    r = extract_bytes(text.encode(), "yuan.txt")
    assert r.cells["disclosure.procurement.amount"].value == 14584.9972
    (check,) = [c for c in r.checks if c.name == "unit:disclosure.procurement.amount"]
    assert check.ok and check.detail == "145849972 元 converted to 14584.9972 万元"
