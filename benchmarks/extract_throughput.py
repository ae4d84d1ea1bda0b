"""Extraction throughput on one core: the dev corpus repeated to N reports.

    python benchmarks/extract_throughput.py [--reports 5000] [--corpus DIR]

Writes N report files (the corpus's reports, cycled) to a temporary folder, then times, in
this one process (one core):
  1. read + decode only (the floor: what any reader must pay), and
  2. the full extraction (`xxgk.extract.report.extract_file`) of the same files.
Prints reports/s and MB/s for both, and peak memory. Label matches are cached per process,
as in real runs, where thousands of reports share the official labels.
"""
from __future__ import annotations

import argparse
import itertools
import resource
import tempfile
import time
from pathlib import Path

from xxgk.extract.decode import decode_text
from xxgk.extract.report import extract_file

ROOT = Path(__file__).resolve().parents[1]  # the checkout: the benchmark reads its test corpus
DEFAULT_CORPUS = ROOT / "tests" / "fixtures" / "corpus" / "dev"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--reports", type=int, default=5000)
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    a = p.parse_args()
    sources = sorted(f for f in a.corpus.iterdir() if f.suffix in (".txt", ".md", ".html"))
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, src in zip(range(a.reports), itertools.cycle(sources)):
            dst = Path(tmp) / f"{i:06d}_{src.name}"
            dst.write_bytes(src.read_bytes())
            files.append(dst)
        total_mb = sum(f.stat().st_size for f in files) / 1e6

        extract_file(files[0])  # load jieba's dictionary once, outside the timing

        t0 = time.perf_counter()
        for f in files:
            decode_text(f.read_bytes())
        t_decode = time.perf_counter() - t0

        t0 = time.perf_counter()
        statuses: dict[str, int] = {}
        for f in files:
            r = extract_file(f)
            statuses[r.status] = statuses.get(r.status, 0) + 1
        t_extract = time.perf_counter() - t0

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(files)
    print(f"corpus: {len(sources)} reports from {a.corpus.name}/, repeated to {n} files, {total_mb:.1f} MB")
    print(f"read+decode : {t_decode:7.2f} s  {n / t_decode:9.0f} reports/s  {total_mb / t_decode:7.1f} MB/s")
    print(f"extract     : {t_extract:7.2f} s  {n / t_extract:9.0f} reports/s  {total_mb / t_extract:7.1f} MB/s")
    print(f"statuses    : {statuses}")
    print(f"peak memory : {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
