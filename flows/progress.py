"""How far a run's steps have got, for whoever shows it: the command line's progress bars.

The flows say when a step begins, how far it is and how it ended; a `Reporter` (the command
line installs one with `showing`) shows it. With none (a deployment, `python -m xxgk.flows.…`)
nothing is shown and nothing is counted: the flows' own record is their Prefect logs.

Work done in other processes is counted through files: an extraction worker appends a byte to
a tick file per document (`Ticks`), and what the crawler and the folder ingest store shows as
lines appended to the raw store's manifest (`manifest_lines`); a thread of the step reads them
a few times a second while a reporter is watching.
"""
from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

POLL_SECONDS = 0.2


class Reporter(Protocol):
    def begin(self, step: str, total: int | None) -> None: ...
    def update(self, step: str, done: int, total: int | None = None) -> None: ...
    def end(self, step: str, note: str) -> None: ...


_reporter: Reporter | None = None  # this process's, set by `showing`


@contextmanager
def showing(reporter: Reporter) -> Iterator[Reporter]:
    """Report this process's steps to `reporter` for the duration of the block."""
    global _reporter
    before, _reporter = _reporter, reporter
    try:
        yield reporter
    finally:
        _reporter = before


def watched() -> bool:
    return _reporter is not None


class Step:
    """One step of a run (`with step("extract", total) as s: … s.done(note)`): begins when
    entered, and ends with the note given to `done` (a step left by an exception ends with
    none: the exception says it)."""

    def __init__(self, name: str, total: int | None = None):
        self.name, self.total = name, total
        self._note: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._count: Callable[[], int] | None = None

    def __enter__(self) -> Step:
        if _reporter is not None:
            _reporter.begin(self.name, self.total)
        return self

    def update(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = total
        if _reporter is not None:
            _reporter.update(self.name, done, self.total)

    def follow(self, count: Callable[[], int]) -> None:
        """Update the step from `count()` a few times a second until it ends (only while
        someone is watching: otherwise nothing is counted)."""
        if _reporter is None or self._thread is not None:
            return
        self._count = count

        def poll():
            while not self._stop.wait(POLL_SECONDS):
                try:
                    self.update(count())
                except OSError:
                    continue

        self._thread = threading.Thread(target=poll, name=f"xxgk-progress-{self.name}", daemon=True)
        self._thread.start()

    def done(self, note: str) -> None:
        self._note = note

    def __exit__(self, exc_type, exc, tb) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if _reporter is not None and exc_type is None:
            if self._count is not None:
                with contextlib.suppress(OSError):
                    self.update(self._count())  # the last count, not the last one polled
            _reporter.end(self.name, self._note or "")


def step(name: str, total: int | None = None) -> Step:
    return Step(name, total)


class Ticks:
    """A count shared by processes: a file that grows by a byte per unit done (an append is a
    single write, so workers do not interleave), read by its size. Named `.tmp-batch-…` in the
    parser's work folder, so a killed run's is removed with its other temporary files."""

    def __init__(self, path: Path):
        self.path = path

    @contextmanager
    def counter(self) -> Iterator[Callable[[], None]]:
        """A function that counts one unit done, for the duration of the block."""
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

        def tick() -> None:
            os.write(fd, b".")

        try:
            yield tick
        finally:
            os.close(fd)

    def count(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def manifest_lines(manifest: Path) -> Callable[[], int]:
    """How many lines have been appended to the raw store's manifest since this call: the
    entries the crawler or the folder ingest has recorded so far."""
    seen = {"offset": manifest.stat().st_size if manifest.exists() else 0, "lines": 0}

    def count() -> int:
        try:
            with open(manifest, "rb") as f:
                f.seek(seen["offset"])
                more = f.read()
        except FileNotFoundError:
            return seen["lines"]
        seen["offset"] += len(more)
        seen["lines"] += more.count(b"\n")
        return seen["lines"]

    return count
