"""The programs some readers run (LibreOffice for Word's binary formats, Tesseract for scans):
found, given a private folder, and run so that none outlives the document it was reading.

A run starts a session of its own and, however the wait for it ends (the program's end, its
timeout, the extraction's time limit raised into the wait), every process of that session still
running is killed: soffice forks soffice.bin, which a plain kill would leave behind.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


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
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=pipe, stderr=pipe, env=env,
                               start_new_session=True)
    with process:  # closes the pipes
        try:
            out, err = process.communicate(timeout=timeout)
        finally:
            with contextlib.suppress(ProcessLookupError):  # all of it has exited
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return subprocess.CompletedProcess(command, process.returncode, out or b"", err or b"")
