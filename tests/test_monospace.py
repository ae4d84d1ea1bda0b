"""Texts laid out in columns of spaces (`pdftotext -layout`) read by position
(`layouts.monospace`): every cell of the rendered reports, the blank cells of the real page 015
under their columns, each value's line and columns in the file; other texts keep their reader.

The fixtures `NAME.layout.txt` are written by tests/render_formats.py (8.).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from xxgk.extract.decode import decode_text
from xxgk.extract.layouts import monospace
from xxgk.extract.report import extract_file, extract_text

FIXTURES = Path(__file__).parent / "fixtures"
LAID_OUT = sorted((FIXTURES / "formats").glob("*.layout.txt"))
CUT = "015_page.layout.txt"  # the page's table 三 runs past the PDF's page edge: cut in the export too


def _gold(path: Path) -> dict:
    return json.loads(path.with_name(path.name.replace(".txt", ".gold.json")).read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("path", LAID_OUT, ids=lambda p: p.name)
def test_a_text_exported_with_its_layout_reads_every_cell(path):
    gold, report = _gold(path), extract_file(path)
    wrong = {k: (v, report.cells[k].value) for k, v in gold.items() if report.cells[k].value != v}
    if path.name == CUT:
        assert report.status == "warning" and report.tables["applications"] == "missing"
        assert all(got is None for _, got in wrong.values()), wrong  # what is not read is null, not wrong
    else:
        assert wrong == {}


def test_blank_cells_that_are_only_spaces_stay_blank_under_their_columns():
    # Table 三 of the real page 015 prints 2 of its 7 columns (自然人 and 总计): as a line,
    # `一、本年新收政府信息公开申请数量          26                      26`.
    path = FIXTURES / "formats" / "015_suqian_shuyang_fagaiju_2023.layout.txt"
    report = extract_file(path)
    row = {k.rsplit(".", 1)[1]: c for k, c in report.cells.items() if k.startswith("applications.new_received.")}
    assert {col: c.value for col, c in row.items()} == {
        "natural_person": 26, "commercial": None, "research": None, "social_welfare": None,
        "legal_service": None, "other_org": None, "total": 26}
    assert report.status == "ok"


def test_each_value_says_its_line_and_columns_in_the_file():
    path = FIXTURES / "formats" / "015_suqian_shuyang_fagaiju_2023.layout.txt"
    lines = decode_text(path.read_bytes())[0].split("\n")
    report = extract_file(path)
    placed = [c for c in report.cells.values() if c.value is not None and not c.inferred]
    assert len(placed) == 75  # of 200 cells: the page leaves most blank
    for cell in placed:
        where = cell.where.removeprefix("line ").replace(", columns ", " ").replace("–", " ").split()
        line, first, last = map(int, where)
        assert lines[line - 1][first - 1:last].replace(",", "") == f"{cell.value:g}"


CORPUS_TEXTS = sorted(p for d in ("dev", "real") for p in (FIXTURES / "corpus" / d).iterdir()
                      if p.suffix in (".txt", ".md"))


@pytest.mark.parametrize("path", CORPUS_TEXTS, ids=lambda p: p.name)
def test_tab_pipe_and_line_texts_are_not_taken_for_laid_out(path):
    assert not monospace.laid_out(decode_text(path.read_bytes())[0])


@pytest.mark.parametrize("path", LAID_OUT, ids=lambda p: p.name)
def test_layout_exports_are_told_laid_out(path):
    assert monospace.laid_out(decode_text(path.read_bytes())[0])


def test_a_text_given_as_a_string_is_read_the_same_way():
    path = FIXTURES / "formats" / "015_suqian_shuyang_fagaiju_2023.layout.txt"
    text = decode_text(path.read_bytes())[0]
    assert {k: c.value for k, c in extract_text(text).cells.items()} == _gold(path)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
