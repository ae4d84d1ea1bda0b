"""The programs some readers run (LibreOffice for Word's binary formats, Tesseract for scans):
found, given a private folder, and run so that none outlives the document it was reading.

A run starts a session of its own and, however the wait for it ends (the program's end, its
timeout, the extraction's time limit raised into the wait), every process of that session still
running is killed: soffice forks soffice.bin, which a plain kill would leave behind. If our own
process dies first (`kill -9` of a worker), nothing of ours is left to do that: the session's
first process is a guard (`_GUARD`, a few lines of Python) that the kernel tells of our death
(`die_with_parent`, which the flows also give their workers and server) and that then kills the
whole session, the program and whatever it forked.
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

# The first process of a program's session: it runs the program as its child and, told of our
# death by SIGTERM (`die_with_parent`), kills its process group (the session: the program and
# what it forked, the guard too). A program that cannot start is told on the pipe `argv[1]` (its
# errno; the pipe closes unwritten when the program starts); otherwise the guard exits as the
# program did (128 + N when it was killed by signal N).
_GUARD = """
import os, signal, sys
told = int(sys.argv[1])
signal.signal(signal.SIGTERM, lambda *_: os.killpg(0, signal.SIGKILL))
pid = os.fork()
if pid == 0:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.set_inheritable(told, False)
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    except OSError as e:
        os.write(told, str(e.errno).encode())
    os._exit(127)
os.close(told)
while True:
    try:
        status = os.waitpid(pid, 0)[1]
        break
    except InterruptedError:
        pass
code = os.waitstatus_to_exitcode(status)
sys.exit(128 - code if code < 0 else code)
"""


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
    told, tell = os.pipe()
    try:
        process = subprocess.Popen([sys.executable, "-I", "-S", "-c", _GUARD, str(tell), *command],
                                   stdin=subprocess.DEVNULL, stdout=pipe, stderr=pipe, env=env, pass_fds=(tell,),
                                   start_new_session=True,
                                   preexec_fn=functools.partial(die_with_parent, os.getpid(), signal.SIGTERM))
    except BaseException:
        os.close(told)
        raise
    finally:
        os.close(tell)
    with process:  # closes the pipes
        try:
            with open(told, "rb") as f:
                failed = f.read()  # until the program starts, or cannot
            if failed:
                raise OSError(int(failed), os.strerror(int(failed)), command[0])
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
