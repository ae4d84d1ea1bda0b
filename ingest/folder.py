"""Ingest report files from a folder into the raw store."""
from __future__ import annotations

import hashlib
import json
import os
import stat
import time
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
    by_parts = lambda p: p.parts  # noqa: E731  (Path's own order, compared in C: 10,000 files sort in ms)
    return sorted(files, key=by_parts), sorted(outside, key=by_parts)


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


def resolved(f: Path, folders: dict[Path, str]) -> tuple[str, os.stat_result]:
    """The real path of `f` and its status, with one system call for a file that is not a link:
    it lies in its folder's real path (`folders`, resolved once each), so its own path's every
    component need not be resolved again."""
    st = os.lstat(f)
    if stat.S_ISLNK(st.st_mode):
        real = os.path.realpath(f)
        return real, os.stat(real)
    parent = folders.get(f.parent)
    if parent is None:
        parent = folders[f.parent] = os.path.realpath(f.parent)
    return os.path.join(parent, f.name), st


def source_name(path: Path) -> str:
    """The path as text; bytes that are not UTF-8 (a GBK file name) are shown escaped."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def ingest_folder(folder: str | Path, store: RawStore) -> list[Entry]:
    """Store every file under `folder`; files already stored unchanged are skipped, and files
    stored from here before but gone now are recorded as removed.

    A file whose size, times and inode are those it had when last read (`FileStats`) is
    unchanged without being read again; any other file is read and hashed.

    Returns the entries recorded by this call.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    latest = store.latest()
    stats = FileStats.load(store)
    out = []
    present = set()
    files, outside = walk(folder)
    root = os.path.join(folder.resolve(), "")
    folders: dict[Path, str] = {}
    for link in outside:
        source = source_name(link)
        present.add(source)
        seen = latest.get(source)
        if seen and seen.status == ERROR and seen.error == OUT_OF_FOLDER:
            continue
        if seen and seen.status == STORED:  # stored before links were checked: out of the dataset
            out.append(store.record(Entry(source, REMOVED, sha256=seen.sha256)))
        out.append(store.record(Entry(source, ERROR, error=OUT_OF_FOLDER)))
    with store.group() as group:
        for f in files:
            source = source_name(f)
            present.add(source)
            seen = latest.get(source)
            stored = seen.sha256 if seen and seen.status == STORED else None
            try:
                checked = time.time_ns()
                real, st = resolved(f, folders)
                if not real.startswith(root):  # a link changed since the walk
                    out.append(group.record(Entry(source, ERROR, error=OUT_OF_FOLDER)))
                    continue
                if stored and stats.unchanged(source, st, stored):
                    continue
                with open(real, "rb") as fh:
                    data = fh.read()
            except OSError as e:
                out.append(group.record(Entry(source, ERROR, error=f"cannot read: {e.strerror or e}")))
                continue
            sha = hashlib.sha256(data).hexdigest()
            stats.note(source, st, sha, checked)
            if sha == stored:
                continue
            group.put(data)
            out.append(group.record(Entry(source, STORED, sha256=sha, bytes=len(data))))
    prefix = source_name(folder).rstrip("/") + "/"
    for source, entry in latest.items():
        if source.startswith(prefix) and source not in present and entry.status != REMOVED:
            out.append(store.record(Entry(source, REMOVED, sha256=entry.sha256)))
    stats.save(keep=lambda source: source in present or not source.startswith(prefix))
    return out


class FileStats:
    """What each ingested file was like when last read: size, modification and change times
    (ns), device and inode, and the sha256 of what was read. Kept beside the manifest
    (raw/folder-stats.json), so a night with nothing new reads no file.

    A file is taken as unchanged only when all of these match. Writing to a file sets its
    change time (ctime) to the clock, which no program can set back (`touch -d` sets the
    modification time, and by doing so the change time too); a file replaced by another (a
    rename, a copy) has another inode. A file changed within RACY_NS of being read could share
    its change time with the version read (file times tick coarsely), so it is not noted, and
    is read again next time, like git's "racily clean" entries. Only a cache: lost or torn, it
    is rebuilt by reading every file once."""

    RACY_NS = 2_000_000_000

    def __init__(self, path: Path, known: dict[str, list]):
        self.path, self.known = path, known
        self._changed = False

    @classmethod
    def load(cls, store: RawStore) -> FileStats:
        path = store.root / "folder-stats.json"
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
        return cls(path, known if isinstance(known, dict) else {})

    @staticmethod
    def _key(st: os.stat_result, sha256: str) -> list:
        return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_dev, st.st_ino, sha256]

    def unchanged(self, source: str, st: os.stat_result, sha256: str) -> bool:
        return self.known.get(source) == self._key(st, sha256)

    def note(self, source: str, st: os.stat_result, sha256: str, read_at_ns: int) -> None:
        key = self._key(st, sha256) if st.st_ctime_ns < read_at_ns - self.RACY_NS else None
        if self.known.get(source) != key:
            self._changed = True
            if key is None:
                self.known.pop(source, None)
            else:
                self.known[source] = key

    def save(self, keep) -> None:
        """Write what is known of the sources `keep` says are still there (atomically: a
        temporary file renamed into place)."""
        kept = {source: key for source, key in self.known.items() if keep(source)}
        if not self._changed and len(kept) == len(self.known):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(".tmp-folder-stats.json")
        tmp.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)
