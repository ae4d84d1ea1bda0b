"""The whole pipeline on N documents: ingest → extract (process pool) → publish.

    python benchmarks/pipeline.py [--documents 10000] [--runner process]
    python benchmarks/pipeline.py --documents 1000,10000,30000     (memory against size)

The dev corpus is replicated to N distinct documents (each copy numbered, so content
addressing keeps them apart), then `xxgk.flows.run.run_flow` runs twice on it, in a fresh data
folder, as `xxgk run` runs it (`processes.run_here`: the run's own embedded Prefect server, and
no flow-run heartbeats, which nobody listens to there and which cost each flow run up to a
second at its end): a full run, then an incremental run with nothing new.
Prints wall time, documents per second, peak memory (this process and its largest child: an
extraction worker or Prefect's server). Several sizes run each in a fresh process (a process's
peak memory is for its whole life), then a line per size: peak memory flat in N is the point.
"""
from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout: the benchmark reads its test corpus


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--documents", default="10000", help="N, or several, comma-separated")
    p.add_argument("--runner", default="process")
    p.add_argument("--json", action="store_true", help="one line of JSON (what several sizes read)")
    a = p.parse_args()
    sizes = [int(n) for n in a.documents.split(",")]
    if len(sizes) > 1:
        compare(sizes, a.runner)
        return
    result = bench(sizes[0], a.runner)
    if a.json:
        print(json.dumps(result))
        return
    n = result["documents"]
    print(f"documents     : {n} ({result['mb']:.1f} MB), runner {a.runner}")
    print(f"full run      : {result['full_s']:7.1f} s  {n / result['full_s']:7.0f} documents/s  -> {result['first']}")
    print(f"incremental   : {result['again_s']:7.1f} s  (nothing new: {result['second']})")
    print(f"release size  : {result['release_mb']:.1f} MB parquet")
    print(f"peak memory   : {result['own_mb']:.0f} MB this process, {result['child_mb']:.0f} MB largest child")


def bench(n: int, runner: str) -> dict:
    from xxgk.flows.processes import run_here  # here: a parent of several sizes needs none of it
    from xxgk.flows.run import run_flow

    corpus = sorted((ROOT / "tests" / "fixtures" / "corpus" / "dev").glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "in"
        inbox.mkdir()
        for i, src in zip(range(n), itertools.cycle(corpus)):
            text = src.read_text(encoding="utf-8")
            (inbox / f"{i:06d}_{src.name}").write_text(f"{text}\n（副本 {i}）\n", encoding="utf-8")
        mb = sum(f.stat().st_size for f in inbox.iterdir()) / 1e6
        data = Path(tmp) / "data"

        t0 = time.perf_counter()
        first = run_here(data, lambda: run_flow(str(inbox), None, str(data), runner=runner))
        t_full = time.perf_counter() - t0
        t0 = time.perf_counter()
        second = run_here(data, lambda: run_flow(str(inbox), None, str(data), runner=runner))
        t_again = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in (data / "processed" / "current").resolve().iterdir()) / 1e6

    return {"documents": n, "mb": mb, "full_s": t_full, "again_s": t_again, "first": first["extract"],
            "second": second["extract"], "release_mb": size,
            "own_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "child_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def compare(sizes: list[int], runner: str) -> None:
    print(f"{'documents':>10} {'full s':>8} {'docs/s':>7} {'again s':>8} {'peak MB':>8} {'child MB':>9}")
    for n in sizes:
        out = subprocess.run([sys.executable, __file__, "--documents", str(n), "--runner", runner, "--json"],
                             check=True, stdout=subprocess.PIPE, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(f"{n:>10} {r['full_s']:8.1f} {n / r['full_s']:7.0f} {r['again_s']:8.1f} {r['own_mb']:8.0f} "
              f"{r['child_mb']:9.0f}", flush=True)


if __name__ == "__main__":
    main()
