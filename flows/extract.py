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
import threading
from collections import Counter
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.context import FlowRunContext
from prefect.task_runners import ThreadPoolTaskRunner

from xxgk.extract import heap
from xxgk.extract.limits import Limits, cap_memory
from xxgk.extract.report import PARSER_VERSION, extract_file
from xxgk.flows import crashes, processes, progress, settings
from xxgk.ingest.raw_store import RawStore
from xxgk.transform import store as work
from xxgk.transform.datasets import BatchRows

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
def extract_batch(data: str, docs: list[dict], owner: tuple[str, int], ticks: str | None = None) -> dict:
    """Extract `docs` and write them as one batch; `ticks`: a file to count each document done
    in (`progress.Ticks`), for the progress bar of the run that started it."""
    raw, processed = settings.data_paths(data)
    store = RawStore(raw)
    rows = BatchRows()
    statuses: Counter = Counter()
    now = datetime.now(UTC).replace(microsecond=0)
    limits = document_limits()
    if multiprocessing.parent_process() is not None:
        cap_memory(limits.memory_mb)  # a pool worker: one document at a time, so per document
    heap.pace_for_batches()
    with progress.Ticks(Path(ticks)).counter() if ticks else nullcontext(lambda: None) as tick:
        for i, d in enumerate(docs):
            if processes.INTERRUPTED.is_set():  # Ctrl-C: a batch in the run's own threads stops too
                raise RuntimeError("the run was interrupted; not writing this batch")
            if i % 50 == 0 and _run_is_gone(owner):
                raise RuntimeError("the run that started this batch is gone; not writing it")
            report = extract_file(store.path_of(d["sha256"]), source=d["source"], limits=limits)
            statuses[str(report.status)] += 1
            rows.add(d["sha256"], report, now, d.get("agency_hint"), d.get("year_hint"))
            tick()
    if _run_is_gone(owner):
        raise RuntimeError("the run that started this batch is gone; not writing it")
    work.write_batch(processed, rows.tables())
    get_run_logger().info("%d documents: %s", len(docs), _counts(statuses))
    return dict(statuses)


def _counts(statuses: Counter | dict) -> str:
    return ", ".join(f"{statuses.get(s, 0)} {s}" for s in ("ok", "warning", "failed"))


def pending(data: str) -> list[dict]:
    raw, processed = settings.data_paths(data)
    done = work.done(processed)
    return [{"sha256": sha, "source": e.source, "agency_hint": e.agency_hint, "year_hint": e.year_hint}
            for sha, e in RawStore(raw).documents().items() if sha not in done]


@flow(name="xxgk-extract", task_runner=task_runner())
def extract_flow(data: str = "data") -> dict:
    data = str(Path(data).absolute())  # batches may run in other processes
    logger = get_run_logger()
    with crashes.sole_writer(data):
        todo = pending(data)
        workers = os.cpu_count() or 1
        batches = plan(todo, workers)
        runner = type(FlowRunContext.get().task_runner).__name__  # type: ignore[union-attr]
        logger.info("%d documents to extract (parser %s), in %d batches on %d workers (%s)",
                    len(todo), PARSER_VERSION, len(batches), workers, runner)
        owner = (socket.gethostname(), os.getpid())
        ticks = progress.Ticks(work.work_dir(settings.data_paths(data)[1]) / f".tmp-batch-progress-{os.getpid()}")
        total: Counter = Counter()
        with progress.step("extract", len(todo)) as shown:
            try:
                if progress.watched():
                    ticks.path.parent.mkdir(parents=True, exist_ok=True)
                futures = [extract_batch.submit(data, batch, owner, str(ticks.path) if progress.watched() else None)
                           for batch in batches]
                shown.follow(ticks.count)
                for f in futures:  # in the order given: the first failure raises
                    _wait(f)
                    total.update(f.result())
            finally:
                ticks.remove()
            shown.done(_counts(total) if todo else "nothing new")
    logger.info("extracted %d documents: %s", len(todo), _counts(total))
    return {"extracted": len(todo), **total}


def _wait(future) -> None:
    """Until `future` is done, taking a Ctrl-C at once. Not prefect.futures.wait(timeout=…): its
    timeout is a SIGALRM, which a moment after a Ctrl-C turns the KeyboardInterrupt into
    Prefect's CancelledError and a traceback."""
    finished = threading.Event()
    future.add_done_callback(lambda _: finished.set())
    while not finished.wait(0.5):
        pass


def run_extract(data: str = "data", runner: str | None = None) -> dict:
    return extract_flow.with_options(task_runner=task_runner(runner))(data)


if __name__ == "__main__":
    import sys

    data = sys.argv[1] if len(sys.argv) > 1 else "data"
    processes.main(data, lambda: run_extract(data))
