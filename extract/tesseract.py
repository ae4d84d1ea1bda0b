"""Tesseract, the OCR program: found, checked for its language data, and run over many images
at once.

Tesseract runs as a program (a wrapper such as pytesseract does the same, one image per run). Loading a
language's model costs more than reading a table cell, so `ocr` reads a whole list of images
in one run, as the pages of a multi-page TIFF. A run is killed if the extraction is
interrupted (its time limit), so no tesseract outlives the document it was reading
(`programs.run`).

`XXGK_TESSERACT` names the program when it is not on the PATH.
"""
from __future__ import annotations

import csv
import io
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from xxgk.extract import programs
from xxgk.extract.decode import Unreadable

INSTALL = ("install tesseract-ocr and tesseract-ocr-chi-sim (Debian, Ubuntu; elsewhere Tesseract 4 or "
           "later with its chi_sim data), or set XXGK_TESSERACT to the tesseract program")


def program(languages: Iterable[str]) -> str:
    """The Tesseract program to run, checked to have these languages' data; `Unreadable` naming
    the packages to install when it or its data is missing."""
    command = os.environ.get("XXGK_TESSERACT") or "tesseract"
    missing = [lang for lang in languages if lang not in _languages(command)]
    if missing:
        raise Unreadable(f"a scan needs OCR, and Tesseract ({command}) has no {' or '.join(missing)} data: {INSTALL}")
    return command


@cache
def _languages(command: str) -> frozenset[str]:
    try:
        out = programs.run([command, "--list-langs"], 60, capture=True).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        raise Unreadable(f"a scan needs OCR, and the tesseract program ({command}) is not installed: "
                         f"{INSTALL}") from None
    # the first line is a heading: "List of available languages in "…" (3):"
    return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())


@dataclass(frozen=True, slots=True)
class Read:
    """One word Tesseract read, with its box in pixels and its confidence (0–100)."""
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float


def ocr(images: list, command: str, lang: str, psm: int, timeout: float, extra: tuple[str, ...] = ()
        ) -> list[list[Read]]:
    """The words of each greyscale Pillow image (in its pixels), read in one run over all of
    them. `psm` is Tesseract's page segmentation mode; `extra` more options (`-c name=value`)."""
    if not images:
        return []
    with programs.folder("xxgk-ocr-") as folder:
        path = str(folder / "pages.tif")
        images[0].save(path, save_all=True, append_images=images[1:], compression="packbits")
        cmd = [command, path, "stdout", "-l", lang, "--psm", str(psm), *extra, "tsv"]
        # one thread: the pipeline runs one extraction per core, where OpenMP threads only contend
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            done = programs.run(cmd, timeout, capture=True, env=env)
        except OSError as e:
            raise Unreadable(f"a scan needs OCR, and tesseract ({command}) could not run: {e}; {INSTALL}") from None
        except subprocess.TimeoutExpired:
            raise Unreadable(f"OCR took longer than {timeout:g} s") from None
    if done.returncode != 0:
        raise Unreadable(f"OCR failed: tesseract: {done.stderr.decode('utf-8', 'replace').strip()[-300:]}")
    reads: list[list[Read]] = [[] for _ in images]
    for row in csv.reader(io.StringIO(done.stdout.decode("utf-8", "replace")), delimiter="\t", quoting=csv.QUOTE_NONE):
        # level 5 is a word: level, page, block, paragraph, line, word, left, top, width, height, conf, text
        if len(row) < 12 or row[0] != "5" or not row[11].strip():
            continue
        page = int(row[1]) - 1
        left, top, width, height = (int(v) for v in row[6:10])
        if 0 <= page < len(reads):
            reads[page].append(Read(row[11].strip(), left, top, left + width, top + height, float(row[10])))
    return reads


def orientation(image, command: str, dpi: int, timeout: float) -> tuple[int, float] | None:
    """Degrees the greyscale Pillow image (at `dpi`) must be turned clockwise to stand upright,
    as Tesseract's orientation and script detection (OSD) judges it (0, 90, 180 or 270), and how
    sure it is (its orientation confidence). None when it cannot tell (no `osd` data, too little
    text, a failed run)."""
    if "osd" not in _languages(command):
        return None
    with programs.folder("xxgk-osd-") as folder:
        path = str(folder / "page.png")
        image.save(path)
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            done = programs.run([command, path, "stdout", "--psm", "0", "--dpi", str(dpi)], timeout,
                                capture=True, env=env)
        except (OSError, subprocess.TimeoutExpired):
            return None
    said = dict(line.partition(":")[::2] for line in done.stdout.decode("utf-8", "replace").splitlines())
    degrees, sure = said.get("Rotate", "").strip(), said.get("Orientation confidence", "").strip()
    try:
        return (int(degrees), float(sure)) if degrees in ("0", "90", "180", "270") else None
    except ValueError:
        return None
