"""What a killed run leaves behind, tidied by the next: flow runs left "Running", temporary
files; and one writer per data folder.

Killed with `kill -9`, a process cannot clean up. Each flow run records its process (host:pid)
as the run's `infrastructure_pid`; the next writer on a data folder marks the runs whose process
is gone as Crashed, and removes the temporary files a killed writer left (`sole_writer`).
"""
from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prefect.client.schemas.objects import StateType

from xxgk.config import data_paths
from xxgk.flows.server import watch_over_children
from xxgk.ingest.raw_store import RawStore
from xxgk.transform import store as work

# Our flows, for the runs recorded before they recorded their process.
FLOWS = ("xxgk-run", "xxgk-ingest", "xxgk-crawl", "xxgk-extract", "xxgk-publish")
# A run of ours that never recorded its process and is still "running" after this long was
# killed in the instant between its start and its record (or predates the record).
UNRECORDED_STALE_AFTER = timedelta(minutes=10)


def _this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def record_this_process() -> None:
    """Record this process as the current flow run's `infrastructure_pid` (Prefect's field for
    the process running a flow run; left alone when a worker set it)."""
    from prefect import get_client
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    if ctx is None or ctx.flow_run is None or ctx.flow_run.infrastructure_pid:
        return
    with get_client(sync_client=True) as client:
        client.update_flow_run(ctx.flow_run.id, infrastructure_pid=_this_process())
    ctx.flow_run.infrastructure_pid = _this_process()


def _started_at(pid: int) -> float | None:
    """When process `pid` started (seconds since the epoch), from /proc; None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, IndexError, StopIteration, ValueError):
        return None
    if fields[0] == "Z":
        return 0.0  # a zombie: dead, not yet reaped
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def process_is_gone(pid: int, since: datetime | None = None) -> bool:
    """True when process `pid` (which was running at `since`) has died, even if its pid has been
    given to another process since."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    started = _started_at(pid)
    if started == 0.0:
        return True
    return started is not None and since is not None and started > since.timestamp() + 2


def _dead(run, now: datetime) -> str | None:
    """Why a flow run in a running state is dead, or None when it may be alive."""
    host, _, pid = (run.infrastructure_pid or "").rpartition(":")
    if host and pid.isdigit():
        if host == socket.gethostname() and process_is_gone(int(pid), run.start_time):
            return f"its process (pid {pid}) is gone: killed"
        return None
    since = run.start_time
    if (not run.infrastructure_pid and run.state_type == StateType.RUNNING and since is not None
            and now - since > UNRECORDED_STALE_AFTER):
        # (not Pending: a deployment's run may wait that long for its infrastructure)
        return f"still running {int((now - since).total_seconds() // 60)} min after its start with no process recorded"
    return None


def crash_dead_runs() -> int:
    """Mark as Crashed the flow runs left Running or Pending by processes that died (and their
    task runs): nothing else ever will, and they would read as running forever.

    Returns how many flow runs were marked."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterState,
        FlowRunFilterStateType,
        TaskRunFilter,
        TaskRunFilterState,
        TaskRunFilterStateType,
    )
    from prefect.states import Crashed

    live = [StateType.RUNNING, StateType.PENDING]
    now = datetime.now(UTC)
    crashed = []
    with get_client(sync_client=True) as client:
        offset = 0
        while True:
            page = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=list(FLOWS))),
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=live))),
                limit=200, offset=offset)
            left = 0
            for run in page:
                if (why := _dead(run, now)) is None:
                    left += 1  # still matches the filter: the next page starts after it
                else:
                    client.set_flow_run_state(run.id, Crashed(message=why), force=True)
                    crashed.append(run.id)
            if len(page) < 200:
                break
            offset += left
        for i in range(0, len(crashed), 100):
            tasks = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=crashed[i:i + 100])),
                task_run_filter=TaskRunFilter(state=TaskRunFilterState(type=TaskRunFilterStateType(any_=live))),
                limit=200)
            for t in tasks:
                client.set_task_run_state(t.id, Crashed(message="its flow run's process is gone: killed"),
                                          force=True)
    return len(crashed)


# --- one writer per data folder --------------------------------------------------------------

_SWEPT: set[Path] = set()


@contextmanager
def sole_writer(data: str | Path) -> Iterator[None]:
    """The body of every flow that writes under `data`: hold the data folder's lock (refused
    with RunInProgress while another process holds it), record this process on the flow run,
    and, first thing in a run, clear up after writers that were killed: their flow runs are
    marked Crashed and their temporary files (older than this run) removed."""
    raw, processed = data_paths(data)
    started = time.time()
    with work.lock(processed, Path(data)):
        key = processed.absolute()
        first = key not in _SWEPT
        _SWEPT.add(key)
        try:
            if first:
                work.clean_temporary(processed, before=started)
                RawStore(raw).clean_temporary(before=started)
                best_effort(watch_over_children, crash_dead_runs)
            best_effort(record_this_process)
            yield
        finally:
            if first:
                _SWEPT.discard(key)


def best_effort(*steps: Callable[[], Any]) -> None:
    """Bookkeeping that must not cost the night's run: a failure is a warning in its log."""
    from prefect.context import FlowRunContext
    from prefect.logging import get_run_logger

    for step in steps:
        try:
            step()
        except Exception as e:  # whatever it is, the run goes on
            logger = get_run_logger() if FlowRunContext.get() else logging.getLogger(__name__)
            name = getattr(step, "__name__", None) or getattr(getattr(step, "func", None), "__name__", repr(step))
            logger.warning("%s failed: %r", name, e)
