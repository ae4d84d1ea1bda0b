"""Edges of the pipeline found by a review: odd inputs must cost one input, never the run."""
from __future__ import annotations

import os
import shutil

import pytest

from conftest import CORPUS, q
from xxgk.extract import tables
from xxgk.flows.run import run_flow
from xxgk.ingest.crawl import CrawlSettings, Target, crawl, read_targets
from xxgk.ingest.raw_store import ERROR, STORED, Entry, RawStore

pytestmark = pytest.mark.slow  # Prefect and the whole pipeline

SEED = CORPUS / "dev" / "seed_003.txt"


def test_odd_files_and_names_are_ingested_and_accounted_for(tmp_path):
    inbox = tmp_path / "in's"  # a quote in the path must not break the database views
    inbox.mkdir()
    shutil.copy(SEED, inbox / "a.txt")
    shutil.copy(SEED, inbox / "b.txt")                      # same bytes, second name
    shutil.copy(CORPUS / "dev" / "seed_002.txt", inbox / "no_suffix")
    gbk_name = os.fsdecode(b"gbk_\xb1\xa8\xb8\xe6.txt")     # a GBK file name on a UTF-8 system
    shutil.copy(CORPUS / "dev" / "seed_004.txt", inbox / gbk_name)
    (inbox / "notes.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    data = tmp_path / "da'ta"
    out = run_flow(str(inbox), None, str(data), runner="thread")
    assert out["extract"] == {"extracted": 4, "ok": 2, "warning": 1, "failed": 1}
    sources = dict(q(data, "SELECT regexp_extract(source, '[^/]+$'), status FROM sources"))
    assert sources == {"a.txt": "stored", "b.txt": "stored", "no_suffix": "stored",
                       "gbk_\\xb1\\xa8\\xb8\\xe6.txt": "stored", "notes.xls": "stored"}
    # a.txt and b.txt are one document; every stored input's document is in reports or failures
    assert q(data, """SELECT count(*) FROM sources s
                      WHERE s.status = 'stored' AND s.sha256 NOT IN (SELECT sha256 FROM reports)
                        AND s.sha256 NOT IN (SELECT sha256 FROM failures WHERE sha256 IS NOT NULL)""") == [(0,)]
    assert q(data, "SELECT reason FROM failures") == [("an Office 97–2003 (OLE) file with no Word document found in it: an .xls or .ppt, or a damaged .doc",)]

    # a file deleted from the folder leaves the dataset; its twin keeps the document
    (inbox / "a.txt").unlink()
    (inbox / "no_suffix").unlink()
    run_flow(str(inbox), None, str(data), runner="thread")
    assert q(data, "SELECT count(*) FROM sources WHERE status = 'removed'") == [(2,)]
    assert q(data, "SELECT regexp_extract(source, '[^/]+$') FROM reports WHERE agency = '卧龙区人民政府'") == [("b.txt",)]
    assert q(data, "SELECT count(*) FROM reports WHERE agency = '高新区'") == [(0,)]
    assert q(data, "SELECT count(*) FROM failures") == [(1,)]


def test_a_torn_manifest_line_does_not_swallow_the_next(tmp_path):
    store = RawStore(tmp_path)
    store.record(Entry("a", STORED, sha256="1" * 64))
    with open(store.manifest_path, "ab") as f:
        f.write(b'{"source": "torn", "sta')  # the process died mid-line
    store.record(Entry("b", STORED, sha256="2" * 64))
    assert sorted(store.latest()) == ["a", "b"]


def test_a_failed_refetch_keeps_the_stored_document(tmp_path):
    store = RawStore(tmp_path)
    store.record(Entry("http://x/r.html", STORED, sha256="3" * 64))
    store.record(Entry("http://x/r.html", ERROR, error="HTTP 500 (after 4 attempts)"))
    assert store.latest()["http://x/r.html"].status == STORED
    assert list(store.documents()) == ["3" * 64]


def test_bad_urls_and_pages_cost_one_entry_each(tmp_path):
    targets = [Target("http://[::1/x"), Target("http://exa mple.org/\x07"), Target("gopher://x/")]
    entries = crawl(targets, RawStore(tmp_path), CrawlSettings(retries=0, delay=0))
    assert [e.status for e in entries] == [ERROR, ERROR, ERROR]
    assert all(e.error for e in entries)
    assert len(RawStore(tmp_path).entries()) == 3


def test_year_hints_must_be_years(tmp_path):
    f = tmp_path / "urls.csv"
    f.write_text("http://a/1.html,某局,202301\nhttp://a/2.html,某局,2023\n", encoding="utf-8")
    assert [t.year for t in read_targets(f)] == [None, 2023]


def test_a_bug_met_on_one_report_is_published_as_an_internal_failure(tmp_path, monkeypatch):
    """Outside strict mode (a nightly run), a bug of ours costs the report it met, and the
    failures dataset says it was ours, with the traceback, not that the report was bad."""
    real_read = tables.appeals.read

    def read(rows, template, start, end):
        if any("卧龙区" in r.text for r in rows):
            raise ZeroDivisionError("a bug met on this report")
        return real_read(rows, template, start, end)

    monkeypatch.setattr(tables.appeals, "read", read)
    monkeypatch.setenv("XXGK_STRICT", "0")
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in ("seed_002.txt", "seed_003.txt"):
        shutil.copy(CORPUS / "dev" / name, inbox / name)
    data = tmp_path / "data"
    out = run_flow(str(inbox), None, str(data), runner="thread")  # threads: the patch is seen
    assert out["extract"] == {"extracted": 2, "ok": 1, "failed": 1}
    ((source, kind, tb),) = q(data, "SELECT source, kind, traceback FROM failures")
    assert source.endswith("seed_003.txt") and kind == "internal"
    assert "ZeroDivisionError: a bug met on this report" in tb
