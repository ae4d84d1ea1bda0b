"""Every gold report rendered in every layout of `render_layouts` reads back exactly.

The renderers print the gold values as a complete report (title, narrative, the three tables,
closing sections) in the layouts reports reach us in; the extractor must recover every cell,
the template and the report year from each. Gold reports keep their own arithmetic
inconsistencies, so a report may come back `warning`, never `failed`.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from render_layouts import LAYOUTS, render
from xxgk import schema
from xxgk.extract.report import extract_bytes

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
GOLD_FILES = sorted([*(CORPUS / "dev").glob("*.gold.json"), *(CORPUS / "real").glob("*.gold.json")])

# (report, layout) the text cannot tell: a PDF text layer prints nothing for an empty cell, so
# '…申请数量 26 26' does not say which two of the seven columns hold the numbers. Such a
# rendering must come back flagged with the table null, never with guessed columns.
_EMPTY_COLUMNS = "015_suqian_shuyang_fagaiju_2023_crawlhtml"  # table 三: the 5 法人 columns are empty
AMBIGUOUS = {(_EMPTY_COLUMNS, "pdf_text")}


def _stem(path: Path) -> str:
    return path.name.removesuffix(".gold.json")


def _params():
    for path in GOLD_FILES:
        for layout in LAYOUTS:
            if (_stem(path), layout) not in AMBIGUOUS:
                yield pytest.param(path, layout, id=f"{_stem(path)}-{layout}")


def _same(gold_value, value) -> bool:
    if gold_value is None or value is None:
        return gold_value is None and value is None
    return abs(gold_value - value) < 1e-9


@pytest.mark.parametrize(("gold_path", "layout"), list(_params()))
def test_rendered_report_reads_back(gold_path: Path, layout: str):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    data, name = render(gold, layout)
    r = extract_bytes(data, name)
    failed = [f"{c.name}: {c.detail}" for c in r.checks if not c.ok]
    assert r.status != "failed", failed
    assert r.template == gold["template"]
    assert r.report_year == gold["report_year"]
    assert set(r.cells) == set(schema.keys(gold["template"])) == set(gold["cells"])
    wrong = {k: (v, r.cells[k].value) for k, v in gold["cells"].items() if not _same(v, r.cells[k].value)}
    assert wrong == {}, f"{len(wrong)} cells differ (gold, read); failing checks: {failed}"


def test_rows_whose_blank_cells_vanished_are_flagged_not_guessed():
    gold = json.loads((CORPUS / "real" / f"{_EMPTY_COLUMNS}.gold.json").read_text(encoding="utf-8"))
    data, name = render(gold, "pdf_text")
    r = extract_bytes(data, name)
    assert r.status == "warning"
    assert "rows:applications" in {c.name for c in r.checks if not c.ok}
    app = {k: c.value for k, c in r.cells.items() if k.startswith("applications.")}
    assert set(app.values()) == {None}
    assert r.cells["disclosure.normative_documents.in_force"].value == 18
    assert r.cells["appeals.review.pending"].value == 1
