"""The programs some readers run (LibreOffice for Word's binary formats, Tesseract for scans):
found, given a private folder, and run so that none outlives the document it was reading.

A run starts a session of its own and, however the wait for it ends (the program's end, its
timeout, the extraction's time limit raised into the wait), every process of that session still
running is killed: soffice forks soffice.bin, which a plain kill would leave behind. If our own
process dies first (`kill -9` of a worker), the program is told by the kernel and dies too
(`die_with_parent`, which the flows also give their workers and server).
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def find(variable: str, *names: str) -> str | None:
    """The program the environment `variable` names, else the first of `names` on the PATH;
    None when it is not there (or not executable)."""
    override = os.environ.get(variable)
    if override:
        return shutil.which(override)
    return next((found for found in map(shutil.which, names) if found), None)


@contextlib.contextmanager
def folder(prefix: str) -> Iterator[Path]:
    """A private temporary folder, removed with all it holds however the run ends."""
    with tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True) as name:
        yield Path(name)


def run(command: list[str], timeout: float, *, capture: bool = False,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """The finished run (its output and errors when `capture`, else none). Raises
    `subprocess.TimeoutExpired` past `timeout` seconds and `OSError` when the program cannot
    start; the program and its children are killed in either case, and on any interruption."""
    pipe = subprocess.PIPE if capture else subprocess.DEVNULL
    ready_to_tie()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=pipe, stderr=pipe, env=env,
                               start_new_session=True, preexec_fn=functools.partial(die_with_parent, os.getpid()))
    with process:  # closes the pipes
        try:
            out, err = process.communicate(timeout=timeout)
        finally:
            with contextlib.suppress(ProcessLookupError):  # all of it has exited
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return subprocess.CompletedProcess(command, process.returncode, out or b"", err or b"")


def die_with_parent(parent: int, sig: int = signal.SIGKILL) -> None:
    """Make this process receive `sig` when `parent` dies, however it dies (kill -9 included).

    Runs in the child: as a process pool's initializer, or between fork and exec (a
    subprocess's preexec_fn; the setting survives exec, though not a fork of the program's own).
    Linux ties the signal to the *thread* that started the child, so the caller starts children
    from a thread that lives as long as they should. Elsewhere a daemon thread polls for the
    parent instead.
    """
    prctl = _prctl()
    if prctl is not None and prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) == 0:
        if os.getppid() != parent:  # the parent died before we asked: nobody will signal us
            os.kill(os.getpid(), sig)
        return

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), sig)

    threading.Thread(target=watch, name="xxgk-parent-watch", daemon=True).start()


def ready_to_tie() -> None:
    """Look up prctl before forking a child that calls `die_with_parent` before its exec: between
    fork and exec a child should only call what is at hand."""
    _prctl()


@functools.cache
def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    return ctypes.CDLL(None, use_errno=True).prctl  # libc's, already loaded into every process
