"""Ingest report files from a folder into the raw store."""
from __future__ import annotations

import hashlib
from pathlib import Path

from ingest.raw_store import ERROR, STORED, Entry, RawStore

REPORT_SUFFIXES = {".txt", ".md", ".html", ".htm", ".shtml", ".pdf", ".doc", ".docx", ".wps", ".text"}


def report_files(folder: Path) -> list[Path]:
    return sorted(f for f in folder.rglob("*") if f.is_file() and not f.name.startswith(".")
                  and f.suffix.lower() in REPORT_SUFFIXES)


def ingest_folder(folder: str | Path, store: RawStore) -> list[Entry]:
    """Store every report file under `folder`; files already stored unchanged are skipped.

    Returns the entries recorded by this call (new or changed files, and unreadable ones).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    latest = store.latest()
    out = []
    for f in report_files(folder):
        source = str(f)
        try:
            data = f.read_bytes()
        except OSError as e:
            out.append(store.record(Entry(source, ERROR, error=f"cannot read: {e.strerror or e}")))
            continue
        sha = hashlib.sha256(data).hexdigest()
        seen = latest.get(source)
        if seen and seen.status == STORED and seen.sha256 == sha:
            continue
        store.put(data)
        out.append(store.record(Entry(source, STORED, sha256=sha, bytes=len(data))))
    return out
