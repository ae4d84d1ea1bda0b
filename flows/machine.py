"""The machine a run from the command line works on: its folders checked writable before
Prefect starts, and its errors said in one line (status 2) rather than as a traceback. No
Prefect here: `xxgk run` checks its folders before importing it (Prefect warns on import when
it cannot create PREFECT_HOME, and an unwritable one otherwise shows as its server never
answering, after its startup timeout: ten minutes)."""
from __future__ import annotations

import errno
import os
import sys
import tempfile
from pathlib import Path


class ServerDidNotStart(RuntimeError):
    pass


class Stopped(Exception):
    """What ends a run from the command line in one line, status 2 (the message is the line):
    an unwritable folder, another run holding the data folder, a full disk, Prefect's server not
    starting."""


def writable(what: str, folder: Path) -> None:
    """Create `folder` if need be and write a file into it, or stop saying `what`."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".xxgk-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise Stopped(f"{what} ({e.filename or folder}): {e.strerror or e}") from None


def one_line(e: BaseException, where: str | Path) -> str | None:
    """The line that says what ended a command when it is not ours to fix: another run holding
    the data folder, Prefect's server not starting, or an error of the machine (any OSError, and
    DuckDB's I/O errors: a full disk, a read-only or forbidden folder). pyarrow's and DuckDB's
    I/O errors carry neither errno nor file name: `where` (the data folder) stands for the file.
    None for anything else: a bug, whose traceback is the report."""
    from xxgk.transform.store import RunInProgress

    if isinstance(e, Stopped | RunInProgress | ServerDidNotStart):
        return str(e)
    if isinstance(e, UnicodeEncodeError) and "surrogates" in e.reason:  # a name given in GBK bytes, say
        return NOT_UTF8.format(name=e.object[e.start:e.end].encode("utf-8", "surrogateescape")
                               .decode("utf-8", "backslashreplace"))
    if not isinstance(e, OSError) and not _is_duckdb_error_of_the_machine(e):
        return None
    number = getattr(e, "errno", None)
    text = str(e)
    full = number in (errno.ENOSPC, errno.EDQUOT) or os.strerror(errno.ENOSPC) in text
    read_only = number == errno.EROFS or os.strerror(errno.EROFS) in text
    what = "disk full, cannot write" if full else "cannot write" if read_only else "cannot use"
    place = getattr(e, "filename", None) or getattr(e, "filename2", None) or where
    reason = getattr(e, "strerror", None) or (os.strerror(errno.ENOSPC) if full else os.strerror(errno.EROFS)
                                              if read_only else text.splitlines()[0] if text else type(e).__name__)
    return f"{what} ({place}): {reason}"


# Errors of the machine rather than of xxgk: full disk, read-only or forbidden folders.
ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM,
                                errno.EMFILE, errno.ENFILE})


def _is_duckdb_error_of_the_machine(e: BaseException) -> bool:
    """DuckDB's I/O errors, and its other errors caused by one (a commit that could not write
    its log: "TransactionContext Error: Failed to commit: Could not write file …: No space left
    on device"): they carry the cause in their message only."""
    duckdb = sys.modules.get("duckdb")
    return duckdb is not None and isinstance(e, duckdb.Error) and (
        isinstance(e, duckdb.IOException) or any(os.strerror(n) in str(e) for n in ENVIRONMENT_ERRNOS))


def is_environment_error(e: BaseException | None) -> bool:
    """A full disk, a read-only or forbidden folder... (pyarrow's and DuckDB's I/O errors have no
    errno: their message names the cause)."""
    if e is not None and _is_duckdb_error_of_the_machine(e):
        return True
    if not isinstance(e, OSError):
        return False
    return e.errno in ENVIRONMENT_ERRNOS or (e.errno is None and any(
        os.strerror(n) in str(e) for n in ENVIRONMENT_ERRNOS))


NOT_UTF8 = ("a file or folder name given is not UTF-8 (it has the bytes {name}: GBK, say): Prefect records "
            "what a run was given as text; rename it, or give a link to it with a UTF-8 name")


def utf8_name(what: str, path: str | Path) -> None:
    """Stop when `path`'s name is not UTF-8 (Python keeps such bytes as surrogates, which no
    text record of the run can hold)."""
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        raise Stopped(f"{what} {shown}: the name is not UTF-8 (GBK, say): Prefect records what a run was given as "
                      "text; rename it, or give a link to it with a UTF-8 name") from None


def interrupted(data: str | Path) -> str:
    return (f"interrupted: nothing half-written is kept and {Path(data) / 'processed' / 'current'} is a whole "
            "release; the next run does the rest")


def check_folders(data: str | Path) -> None:
    """The data folder and PREFECT_HOME exist or can be made, and can be written."""
    writable("cannot write to the data folder", Path(data))
    writable("cannot write to PREFECT_HOME", Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect"))
