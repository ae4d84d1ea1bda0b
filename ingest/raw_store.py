"""The raw store: every fetched or ingested document kept once, by content, with a manifest.

    data/raw/store/ab/ab12…ef        the bytes, named by their sha256
    data/raw/manifest.jsonl          one line per input seen: where it came from and what became of it

The manifest is append-only JSON lines, flushed and fsynced as they are written, so a crash
loses at most the lines being written (a torn last line is skipped when read). A document's
bytes are written to a temporary file and renamed into place, so the store never holds half a
document (a crawl killed mid-download leaves a `store/.tmp-*` file, never a document), and they
are on disk before any manifest line names them. Many documents at once (a folder) go through
`Group`: one sync of the disk and one fsync of the manifest per few hundred documents, not two
fsyncs per document (measured: 2-8 ms each on a busy disk, most of a 10,000-file ingest).
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

STORED = "stored"                 # bytes in the store, ready to extract
LINKED = "linked"                 # a page that holds no report but links it: the linked files
                                  # were fetched, each an entry of its own (`linked_from` = the page)
NEEDS_ATTACHMENT = "needs_attachment"  # the page only links the report, and it was not fetched
                                       # (another site, or the download failed: `error` says)
LISTING = "listing"               # a listing page of a column (`xxgk run --sites`): its report links
                                  # were followed, each an entry of its own (`linked_from` = the page)
ERROR = "error"                   # nothing usable was fetched or read
REMOVED = "removed"               # the file is gone from the folder it was ingested from
GOOD = (STORED, LINKED)           # what a failed re-fetch does not undo


@dataclass
class Entry:
    source: str                    # URL or path as given
    status: str                    # stored | linked | needs_attachment | error | removed
    sha256: str | None = None
    bytes: int | None = None
    fetched_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    http_status: int | None = None
    content_type: str | None = None
    charset: str | None = None
    attachment_url: str | None = None  # a page's: the report file(s) it links, space-separated
    error: str | None = None
    agency_hint: str | None = None  # from a crawl list's optional columns
    year_hint: int | None = None
    linked_from: str | None = None  # a file fetched because a page linked it: that page's source
                                    # (a report page found on a column's listing: that listing page)
    etag: str | None = None         # the server's validators for the bytes stored, sent back the
    last_modified: str | None = None  # next time (If-None-Match / If-Modified-Since)
    region_hint: str | None = None  # from a sites list's optional region column


_LATEST: list = [None, {}]  # the last manifest read by `RawStore.latest`: [its version, its entries]


class RawStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.blobs = self.root / "store"
        self.manifest_path = self.root / "manifest.jsonl"

    def path_of(self, sha256: str) -> Path:
        return self.blobs / sha256[:2] / sha256

    def put(self, data: bytes, sync: bool = True) -> str:
        """Store bytes once; returns their sha256. With `sync` False the bytes may still be in
        the page cache only: the caller makes them durable (`sync_blobs`) before recording an
        entry that names them."""
        sha = hashlib.sha256(data).hexdigest()
        dest = self.path_of(sha)
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                if sync:
                    f.flush()
                    os.fsync(f.fileno())
            os.replace(tmp, dest)
        return sha

    def sync_blobs(self, shas: list[str]) -> None:
        """Force documents stored with `put(sync=False)` to disk: one syncfs(2) of the store's
        file system where there is one (Linux), else an fsync per document."""
        if not shas:
            return
        if _syncfs(self.blobs):
            return
        for sha in shas:
            fd = os.open(self.path_of(sha), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def group(self, size: int = 256) -> Group:
        """Documents stored and entries recorded a few hundred at a time (see `Group`)."""
        return Group(self, size)

    def new_blob(self) -> Blob:
        """A document written piece by piece, as it downloads; `keep()` stores it."""
        return Blob(self)

    def clean_temporary(self, before: float) -> list[Path]:
        """Remove the temporary files a killed run left (`put`'s beside their document, a
        download's in the store itself), last changed before `before` (a time.time(); the caller
        holds the data folder's lock). Returns what was removed."""
        gone = []
        for p in [*self.blobs.glob(".tmp-*"), *self.blobs.glob("??/.tmp-*")]:
            try:
                if p.lstat().st_mtime < before:
                    p.unlink()
                    gone.append(p)
            except FileNotFoundError:
                continue
        return gone

    def record(self, entry: Entry) -> Entry:
        self.record_all([entry])
        return entry

    def record_all(self, entries: list[Entry]) -> None:
        """Append the entries' lines to the manifest in one write, and fsync it."""
        if not entries:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        # vars, not asdict: the fields are plain values, and asdict's deep copy was a sixth of
        # a folder ingest's time
        lines = "".join(json.dumps(vars(e), ensure_ascii=False) + "\n" for e in entries)
        with open(self.manifest_path, "a+b") as f:
            if f.tell() and not _ends_with_newline(f):
                f.write(b"\n")  # a line torn by a crash must not swallow these
            f.write(lines.encode("utf-8", "backslashreplace"))  # undecodable file names stay JSON
            f.flush()
            os.fsync(f.fileno())

    def entries(self) -> list[Entry]:
        if not self.manifest_path.exists():
            return []
        out = []
        with open(self.manifest_path, encoding="utf-8") as f:
            for line in f:
                try:
                    out.append(Entry(**json.loads(line)))
                except (json.JSONDecodeError, TypeError):
                    continue  # a line torn by a crash
        return out

    def record_if_new(self, entry: Entry, before: Entry | None) -> bool:
        """Record `entry` unless it says what `before` (the manifest's last word on its source)
        says: a document found unchanged (HTTP 304), a listing page or an error reading the same,
        add no line, so a quiet night leaves the manifest, and the release, as they are (an
        entry's `fetched_at` is then when its source was first found so). True when recorded."""
        if before is not None and same_outcome(entry, before):
            return False
        self.record(entry)
        return True

    def latest(self) -> dict[str, Entry]:
        """The last word on each source. A later attempt supersedes an earlier one, except that
        a failed re-fetch does not undo a document already stored, nor a page whose linked
        report was (a passing 500 must not delete a good report).

        Read once per version of the manifest in a process (a run's flows each ask; parsing
        10,000 lines is 0.1-0.2 s): the manifest only grows, so its size and times tell a new
        version. The entries are shared: callers must not change them."""
        try:
            st = self.manifest_path.stat()
        except FileNotFoundError:
            return {}
        version = (str(self.manifest_path.absolute()), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        if _LATEST[0] != version:
            _LATEST[:] = [version, self._read_latest()]
        return dict(_LATEST[1])

    def _read_latest(self) -> dict[str, Entry]:
        out: dict[str, Entry] = {}
        for e in self.entries():
            before = out.get(e.source)
            if e.status in (ERROR, NEEDS_ATTACHMENT) and before is not None and before.status in GOOD:
                continue
            out[e.source] = e
        return out

    def documents(self) -> dict[str, Entry]:
        """Stored documents by sha256, each with a source it currently stands for (two files
        with the same bytes are one document; `sources()` lists both)."""
        docs: dict[str, Entry] = {}
        for e in self.latest().values():
            if e.status == STORED and e.sha256:
                docs.setdefault(e.sha256, e)
        return docs


def same_outcome(a: Entry, b: Entry) -> bool:
    """Two entries that differ at most in when they were made (and a 304 in place of the status
    that delivered the bytes)."""
    x, y = vars(a), vars(b)
    ignored = {"fetched_at"} | ({"http_status"} if a.http_status == 304 else set())
    return all(x[k] == y[k] for k in x if k not in ignored)


class Blob:
    """Bytes streamed to a temporary file beside the store and hashed on the way, so a download
    is never held whole in memory; dropped unless kept (a download abandoned midway)."""

    def __init__(self, store: RawStore):
        self.store = store
        store.blobs.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(dir=store.blobs, prefix=".tmp-")
        self.file = os.fdopen(fd, "wb")
        self.hash = hashlib.sha256()
        self.size = 0
        self.sha256: str | None = None

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.hash.update(data)
        self.size += len(data)

    def keep(self) -> str:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        sha = self.hash.hexdigest()
        dest = self.store.path_of(sha)
        if dest.exists():
            os.unlink(self.tmp)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.tmp, dest)
        self.sha256 = sha
        return sha

    def __enter__(self) -> Blob:
        return self

    def __exit__(self, *exc) -> None:
        if self.sha256 is None:
            self.file.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.tmp)


class Group:
    """Documents stored and entries recorded in groups of `size`: the documents of a group are
    forced to disk together (`sync_blobs`), then its entries are appended to the manifest in
    one write. What a crash loses is the group being written: its documents may be in the store
    unrecorded (the next ingest records them again; `put` is idempotent), never an entry naming
    bytes that are not there. Whatever is pending is written when the block ends, however it
    ends (a Ctrl-C keeps what was read before it)."""

    def __init__(self, store: RawStore, size: int):
        self.store, self.size = store, size
        self._shas: list[str] = []
        self._entries: list[Entry] = []

    def put(self, data: bytes) -> str:
        sha = self.store.put(data, sync=False)
        self._shas.append(sha)
        return sha

    def record(self, entry: Entry) -> Entry:
        self._entries.append(entry)
        if len(self._entries) >= self.size:
            self.flush()
        return entry

    def flush(self) -> None:
        self.store.sync_blobs(self._shas)
        self.store.record_all(self._entries)
        self._shas, self._entries = [], []

    def __enter__(self) -> Group:
        return self

    def __exit__(self, *exc) -> None:
        self.flush()


@functools.cache
def _libc_syncfs():
    if not sys.platform.startswith("linux"):
        return None
    return getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)


def _syncfs(path: Path) -> bool:
    """syncfs(2) on `path`'s file system; False where there is none (then the caller fsyncs)."""
    syncfs = _libc_syncfs()
    if syncfs is None:
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(path))
    finally:
        os.close(fd)
    return True


def _ends_with_newline(f) -> bool:
    f.seek(-1, os.SEEK_END)
    last = f.read(1)
    f.seek(0, os.SEEK_END)
    return last == b"\n"
