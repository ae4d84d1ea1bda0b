"""Write tests/fixtures/formats/: gold reports in the file formats agencies publish them in
(Word .docx/.doc, Kingsoft .wps, .rtf, PDF, image-only scans, a table as an image, Word-pasted
HTML with hidden grid columns), each beside a copy of its gold record.

    .venv/bin/python tests/render_formats.py          # rewrites tests/fixtures/formats/

Needs LibreOffice (`soffice`), poppler (`pdftoppm`), pdfplumber, python-docx and Pillow/numpy.
The random choices (rotation angles, noise, specks) use a fixed seed, and the dates LibreOffice
stamps into .docx and .pdf files are set to a fixed one, so a rerun with the same tools writes
the same bytes. Every conversion is checked on the way and the run stops if one goes wrong:
each .docx (and the .doc, .rtf and .wps read back through LibreOffice) must hold the three
tables cell for cell, spans included, as `w:gridSpan`/`w:vMerge` (`check_word_tables`), and
each rendered PDF's text layer must print every table row's values on one line
(`check_pdf_text`). The real page 015 is not held to that: what its conversion keeps and loses
is printed and written into its gold notes.

What is written (NAME is a gold stem of tests/fixtures/corpus/{dev,real} without its
`_pdftext`/`_ocrmd`/`_pdf2md`/`_crawlhtml` suffix: the suffix named the source's layout, which
these files do not have):

1. Word and PDF, for each of the 12 gold reports of corpus/dev and corpus/real:
   the report rendered by `render_layouts.render(gold, "html_rowspan")`, cut to the document
   (title, prose and the three tables with their rowspan/colspan; the site's navigation,
   header and footer dropped, a signature and date added as a Word report ends), opened by
   LibreOffice headless as a Writer document and saved as `NAME.docx` (the tables' spans become
   Word's `w:gridSpan` and `w:vMerge`), then that .docx saved as `NAME.doc` (Word 97) and exported
   as `NAME.pdf` (a text layer, ruled tables). One report also as `NAME.rtf`, one as `NAME.wps`
   (the .doc bytes under a .wps name: see `WPS`). `NAME.gold.json` is the report's gold with
   `file` naming the .docx and `files` every rendition; cells, template and year are unchanged.
2. `015_page.docx` and `015_page.pdf`: the real crawled page
   corpus/real/015_suqian_shuyang_fagaiju_2023_crawlhtml.html converted as it is by LibreOffice
   (site chrome, the index table and all); `015_page.gold.json` is its gold.
3. Scans: `NAME.scan.pdf`, image-only (no text layer), for corpus/pdf/hongze_2023.pdf,
   hongze_2024.pdf and the rendered seed_000.pdf (2019 template) and 003_huaian_shi_2024.pdf
   (2021 template): each page rasterised at 150 dpi in grayscale by pdftoppm, rotated by
   0.3–0.8° (alternating sign, a different angle per page), given gaussian noise and a few dark
   specks, and saved JPEG-compressed as one image per page (`NAME.scan.gold.json` beside).
   `hongze_2023_table.png`: section 三's table of hongze_2023.pdf as one image, clean (no
   rotation or noise), 150 dpi grayscale: the table runs from page 3 onto page 4, so the two
   parts (cropped to pdfplumber's table boxes) are stacked. `img_table.html`: the report as a
   web page that publishes that table as `<img src="hongze_2023_table.png">`: its prose (the
   PDF's text layer, corpus/real/001_huaian_hongze_qu_2023_pdftext.txt, lines joined into
   paragraphs) as text, sections 二 and 四 as HTML tables of the gold values
   (`render_layouts`), section 三 only in the image. Gold: `img_table.gold.json`.
4. `003_huaian_shi_2024.mixed.pdf`: page 1 of the rendered PDF (a text layer) and pages 2–3 of
   its scan, as one file: a report typed on its first page and scanned on the others.
5. `img_table_pdf.pdf`: `img_table.html` printed to PDF by LibreOffice, the picture sized to share
   its page with section 四's typed table: a typed PDF with a table pasted as a picture on a
   page with text. Gold: `img_table_pdf.gold.json` (img_table's).
6. `001_huaian_hongze_qu_2023.picture.docx`: the .docx of 1. with table 三 replaced by
   `hongze_2023_table.png` (the same report's table), 15 cm wide in a paragraph of its own.
7. Word-pasted pages made from the real page 015 (its own markup, labels and values), with
   Word's hidden grid columns put in: `015_phantom.html` has an empty
   `<td width=0 style='border:none'>` after the last column in some rows of all three tables,
   the header cells and some last values covering that position with a larger colspan;
   `015_phantom_inner.html` has the hidden column inside the tables instead: between the labels
   and the values (a label cell spans it in some rows, an empty cell fills it in the others),
   and in table 四 between 行政复议 and 行政诉讼. Both end each table with Word's
   `<![if !supportMisalignedColumns]>` row of empty width cells. Gold: `015_phantom*.gold.json`.
   (The rendered layout of the same kind is `render_layouts`' html_word_phantom.)
8. `NAME.layout.txt`: each PDF of 1. and 2. exported to text by `pdftotext -layout` (poppler),
   which keeps each word at its column and ends each page with a form feed; in 015's table 三
   the blank cells are only spaces. Gold: `NAME.layout.gold.json` (the PDF's).
"""
from __future__ import annotations

import datetime
import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import docx
import numpy as np
import pdfplumber
import pypdf
from docx.shared import Cm
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
import render_layouts as rl  # noqa: E402

TESTS = Path(__file__).parent
CORPUS = TESTS / "fixtures" / "corpus"
OUT = TESTS / "fixtures" / "formats"
PAGE_015 = CORPUS / "real" / "015_suqian_shuyang_fagaiju_2023_crawlhtml.html"
GOLDS = sorted([*(CORPUS / "dev").glob("*.gold.json"), *(CORPUS / "real").glob("*.gold.json")])

RTF = "013_shanghai_kewei_2024"
# Kingsoft WPS Writer (金山 WPS 文字) writes .wps documents as OLE2 compound files like Word 97's
# .doc (the same container and WordDocument stream), so a .doc saved under a .wps name stands for
# one. Evidence checked: LibreOffice's own type detection lists the extension `wps` under
# writer_MS_Word_97 ("Extensions: doc wps" in share/registry/writer.xcd, beside Microsoft Works'
# unrelated .wps) and opens this file as Word 97 by its bytes (the read-back in `word_formats`);
# file-format references (fileinfo.com, aconvert.com) describe Kingsoft Writer's .wps as similar
# to a Word document and convertible to .doc. No Kingsoft specification was found to cite.
WPS = "012_suqian_shuyang_xian_2025"
SCANNED = ("seed_000", "003_huaian_shi_2024")   # rendered PDFs also published as scans

SEED = 20240120
DPI = 150
JPEG_QUALITY = 60
MAX_SCAN_BYTES = 1_500_000
PUBLISHED = datetime.datetime(2024, 1, 20, 9, 30, 0, tzinfo=datetime.UTC)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def stem(gold_path: Path) -> str:
    name = gold_path.name.removesuffix(".gold.json")
    return re.sub(r"_(pdftext|ocrmd|pdf2md|crawlhtml)$", "", name)


def write_gold(gold: dict, name: str, files: list[str], how: str) -> None:
    """The gold record beside its renditions: same cells, template and year."""
    out = {"file": files[0], **({"files": files} if len(files) > 1 else {}),
           **{k: v for k, v in gold.items() if k not in ("file", "files")}}
    out["notes"] = f"{how} (tests/render_formats.py; gold copied from {gold['file']}). " + gold.get("notes", "")
    (OUT / f"{name}.gold.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------
# LibreOffice


class Office:
    """soffice headless with a throwaway user profile (a running desktop LibreOffice and this
    one do not share a profile)."""

    def __init__(self, profile: Path):
        self.profile = profile

    def convert(self, sources: list[Path], target: str, outdir: Path, infilter: str | None = None) -> list[Path]:
        cmd = ["soffice", "--headless", "--norestore", f"-env:UserInstallation={self.profile.as_uri()}"]
        if infilter:
            cmd.append(f"--infilter={infilter}")
        cmd += ["--convert-to", target, "--outdir", str(outdir), *map(str, sources)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=900)
        ext = target.split(":")[0]
        outs = [outdir / f"{s.stem}.{ext}" for s in sources]
        missing = [o.name for o in outs if not o.exists()]
        if missing:
            raise RuntimeError(f"soffice wrote no {missing}")
        for out in outs:
            {"docx": stamp_docx, "pdf": stamp_pdf}.get(ext, lambda _: None)(out)
        return outs


def stamp_docx(path: Path) -> None:
    """The .docx with every zip entry and comment (LibreOffice keeps a page's stray <meta> tags as
    comments) dated PUBLISHED, so a rerun writes the same bytes."""
    stamp = PUBLISHED.strftime('w:date="%Y-%m-%dT%H:%M:%SZ"').encode()
    with zipfile.ZipFile(path) as z:
        entries = [(info, re.sub(rb'w:date="[0-9T:-]{19}Z"', lambda m: stamp, z.read(info)))
                   for info in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, PUBLISHED.timetuple()[:6])
            fixed.compress_type, fixed.external_attr = info.compress_type, info.external_attr
            z.writestr(fixed, data)


def stamp_pdf(path: Path) -> None:
    """The PDF's creation date set to PUBLISHED, its /ID and LibreOffice's /DocChecksum to a hash of its name, in place
    (same lengths: the cross-reference offsets stay right)."""
    data = path.read_bytes()
    date = PUBLISHED.strftime("D:%Y%m%d%H%M%S").encode()
    data = re.sub(rb"D:\d{14}", lambda m: date, data)
    ident = hashlib.md5(path.name.encode()).hexdigest().upper().encode()
    data = re.sub(rb"(/ID\s*\[\s*<)[0-9A-Fa-f]{32}(>\s*<)[0-9A-Fa-f]{32}>",
                  lambda m: m.group(1) + ident + m.group(2) + ident + b">", data)
    data = re.sub(rb"(/DocChecksum\s*/)[0-9A-Fa-f]{32}", lambda m: m.group(1) + ident, data)
    path.write_bytes(data)


def document_html(gold: dict) -> str:
    """The html_rowspan rendering as a Word document's content: the title, the article (prose
    and tables, spans as rendered) and a signature; no site chrome."""
    page = rl.render(gold, "html_rowspan")[0].decode("utf-8")
    m = re.search(r'<div class="article-content" id="zoom">\n(.*?)\n</div>\n<div class="article-tools">', page, re.S)
    if not m:
        raise RuntimeError("the html_rowspan page has no article-content")
    title = html.escape(rl.title(gold))
    year = gold["report_year"] + 1
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: "仿宋_GB2312", "仿宋"; font-size: 16pt; }}
p {{ line-height: 28pt; margin: 0; }}
td {{ font-family: "宋体"; font-size: 10.5pt; padding: 2pt; }}
</style>
</head>
<body>
<p align="center" style="text-align:center;font-family:'方正小标宋简体';font-size:22pt">{title}</p>
<p>&nbsp;</p>
{m.group(1)}
<p>&nbsp;</p>
<p align="right" style="text-align:right">{html.escape(gold['agency'])}</p>
<p align="right" style="text-align:right">{year}年1月20日</p>
</body>
</html>
"""


def docx_tables(path: Path) -> list[list[list[tuple[str, int, str | None]]]]:
    """Each table of a .docx: rows of cells (text, gridSpan, vMerge value or None)."""
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read("word/document.xml"))
    tables = []
    for tbl in root.iter(f"{W}tbl"):
        rows = []
        for tr in tbl.findall(f"{W}tr"):
            cells = []
            for tc in tr.findall(f"{W}tc"):
                text = " ".join("".join(t.text or "" for t in para.iter(f"{W}t")) for para in tc.iter(f"{W}p"))
                pr = tc.find(f"{W}tcPr")
                span = pr.find(f"{W}gridSpan") if pr is not None else None
                merge = pr.find(f"{W}vMerge") if pr is not None else None
                cells.append((" ".join(text.split()),
                              int(span.get(f"{W}val")) if span is not None else 1,
                              None if merge is None else (merge.get(f"{W}val") or "continue")))
            rows.append(cells)
        tables.append(rows)
    return tables


def layout(rows: list[list[tuple[str, int, int]]]) -> set[tuple[int, int, str, int, int]]:
    """Cells (text, colspan, rowspan) placed as a browser places them: (row, column, text,
    colspan, rowspan) of each."""
    taken: set[tuple[int, int]] = set()
    out = set()
    for r, row in enumerate(rows):
        col = 0
        for text, colspan, rowspan in row:
            while (r, col) in taken:
                col += 1
            out.add((r, col, text, colspan, rowspan))
            taken.update((r + dr, col + dc) for dr in range(rowspan) for dc in range(colspan))
            col += colspan
    return out


def docx_layout(rows: list[list[tuple[str, int, str | None]]]) -> set[tuple[int, int, str, int, int]]:
    """A .docx table's cells placed on its grid: a vMerge restart cell spans the continuation
    cells below it in its grid column."""
    placed = []   # (row, col, text, gridSpan, vMerge)
    for r, row in enumerate(rows):
        col = 0
        for text, span, merge in row:
            placed.append((r, col, text, span, merge))
            col += span
    continues = {(r, c) for r, c, _, _, m in placed if m == "continue"}
    out = set()
    for r, c, text, span, merge in placed:
        if merge == "continue":
            continue
        rowspan = 1
        while merge == "restart" and (r + rowspan, c) in continues:
            rowspan += 1
        out.add((r, c, text, span, rowspan))
    return out


def check_word_tables(path: Path, gold: dict) -> tuple[int, int]:
    """The .docx holds the three rendered tables cell for cell: every cell at its place with its
    text, colspan (gridSpan) and rowspan (vMerge). Returns the counts of gridSpan and vMerge."""
    if len(docx.Document(str(path)).tables) != 3:   # python-docx, the extractor's reader, opens it
        raise RuntimeError(f"{path.name}: python-docx does not see 3 tables")
    tables = docx_tables(path)
    if len(tables) != 3:
        raise RuntimeError(f"{path.name}: {len(tables)} tables, not 3")
    for t, (name, got) in enumerate(zip(("disclosure", "applications", "appeals"), tables, strict=True)):
        want = layout([[(c.text, c.colspan, c.rowspan) for c in row] for row in rl.TABLES[name](gold)])
        have = docx_layout(got)
        if want != have:
            raise RuntimeError(f"{path.name} table {t + 1}: missing {sorted(want - have)[:4]}, "
                               f"unexpected {sorted(have - want)[:4]}")
    spans = sum(1 for t in tables for row in t for c in row if c[1] > 1)
    merges = sum(1 for t in tables for row in t for c in row if c[2])
    if not spans or not merges:
        raise RuntimeError(f"{path.name}: no merged cells ({spans} gridSpan, {merges} vMerge)")
    return spans, merges


# --------------------------------------------------------------------------------------------
# 1. Word, .doc, .rtf, .wps and PDF of each gold report


def word_formats(office: Office, tmp: Path) -> list[str]:
    log = []
    src = tmp / "html"
    src.mkdir()
    golds = {}
    for path in GOLDS:
        gold = json.loads(path.read_text(encoding="utf-8"))
        name = stem(path)
        golds[name] = gold
        (src / f"{name}.html").write_text(document_html(gold), encoding="utf-8")
    htmls = sorted(src.glob("*.html"))
    word = office.convert(htmls, "docx:MS Word 2007 XML", OUT, infilter="HTML (StarWriter)")
    docs = office.convert(word, "doc:MS Word 97", OUT)
    office.convert(word, "pdf:writer_pdf_Export", OUT)
    office.convert([OUT / f"{RTF}.docx"], "rtf:Rich Text Format", OUT)
    shutil.copyfile(OUT / f"{WPS}.doc", OUT / f"{WPS}.wps")

    # the .doc, .rtf and .wps read back through LibreOffice: the same tables, spans and values
    back = tmp / "back"
    back.mkdir()
    for path in [*docs, OUT / f"{RTF}.rtf", OUT / f"{WPS}.wps"]:   # the .wps: found to be Word 97 by its bytes
        copy_ = back / f"{path.stem}_{path.suffix[1:]}{path.suffix}"
        shutil.copyfile(path, copy_)
        (again,) = office.convert([copy_], "docx:MS Word 2007 XML", back)
        check_word_tables(again, golds[path.stem])

    for name, gold in golds.items():
        spans, merges = check_word_tables(OUT / f"{name}.docx", gold)
        files = [f"{name}.docx", f"{name}.doc", f"{name}.pdf"]
        files += [f"{name}.rtf"] if name == RTF else []
        files += [f"{name}.wps"] if name == WPS else []
        check_pdf_text(OUT / f"{name}.pdf", gold)
        write_gold(gold, name, files, "html_rowspan rendering of the gold values converted by LibreOffice "
                   "to .docx, then .doc/.pdf" + ("/.rtf" if name == RTF else "") +
                   (" (.wps: the .doc bytes)" if name == WPS else ""))
        log.append(f"{name}: docx tables have {spans} gridSpan and {merges} vMerge cells")
    return log


NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def pdf_lines(path: Path) -> tuple[str, list[list[str]]]:
    """The PDF's text (no spaces) and its lines of numbers: words on one baseline (within 3pt),
    left to right, page by page."""
    text, lines = [], []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            words = sorted(page.extract_words(), key=lambda w: (round(w["top"]), w["x0"]))
            text += [w["text"] for w in words]
            rows: list[list[dict]] = []
            for w in words:
                if rows and abs(rows[-1][0]["top"] - w["top"]) <= 3:
                    rows[-1].append(w)
                else:
                    rows.append([w])
            for row in rows:
                numbers = [w["text"] for w in sorted(row, key=lambda w: w["x0"]) if NUMBER.fullmatch(w["text"])]
                if numbers:
                    lines.append(numbers)
    return "".join(text), lines


def unmatched_rows(rows: list[list[str]], lines: list[list[str]]) -> list[int]:
    """The table rows (their values, in order) that no line of the PDF prints exactly, lines
    taken in order: the indexes of the rows whose values the text layer lost or broke."""
    missing, at = [], 0
    for i, values in enumerate(rows):
        found = next((j for j in range(at, len(lines)) if lines[j] == values), None)
        if found is None:
            missing.append(i)
        else:
            at = found + 1
    return missing


def check_pdf_text(path: Path, gold: dict) -> None:
    """The PDF's text layer holds the title and every table row's values on one line."""
    text, lines = pdf_lines(path)
    if rl.title(gold) not in text:
        raise RuntimeError(f"{path.name}: no title in the text layer")
    rows = [[c.text for c in row if c.value and c.text]
            for name in ("disclosure", "applications", "appeals") for row in rl.TABLES[name](gold)]
    rows = [r for r in rows if r]
    missing = unmatched_rows(rows, lines)
    if missing:
        raise RuntimeError(f"{path.name}: rows not printed on one line: {[rows[i] for i in missing]}")


# --------------------------------------------------------------------------------------------
# 2. the real page 015, converted as it is


def page_015(office: Office, tmp: Path) -> list[str]:
    src = tmp / "015_page.html"
    shutil.copyfile(PAGE_015, src)
    (word,) = office.convert([src], "docx:MS Word 2007 XML", OUT, infilter="HTML (StarWriter)")
    (pdf,) = office.convert([word], "pdf:writer_pdf_Export", OUT)
    gold = json.loads(PAGE_015.with_name(PAGE_015.name.replace(".html", ".gold.json")).read_text(encoding="utf-8"))
    kept = compare_015(word)
    lost = pdf_losses_015(pdf)
    write_gold(gold, "015_page", ["015_page.docx", "015_page.pdf"],
               f"The real crawled page converted as it is by LibreOffice headless to .docx, the .docx to .pdf. "
               f"The .docx: {kept}. The .pdf: {lost}")
    return [f"015_page.docx: {kept}", f"015_page.pdf: {lost}"]


def pdf_losses_015(pdf: Path) -> str:
    """What the PDF's text layer lost of page 015's tables: rows whose values no line prints
    exactly (a table wider than the page is cut at its edge; a value wrapped in a narrow
    column comes out as two words on two lines)."""
    tables = html_tables(PAGE_015.read_text(encoding="utf-8"))[1:]
    rows = []
    for t, table in enumerate(tables):
        for row in table:
            values = [text for text, _, _ in row if NUMBER.fullmatch(text)]
            if values:
                rows.append((t, row, values))
    _, lines = pdf_lines(pdf)
    missing = unmatched_rows([v for _, _, v in rows], lines)
    with pdfplumber.open(pdf) as doc:
        edge = sorted({i + 1 for i, page in enumerate(doc.pages)
                       if any(c["x1"] > page.width - 20 for c in page.chars)})
    if not missing and not edge:
        return "every table row's values printed on one line, nothing at the page edge"
    out = []
    for i in missing:
        t, row, values = rows[i]
        label = [text for text, _, _ in row if text and not NUMBER.fullmatch(text)]
        out.append(f"section {'二三四'[t]} row '{label[-1][:16] if label else ''}' {' '.join(values)}")
    return (f"text at the right page edge on pages {edge} (tables wider than the page); "
            f"{len(missing)} table rows whose values no line of the text layer prints exactly: " + "; ".join(out))


def html_tables(source: str) -> list[list[list[tuple[str, int, int]]]]:
    """A page's tables as rows of (text, colspan, rowspan), by regular expressions (enough for
    the 015 page, whose tables do not nest)."""
    out = []
    for table in re.findall(r"<table.*?</table>", source, re.S | re.I):
        rows = []
        for tr in re.findall(r"<tr.*?</tr>", table, re.S | re.I):
            cells = []
            for m in re.finditer(r"<t[dh]([^>]*)>(.*?)</t[dh]>", tr, re.S | re.I):
                attrs = m.group(1)
                cs = re.search(r'colspan="?(\d+)', attrs)
                rs = re.search(r'rowspan="?(\d+)', attrs)
                text = html.unescape(re.sub(r"<[^>]+>", "", m.group(2)))
                cells.append((" ".join(text.split()), int(cs.group(1)) if cs else 1, int(rs.group(1)) if rs else 1))
            rows.append(cells)
        out.append(rows)
    return out


def compare_015(word: Path) -> str:
    """What LibreOffice kept of the page's tables: each cell at its place with its text,
    colspan and rowspan."""
    want = html_tables(PAGE_015.read_text(encoding="utf-8"))
    got = docx_tables(word)
    notes = [f"{len(got)} tables in the .docx, {len(want)} in the page"]
    for t, (g, w) in enumerate(zip(got, want, strict=False)):  # a count that differs is in the notes
        have, expect = docx_layout(g), layout(w)
        if have == expect:
            notes.append(f"table {t + 1}: all {len(expect)} cells kept (text, place, colspan, rowspan)")
        else:
            notes.append(f"table {t + 1}: CHANGED: missing {sorted(expect - have)[:4]}, "
                         f"unexpected {sorted(have - expect)[:4]}")
    return "; ".join(notes)


# --------------------------------------------------------------------------------------------
# 3. scans


def rasterise(pdf: Path, tmp: Path, gray: bool = True) -> list[Image.Image]:
    prefix = tmp / pdf.stem
    cmd = ["pdftoppm", "-r", str(DPI), "-png"] + (["-gray"] if gray else []) + [str(pdf), str(prefix)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    pages = sorted(tmp.glob(f"{pdf.stem}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    images = [Image.open(p).convert("L") for p in pages]
    for p in pages:
        p.unlink()
    return images


def scan_page(page: Image.Image, angle: float, rng: np.random.Generator) -> Image.Image:
    """A page as a sheet fed through a scanner: slightly turned, grainy, with a few specks."""
    turned = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    a = np.asarray(turned, dtype=np.float32)
    a = a * 0.96 + 6                                  # paper a shade off white, ink a shade off black
    a += rng.normal(0.0, 5.0, a.shape)                # sensor grain
    h, w = a.shape
    yy, xx = np.ogrid[:h, :w]
    for _ in range(int(rng.integers(6, 15))):         # dust and toner specks
        cy, cx = rng.integers(0, h), rng.integers(0, w)
        r = rng.uniform(0.8, 2.5)
        box = (slice(max(0, cy - 4), cy + 5), slice(max(0, cx - 4), cx + 5))
        disk = (yy[box[0]] - cy) ** 2 + (xx[:, box[1]] - cx) ** 2 <= r * r
        a[box][disk] = rng.uniform(30, 120)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")


def save_scan(pages: list[Image.Image], dest: Path, title: str) -> None:
    pages[0].save(dest, "PDF", save_all=True, append_images=pages[1:], resolution=float(DPI),
                  quality=JPEG_QUALITY, title=title, creationDate=PUBLISHED.timetuple(), modDate=PUBLISHED.timetuple())
    if dest.stat().st_size > MAX_SCAN_BYTES:
        raise RuntimeError(f"{dest.name}: {dest.stat().st_size} bytes")


def scans(tmp: Path) -> list[str]:
    log = []
    rng = np.random.default_rng(SEED)
    sources = [(CORPUS / "pdf" / "hongze_2023.pdf", CORPUS / "pdf" / "hongze_2023.gold.json"),
               (CORPUS / "pdf" / "hongze_2024.pdf", CORPUS / "pdf" / "hongze_2024.gold.json"),
               *[(OUT / f"{stem(g)}.pdf", g) for g in GOLDS if stem(g) in SCANNED]]
    for pdf, gold_path in sources:
        pages = rasterise(pdf, tmp)
        sign = 1.0 if rng.random() < 0.5 else -1.0
        angles = [round(sign * (-1) ** i * rng.uniform(0.3, 0.8), 2) for i in range(len(pages))]
        scanned = [scan_page(p, a, rng) for p, a in zip(pages, angles, strict=True)]
        name = f"{pdf.stem}.scan"
        save_scan(scanned, OUT / f"{name}.pdf", name)
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        write_gold(gold, name, [f"{name}.pdf"],
                   f"Image-only scan of {pdf.name}: {DPI} dpi grayscale, pages turned by {angles} degrees, "
                   f"gaussian noise and specks, JPEG quality {JPEG_QUALITY}")
        log.append(f"{name}.pdf: {len(pages)} pages, angles {angles}")
    log.append(table_image(tmp))
    log.append(img_table_page())
    return log


MIXED = "003_huaian_shi_2024"


def mixed() -> str:
    """A PDF typed on its first page and scanned on the others (a cover, then the tables): page 1
    of the rendered PDF, pages 2 on of its scan, as one file."""
    writer = pypdf.PdfWriter()
    writer.add_page(pypdf.PdfReader(OUT / f"{MIXED}.pdf").pages[0])
    for page in pypdf.PdfReader(OUT / f"{MIXED}.scan.pdf").pages[1:]:
        writer.add_page(page)
    name = f"{MIXED}.mixed"
    with open(OUT / f"{name}.pdf", "wb") as f:
        writer.write(f)
    gold = json.loads((OUT / f"{MIXED}.gold.json").read_text(encoding="utf-8"))
    write_gold(gold, name, [f"{name}.pdf"], f"Page 1 of {MIXED}.pdf (its text layer), pages 2 on of {MIXED}.scan.pdf")
    return f"{name}.pdf: a typed page, then scanned ones"


def table_image(tmp: Path) -> str:
    """Section 三's table of hongze_2023.pdf as one clean image: its part on page 3 over its part
    on page 4, both cropped to pdfplumber's table boxes over the same x range."""
    pdf_path = CORPUS / "pdf" / "hongze_2023.pdf"
    with pdfplumber.open(pdf_path) as pdf:
        boxes = {}
        for index in (2, 3):
            page = pdf.pages[index]
            for t in page.find_tables():
                text = page.crop(t.bbox).extract_text()
                if ("本年新收" in text and index == 2) or ("结转下年度" in text and index == 3):
                    boxes[index] = t.bbox
    if set(boxes) != {2, 3}:
        raise RuntimeError(f"hongze_2023.pdf: table 三 boxes not found ({boxes})")
    pages = rasterise(pdf_path, tmp)
    scale = DPI / 72
    x0 = min(b[0] for b in boxes.values()) - 4
    x1 = max(b[2] for b in boxes.values()) + 4
    parts = [pages[i].crop((round(x0 * scale), round((b[1] - 4) * scale), round(x1 * scale), round((b[3] + 4) * scale)))
             for i, b in sorted(boxes.items())]
    out = Image.new("L", (parts[0].width, sum(p.height for p in parts)), 255)
    y = 0
    for p in parts:
        out.paste(p, (0, y))
        y += p.height
    out.save(OUT / "hongze_2023_table.png", optimize=True)
    return f"hongze_2023_table.png: {out.width}x{out.height} px"


def _prose_sections(text: str) -> dict[str, list[str]]:
    """The text layer's prose by section ("" for the lines before 一), page footers dropped,
    wrapped lines joined into paragraphs: a paragraph ends at a short line ending in 。 or at a
    line starting （一）-style."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    para = ""
    heading = re.compile(r"^([一二三四五六])、\S")
    for line in text.splitlines():
        line = line.strip()
        if not line or re.fullmatch(r"- \d+ -", line):
            continue
        m = heading.match(line)
        if m and len(line) < 30 and not re.search(r"\d", line):
            if para:
                sections[current].append(para)
            current, para = m.group(1), ""
            sections[current] = [line]
            continue
        if re.match(r"^（[一二三四五六七八九十]）", line) and para:
            sections[current].append(para)
            para = ""
        para += line
        if line.endswith("。") and len(line) < 26 or line.endswith("）。"):
            sections[current].append(para)
            para = ""
    if para:
        sections[current].append(para)
    return sections


def img_table_page() -> str:
    gold = json.loads((CORPUS / "pdf" / "hongze_2023.gold.json").read_text(encoding="utf-8"))
    text = (CORPUS / "real" / "001_huaian_hongze_qu_2023_pdftext.txt").read_text(encoding="utf-8")
    prose = _prose_sections(text)
    intro = [p[p.find("本报告"):] for p in prose[""] if "本报告" in p]   # after the title lines

    def paras(key: str) -> list[str]:
        head, *body = prose[key]
        return [f'<p style="text-indent:2em"><strong>{html.escape(head)}</strong></p>'] + \
               [f'<p style="text-indent:2em">{html.escape(p)}</p>' for p in body]

    def cell(c: rl.C, attrs: str) -> str:
        return f"<td{attrs}>{html.escape(c.text)}</td>"

    table_open = ('<table border="1" cellspacing="0" cellpadding="0" width="100%" '
                  'style="border-collapse:collapse;text-align:center">')
    parts = [f'<p style="text-indent:2em">{html.escape(p)}</p>' for p in intro]
    parts += paras("一")
    parts += [f'<p style="text-indent:2em"><strong>{rl.SECTION_TITLES[2]}</strong></p>',
              rl._html_table(rl.disclosure_table(gold), cell, table_open),
              f'<p style="text-indent:2em"><strong>{rl.SECTION_TITLES[3]}</strong></p>',
              '<p style="text-align:center"><img src="hongze_2023_table.png" alt="" '
              'style="max-width:100%" border="0"></p>',
              f'<p style="text-indent:2em"><strong>{rl.SECTION_TITLES[4]}</strong></p>',
              rl._html_table(rl.appeals_table(gold), cell, table_open)]
    parts += paras("五") + paras("六")
    page = rl._site_page(gold, "\n".join(parts), "utf-8")
    (OUT / "img_table.html").write_text(page, encoding="utf-8")
    write_gold(gold, "img_table", ["img_table.html", "hongze_2023_table.png"],
               "Web page of hongze_2023: prose from its text layer, sections 二 and 四 as HTML tables of the "
               "gold values, section 三 only as the image hongze_2023_table.png (the PDF's table, two pages stacked)")
    return "img_table.html"


def word_picture() -> str:
    """001_huaian_hongze_qu_2023.docx with table 三 replaced by hongze_2023_table.png (the same
    report's table, from its PDF) in a paragraph of its own, 15 cm wide: a Word report with a
    table pasted as a picture."""
    source = OUT / "001_huaian_hongze_qu_2023.docx"
    doc = docx.Document(str(source))
    table = next(t for t in doc.tables if "本年新收" in "".join(c.text for c in t.columns[0].cells))
    paragraph = doc.add_paragraph()
    paragraph.add_run().add_picture(str(OUT / "hongze_2023_table.png"), width=Cm(15))
    table._tbl.addprevious(paragraph._p)
    table._tbl.getparent().remove(table._tbl)
    name = "001_huaian_hongze_qu_2023.picture"
    doc.save(str(OUT / f"{name}.docx"))
    stamp_docx(OUT / f"{name}.docx")
    gold = json.loads((OUT / "001_huaian_hongze_qu_2023.gold.json").read_text(encoding="utf-8"))
    write_gold(gold, name, [f"{name}.docx"], "001_huaian_hongze_qu_2023.docx with table 三 replaced by "
               "hongze_2023_table.png (the same report's table, from its PDF), 15 cm wide")
    return f"{name}.docx: table 三 a picture"


def img_table_pdf(office: Office, tmp: Path) -> str:
    """img_table.html printed to PDF by LibreOffice, its picture sized to share a page with
    section 四's typed table: a typed PDF whose table 三 is a picture on a page with text."""
    page = (OUT / "img_table.html").read_text(encoding="utf-8")
    sized = page.replace('alt="" style="max-width:100%"', 'alt="" width="520" height="720"')  # 936 x 1296 px
    if sized == page:
        raise RuntimeError("img_table.html: its <img> was not found")
    src = tmp / "img_table_pdf.html"
    src.write_text(sized, encoding="utf-8")
    shutil.copyfile(OUT / "hongze_2023_table.png", tmp / "hongze_2023_table.png")
    (pdf,) = office.convert([src], "pdf:writer_pdf_Export", OUT, infilter="HTML (StarWriter)")
    with pdfplumber.open(pdf) as doc:
        shared = [p.page_number for p in doc.pages if p.images and p.extract_words()]
    if not shared:
        raise RuntimeError("img_table_pdf.pdf: the picture has a page of its own")
    gold = json.loads((OUT / "img_table.gold.json").read_text(encoding="utf-8"))
    write_gold(gold, "img_table_pdf", ["img_table_pdf.pdf"],
               f"img_table.html printed to PDF by LibreOffice: a text layer, section 三 only as the picture "
               f"(520 x 720 px in the page), which shares page {shared[0]} with section 四's typed table")
    return f"img_table_pdf.pdf: the picture on page {shared[0]}, with text"


# --------------------------------------------------------------------------------------------
# 4. Word-pasted pages with hidden grid columns, from the real page 015


PHANTOM_TD = ("\n      <td width=0 style='border:none;padding:0cm 0cm 0cm 0cm'>"
              "<p class=MsoNormal>&nbsp;</p></td>")


def _rows(table: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"<tr.*?</tr>", table, re.S)]


def _cells(row: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"<td[^>]*>.*?</td>", row, re.S)]


def _widen_cell(cell: str, by: int = 1) -> str:
    """A <td> with its colspan grown by `by` (a colspan added if it had none)."""
    m = re.search(r'colspan="(\d+)"', cell)
    if m:
        return cell[:m.start()] + f'colspan="{int(m.group(1)) + by}"' + cell[m.end():]
    return cell.replace("<td", f'<td colspan="{1 + by}"', 1)


def _edit_row(row: str, edits: dict[int, str]) -> str:
    """Apply per-cell edits to a <tr>: index -> "widen", "after" (a phantom td after it)."""
    cells = _cells(row)
    out, pos = [], 0
    for i, (a, b) in enumerate(cells):
        out.append(row[pos:a])
        cell = row[a:b]
        if edits.get(i) == "widen":
            cell = _widen_cell(cell)
        out.append(cell)
        if edits.get(i) == "after":
            out.append(PHANTOM_TD)
        pos = b
    out.append(row[pos:])
    return "".join(out)


def _edit_table(table: str, edit_row, width: int) -> str:
    rows = _rows(table)
    out, pos = [], 0
    for r, (a, b) in enumerate(rows):
        row = table[a:b]
        out.append(table[pos:a])
        out.append(_edit_row(row, edit_row(r, row, len(_cells(row)))))
        pos = b
    out.append(table[pos:])
    text = "".join(out)
    tail = ("<![if !supportMisalignedColumns]>\n    <tr height=0>\n      "
            + "<td width=41 style='border:none'></td>" * width + "\n    </tr>\n    <![endif]>\n  ")
    return text.replace("</tbody>", tail + "</tbody>", 1)


def _texts(row: str) -> list[str]:
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", row[a:b])).split()) for a, b in _cells(row)]


def phantom_trailing(t: int, r: int, row: str, n: int) -> dict[int, str]:
    """A hidden column after the last one: headers span it; data rows alternate between an
    empty cell and a last value spanning it."""
    texts = _texts(row)
    if t == 0:   # 二: 4 columns; headings and headers span it, value rows carry the empty cell
        numeric = bool(re.fullmatch(r"-?[\d.]+", texts[-1]))
        return {n - 1: "after" if numeric and r % 2 else "widen"}
    if t == 1:   # 三: 10 columns
        if r in (0, 1):          # 申请人情况 / 总计 (rowspan 2, so row 2 needs nothing)
            return {n - 1: "widen"}
        if r == 2:
            return {}
        return {n - 1: "widen" if r % 3 == 0 else "after"}
    # 四: 15 columns
    if r in (0, 1):
        return {n - 1: "widen"}
    return {n - 1: "after"}


def phantom_inner(t: int, r: int, row: str, n: int) -> dict[int, str]:
    """A hidden column between the labels and the values (二, 三) and between 行政复议 and
    行政诉讼 (四): labels span it in some rows, an empty cell fills it in the others."""
    texts = _texts(row)
    if t == 0:   # after the label column
        if n == 1:
            return {0: "widen"}
        return {0: "widen" if texts[0] == "信息内容" or r % 3 == 0 else "after"}
    if t == 1:
        if r == 0:
            return {0: "widen"}   # the note (colspan 3, rowspan 3) spans it for the header rows
        if r in (1, 2):
            return {}
        first_value = next(i for i, x in enumerate(texts) if re.fullmatch(r"-?[\d.]+", x))
        return {first_value - 1: "widen" if r % 2 else "after"}
    if r == 0:
        return {0: "widen"}       # 行政复议
    if r == 1:
        return {4: "widen"}       # 总计 of 行政复议 (rowspan 2)
    if r == 2:
        return {}
    return {4: "after"}


def phantom_pages() -> list[str]:
    source = PAGE_015.read_text(encoding="utf-8")
    gold = json.loads(PAGE_015.with_name(PAGE_015.name.replace(".html", ".gold.json")).read_text(encoding="utf-8"))
    spans = [(m.start(), m.end()) for m in re.finditer(r"<table style=\"BORDER-COLLAPSE.*?</table>", source, re.S)]
    if len(spans) != 3:
        raise RuntimeError(f"page 015: {len(spans)} report tables")
    log = []
    for name, edit, what in (
            ("015_phantom", phantom_trailing, "an empty hidden-column <td> after the last column"),
            ("015_phantom_inner", phantom_inner,
             "an empty hidden-column <td> between labels and values (二, 三) and between 行政复议 and 行政诉讼")):
        out, pos = [], 0
        for t, (a, b) in enumerate(spans):
            out.append(source[pos:a])
            width = (4, 10, 15)[t] + 1
            out.append(_edit_table(source[a:b], lambda r, row, n, t=t, edit=edit: edit(t, r, row, n), width))
            pos = b
        out.append(source[pos:])
        page = "".join(out)
        (OUT / f"{name}.html").write_text(page, encoding="utf-8")
        write_gold(gold, name, [f"{name}.html"],
                   f"The real page 015 with Word's hidden grid columns put in: {what} in some rows of all three "
                   "tables, other rows spanning it; Word's supportMisalignedColumns width row closing each table")
        log.append(f"{name}.html: {check_grid(page)}")
    return log


def check_grid(page: str) -> str:
    """Each table's grid width (colspans and rowspans laid out), as a browser lays it out."""
    widths = []
    for table in html_tables(page)[1:]:
        covered: dict[tuple[int, int], bool] = {}
        row_widths = []
        for r, row in enumerate(table):
            col = 0
            for _text, cs, rs in row:
                while covered.get((r, col)):
                    col += 1
                for dr in range(rs):
                    for dc in range(cs):
                        covered[(r + dr, col + dc)] = True
                col += cs
            row_widths.append(max([col] + [c + 1 for (rr, c) in covered if rr == r]))
        widths.append(sorted(set(row_widths)))
    return f"grid widths per table {widths}"


# --------------------------------------------------------------------------------------------


def layout_texts() -> list[str]:
    """8.: the typed PDFs of 1. and 2. as `pdftotext -layout` writes them."""
    out = []
    for gold_path in sorted(OUT.glob("*.gold.json")):
        name = gold_path.name.removesuffix(".gold.json")
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        pdf = OUT / f"{name}.pdf"
        if not gold["file"].endswith(".docx") or not pdf.exists():
            continue  # only 1. and 2.: the scans and the pictured tables have no text of theirs to export
        subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), str(OUT / f"{name}.layout.txt")],
                       check=True, timeout=120)
        write_gold(gold, f"{name}.layout", [f"{name}.layout.txt"], f"{name}.pdf exported by pdftotext -layout")
        out.append(f"{name}.layout.txt: pdftotext -layout of {name}.pdf")
    return out


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="render-formats-") as tmp_name:
        tmp = Path(tmp_name)
        office = Office(tmp / "profile")
        log = word_formats(office, tmp)
        log += page_015(office, tmp)
        log += scans(tmp)
        log.append(img_table_pdf(office, tmp))
        log.append(word_picture())
        log.append(mixed())
        log += phantom_pages()
        log += layout_texts()
    for line in log:
        print(line)
    total = 0
    for path in sorted(OUT.iterdir()):
        total += path.stat().st_size
        print(f"{path.stat().st_size:>10}  {path.name}")
    print(f"{total:>10}  total")


if __name__ == "__main__":
    main()
