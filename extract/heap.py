"""The garbage collector's pace, for a process that extracts document after document.

A report's objects (its cells, rows, reads and checks: a few thousand) live until the report is
done and then die by reference counting; the collector has nothing of theirs to find. At
CPython's default pace it still walked them about once a report (a young collection every 700
objects allocated and not yet freed), which counted 3.5% of the instructions of `xxgk extract
--jsonl` over the gold reports (`benchmarks/instructions.py`), and more of its time: each walk
reads every young object again, out of cache. A young collection every 10,000 such objects
does that walk about once every ten reports; cycles, which our code does not make, are still
collected.
"""
from __future__ import annotations

import gc

YOUNG = 10_000  # objects allocated and not freed before a young collection (CPython's default: 700)


def pace_for_batches() -> None:
    """Set the collector's pace for extracting many documents in this process."""
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG, older, oldest)
