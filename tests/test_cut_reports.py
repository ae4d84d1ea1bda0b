"""Reports cut off anywhere (a download that stopped, a page split in two) never publish a
number that is not the report's: a table is read only inside its own section, and a table
the text stops inside is left null with a failed check."""
from __future__ import annotations

import shutil

import pytest

from conftest import CORPUS, GOLD_FILES, gold, q, source_of
from xxgk.extract.report import extract_bytes

CUTS = 10
TEXT_GOLD = [g for g in GOLD_FILES if source_of(g).suffix != ".pdf"]


def cuts(text: str):
    """The text stopped at CUTS points spread over its length."""
    for k in range(1, CUTS + 1):
        yield k, text[: len(text) * k // (CUTS + 1)]


@pytest.mark.parametrize("gold_path", TEXT_GOLD, ids=lambda p: p.name.removesuffix(".gold.json"))
def test_no_cut_of_a_gold_report_reads_a_wrong_number(gold_path):
    true = gold(gold_path)["cells"]
    src = source_of(gold_path)
    for k, text in cuts(src.read_text(encoding="utf-8")):
        r = extract_bytes(text.encode(), src.name)
        wrong = {key: (c.value, true[key]) for key, c in r.cells.items()
                 if c.value is not None and c.value != true[key]}
        assert not wrong, f"cut {k}/{CUTS + 1}: {wrong}"
        unread = [t for t, status in r.tables.items() if status != "read"]
        assert not unread or r.status != "ok", f"cut {k}: tables {unread} not read, yet ok"


def test_a_text_cut_before_section_4_reads_no_appeals_from_other_tables():
    """The case found in review: with section 四 gone, the appeals reader took the numbers of
    the 第二十条 table (132 reviews, 1,330 lawsuits where the report says 2 and 5)."""
    text = (CORPUS / "dev" / "seed_004.txt").read_text(encoding="utf-8")
    r = extract_bytes(text[: text.index("四、")].encode(), "cut.txt")
    assert r.tables["appeals"] == "missing"
    assert all(c.value is None for k, c in r.cells.items() if k.startswith("appeals."))
    assert "section:appeals" in {c.name for c in r.checks if not c.ok}


@pytest.mark.slow
def test_cut_reports_publish_no_wrong_number_into_the_views(tmp_path):
    from xxgk.flows.run import run_flow

    inbox = tmp_path / "in"
    inbox.mkdir()
    truth = {}
    for g in TEXT_GOLD:
        src = source_of(g)
        text = src.read_text(encoding="utf-8")
        for k, cut in cuts(text):
            if k % 3 == 0:  # a third of the cuts keeps the run short
                name = f"{src.stem}_cut{k}{src.suffix}"
                (inbox / name).write_text(cut, encoding="utf-8")
                truth[name] = gold(g)["cells"]
    shutil.copy(CORPUS / "dev" / "seed_003.txt", inbox / "whole.txt")
    truth["whole.txt"] = gold(CORPUS / "dev" / "seed_003.gold.json")["cells"]
    data = tmp_path / "data"
    run_flow(str(inbox), None, str(data), runner="thread")
    published = q(data, """SELECT regexp_extract(r.source, '[^/]+$'), c.key, coalesce(c.value, c.amount)
                           FROM cells c JOIN reports r USING (sha256)
                           WHERE coalesce(c.value, c.amount) IS NOT NULL""")
    wrong = [(name, key, value) for name, key, value in published if value != truth[name][key]]
    assert not wrong
    assert ("whole.txt", "applications.granted.total", 21) in published  # whole reports still publish
    # the headline sums only tables read whole, and says how many reports it left out
    (left_out, reports), = q(data, "SELECT sum(reports_left_out), sum(reports) FROM province_year")
    assert 0 < left_out < reports
