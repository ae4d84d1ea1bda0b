"""OCR throughput and memory on one core: scanned reports, the way `xxgk extract` reads them.

    python benchmarks/formats_ocr.py [--core 0] [--repeat 1]

Reads every `*.scan.pdf` of tests/fixtures/formats (image-only PDFs at 150 dpi, 3–5 pages) and
the table image `hongze_2023_table.png` in a child process pinned to one core (taskset), each
`--repeat` times, and prints per file: pages, seconds, pages/s, and the CPU seconds spent in
Python (rendering, cleaning, rules) and in Tesseract; then the totals, and the peak resident
memory of the Python process and of the largest Tesseract run (measured by /usr/bin/time, run
in Tesseract's place through XXGK_TESSERACT).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout: the benchmark reads its test fixtures
FIXTURES = ROOT / "tests" / "fixtures" / "formats"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from xxgk.extract.formats import scan
from xxgk.extract.report import extract_document

def cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime

out = []
for path in sys.argv[2:]:
    data = Path(path).read_bytes()
    for _ in range(int(sys.argv[1])):
        py0, ts0, t0 = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
        doc = scan.read(data, path)
        report = extract_document(doc, path)
        out.append({"file": Path(path).name, "seconds": time.perf_counter() - t0,
                    "python_cpu": cpu(resource.RUSAGE_SELF) - py0,
                    "tesseract_cpu": cpu(resource.RUSAGE_CHILDREN) - ts0,
                    "pages": max((int(a.where.split()[1]) for a in doc.anchors if a.where.startswith("page ")),
                                 default=1),
                    "status": str(report.status)})
print(json.dumps({"runs": out, "python_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--core", type=int, default=0)
    p.add_argument("--repeat", type=int, default=1)
    a = p.parse_args()
    files = sorted(FIXTURES.glob("*.scan.pdf")) + [FIXTURES / "hongze_2023_table.png"]
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-ocr-") as tmp:
        log = Path(tmp) / "tesseract-kb.txt"
        timer, program = shutil.which("time") or "/usr/bin/time", shutil.which("tesseract")
        if Path(timer).exists() and program:
            wrapper = Path(tmp) / "tesseract"
            wrapper.write_text(f'#!/bin/sh\nexec {timer} -f %M -a -o {log} {program} "$@"\n')
            wrapper.chmod(0o755)
            env["XXGK_TESSERACT"] = str(wrapper)
        cmd = ["taskset", "-c", str(a.core), sys.executable, "-c", CHILD, str(a.repeat), *map(str, files)]
        result = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout)
        tesseract_kb = [int(v) for v in log.read_text().split()] if log.exists() else []
    print(f"{'file':34s} {'pages':>5s} {'s':>6s} {'pages/s':>7s} {'python s':>8s} {'tesseract s':>11s}  status")
    for r in result["runs"]:
        print(f"{r['file']:34s} {r['pages']:5d} {r['seconds']:6.2f} {r['pages'] / r['seconds']:7.3f} "
              f"{r['python_cpu']:8.2f} {r['tesseract_cpu']:11.2f}  {r['status']}")
    pdfs = [r for r in result["runs"] if r["file"].endswith(".pdf")]
    pages = sum(r["pages"] for r in pdfs)
    seconds = sum(r["seconds"] for r in pdfs)
    print(f"\nscanned PDFs: {pages} pages in {seconds:.1f} s on core {a.core}: {pages / seconds:.3f} pages/s "
          f"({seconds / pages:.2f} s a page; Python {sum(r['python_cpu'] for r in pdfs) / pages:.2f} s, "
          f"Tesseract {sum(r['tesseract_cpu'] for r in pdfs) / pages:.2f} s CPU a page)")
    tess = f"{max(tesseract_kb) / 1024:.0f} MB" if tesseract_kb else "not measured (no /usr/bin/time)"
    print(f"peak memory: Python {result['python_peak_mb']:.0f} MB, the largest Tesseract run {tess}")


if __name__ == "__main__":
    main()
