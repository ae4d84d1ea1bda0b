"""Extraction throughput on one core, the way a user runs it: `xxgk extract --jsonl DIR`.

    python benchmarks/extract_throughput.py [--reports 5000] [--core 0] [--repeat 1]

Writes N report files cycled from the text, markdown and HTML gold reports of
tests/fixtures/corpus/{dev,real} to a temporary folder, then, pinned to one core (taskset):
  1. the floor: a Python process that reads every file, decodes it and finds every number
     with one regular expression (what any Python parser of these files pays at least);
  2. `xxgk extract --jsonl DIR > /dev/null`, start-up included;
  3. start-up alone: `xxgk extract --jsonl` on one small report.
Prints reports/s for each, the ratio of 2 to 1, and peak memory of 2. With --repeat N, 1 and 2
run N times in turn and the fastest of each counts: on a machine shared with other work, the
ratio of the two is the figure to trust.
"""
from __future__ import annotations

import argparse
import itertools
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout: the benchmark reads its test corpus
CORPUS = [ROOT / "tests" / "fixtures" / "corpus" / d for d in ("dev", "real")]
XXGK = Path(sys.executable).with_name("xxgk")

FLOOR = r"""
import pathlib, re, sys
number = re.compile(r"\d[\d,]*(?:\.\d+)?")
n = 0
for f in sorted(pathlib.Path(sys.argv[1]).iterdir()):
    data = f.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    n += len(number.findall(text))
print(n)
"""


def timed(cmd: list[str], core: int) -> tuple[float, int]:
    """Wall time of a command pinned to one core, and its peak resident memory in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(["taskset", "-c", str(core), *cmd], check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) // 1024


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--reports", type=int, default=5000)
    p.add_argument("--core", type=int, default=0)
    p.add_argument("--repeat", type=int, default=1, help="run floor and extraction this many times, keep the best")
    a = p.parse_args()
    sources = sorted(f for d in CORPUS for f in d.iterdir() if f.suffix in (".txt", ".md", ".html"))
    tmp = Path(tempfile.mkdtemp(prefix="xxgk-bench-"))
    try:
        folder = tmp / "reports"
        folder.mkdir()
        for i, src in zip(range(a.reports), itertools.cycle(sources), strict=False):
            (folder / f"{i:06d}_{src.name}").write_bytes(src.read_bytes())
        mb = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
        n = a.reports
        t_floor = t_extract = float("inf")
        for _ in range(max(1, a.repeat)):
            t_floor = min(t_floor, timed([sys.executable, "-c", FLOOR, str(folder)], a.core)[0])
            t, peak = timed([str(XXGK), "extract", "--jsonl", str(folder)], a.core)
            t_extract = min(t_extract, t)
        t_start, _ = timed([str(XXGK), "extract", "--jsonl", str(sources[0])], a.core)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"corpus      : {len(sources)} gold reports (text, markdown, HTML), cycled to {n} files, {mb:.1f} MB")
    print(f"floor       : {t_floor:7.2f} s  {n / t_floor:8.0f} reports/s  (read, decode, find every number)")
    print(f"xxgk extract: {t_extract:7.2f} s  {n / t_extract:8.0f} reports/s  "
          f"= {t_floor / t_extract:.3f} x the floor   (--jsonl, one core, start-up included)")
    print(f"start-up    : {t_start:7.2f} s  (xxgk extract --jsonl on one report)")
    print(f"peak memory : {peak} MB (xxgk extract)")


if __name__ == "__main__":
    main()
