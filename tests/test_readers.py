"""The reader registries: which format reader takes which file, and how a bug of ours is told
apart from a bad report (strict mode raises; otherwise an `internal` check with the traceback)."""
from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest

from conftest import CORPUS
from xxgk.extract import formats, tables
from xxgk.extract.model import CheckKind, Status
from xxgk.extract.report import extract_bytes
from xxgk.transform.datasets import failure_row

SEED = CORPUS / "dev" / "seed_003.txt"


@pytest.mark.parametrize(("path", "kind"), [
    (CORPUS / "pdf" / "hongze_2023.pdf", "pdf"),
    (CORPUS / "real" / "015_suqian_shuyang_fagaiju_2023_crawlhtml.html", "html"),
    (CORPUS / "real" / "013_shanghai_kewei_2024_pdf2md.md", "text"),
    (SEED, "text"),
])
def test_each_file_goes_to_the_reader_of_its_format(path, kind):
    data = path.read_bytes()
    assert kind == formats.reader_for(data, path.name).KIND
    assert formats.read_document(data, path.name).kind == kind


def test_html_is_recognised_by_its_tags_whatever_the_name_and_encoding():
    page = "<html><body><table><tr><td>一、总体情况</td></tr></table></body></html>"
    for data in (page.encode("gb18030"), page.encode("utf-16"), page.encode("utf-16-le")):
        assert formats.reader_for(data, "download.do").KIND == "html"


def test_a_word_file_without_its_package_parts_fails_with_a_reason():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert formats.reader_for(buf.getvalue(), "download.do").KIND == "docx"
    r = extract_bytes(buf.getvalue(), "report.docx")
    assert r.status == Status.FAILED
    assert [(c.kind, c.detail) for c in r.checks] == [
        (CheckKind.UNREADABLE, "damaged Word file: KeyError: \"There is no item named '[Content_Types].xml' in the archive\"")]


def test_table_readers_cover_the_three_tables_in_their_sections():
    assert [(t.TABLE, t.SECTION) for t in tables.READERS] == [
        ("disclosure", 2), ("applications", 3), ("appeals", 4)]


class Bug(Exception):
    pass


@pytest.fixture
def buggy_appeals_reader(monkeypatch):
    """A table reader with a bug in it, as a real bug would be: raising mid-extraction."""
    def read(rows, template, start, end):
        raise Bug("index out of range in appeals")

    monkeypatch.setattr(tables.appeals, "read", read)


def test_strict_mode_raises_a_bug(buggy_appeals_reader):
    with pytest.raises(Bug):
        extract_bytes(SEED.read_bytes(), "seed_003.txt", strict=True)


def test_outside_strict_mode_a_bug_fails_the_report_as_internal_with_its_traceback(buggy_appeals_reader):
    r = extract_bytes(SEED.read_bytes(), "seed_003.txt", strict=False)
    assert r.status == Status.FAILED
    bug = r.internal_error
    assert bug is not None and "Traceback" in bug.detail and "Bug: index out of range in appeals" in bug.detail
    failure = failure_row("ab" * 32, r, datetime(2026, 1, 1, tzinfo=UTC))
    assert failure["kind"] == "internal" and "Bug: index out of range" in failure["traceback"]
    assert failure["reason"] == "internal error (Bug: index out of range in appeals); please report this file"


def test_a_bad_report_is_not_an_internal_error():
    r = extract_bytes(b"\x00\x01\x02 binary", "x.bin", strict=True)
    assert r.status == Status.FAILED and r.internal_error is None
    failure = failure_row("cd" * 32, r, datetime(2026, 1, 1, tzinfo=UTC))
    assert failure["kind"] == "report" and failure["traceback"] is None


def test_the_shipped_label_words_are_jiebas():
    """extract/official_words.json saves loading jieba at every start; it must say what jieba
    says of today's official labels (`python -m xxgk.extract.labels` writes it again)."""
    from xxgk.extract.labels import _official_words, jieba_words, official_labels

    shipped = _official_words()
    assert set(shipped) == official_labels()
    assert all(frozenset(words) == jieba_words(label) for label, words in shipped.items())
