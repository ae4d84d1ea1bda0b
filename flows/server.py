"""Prefect's API server for a run, started by the run and dying with it, and the watchdog that
sees to the run's children when the run is killed.

A run with no PREFECT_API_URL starts Prefect's embedded server once (`share_embedded_server`)
and points every process it starts at it: the workers report to the run's own server instead of
each starting one (Prefect starts an embedded server in any process that finds no
PREFECT_API_URL). The server has a session of its own (a Ctrl-C on the terminal reaches the
run's process group, and the server must outlive it long enough to record the run interrupted)
and dies with the run: the kernel signals it when the run dies (`die_with_parent`), and a
watchdog process sends the run's children SIGTERM when the run dies (for a child that has not
asked for that signal yet).
"""
from __future__ import annotations

import atexit
import functools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from xxgk.extract import programs
from xxgk.extract.programs import die_with_parent
from xxgk.flows.machine import ServerDidNotStart


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
