"""One file, one report: a file holding two filled-in forms is not read as one."""
from __future__ import annotations

import pytest

from conftest import CORPUS, SAMPLES
from xxgk.extract.formats import read_document
from xxgk.extract.report import extract_bytes
from xxgk.extract.sections import count_forms

HONGZE = [CORPUS / "real" / f"00{i}_huaian_hongze_qu_202{i + 2}_pdftext.txt" for i in (1, 2)]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_real_report_holds_one_form(path):
    doc = read_document(path.read_bytes(), path.name)
    assert count_forms(doc.rows) == 1


def test_two_years_pasted_together_fail_with_that_reason():
    """Before, the 2023 and 2024 reports of 洪泽区 in one file came back `ok` with 2023's numbers."""
    data = b"\n\n".join(p.read_bytes() for p in HONGZE)
    r = extract_bytes(data, "two.txt")
    assert r.status == "failed" and r.cells == {}
    (check,) = r.checks[-1:]
    assert check.rule == "reports" and "2 reports" in check.detail


def test_two_pages_in_one_html_file_fail_too():
    """Two pages of different reports (the crawled page and, after it, the same page with other
    numbers): two reports. The same page twice is one report, printed twice: read once."""
    path = CORPUS / "real" / "015_suqian_shuyang_fagaiju_2023_crawlhtml.html"
    page = path.read_bytes()
    other = page.translate(bytes.maketrans(b"0123456789", b"1234567890"))
    r = extract_bytes(page + other, "two.html")
    assert (r.status, r.checks[-1].rule) == ("failed", "reports")
    r = extract_bytes(page + page, "twice.html")
    assert r.status == "ok" and r.checks[-1].rule == "copies"
    once = extract_bytes(page, path.name)
    assert {k: c.value for k, c in r.cells.items()} == {k: c.value for k, c in once.cells.items()}


def test_a_narrative_then_renumbered_tables_is_one_report():
    """Sections 一…六 told in prose, then the three tables under their own headings 一、二、三:
    the headings of 二, 三 and 四 come twice, but only the second run holds a table."""
    text = HONGZE[0].read_text(encoding="utf-8")
    start = text.index("二、主动公开政府信息情况")
    narrative = ("一、总体情况\n本机关依法做好公开工作。\n二、主动公开政府信息情况\n主动公开文件12件。\n"
                 "三、收到和处理政府信息公开申请情况\n收到申请21件。\n四、政府信息公开行政复议、行政诉讼情况\n无。\n"
                 "五、存在的主要问题及改进情况\n无。\n六、其他需要报告的事项\n无。\n")
    renumbered = (text[start:].replace("二、主动公开政府信息情况", "一、主动公开政府信息情况", 1)
                  .replace("三、收到和处理政府信息公开申请情况", "二、收到和处理政府信息公开申请情况", 1)
                  .replace("四、政府信息公开行政复议", "三、政府信息公开行政复议", 1))
    doc = read_document((text[:start] + narrative + renumbered).encode(), "x.txt")
    assert count_forms(doc.rows) == 1
