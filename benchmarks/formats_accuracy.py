"""Accuracy of every fixture of tests/fixtures/formats against its gold: per file the status and
the cells equal to gold; per format the totals and the reports `ok` with a wrong cell (silent
errors, which must be 0). A page's pictures beside it (`img_table.html` shows its table as a
PNG) are put into the page as the crawler stores it (`ingest.links.inline_pictures`).

    .venv/bin/python benchmarks/formats_accuracy.py        # ~2 minutes: .doc conversions, OCR
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from xxgk.extract.report import extract_bytes
from xxgk.ingest.links import inline_pictures

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "formats"
READ = (".docx", ".doc", ".wps", ".rtf", ".pdf", ".html", ".txt")


def gold_of(src: Path) -> Path:
    stem = src.name.removesuffix(".pdf") if src.name.endswith(".scan.pdf") else src.stem
    return src.with_name(f"{stem}.gold.json")


def _as_stored(src: Path) -> bytes:
    data = src.read_bytes()
    if src.suffix != ".html":
        return data
    site = "http://fixtures.invalid/"  # the folder as a site: the page's links resolve against it
    pictures = {site + p.name: ("image/png", p.read_bytes()) for p in src.parent.glob("*.png")}
    return inline_pictures(data, None, site + src.name, pictures)[0]


def main():
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # files, right, cells, silent
    for src in sorted(FIXTURES.iterdir()):
        if src.suffix not in READ or not gold_of(src).exists():
            continue
        gold = json.loads(gold_of(src).read_text(encoding="utf-8"))["cells"]
        r = extract_bytes(_as_stored(src), str(src))
        right = sum(1 for k, v in gold.items() if k in r.cells and r.cells[k].value == v)
        wrong = sum(1 for k, v in gold.items() if r.cells.get(k) and r.cells[k].value not in (None, v))
        print(f"{src.name:48} {r.status:8} {right:4}/{len(gold)}  wrong and not null: {wrong}")
        t = totals["scan" if src.name.endswith(".scan.pdf") else src.suffix]
        t[0] += 1
        t[1] += right
        t[2] += len(gold)
        t[3] += r.status == "ok" and wrong > 0
    for kind, (files, right, cells, silent) in totals.items():
        print(f"{kind:6} {files:3} files  {right}/{cells} cells equal to gold  silent-error reports {silent}")


if __name__ == "__main__":
    main()
