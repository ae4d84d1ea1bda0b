"""PDF reading speed and memory: pages per second and peak resident memory for PDFs with a
text layer, each measurement in a fresh process.

    python benchmarks/formats_pdf.py [--rounds 5] [--compare]

Reads, `--rounds` times over:
  - real: the two real PDFs, tests/fixtures/corpus/pdf (10 pages);
  - rendered: the LibreOffice PDFs of tests/fixtures/formats and tests/fixtures/pdf_cases (not
    those read by OCR in part);
and prints, for each set, three stages of `xxgk extract` on one core:
  1. layer: the PDF's words and ruling lines (`formats.pdf.read_layer`, PDFium);
  2. read: + rows by position (`formats.pdf.read`: the Document);
  3. extract: + the table readers and checks (`extract_bytes`: the Report).
With `--compare`, the same words and lines taken with pdfplumber (pdfminer.six: words after
`dedupe_chars`, plus `lines`, `rects` and `curves`), the alternative measured against PDFium.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout: the benchmark reads its test fixtures
# the fixtures read by OCR, whole or in part (their speed is `formats_ocr.py`'s to measure)
OCR_READ = (".scan.pdf", ".mixed.pdf", "img_table_pdf.pdf")
SETS = {
    "real": sorted((ROOT / "tests" / "fixtures" / "corpus" / "pdf").glob("*.pdf")),
    "rendered": sorted(p for d in ("formats", "pdf_cases") for p in (ROOT / "tests" / "fixtures" / d).glob("*.pdf")
                       if not p.name.endswith(OCR_READ)),
}

# Runs in a fresh process: reads every file `rounds` times, prints pages, seconds, peak MB.
STAGE = r"""
import json, resource, sys, time
import pypdfium2
stage, rounds, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
datas = [open(f, "rb").read() for f in files]
pages = sum(len(pypdfium2.PdfDocument(d)) for d in datas)

if stage == "pdfplumber":
    import io, pdfplumber
    def run(data):
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for p in pdf.pages:
                p.dedupe_chars().extract_words()
                p.lines, p.rects, p.curves
                p.close()
else:
    from xxgk.extract.formats import pdf
    from xxgk.extract.report import extract_bytes
    run = {"layer": pdf.read_layer, "read": lambda d: pdf.read(d, "x.pdf"),
           "extract": lambda d: extract_bytes(d, "x.pdf")}[stage]

for d in datas:
    run(d)  # warm-up: imports, caches
t0 = time.perf_counter()
for _ in range(rounds):
    for d in datas:
        run(d)
elapsed = time.perf_counter() - t0
print(json.dumps({"pages": pages * rounds, "seconds": elapsed,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(stage: str, files: list[Path], rounds: int, core: int) -> dict:
    cmd = [sys.executable, "-c", STAGE, stage, str(rounds), *map(str, files)]
    if core >= 0:
        cmd = ["taskset", "-c", str(core), *cmd]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--core", type=int, default=0, help="pin to this core (-1: do not pin)")
    p.add_argument("--compare", action="store_true", help="also pdfplumber's words and lines")
    a = p.parse_args()
    stages = ["layer", "read", "extract"] + (["pdfplumber"] if a.compare else [])
    print(f"{'set':<10}{'stage':<12}{'pages':>7}{'ms/page':>10}{'pages/s':>10}{'peak MB':>10}")
    for name, files in SETS.items():
        if not files:
            print(f"{name:<10}(no files)")
            continue
        for stage in stages:
            m = measure(stage, files, a.rounds, a.core)
            per_page = 1000 * m["seconds"] / m["pages"]
            print(f"{name:<10}{stage:<12}{m['pages']:>7}{per_page:>10.1f}{1000 / per_page:>10.0f}{m['peak_mb']:>10.0f}")


if __name__ == "__main__":
    main()
