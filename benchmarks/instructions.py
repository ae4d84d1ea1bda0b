"""Instructions per report, counted by valgrind: the figure to compare code by on a busy machine,
where wall times swing by half (two runs of the same code agree within about 1%).

    python benchmarks/instructions.py [--kind all|read|extract] [--passes 3]

Runs a loop over the twelve text, markdown and HTML gold reports of tests/fixtures/corpus under
`valgrind --tool=callgrind`, once with one pass and once with `--passes` more, and prints the
difference per report (start-up, imports, the first pass and the reports' reading from disk
subtracted: a reader's layout is imported when a file first needs it, and its caches filled):
  all      extract_bytes + as_json, what `xxgk extract --jsonl` does per file
  read     the format readers only (bytes → Document)
  extract  extract_document only (Document → Report), the documents read beforehand
To compare two checkouts, run it from each (the installed package's code is what is counted:
`PYTHONPATH=other/checkout` for another tree laid out as the installed package).
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = [ROOT / "tests" / "fixtures" / "corpus" / d for d in ("dev", "real")]

LOOP = r"""
import sys
from pathlib import Path
import orjson
from xxgk.extract import formats, heap
from xxgk.extract.report import extract_bytes, extract_document
heap.pace_for_batches()  # as `xxgk extract` does
kind, passes, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
data = [(Path(f).name, Path(f).read_bytes()) for f in files]
if kind == "extract":
    docs = [(n, formats.read_document(d, n)) for n, d in data]
for _ in range(passes):
    if kind == "extract":
        for n, doc in docs:
            extract_document(doc, n)
    elif kind == "read":
        for n, d in data:
            formats.read_document(d, n)
    else:
        for n, d in data:
            orjson.dumps(extract_bytes(d, n).as_json())
"""


def count(kind: str, passes: int, files: list[str]) -> int:
    run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          sys.executable, "-c", LOOP, kind, str(passes), *files],
                         capture_output=True, text=True, check=True)
    m = re.search(r"Collected : (\d+)", run.stderr)
    if m is None:
        raise SystemExit(f"valgrind said no count:\n{run.stderr[-2000:]}")
    return int(m.group(1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kind", choices=["all", "read", "extract"], default="all")
    p.add_argument("--passes", type=int, default=3)
    a = p.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    files = sorted(str(f) for d in CORPUS for f in d.iterdir() if f.suffix in (".txt", ".md", ".html"))
    per = (count(a.kind, a.passes + 1, files) - count(a.kind, 1, files)) / (a.passes * len(files))
    print(f"{a.kind}: {per / 1e6:.2f} M instructions per report ({len(files)} reports, {a.passes} passes)")


if __name__ == "__main__":
    main()
