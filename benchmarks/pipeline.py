"""The whole pipeline on N documents: ingest → extract (process pool) → publish.

    python benchmarks/pipeline.py [--documents 10000] [--runner process]

The dev corpus is replicated to N distinct documents (each copy numbered, so content
addressing keeps them apart), then `xxgk.flows.run.run_flow` runs twice on it, in a fresh data
folder, with Prefect's embedded server: a full run, then an incremental run with nothing new.
Prints wall time, documents per second, peak memory (this process and its workers).
"""
from __future__ import annotations

import argparse
import itertools
import resource
import tempfile
import time
from pathlib import Path

from xxgk.flows.run import run_flow

ROOT = Path(__file__).resolve().parents[1]  # the checkout: the benchmark reads its test corpus


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--documents", type=int, default=10_000)
    p.add_argument("--runner", default="process")
    a = p.parse_args()
    corpus = sorted((ROOT / "tests" / "fixtures" / "corpus" / "dev").glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "in"
        inbox.mkdir()
        for i, src in zip(range(a.documents), itertools.cycle(corpus)):
            text = src.read_text(encoding="utf-8")
            (inbox / f"{i:06d}_{src.name}").write_text(f"{text}\n（副本 {i}）\n", encoding="utf-8")
        mb = sum(f.stat().st_size for f in inbox.iterdir()) / 1e6
        data = Path(tmp) / "data"

        t0 = time.perf_counter()
        first = run_flow(str(inbox), None, str(data), runner=a.runner)
        t_full = time.perf_counter() - t0
        t0 = time.perf_counter()
        second = run_flow(str(inbox), None, str(data), runner=a.runner)
        t_again = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in (data / "processed" / "current").resolve().iterdir()) / 1e6

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    n = a.documents
    print(f"documents     : {n} ({mb:.1f} MB), runner {a.runner}")
    print(f"full run      : {t_full:7.1f} s  {n / t_full:7.0f} documents/s  -> {first['extract']}")
    print(f"incremental   : {t_again:7.1f} s  (nothing new: {second['extract']})")
    print(f"release size  : {size:.1f} MB parquet")
    print(f"peak memory   : {own:.0f} MB this process, {workers:.0f} MB largest worker")


if __name__ == "__main__":
    main()
