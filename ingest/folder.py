"""Ingest report files from a folder into the raw store."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from xxgk.ingest.raw_store import ERROR, REMOVED, STORED, Entry, RawStore


def report_files(folder: Path) -> list[Path]:
    """Every visible file under `folder`: what is not a report fails extraction with a reason,
    rather than vanishing here."""
    return sorted(f for f in folder.rglob("*") if f.is_file()
                  and not any(part.startswith(".") for part in f.relative_to(folder).parts))


def source_name(path: Path) -> str:
    """The path as text; bytes that are not UTF-8 (a GBK file name) are shown escaped."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def ingest_folder(folder: str | Path, store: RawStore) -> list[Entry]:
    """Store every file under `folder`; files already stored unchanged are skipped, and files
    stored from here before but gone now are recorded as removed.

    Returns the entries recorded by this call.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    latest = store.latest()
    out = []
    present = set()
    for f in report_files(folder):
        source = source_name(f)
        present.add(source)
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
    prefix = source_name(folder).rstrip("/") + "/"
    for source, entry in latest.items():
        if source.startswith(prefix) and source not in present and entry.status != REMOVED:
            out.append(store.record(Entry(source, REMOVED, sha256=entry.sha256)))
    return out
