"""The processes of a run, and what a killed run leaves behind.

A run is one process (`xxgk run`, `python -m xxgk.flows.…`, a deployment's flow run) with
children of its own: Prefect's embedded API server and the extraction workers. Killed with
`kill -9`, a process cannot clean up, so the children see to it themselves and the next run
tidies up:

- every child dies with the run: the kernel signals it when the process that started it dies
  (Linux's parent-death signal, asked for by the child), and a watchdog process sends the
  run's children SIGTERM when the run dies (for a child that has not asked yet);
- the workers report to the run's own API server instead of each starting one of their own
  (Prefect starts an embedded server in any process that finds no PREFECT_API_URL);
- each flow run records its process (host:pid) as the run's `infrastructure_pid`; the next
  writer on a data folder marks the runs whose process is gone as Crashed, and removes the
  temporary files a killed writer left (`sole_writer`).

A run from the command line (`xxgk run`, `python -m xxgk.flows.…`) goes through `run_here`:
the folders checked, the lock, the server, then the flow; the machine's errors end it in one
line (`xxgk.flows.machine`), and Ctrl-C stops it in about a second: the workers ignore the
terminal's SIGINT and are killed at once, the server (a session of its own) stays up until the
runs are recorded Crashed.
"""
from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prefect.client.schemas.objects import StateType
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner

from xxgk.config import data_paths
from xxgk.extract import programs
from xxgk.extract.programs import die_with_parent
from xxgk.flows.machine import (
    ServerDidNotStart,
    Stopped,
    check_folders,
    interrupted,
    is_environment_error,
    one_line,
)
from xxgk.ingest.raw_store import RawStore
from xxgk.transform import store as work

# Our flows, for the runs recorded before they recorded their process.
FLOWS = ("xxgk-run", "xxgk-ingest", "xxgk-crawl", "xxgk-extract", "xxgk-publish")
# A run of ours that never recorded its process and is still "running" after this long was
# killed in the instant between its start and its record (or predates the record).
UNRECORDED_STALE_AFTER = timedelta(minutes=10)

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
        self._killed = bool(processes)
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


class EmbeddedServer:
    """Prefect's embedded API server (what Prefect itself starts when PREFECT_API_URL is unset:
    uvicorn on the server app, UI off), started once by the run and dying with it."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.url: str | None = None

    def start(self, timeout: float) -> str:
        import prefect
        from prefect.settings import get_current_settings

        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1", **get_current_settings().to_environment_variables(exclude_unset=True)}
        env.pop("PREFECT_API_URL", None)
        programs.ready_to_tie()
        for attempt in range(3):
            port = _free_port()
            # SIGTERM: uvicorn shuts down cleanly (the SQLite database closed) in well under a second.
            # A session of its own: a Ctrl-C on the terminal reaches the run's process group, and
            # the server must outlive it long enough to record that the run was interrupted.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(prefect.__file__).parent.parent),
                 "--factory", "prefect.server.api.server:create_app",
                 "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"],
                env=env, start_new_session=True,
                preexec_fn=functools.partial(die_with_parent, os.getpid(), signal.SIGTERM))
            url = f"http://127.0.0.1:{port}/api"
            try:
                code = self._wait(url, timeout)
            except BaseException:  # Ctrl-C while it starts (a first start migrates its database)
                self.stop(grace=2)
                raise
            if code is None:
                self.url = url
                return url
            if code != 3 or attempt == 2:  # 3: could not bind (the port taken meanwhile) or start up
                break
        raise ServerDidNotStart(f"Prefect's server did not start ({env.get('PREFECT_HOME')}): "
                                f"it stopped with status {code}; its messages are above")

    def _wait(self, url: str, timeout: float) -> int | None:
        import httpx

        assert self.process is not None
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=5) as client:
            while time.monotonic() < deadline:
                if (code := self.process.poll()) is not None:
                    return code
                try:
                    if client.get(f"{url}/health").status_code == 200:
                        return None
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise ServerDidNotStart(f"Prefect's server did not start ({os.environ.get('PREFECT_HOME')}): no answer "
                                f"within {timeout:.0f} s (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")

    def stop(self, grace: float = 10) -> None:
        """SIGTERM, and SIGKILL if it has not stopped after `grace` seconds."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# A process of its own, since nothing is left in a killed one to do it: notes the run's
# children (/proc/PID/task/*/children) while the run lives, and when the run dies (its parent
# changes), sends them SIGTERM. It covers what the parent-death signal cannot: a worker still
# importing, before its initializer asked for the signal (measured: 3-4 s of a 4 s window), and
# a Prefect server that Prefect started itself (a flow called from a Python program). SIGTERM,
# not SIGKILL: multiprocessing's resource tracker ignores it, and cleans up once the rest are gone.
_WATCHDOG = """
import os, signal, sys, time
run, me, last = int(sys.argv[1]), os.getpid(), set()
def children():
    out = set()
    try:
        for t in os.listdir(f"/proc/{run}/task"):
            with open(f"/proc/{run}/task/{t}/children") as f:
                out.update(map(int, f.read().split()))
    except OSError:
        pass
    return out - {me}
while os.getppid() == run:
    now = children()
    if os.getppid() == run:  # read whole, from a live run
        last = now
    time.sleep(0.1)
for pid in last:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
"""
_WATCHDOGS: dict[int, subprocess.Popen] = {}  # per process (a fork has its own), kept: reaped at exit


def watch_over_children() -> None:
    """Start this process's watchdog (see _WATCHDOG), once; Linux only."""
    if os.getpid() in _WATCHDOGS or not Path(f"/proc/{os.getpid()}/task").is_dir():
        return
    _WATCHDOGS[os.getpid()] = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", _WATCHDOG, str(os.getpid())],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)  # not stopped by a Ctrl-C meant for the run


_EMBEDDED_URL: str | None = None  # the API of the server `share_embedded_server` started in this process


def share_embedded_server() -> bool:
    """With no PREFECT_API_URL, start Prefect's embedded server here, once, and point this
    process and every process it starts at it (PREFECT_API_URL in the environment). True when
    the API in use is the server it started (now, or for an earlier run of this process).

    Call it from the main thread, before the flow: the server dies with the thread that started
    it (see `die_with_parent`). Elsewhere it does nothing and Prefect starts its own server as
    it would (ProcessPool still keeps the workers on it)."""
    from prefect.context import refresh_global_settings_context
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

    global _EMBEDDED_URL
    watch_over_children()
    if PREFECT_API_URL.value() or threading.current_thread() is not threading.main_thread():
        return _EMBEDDED_URL is not None and PREFECT_API_URL.value() == _EMBEDDED_URL
    server = EmbeddedServer()
    url = server.start(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
    # Stopped at exit, after Prefect's own exit handlers (registered later, run first) have
    # sent their last logs and events to it.
    atexit.register(server.stop)
    os.environ["PREFECT_API_URL"] = _EMBEDDED_URL = url
    refresh_global_settings_context()
    return True


# --- runs a killed process left "Running" ---------------------------------------------------

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
