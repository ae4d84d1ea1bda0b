"""The processes of a run: its extraction workers, and a run from the command line.

A run is one process (`xxgk run`, `python -m xxgk.flows.…`, a deployment's flow run) with
children of its own: Prefect's API server (`flows/server.py`) and the extraction workers
(`ProcessPool`). Every child dies with the run: the kernel signals it when the process that
started it dies (Linux's parent-death signal, asked for by the child), and the server's
watchdog sends the run's children SIGTERM when the run dies (for a child that has not asked
yet). What a killed run leaves in its data folder and in Prefect, the next run tidies up
(`flows/crashes.py`).

A run from the command line (`xxgk run`, `python -m xxgk.flows.…`) goes through `run_here`:
the folders checked, the lock, the server, then the flow; the machine's errors end it in one
line (`xxgk.flows.machine`), and Ctrl-C stops it in about a second: the workers ignore the
terminal's SIGINT and are killed at once, the server (a session of its own) stays up until the
runs are recorded Crashed.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner

from xxgk.config import data_paths
from xxgk.extract.programs import die_with_parent
from xxgk.flows.crashes import best_effort
from xxgk.flows.machine import (
    Stopped,
    check_folders,
    interrupted,
    is_environment_error,
    one_line,
)
from xxgk.flows.server import share_embedded_server
from xxgk.transform import store as work


class ProcessPool(ProcessPoolTaskRunner):
    """Prefect's process pool, with workers that die with the run and use the run's API server.

    Prefect serializes the submitting process's settings for its workers; with no
    PREFECT_API_URL there, each worker would start an embedded server of its own (one more
    server process per worker, left running when the run is killed). The URL of the server
    this process talks to goes into those settings instead.

    Ctrl-C is the run's to handle: the workers ignore it (a terminal sends it to the whole
    process group), and a run interrupted kills them at once rather than waiting for their
    batches (a batch appears whole or not at all: the next run extracts it again), and marks
    their task runs Crashed.
    """

    def __init__(self, max_workers: int | None = None, **kwargs):
        super().__init__(max_workers=max_workers, **kwargs)
        self._submitted: list = []
        self._cut_short: list = []
        self._killed = False

    def __enter__(self):
        if _IN_WORKER:
            # Prefect enters the flow's task runner again around each task a worker runs (to
            # rebuild the flow's context there). The batch submits nothing: no pool, no queue
            # (whose semaphores, were the worker killed, would be reported leaked at exit).
            return TaskRunner.__enter__(self)
        # SIGKILL: a worker has nothing to save (a batch appears whole or not at all), and the
        # API it would report to is going too. Prefect starts the workers from its resolver
        # threads, which it stops only after the pool: the signal cannot come early.
        self._initializer = _worker_init
        self._initargs = (os.getpid(), signal.SIGKILL, _QUIET)
        self._submitted, self._cut_short, self._killed = [], [], False
        entered = super().__enter__()
        _LIVE_POOLS[id(self)] = self
        return entered

    def submit(self, task, parameters, wait_for=None, dependencies=None):
        if not self._submitted:
            self._start_workers()
        with _this_api_for_children():
            future = super().submit(task, parameters, wait_for, dependencies)
        self._submitted.append(future)
        return future

    def _start_workers(self) -> None:
        """Start every worker now, from this thread, with SIGINT ignored: a worker inherits
        that, so a Ctrl-C that reaches it while it is still importing does not kill it with a
        traceback on the terminal (Prefect would start them later, from its resolver threads,
        which cannot change how the process handles a signal)."""
        launch = getattr(self._executor, "_launch_processes", None)  # what submit does, all at once
        if launch is None or threading.current_thread() is not threading.main_thread():
            return
        before = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            launch()
        finally:
            signal.signal(signal.SIGINT, before)

    def __exit__(self, exc_type, exc_value, traceback):
        _LIVE_POOLS.pop(id(self), None)
        if exc_type is not None and not issubclass(exc_type, Exception):  # Ctrl-C, SystemExit
            self.kill_workers()
            best_effort(functools.partial(_crash_task_runs, self._cut_short, "the run was interrupted"))
        super().__exit__(exc_type, exc_value, traceback)

    def kill_workers(self) -> None:
        """SIGKILL every worker (the Ctrl-C handler calls it at once: a worker would otherwise
        go on extracting, and writing batches, while the run unwinds), noting the task runs
        it cuts short."""
        if not self._cut_short:
            self._cut_short = [f.task_run_id for f in self._submitted if not f.wrapped_future.done()]
        processes = getattr(self._executor, "_processes", None) or {}
        self._killed = self._killed or bool(processes)  # (called again by __exit__, after the handler)
        for process in list(processes.values()):
            with contextlib.suppress(OSError, ValueError):
                process.kill()

    def _stop_message_forwarding(self) -> None:
        """After kill_workers, a worker may have died holding the lock of the queue the workers
        send their logs through: Prefect's stop message would never be written, its forwarding
        thread would be waited for 5 s, and the queue's feeder thread forever at this process's
        exit. Both are daemon threads blocked on a pipe nobody writes to again: left to die
        with the process."""
        queue = self._subprocess_message_queue
        if not self._killed or queue is None:
            super()._stop_message_forwarding()
            return
        queue.cancel_join_thread()
        self._subprocess_message_queue = self._message_forwarding_thread = None


_IN_WORKER = False  # this process is a worker of a ProcessPool
_LIVE_POOLS: dict[int, ProcessPool] = {}  # this process's, while entered (by id: a runner is unhashable)


def _worker_init(parent: int, sig: int, quiet: bool) -> None:
    global _IN_WORKER
    _IN_WORKER = True
    die_with_parent(parent, sig)
    if quiet:
        from prefect.logging.configuration import ensure_logging_setup

        ensure_logging_setup()  # what the task engine would do first: then its console is there to quiet
        quiet_console()


def _crash_task_runs(ids: list, why: str) -> None:
    """Mark these task runs Crashed (those a worker had begun: the others were never created)."""
    import httpx
    from prefect import get_client
    from prefect.states import Crashed

    if not ids:
        return
    with get_client(sync_client=True) as client:
        for task_run_id in ids:
            try:
                client.set_task_run_state(task_run_id, Crashed(message=why), force=True)
            except httpx.HTTPStatusError as e:
                if e.response.status_code != 404:
                    raise


def _this_api_for_children():
    """Settings naming the API server this process uses (started by Prefect on demand)."""
    from prefect.context import FlowRunContext
    from prefect.settings import PREFECT_API_URL, temporary_settings

    ctx = FlowRunContext.get()
    if PREFECT_API_URL.value() or ctx is None or ctx.client is None:
        return nullcontext()
    url = str(ctx.client.api_url).rstrip("/")
    if "//ephemeral-prefect/" in url:
        return nullcontext()  # an app in this process: nothing a child could reach
    return temporary_settings(updates={PREFECT_API_URL: url})


# --- a run from the command line -----------------------------------------------------------

INTERRUPTED = threading.Event()  # Ctrl-C: what runs in this process's threads stops too


def run_here(data: str | Path, call: Callable[[], Any]) -> Any:
    """Run `call` (a flow) from the command line (`xxgk run`, `python -m xxgk.flows.…`): the
    folders checked writable, then the data folder's lock (a second run is refused in an
    instant, not after starting Prefect), then Prefect's server, started once and dying with
    this process. Raises Stopped (one line) for the errors of the machine, KeyboardInterrupt
    on Ctrl-C once the flows have stopped (a second Ctrl-C quits at once); a bug's exception
    as it is. On the console, Prefect's account of the exception that ended a flow or task run
    is left to the run's log: the caller says it."""
    global _QUIET
    data = Path(data)
    _, processed = data_paths(data)
    try:
        check_folders(data)  # done already by `xxgk run`, before prefect was imported
        with work.lock(processed, data), _on_ctrl_c():
            embedded = share_embedded_server()
            quiet, _QUIET = _QUIET, True
            filters = quiet_console()
            try:
                with _no_heartbeats() if embedded else contextlib.nullcontext():
                    return call()
            finally:
                _QUIET = quiet
                for handler, f in filters:
                    handler.removeFilter(f)
    except Exception as e:
        line = one_line(e, data)
        if line is None:
            raise
        raise Stopped(line) from None


def _no_heartbeats():
    """A flow run's heartbeats are events for a server's automations to tell a crashed run by
    (every 180 s); on the run's own embedded server nobody listens, and each flow run's end
    waits up to a second for its heartbeat thread (a Ctrl-C, twice that). A run that dies is
    told by its recorded process instead (`crash_dead_runs`)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


@contextmanager
def _on_ctrl_c() -> Iterator[None]:
    """The first Ctrl-C stops the run (KeyboardInterrupt: the flows record it, the workers are
    killed, the server stops); a second one while that happens quits at once (the children
    die with this process all the same)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    INTERRUPTED.clear()

    def first(signum, frame):
        INTERRUPTED.set()
        for pool in list(_LIVE_POOLS.values()):
            pool.kill_workers()
        signal.signal(signal.SIGINT, lambda *_: os._exit(130))
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGINT, first)
    try:
        yield
    finally:
        if not INTERRUPTED.is_set():
            signal.signal(signal.SIGINT, before)


def main(data: str, call: Callable[[], Any]) -> None:
    """A flow run from the command line (`python -m xxgk.flows.…`), as `xxgk run` runs one:
    see `run_here`. Prints the flow's result; the errors of the machine in one line, status 2;
    Ctrl-C status 130."""
    try:
        result = run_here(data, call)
    except Stopped as e:
        print(f"xxgk: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f"xxgk: {interrupted(data)}", file=sys.stderr)
        sys.exit(130)
    print(result)


# --- environment errors: one line, not a traceback -------------------------------------------

class _NoTracebackForEnvironmentErrors(logging.Filter):
    """Prefect logs the traceback of whatever ends a flow or task run. For a full disk, a
    read-only folder or a data folder another run holds, the traceback says nothing the error's
    own line does not, and buries it: the record keeps its message and loses the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        e = record.exc_info[1] if record.exc_info else None
        if isinstance(e, work.RunInProgress) or is_environment_error(e):
            record.exc_info = None
            record.exc_text = None
        return True


for _name in ("prefect.flow_runs", "prefect.task_runs"):
    logging.getLogger(_name).addFilter(_NoTracebackForEnvironmentErrors())


class _LeftToTheCaller(logging.Filter):
    """On the console of a run from the command line: the ERROR lines in which Prefect's engine
    tells of the exception that ended a flow or task run (that it was raised, that the run
    crashed or failed). The command line says it, in one line or with a bug's traceback; the
    run's log in Prefect keeps them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno >= logging.ERROR and record.name.startswith(("prefect.flow_runs",
                                                                                 "prefect.task_runs")))


_QUIET = False  # a run from the command line is running in this process: its workers quiet theirs too


def quiet_console() -> list[tuple[logging.Handler, logging.Filter]]:
    """Filter this process's Prefect console handlers (see _LeftToTheCaller); returns them with
    their filter, to remove it."""
    from prefect.logging.handlers import PrefectConsoleHandler

    out: list[tuple[logging.Handler, logging.Filter]] = []
    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(isinstance(f, _LeftToTheCaller)
                                                                    for f in handler.filters):
            f = _LeftToTheCaller()
            handler.addFilter(f)
            out.append((handler, f))
    return out
