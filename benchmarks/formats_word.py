"""Word reading speed and memory: .docx read directly, .doc converted by LibreOffice first.

    python benchmarks/formats_word.py [--repeat 20]

On the Word fixtures of tests/fixtures/formats (the gold reports saved by LibreOffice), each
measure in a fresh process, so its peak memory is its own:
  1. .docx: `formats.read_document` (python-docx + the row builder) alone, then the whole
     extraction (`extract_bytes`), each file `--repeat` times;
  2. .doc: the whole extraction once per file: LibreOffice's conversion (a fresh soffice with
     its own profile each time) and the .docx reading.
Pages are those of the same document's PDF rendition (NAME.pdf beside it). Prints documents/s,
pages/s and the peak resident memory of Python and of the LibreOffice processes.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout: the benchmark reads its fixtures
FIXTURES = ROOT / "tests" / "fixtures" / "formats"


def pages(path: Path) -> int:
    from pypdf import PdfReader

    pdf = path.with_suffix(".pdf")
    return len(PdfReader(pdf).pages) if pdf.exists() else 0


def measure(suffix: str, repeat: int) -> dict:
    """Runs in its own process: times and peak memory for every fixture with this suffix."""
    from xxgk.extract import formats
    from xxgk.extract.report import extract_bytes

    files = sorted(FIXTURES.glob(f"*{suffix}"))
    data = [(f.name, f.read_bytes()) for f in files]
    out = {"files": len(files), "pages": sum(pages(f) for f in files), "repeat": repeat}
    if suffix == ".docx":
        t0 = time.perf_counter()
        for _ in range(repeat):
            for name, content in data:
                formats.read_document(content, name)
        out["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(repeat):
        for name, content in data:
            assert extract_bytes(content, name).status != "failed", name
    out["extract"] = time.perf_counter() - t0
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    out["children_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return out


def run(suffix: str, repeat: int) -> dict:
    cmd = [sys.executable, __file__, "--measure", suffix, "--repeat", str(repeat)]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:8.1f}/s" if n else "       -"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--measure", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.measure:
        print(json.dumps(measure(a.measure, a.repeat)))
        return
    docx = run(".docx", a.repeat)
    doc = run(".doc", 1)
    n, pg = docx["files"] * docx["repeat"], docx["pages"] * docx["repeat"]
    print(f"docx read    : {docx['files']} files x {docx['repeat']}, {docx['pages']} pages each round")
    for what in ("read", "extract"):
        label = "read_document" if what == "read" else "extract_bytes"
        seconds = docx[what]
        print(f"  {label}  {seconds:7.2f} s  {rate(n, seconds)} documents  {rate(pg, seconds)} pages")
    print(f"  peak memory    {docx['peak_mb']} MB (Python)")
    print(f"doc converted: {doc['files']} files, {doc['pages']} pages, a fresh LibreOffice each")
    print(f"  extract_bytes  {doc['extract']:7.2f} s  {rate(doc['files'], doc['extract'])} documents  "
          f"{rate(doc['pages'], doc['extract'])} pages")
    print(f"  peak memory    {doc['peak_mb']} MB (Python), {doc['children_peak_mb']} MB (LibreOffice)")


if __name__ == "__main__":
    main()
