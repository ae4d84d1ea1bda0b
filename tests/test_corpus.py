"""Every cell of every real report with gold values, read exactly; and each report's checks."""
from __future__ import annotations

import re

import pytest

from conftest import CORPUS, extracted, gold, source_of
from xxgk import schema
from xxgk.extract.numbers import parse_values


def test_every_cell_matches_gold(gold_path):
    g = gold(gold_path)
    r = extracted(source_of(gold_path))
    assert r.template == g["template"]
    assert r.report_year == g["report_year"]
    assert set(r.cells) == set(schema.keys(g["template"])) == set(g["cells"])
    wrong = {k: (v, r.cells[k].value) for k, v in g["cells"].items()
             if not (v is None and r.cells[k].value is None
                     or v is not None and r.cells[k].value is not None and abs(v - r.cells[k].value) < 1e-9)}
    assert wrong == {}


def test_spans_point_at_the_printed_value(gold_path):
    """Every read (not inferred) value can be found again at its span in the decoded text."""
    from xxgk.extract.formats import read_document

    src = source_of(gold_path)
    r = extracted(src)
    text = read_document(src.read_bytes(), src.name).text
    for key, cell in r.cells.items():
        if cell.inferred:
            assert cell.span is None, key
            continue
        if cell.value is None:
            continue
        start, end = cell.span
        values = parse_values(text[start:end])
        assert values and len(values) == 1, (key, text[start:end])
        assert abs(values[0].value - cell.value) < 1e-9, (key, text[start:end])


# What each report's own checks must say: status, and the checks that must fail (by name).
EXPECTED = {
    # no title: the year is the one the text mentions most, which is flagged
    "seed_000": ("warning", {"inferred:applications.new_received", "report_year"}),
    "seed_001": ("ok", set()),
    "seed_002": ("ok", set()),
    "seed_003": ("ok", set()),
    # the source itself prints granted 自然人 5 with 总计 0: kept, flagged, never repaired
    "seed_004": ("warning", {"row_sum:granted", "outcomes_sum:total", "report_year"}),
    "001_huaian_hongze_qu_2023_pdftext": ("warning", {"appeal_sum:review", "appeal_sum:litigation_after_review",
                                                      "inferred:other_split"}),
    "002_huaian_hongze_qu_2024_pdftext": ("warning", {"inferred:other_split"}),
    "003_huaian_shi_2024_pdftext": ("ok", set()),
    "012_suqian_shuyang_xian_2025_ocrmd": ("ok", set()),
    "013_shanghai_kewei_2024_pdf2md": ("warning", {"inferred:applications.carried_forward.total",
                                                   "stray:applications"}),
    "014_shanghai_shizhengfu_bangongting_2025_pdf2md": (
        "warning", {"row:disclosure.regulations", "row:disclosure.normative_documents",
                    "inferred:disclosure.regulations.repealed", "inferred:disclosure.normative_documents.repealed"}),
    "015_suqian_shuyang_fagaiju_2023_crawlhtml": ("ok", set()),
    "hongze_2023": ("warning", {"appeal_sum:review", "appeal_sum:litigation_after_review", "inferred:other_split"}),
    "hongze_2024": ("warning", {"inferred:other_split"}),
}


def test_status_and_failed_checks(gold_path):
    name = gold_path.name.removesuffix(".gold.json")
    status, failing = EXPECTED[name]
    r = extracted(source_of(gold_path))
    assert r.status == status
    assert {c.name for c in r.checks if not c.ok} == failing


def test_seed_004_keeps_the_reports_own_inconsistency():
    r = extracted(CORPUS / "dev" / "seed_004.txt")
    assert r.cells["applications.granted.natural_person"].value == 5
    assert r.cells["applications.granted.total"].value == 0
    detail = {c.name: c.detail for c in r.checks}
    assert detail["row_sum:granted"] == "5 + 0 + 0 + 0 + 0 + 0 ≠ 0"
    assert detail["balance:total"] == "6 + 0 = 6 + 0"
    assert not any(c.inferred for c in r.cells.values())


def test_inferred_cells_are_marked_and_have_no_span():
    r = extracted(CORPUS / "real" / "013_shanghai_kewei_2024_pdf2md.md")
    cell = r.cells["applications.carried_forward.total"]
    assert (cell.value, cell.inferred, cell.span) == (1, True, None)
    assert r.as_json()["inferred"] == ["applications.carried_forward.total"]


def test_blank_cells_stay_null_not_zero():
    r = extracted(CORPUS / "real" / "015_suqian_shuyang_fagaiju_2023_crawlhtml.html")
    assert r.cells["applications.new_received.natural_person"].value == 26
    for col in ("commercial", "research", "social_welfare", "legal_service", "other_org"):
        assert r.cells[f"applications.new_received.{col}"].value is None
    assert r.status == "ok"


def test_2019_and_2021_forms_are_told_apart_by_headers():
    old = extracted(CORPUS / "dev" / "seed_002.txt")
    new = extracted(CORPUS / "real" / "003_huaian_shi_2024_pdftext.txt")
    assert (old.template, len(old.cells)) == ("2019", 198)
    assert (new.template, len(new.cells)) == ("2021", 200)
    assert old.cells["disclosure.procurement.amount"].value == 2601
    assert new.cells["applications.other_unpaid_fee.total"].value == 6


@pytest.mark.parametrize("name,agency", [
    ("dev/seed_000.txt", "上天梯管理区"), ("dev/seed_001.txt", "驻马店经济开发区管委会"),
    ("dev/seed_003.txt", "卧龙区人民政府"), ("dev/seed_004.txt", "区政务服务办"),
    ("real/001_huaian_hongze_qu_2023_pdftext.txt", "洪泽区人民政府"),
    ("real/013_shanghai_kewei_2024_pdf2md.md", "上海市科委"),
    ("real/015_suqian_shuyang_fagaiju_2023_crawlhtml.html", "沭阳县发展和改革局"),
])
def test_agency_as_written(name, agency):
    assert extracted(CORPUS / name).agency == agency


def test_publication_date_where_stated():
    assert extracted(CORPUS / "dev" / "seed_001.txt").published == "2021-02-22"
    assert extracted(CORPUS / "real" / "012_suqian_shuyang_xian_2025_ocrmd.txt").published == "2026-01-23"


def test_a_text_cut_inside_section_3_is_never_ok():
    r = extracted(CORPUS / "fragments" / "huaian_2024_section3_cut.txt")
    assert r.status != "ok"
    failing = {c.name for c in r.checks if not c.ok}
    assert {"cut:applications", "section:appeals", "section:disclosure"} <= failing
    # a table the text stops inside is left whole null: what was printed before the cut may
    # itself be cut (a number, a row), and the identities cannot tell
    assert r.tables == {"disclosure": "missing", "applications": "cut", "appeals": "missing"}
    assert all(c.value is None for c in r.cells.values())


def test_a_blank_cell_says_so_and_where():
    """Blank in the report is not 0 and not unread: `blank`, located at the empty cell."""
    from xxgk.extract.formats import read_document

    src = CORPUS / "real" / "015_suqian_shuyang_fagaiju_2023_crawlhtml.html"
    r = extracted(src)
    text = read_document(src.read_bytes(), src.name).text
    cell = r.cells["applications.denied_state_secret.commercial"]
    assert (cell.value, cell.blank, cell.inferred) == (None, True, False)
    start, end = cell.span
    assert start == end and text[:start].rstrip().endswith(">") and "<td" in text[start - 200:start]
    inside = re.sub(r"<[^>]*>|&nbsp;", "", text[start:text.index("</td>", start)])
    assert not inside.strip()  # the cell holds markup and spaces, no text
