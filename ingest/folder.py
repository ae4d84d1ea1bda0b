"""Ingest report files from a folder into the raw store."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from xxgk.ingest.raw_store import ERROR, REMOVED, STORED, Entry, RawStore

OUT_OF_FOLDER = "a link out of the folder: not followed"


def walk(folder: Path) -> tuple[list[Path], list[Path]]:
    """Every visible file under `folder` (what is not a report fails extraction with a reason,
    rather than vanishing here), and apart, the symbolic links that lead out of it.

    A link out of the folder is not followed, whether to a file or a directory: whoever can put
    a link into an ingested folder must not get /etc/passwd published. Links that stay inside
    are followed, each real directory once (a link to a parent cannot loop)."""
    root = folder.resolve()
    files: list[Path] = []
    outside: list[Path] = []
    seen: set[Path] = set()

    def visit(d: Path):
        real = d.resolve()
        if real in seen:
            return
        seen.add(real)
        try:
            entries = list(os.scandir(d))
        except OSError:
            return  # an unreadable subfolder holds nothing we can read
        for e in entries:
            if e.name.startswith("."):
                continue
            p = d / e.name
            if e.is_symlink() and not _inside(p, root):
                if _inside(p, None):
                    outside.append(p)
                continue  # else a link to itself, round in a loop: nothing to read
            if e.is_dir():
                visit(p)
            elif e.is_file():
                files.append(p)

    visit(folder)
    return sorted(files), sorted(outside)


def _inside(p: Path, root: Path | None) -> bool:
    """Whether `p`, links resolved, lies under `root` (with no root: whether it resolves at all)."""
    try:
        real = p.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return False
    return root is None or real.is_relative_to(root)


def report_files(folder: Path) -> list[Path]:
    """Every visible file under `folder`, links out of it left out (see `walk`)."""
    return walk(folder)[0]


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
    files, outside = walk(folder)
    root = folder.resolve()
    for link in outside:
        source = source_name(link)
        present.add(source)
        seen = latest.get(source)
        if seen and seen.status == ERROR and seen.error == OUT_OF_FOLDER:
            continue
        if seen and seen.status == STORED:  # stored before links were checked: out of the dataset
            out.append(store.record(Entry(source, REMOVED, sha256=seen.sha256)))
        out.append(store.record(Entry(source, ERROR, error=OUT_OF_FOLDER)))
    for f in files:
        source = source_name(f)
        present.add(source)
        try:
            if not _inside(f, root):  # a link changed since the walk
                out.append(store.record(Entry(source, ERROR, error=OUT_OF_FOLDER)))
                continue
            data = f.resolve().read_bytes()
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
