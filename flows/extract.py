"""Extract every stored document this parser version has not extracted yet, in batches.

Documents are grouped into a few batches per worker (not one task per document), each batch a
Prefect task that extracts its documents and writes one batch directory atomically. The task
runner comes from XXGK_TASK_RUNNER: `process` (default: one process per core), `thread`, or
`dask` (a local Dask cluster) / `dask://host:port` (an existing one; needs prefect-dask).
"""
from __future__ import annotations

import math
import multiprocessing
import os
import socket
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, task
from prefect.task_runners import ThreadPoolTaskRunner

from xxgk.extract.limits import Limits, cap_memory
from xxgk.extract.report import extract_file
from xxgk.flows import processes, settings
from xxgk.ingest.raw_store import RawStore
from xxgk.transform import store as work
from xxgk.transform.datasets import report_rows

MAX_BATCH = 500


def task_runner(spec: str | None = None):
    spec = spec or os.environ.get("XXGK_TASK_RUNNER", "process")
    workers = os.cpu_count() or 1
    if spec == "thread":
        return ThreadPoolTaskRunner(max_workers=workers)
    if spec.startswith("dask"):
        from prefect_dask import DaskTaskRunner

        address = spec.removeprefix("dask").removeprefix("://")
        return DaskTaskRunner(address=f"tcp://{address}") if address else DaskTaskRunner(
            cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True})
    return processes.ProcessPool(max_workers=workers)  # workers that die with the run


def plan(todo: list[dict], workers: int) -> list[list[dict]]:
    """A few batches per worker, none larger than MAX_BATCH documents."""
    if not todo:
        return []
    n = max(min(len(todo), workers * 3), math.ceil(len(todo) / MAX_BATCH))
    size = math.ceil(len(todo) / n)
    return [todo[i:i + size] for i in range(0, len(todo), size)]


def _run_is_gone(owner: tuple[str, int]) -> bool:
    """True when the process that started this batch died (killed mid-run): a worker it left
    behind must not write batches outside that run's lock."""
    host, pid = owner
    if host != socket.gethostname():
        return False  # a Dask worker elsewhere cannot tell; the next run dedupes anyway
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def document_limits() -> Limits:
    """Time and memory for one document: XXGK_EXTRACT_SECONDS, XXGK_EXTRACT_MEMORY_MB."""
    default = Limits()
    return Limits(seconds=float(os.environ.get("XXGK_EXTRACT_SECONDS") or default.seconds),
                  memory_mb=int(os.environ.get("XXGK_EXTRACT_MEMORY_MB") or default.memory_mb))


@task(name="extract-batch")
def extract_batch(data: str, docs: list[dict], owner: tuple[str, int]) -> dict:
    raw, processed = settings.data_paths(data)
    store = RawStore(raw)
    rows: dict[str, list[dict]] = {}
    statuses: Counter = Counter()
    now = datetime.now(UTC).replace(microsecond=0)
    limits = document_limits()
    if multiprocessing.parent_process() is not None:
        cap_memory(limits.memory_mb)  # a pool worker: one document at a time, so per document
    for i, d in enumerate(docs):
        if i % 50 == 0 and _run_is_gone(owner):
            raise RuntimeError("the run that started this batch is gone; not writing it")
        report = extract_file(store.path_of(d["sha256"]), source=d["source"], limits=limits)
        statuses[str(report.status)] += 1
        for name, items in report_rows(d["sha256"], report, now, d.get("agency_hint"),
                                       d.get("year_hint")).items():
            rows.setdefault(name, []).extend(items)
    if _run_is_gone(owner):
        raise RuntimeError("the run that started this batch is gone; not writing it")
    work.write_batch(processed, rows)
    return dict(statuses)


def pending(data: str) -> list[dict]:
    raw, processed = settings.data_paths(data)
    done = work.done(processed)
    return [{"sha256": sha, "source": e.source, "agency_hint": e.agency_hint, "year_hint": e.year_hint}
            for sha, e in RawStore(raw).documents().items() if sha not in done]


@flow(name="xxgk-extract", task_runner=task_runner())
def extract_flow(data: str = "data") -> dict:
    data = str(Path(data).absolute())  # batches may run in other processes
    with processes.sole_writer(data):
        todo = pending(data)
        owner = (socket.gethostname(), os.getpid())
        futures = [extract_batch.submit(data, batch, owner) for batch in plan(todo, os.cpu_count() or 1)]
        total: Counter = Counter()
        for f in futures:
            total.update(f.result())
    return {"extracted": len(todo), **total}


def run_extract(data: str = "data", runner: str | None = None) -> dict:
    return extract_flow.with_options(task_runner=task_runner(runner))(data)


if __name__ == "__main__":
    import sys

    data = sys.argv[1] if len(sys.argv) > 1 else "data"
    processes.main(data, lambda: run_extract(data))
