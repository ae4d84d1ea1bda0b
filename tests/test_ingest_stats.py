"""A night with nothing new reads no file (size, times and inode as when last read), and a file
changed in any way is read again, even with its size and modification time put back."""
from __future__ import annotations

import os

import pytest

from xxgk.ingest import folder as ingest
from xxgk.ingest.folder import FileStats, ingest_folder
from xxgk.ingest.raw_store import STORED, RawStore


@pytest.fixture
def settled(monkeypatch):
    """Files count as read long after they were written (no racy window to wait out)."""
    monkeypatch.setattr(FileStats, "RACY_NS", 0)


def _reads(monkeypatch) -> list[str]:
    opened: list[str] = []
    real_open = open

    def spy(path, *a, **k):
        opened.append(os.path.basename(path))
        return real_open(path, *a, **k)

    monkeypatch.setattr(ingest, "open", spy, raising=False)
    return opened


def test_unchanged_files_are_not_read_again(tmp_path, monkeypatch, settled):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in ("a.txt", "b.txt"):
        (inbox / name).write_text(f"report {name}", encoding="utf-8")
    store = RawStore(tmp_path / "raw")
    assert [e.status for e in ingest_folder(inbox, store)] == [STORED, STORED]
    opened = _reads(monkeypatch)
    assert ingest_folder(inbox, store) == []
    assert opened == []


def test_a_changed_file_is_caught_with_its_size_and_mtime_put_back(tmp_path, monkeypatch, settled):
    inbox = tmp_path / "in"
    inbox.mkdir()
    a = inbox / "a.txt"
    a.write_text("report one", encoding="utf-8")
    store = RawStore(tmp_path / "raw")
    (first,) = ingest_folder(inbox, store)
    before = a.stat()
    a.write_text("report two", encoding="utf-8")  # same size
    os.utime(a, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same modification time
    opened = _reads(monkeypatch)
    (second,) = ingest_folder(inbox, store)
    assert opened == ["a.txt"]
    assert second.status == STORED and second.sha256 != first.sha256


def test_a_lost_or_torn_record_only_costs_a_read(tmp_path, settled):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.txt").write_text("report", encoding="utf-8")
    store = RawStore(tmp_path / "raw")
    ingest_folder(inbox, store)
    (tmp_path / "raw" / "folder-stats.json").write_text('{"torn', encoding="utf-8")
    assert ingest_folder(inbox, store) == []  # read again, found unchanged, nothing recorded
