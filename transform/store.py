"""Where extraction results live between runs, and how a publication replaces the last one.

    data/processed/work/parser=<version>/batch-<id>/<dataset>.parquet
        what each extraction batch produced; a batch directory appears whole (written under a
        temporary name, then renamed) or not at all. Which documents are done for this parser
        version is read from here, so a nightly run with nothing new does almost no work.
    data/processed/releases/<id>/<dataset>.parquet + manifest.json
        one complete publication
    data/processed/current -> releases/<id>
        a symlink swapped atomically, for people and programs reading the parquet files
    data/processed/xxgk.duckdb
        that release's datasets as tables, with the views of sql/*.sql over them; rebuilt
        beside and renamed into place: a connection never sees two releases at once

`lock(root)` refuses a second writer on the same data folder while one is going;
`clean_temporary` removes what a killed writer left half-written.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from xxgk.extract.report import PARSER_VERSION
from xxgk.schema.views import descriptions
from xxgk.transform.datasets import ALL, BATCH, dictionary_rows, source_rows, to_table, with_places
from xxgk.transform.warehouse import build_database, view_sql

KEEP_RELEASES = 3
log = logging.getLogger(__name__)


class RunInProgress(RuntimeError):
    """Another process holds the data folder's lock."""

    def __init__(self, data: Path, pid: int | None):
        self.data, self.pid = data, pid
        who = f"another xxgk run (pid {pid})" if pid else "another xxgk run"
        super().__init__(f"{who} is using {data}: try again when it ends")


_HELD: set[Path] = set()


@contextmanager
def lock(root: Path, data: Path | None = None) -> Iterator[bool]:
    """Hold `root`'s lock (an flock on root/.xxgk.lock) for one writer at a time: ingest, crawl,
    extract and publish all write under the data folder, and two at once lose each other's work.

    Re-entrant within a process: a flow run inside another on the same data passes through.
    Yields True when this call took the lock, False when an outer one holds it. `data` names the
    folder in the refusal (the data folder rather than its processed/). The kernel drops an
    flock when its holder dies, however it dies, so a killed run never leaves the folder locked.
    """
    root = root.absolute()
    if root in _HELD:
        yield False
        return
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".xxgk.lock", "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunInProgress((data or root).absolute(), _holder(f)) from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}")
        f.flush()
        _HELD.add(root)
        try:
            yield True
        finally:
            _HELD.discard(root)
            fcntl.flock(f, fcntl.LOCK_UN)


def _holder(f) -> int | None:
    """The pid the holder wrote into the lock file: it writes just after taking the lock, so
    a refusal in that instant reads an empty file and looks again."""
    for _ in range(20):
        f.seek(0)
        words = f.read().split()
        if len(words) >= 2 and words[0] == "pid" and words[1].isdigit():
            return int(words[1])
        time.sleep(0.025)
    return None


def clean_temporary(root: Path, before: float) -> list[Path]:
    """Remove what runs killed while writing left under `root` (the processed folder): batch
    and release directories written under a temporary name, half-built DuckDB files, the
    symlink made for the swap of `current`. Only entries last changed before `before` (a
    time.time()) go: the caller holds the lock, so nothing older is being written.

    Returns what was removed."""
    found = [*root.glob("work/parser=*/.tmp-batch-*"), *root.glob("releases/.tmp-*"),
             *root.glob(".tmp-*.duckdb*"), *root.glob(".current-*")]
    gone = []
    for p in found:
        try:
            if p.lstat().st_mtime >= before:
                continue
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
        except FileNotFoundError:
            continue
        gone.append(p)
    return gone


def work_dir(root: Path, version: str = PARSER_VERSION) -> Path:
    return root / "work" / f"parser={version}"


def batches(root: Path) -> list[Path]:
    w = work_dir(root)
    return sorted(p for p in w.glob("batch-*") if p.is_dir()) if w.exists() else []


def _documents_in(batch: Path) -> list[str]:
    """sha256 of the documents a batch extracted (as reports) or failed to."""
    out: list[str] = []
    for name in ("reports", "failures"):
        f = batch / f"{name}.parquet"
        if f.exists():
            out.extend(x for x in pq.read_table(f, columns=["sha256"]).column("sha256").to_pylist() if x)
    return out


def done(root: Path) -> set[str]:
    """sha256 of every document this parser version has already extracted (or failed)."""
    return {sha for b in batches(root) for sha in _documents_in(b)}


def write_batch(root: Path, tables: dict[str, pa.Table]) -> Path:
    """Write one batch's tables (`BatchRows.tables`) as parquet files under a directory that
    appears atomically."""
    w = work_dir(root)
    w.mkdir(parents=True, exist_ok=True)
    bid = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    tmp = w / f".tmp-batch-{bid}"
    tmp.mkdir()
    for name, table in tables.items():
        pq.write_table(table, tmp / f"{name}.parquet", compression="zstd")
    final = w / f"batch-{bid}"
    os.rename(tmp, final)
    return final


def _owners(parts: list[Path], current: set[str] | None) -> list[pa.Array]:
    """For each batch, the current documents it is the first to hold: a document extracted
    twice (a run killed after writing a batch, then re-run) is published once, and one whose
    source has since changed (an older version) not at all."""
    seen: set[str] = set()
    out = []
    for b in parts:
        mine = [sha for sha in _documents_in(b) if sha not in seen and (current is None or sha in current)]
        seen.update(mine)
        out.append(pa.array(mine, pa.string()))
    return out


def publish(root: Path, fetch_failures: list[dict], overrides: list[dict] | None = None,
            current: dict[str, str] | None = None, sources: list | None = None) -> Path:
    """Write a complete release from every batch, switch `current` to it, rebuild the views.

    Datasets are streamed batch by batch into one parquet file each, so memory stays flat.
    """
    releases = root / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    parts = batches(root)
    inputs = _fingerprint(parts, fetch_failures, overrides, current, sources)
    unchanged = _unchanged(root, inputs)
    if unchanged is not None:
        return unchanged  # a night with nothing new: the release stands as it is
    rid = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    tmp = releases / f".tmp-{rid}"
    tmp.mkdir()
    owners = _owners(parts, set(current) if current is not None else None)
    regions = {e.source: e.region_hint for e in sources or [] if e.region_hint}
    counts = {}
    for name, schema in ALL.items():
        with pq.ParquetWriter(tmp / f"{name}.parquet", schema, compression="zstd") as out:
            n = 0
            pieces: Iterable[pa.Table | None]
            if name == "dictionary":
                pieces = [to_table(name, dictionary_rows())]
            elif name == "sources":
                pieces = [to_table(name, source_rows(sources or []))]
            else:
                pieces = (_owned(b / f"{name}.parquet", BATCH[name], owned)
                          for b, owned in zip(parts, owners, strict=True))
            if name == "reports":
                pieces = (with_places(t, overrides or [], current, regions) for t in pieces if t is not None)
            for t in pieces:
                if t is not None and t.num_rows:
                    out.write_table(t)
                    n += t.num_rows
            if name == "failures" and fetch_failures:
                out.write_table(to_table(name, fetch_failures))
                n += len(fetch_failures)
        counts[name] = n
    manifest = {
        "release": rid, "parser_version": PARSER_VERSION, "inputs": inputs,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": counts,
        "files": {f.name: file_sha256(f) for f in sorted(tmp.glob("*.parquet"))},
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    final = releases / rid
    os.rename(tmp, final)
    build_database(root, final)
    _switch(root / "current", Path("releases") / rid)
    _prune(releases, keep=final)
    for p in work_dir(root).glob(".tmp-batch-*"):
        shutil.rmtree(p, ignore_errors=True)  # left by a batch that was killed while writing
    return final


def _fingerprint(parts, fetch_failures, overrides, current, sources) -> str:
    """What a release is made of: batches, the manifest's last word on every input, the
    overrides, the views, the parser. Equal fingerprints, equal releases."""
    state = {"batches": [p.name for p in parts], "failures": fetch_failures, "overrides": overrides,
             "current": current, "sources": [vars(e) for e in sources or []],  # asdict's, without its deep copy
             "sql": view_sql(), "comments": descriptions(),
             "parser": PARSER_VERSION}
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def _unchanged(root: Path, inputs: str) -> Path | None:
    """The current release, when it is made of these inputs and its files are still the ones
    published. A file changed since (a stray COPY, a hand edit) is said in the log, and the
    caller publishes a fresh release from the batches instead of keeping the altered one."""
    current = root / "current"
    try:
        manifest = json.loads((current / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("inputs") != inputs or not (root / "xxgk.duckdb").exists():
        return None
    bad = tampered(current)
    if bad:
        log.warning("release %s: %s changed since it was published (sha256 differs from its manifest); "
                    "publishing a fresh release from the batches", current.resolve().name, ", ".join(bad))
        return None
    return current.resolve()


def tampered(release: Path) -> list[str]:
    """The files of `release` that are not as published: each dataset's parquet file and
    every file its manifest lists must exist with the sha256 the manifest gives. A manifest
    that cannot be read leaves nothing to trust: ["manifest.json"]."""
    try:
        manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ["manifest.json"]
    listed = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(listed, dict):
        return ["manifest.json"]
    names = sorted({f"{name}.parquet" for name in ALL} | set(listed))
    return [n for n in names if not (release / n).is_file() or file_sha256(release / n) != listed.get(n)]


def _owned(path: Path, schema: pa.Schema, owned: pa.Array) -> pa.Table | None:
    if not path.exists():
        return None
    t = pq.read_table(path, schema=schema)
    return t.filter(pc.is_in(t.column("sha256"), value_set=owned))


def _switch(link: Path, target: Path):
    tmp = link.with_name(f".current-{uuid.uuid4().hex[:8]}")
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _prune(releases: Path, keep: Path):
    old = sorted(p for p in releases.iterdir() if p.is_dir() and p != keep)
    for p in old[: max(0, len(old) - (KEEP_RELEASES - 1))]:
        shutil.rmtree(p, ignore_errors=True)
    for p in releases.glob(".tmp-*"):
        shutil.rmtree(p, ignore_errors=True)  # left by a run that was killed mid-publish
    for p in releases.parent.glob(".tmp-*.duckdb*"):
        p.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
