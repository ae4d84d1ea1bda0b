"""Scans and images read by OCR (`formats.scan`): every cell of every scan fixture is its gold
value, or is null or inferred with a check naming it: never a wrong number that nothing flags.

The fixtures (tests/fixtures/formats, made by tests/render_formats.py) are image-only PDFs at
150 dpi, each page turned by up to 0.8°, grainy, specked and JPEG-compressed, and one table as
a clean PNG published in a web page as an <img>. Reading a whole scan takes seconds a page: those
tests are `slow`; the image helpers, the value rules and a small crop run in the fast suite.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import signal
import stat
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from conftest import needs_ocr
from xxgk.extract import ocr, tesseract
from xxgk.extract.decode import Unreadable
from xxgk.extract.formats import html, pdf, read_document, reader_for, scan
from xxgk.extract.layouts import image as pixels
from xxgk.extract.layouts.rulings import find_tables
from xxgk.extract.model import Report, Status
from xxgk.extract.report import extract_bytes, extract_document, extract_file

FORMATS = Path(__file__).parent / "fixtures" / "formats"
TABLE_PNG = FORMATS / "hongze_2023_table.png"

# Cells read exactly, at least (of 200, 200, 200, 198 and 200): a regression shows here. The
# rest are null or inferred, each with its check. hongze's 21 cells of （六）'s three sub-rows are
# inferred from its single printed row, as from the PDF's text layer (179 exact there).
EXACT_AT_LEAST = {
    "hongze_2023.scan.pdf": 173,
    "hongze_2024.scan.pdf": 175,
    "003_huaian_shi_2024.scan.pdf": 196,
    "seed_000.scan.pdf": 196,
}
IMG_TABLE_EXACT_AT_LEAST = 175


def _gold(name: str) -> dict:
    return json.loads((FORMATS / name).read_text(encoding="utf-8"))


def _flagged(report: Report, key: str) -> bool:
    """The report says this cell is not read as printed: inferred, or a failed check names it."""
    cell = report.cells.get(key)
    return bool(cell and cell.inferred) or any(not c.ok and c.subject == key for c in report.checks)


def _score(report: Report, gold: dict) -> tuple[int, list[str], list[str]]:
    """Cells read exactly; cells null or flagged (inferred, or named by a failed check); and
    cells holding a number other than gold's that nothing flags, which must never happen."""
    exact, flagged, wrong = 0, [], []
    for key, value in gold["cells"].items():
        cell = report.cells.get(key)
        got = None if cell is None else cell.value
        if got == value and not (cell and cell.inferred):
            exact += 1
        elif got is not None and got != value and not _flagged(report, key):
            wrong.append(f"{key}: {got!r} (gold {value!r}, confidence {cell and cell.confidence})")
        else:
            flagged.append(key)
    return exact, flagged, wrong


@cache
def _extracted(name: str) -> Report:
    return extract_file(FORMATS / name)


# --- whole scans (slow) ----------------------------------------------------------------


@needs_ocr
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXACT_AT_LEAST))
def test_scan_cells_are_right_or_flagged(name):
    report = _extracted(name)
    gold = _gold(name.removesuffix(".pdf") + ".gold.json")
    assert report.kind == "ocr"
    assert (report.template, report.report_year) == (gold["template"], gold["report_year"])
    exact, flagged, wrong = _score(report, gold)
    assert not wrong, f"{name}: wrong numbers nothing flags: {wrong}"
    assert exact >= EXACT_AT_LEAST[name], f"{name}: {exact} cells exact; flagged: {flagged}"
    if report.status is Status.OK:
        assert exact == len(gold["cells"])


@needs_ocr
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXACT_AT_LEAST))
def test_every_ocr_value_carries_its_confidence(name):
    report = _extracted(name)
    read = [c for c in report.cells.values() if c.span is not None and not c.blank]
    assert read and all(c.confidence is not None and c.where and c.where.startswith("page ") for c in read)
    # a doubtful value is nulled and flagged, never kept
    assert all(c.value is None for c in report.cells.values() if c.doubtful)


@needs_ocr
@pytest.mark.slow
def test_a_scan_with_every_value_sure_is_ok():
    assert _extracted("seed_000.scan.pdf").status in (Status.OK, Status.WARNING)
    for name in EXACT_AT_LEAST:
        report = _extracted(name)
        exact, _, _ = _score(report, _gold(name.removesuffix(".pdf") + ".gold.json"))
        assert (report.status is Status.OK) <= (exact == len(report.cells))


@needs_ocr
@pytest.mark.slow
def test_table_published_as_an_image_in_a_web_page():
    """img_table.html shows section 三 only as hongze_2023_table.png: its rows are OCR'd and
    placed where the <img> is, the page's own tables read as HTML."""
    page = html.read((FORMATS / "img_table.html").read_bytes(), "img_table.html")
    alone = extract_document(page, "img_table.html")
    assert alone.tables["applications"] != "read"  # the page's text alone lacks the table
    doc = scan.embed(page, page.text.index("<img"), TABLE_PNG.read_bytes())
    report = extract_document(doc, "img_table.html")
    gold = _gold("img_table.gold.json")
    exact, flagged, wrong = _score(report, gold)
    assert not wrong, wrong
    assert exact >= IMG_TABLE_EXACT_AT_LEAST, flagged
    # the HTML tables' values have no anchor; the image's have one, with a confidence
    assert report.cells["disclosure.penalty.decisions"].confidence is None
    assert report.cells["applications.new_received.natural_person"].confidence >= 70
    assert report.cells["applications.new_received.natural_person"].where.startswith("image at ")


@needs_ocr
@pytest.mark.slow
def test_an_image_file_is_read_by_ocr():
    doc = read_document(TABLE_PNG.read_bytes(), TABLE_PNG.name)
    assert doc.kind == "ocr"
    rows = [r.text for r in doc.rows]
    assert any(t.startswith("一、本年新收") and t.endswith("21 0 0 0 0 0 21") for t in rows), rows
    assert any(t.endswith("10 0 0 0 0 0 10") for t in rows), rows


@needs_ocr
@pytest.mark.slow
@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_a_table_picture_turned_any_way_is_read_upright(degrees):
    """The table picture of a web page, published turned: read as upright, every value."""
    turned = io.BytesIO()
    Image.open(TABLE_PNG).rotate(degrees, expand=True).save(turned, "PNG")
    page = html.read((FORMATS / "img_table.html").read_bytes(), "img_table.html")
    report = extract_document(scan.embed(page, page.text.index("<img"), turned.getvalue()), "img_table.html")
    exact, flagged, wrong = _score(report, _gold("img_table.gold.json"))
    assert not wrong and exact >= IMG_TABLE_EXACT_AT_LEAST, flagged


# --- the reader without whole scans ------------------------------------------------------


@needs_ocr
def test_a_table_crop_reads_with_confident_values():
    """Two rows of the table image: labels, and each value read alike by both models."""
    image = Image.open(TABLE_PNG)
    out = io.BytesIO()
    image.crop((0, 0, image.width, 330)).save(out, "PNG")
    doc = scan.read_image(out.getvalue())
    rows = {r.text.split(" ")[0]: r for r in doc.rows if r.cells}
    row = next(r for label, r in rows.items() if "本年新收" in label)
    values = [c for c in row.cells if c.text and c.text[0].isdigit()]
    assert [c.text for c in values] == ["21", "0", "0", "0", "0", "0", "21"]
    assert all(doc.anchor((c.start, c.end)).confidence >= 70 for c in values)


def test_images_are_sniffed_and_pdfs_left_to_the_pdf_reader():
    assert scan.sniff(TABLE_PNG.read_bytes()[:64], "")
    assert scan.sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF", "x.jpg")
    assert scan.sniff(b"II*\x00....", "") and scan.sniff(b"MM\x00*....", "")
    assert scan.sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 ", "")
    assert not scan.sniff(b"%PDF-1.7\n", "scan.pdf")
    assert not scan.sniff(b"<html><body>", "x.html")
    assert reader_for(TABLE_PNG.read_bytes(), "t.png") is scan


MIXED = "003_huaian_shi_2024.mixed.pdf"  # page 1 typed, pages 2 and 3 scanned


@needs_ocr
@pytest.mark.slow
def test_a_pdf_typed_then_scanned_is_read_whole():
    """The pages without text that show a picture are OCR'd and read with the typed one: table 二
    from the text layer, 三 and 四 from the scan."""
    report = _extracted(MIXED)
    gold = _gold(MIXED.removesuffix(".pdf") + ".gold.json")
    exact, flagged, wrong = _score(report, gold)
    assert report.kind == "pdf" and not wrong, wrong
    assert exact >= 196, flagged
    assert set(report.tables.values()) == {"read"}
    typed = report.cells["disclosure.normative_documents.in_force"]
    scanned = report.cells["applications.new_received.total"]
    assert typed.confidence is None and typed.where.startswith("page 1 ")
    assert scanned.confidence is not None and scanned.where.startswith(("page 2 ", "page 3 "))


def test_without_tesseract_a_pdf_s_scanned_pages_are_said_unread(monkeypatch):
    monkeypatch.setenv("XXGK_TESSERACT", "/nonexistent/tesseract")
    report = extract_file(FORMATS / MIXED)
    gold = _gold(MIXED.removesuffix(".pdf") + ".gold.json")
    assert not _score(report, gold)[2]  # nothing wrong: what the scan holds is null
    (note,) = [c for c in report.checks if c.rule == "pictures"]
    assert not note.ok and note.detail.startswith("pages 2, 3 of this PDF: scanned, left unread: ")
    assert "install tesseract-ocr" in note.detail
    assert report.tables["applications"] != "read"


PICTURED = "img_table_pdf.pdf"  # typed; on page 2, section 三's table is a picture under typed text


@needs_ocr
@pytest.mark.slow
def test_a_table_pasted_as_a_picture_on_a_typed_page_is_read_with_its_text():
    """The picture is OCR'd alone (the page white around it) and its words join the page's text
    layer: table 三 from the picture, 二 and 四 typed, every cell right or flagged."""
    report = _extracted(PICTURED)
    gold = _gold("img_table_pdf.gold.json")
    exact, flagged, wrong = _score(report, gold)
    assert report.kind == "pdf" and not wrong, wrong
    assert exact >= IMG_TABLE_EXACT_AT_LEAST, flagged
    assert set(report.tables.values()) == {"read"}
    typed = report.cells["disclosure.licensing.decisions"]
    pictured = report.cells["applications.new_received.natural_person"]
    assert (typed.value, typed.confidence) == (550, None)
    assert pictured.value == 21 and pictured.confidence is not None and pictured.where.startswith("page 2 ")
    assert not any(c.rule == "pictures" for c in report.checks)


def test_without_tesseract_a_typed_page_s_table_picture_is_said_unread(monkeypatch):
    monkeypatch.setenv("XXGK_TESSERACT", "/nonexistent/tesseract")
    report = extract_file(FORMATS / PICTURED)
    assert not _score(report, _gold("img_table_pdf.gold.json"))[2]
    (note,) = [c for c in report.checks if c.rule == "pictures"]
    assert note.detail.startswith("page 2 of this PDF: a picture that may be a table, left unread: ")
    assert report.tables["applications"] != "read" and report.cells["disclosure.licensing.decisions"].value == 550


def _with_picture(pdf: Path, page: int, box: tuple[float, float, float], tmp_path: Path) -> bytes:
    """The PDF with hongze_2023_table.png drawn on its page `page` (from 0), `box[0]` points
    wide at (x, y) = box[1:] from the bottom left, as a picture pasted into a typed page."""
    import pypdf

    picture = tmp_path / "picture.pdf"
    Image.open(TABLE_PNG).convert("L").save(picture, resolution=150)
    shown = pypdf.PdfReader(picture).pages[0]
    writer = pypdf.PdfWriter(clone_from=pdf)
    width, x, y = box
    writer.pages[page].merge_transformed_page(
        shown, pypdf.Transformation().scale(width / float(shown.mediabox.width)).translate(x, y))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_holding_its_tables_reads_no_picture(monkeypatch, tmp_path):
    """A typed PDF whose text holds the report's tables, with a picture of a table's size on a
    typed page (a chart, a photo): nothing is OCR'd, so without Tesseract nothing is said unread;
    the same picture where the tables are missing is read (the tests above)."""
    monkeypatch.setenv("XXGK_TESSERACT", "/nonexistent/tesseract")
    source = FORMATS / "001_huaian_hongze_qu_2023.pdf"  # page 3: text down to 160 pt from the top
    data = _with_picture(source, 2, (400, 97, 68), tmp_path)
    pictures = pdf._table_pictures(pdf.read_layer(data))
    assert list(pictures) == [3]  # a picture OCR would read, were the tables not there
    report = extract_bytes(data, "with_chart.pdf")
    assert not any(c.rule == "pictures" for c in report.checks) and set(report.tables.values()) == {"read"}
    gold = _gold("001_huaian_hongze_qu_2023.gold.json")
    assert {k: report.cells[k].value for k in gold["cells"]} == gold["cells"]


@needs_ocr
@pytest.mark.slow
def test_a_table_picture_on_a_page_larger_than_ocr_renders_is_read_in_place(tmp_path):
    """A page three times A4 is rendered smaller for OCR: its picture's words are put back in
    the page's points, among its typed text, and read as at A4."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=FORMATS / PICTURED)
    for page in writer.pages:
        page.scale_by(3)
    out = io.BytesIO()
    writer.write(out)
    report = extract_bytes(out.getvalue(), "huge.pdf")
    exact, flagged, wrong = _score(report, _gold("img_table_pdf.gold.json"))
    assert not wrong and exact >= IMG_TABLE_EXACT_AT_LEAST, flagged
    assert set(report.tables.values()) == {"read"}


def test_a_table_picture_on_a_turned_page_is_left(monkeypatch):
    """A typed page turned by /Rotate: its text layer and its picture would not be read the same
    way up; the picture is left (the table then missing, said so), nothing is read wrong."""
    import pypdf

    monkeypatch.setenv("XXGK_TESSERACT", "/nonexistent/tesseract")
    writer = pypdf.PdfWriter(clone_from=FORMATS / PICTURED)
    writer.pages[1].rotate(90)
    out = io.BytesIO()
    writer.write(out)
    report = extract_bytes(out.getvalue(), "turned.pdf")
    assert not _score(report, _gold("img_table_pdf.gold.json"))[2]
    assert report.tables["applications"] != "read" and not any(c.rule == "pictures" for c in report.checks)


@needs_ocr
@pytest.mark.slow
def test_a_scan_shown_sideways_is_turned_upright():
    """A landscape table scanned sideways: the pages show a quarter turned, one each way, the
    last upright. Each is turned back (its lines run up or down it, Tesseract's OSD says which
    way) and read as well as the upright scan."""
    import pypdf

    name = "003_huaian_shi_2024.scan.pdf"
    writer = pypdf.PdfWriter(clone_from=FORMATS / name)
    writer.pages[0].rotate(90)
    writer.pages[1].rotate(270)
    out = io.BytesIO()
    writer.write(out)
    report = extract_bytes(out.getvalue(), "sideways.pdf")
    gold = _gold(name.removesuffix(".pdf") + ".gold.json")
    assert (report.template, report.report_year, report.agency) == (gold["template"], gold["report_year"], gold["agency"])
    exact, flagged, wrong = _score(report, gold)
    assert not wrong and exact >= EXACT_AT_LEAST[name], flagged


@pytest.mark.parametrize("name", sorted(EXACT_AT_LEAST))
def test_a_page_turned_a_quarter_is_told_by_its_lines(name):
    """Every page of the scan fixtures, as it stands and turned a quarter, at the 75 dpi `ocr`
    looks at (prose pages, table pages, a page of a table's last rows)."""
    with pdf.opened((FORMATS / name).read_bytes()) as doc:
        pages = [doc[i].render(scale=75 / 72, grayscale=True).to_pil().convert("L") for i in range(len(doc))]
    for page in pages:
        gray = np.asarray(page)
        ink = gray < pixels.otsu(gray)
        rule = ocr.SETTINGS.px(ocr.SETTINGS.rule_mm) // 4
        assert not pixels.sideways(ink, rule)
        assert pixels.sideways(np.rot90(ink), rule)


@needs_ocr
@pytest.mark.slow
def test_a_tiff_of_a_scan_with_a_page_turned_is_read_upright():
    """A scan sent as a multi-page TIFF (150 dpi), its table page sideways: turned as a scanned
    PDF's page is."""
    name = "003_huaian_shi_2024.scan.pdf"
    with pdf.opened((FORMATS / name).read_bytes()) as doc:
        pages = [doc[i].render(scale=150 / 72, grayscale=True).to_pil().convert("L") for i in range(len(doc))]
    pages[1] = pages[1].rotate(90, expand=True)
    tiff = io.BytesIO()
    pages[0].save(tiff, "TIFF", save_all=True, append_images=pages[1:], dpi=(150, 150))
    report = extract_bytes(tiff.getvalue(), "scan.tif")
    gold = _gold(name.removesuffix(".pdf") + ".gold.json")
    assert report.kind == "ocr" and (report.template, report.report_year) == (gold["template"], gold["report_year"])
    exact, flagged, wrong = _score(report, gold)
    assert not wrong and exact >= EXACT_AT_LEAST[name], flagged


def _without_unicode_maps(path: Path) -> bytes:
    """The PDF with its fonts' ToUnicode maps taken out: its text layer then reads as the
    glyphs' numbers (Chinese characters at random, here), as some publishing tools write it."""
    import pypdf
    from pypdf.generic import NameObject

    writer = pypdf.PdfWriter(clone_from=path)
    for page in writer.pages:
        for font in page["/Resources"].get_object().get("/Font", {}).get_object().values():
            font.get_object().pop(NameObject("/ToUnicode"), None)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_whose_text_layer_is_no_text_goes_to_ocr():
    real = FORMATS.parent / "corpus" / "pdf" / "hongze_2023.pdf"
    assert pdf.read(real.read_bytes(), real.name).kind == "pdf"
    with pytest.raises(pdf.Scanned, match="maps its glyphs to no characters"):
        pdf.read(_without_unicode_maps(real), real.name)


@needs_ocr
@pytest.mark.slow
def test_a_real_pdf_whose_fonts_map_no_characters_is_read_by_ocr():
    real = FORMATS.parent / "corpus" / "pdf" / "hongze_2023.pdf"
    report = extract_bytes(_without_unicode_maps(real), real.name)
    gold = _gold("../corpus/pdf/hongze_2023.gold.json")
    assert report.kind == "ocr"
    assert (report.template, report.report_year) == (gold["template"], gold["report_year"])
    # Tesseract misses the title's large first line (洪泽区人民政府) on this clean render: the
    # agency is then the one the first sentence names (本报告由淮安市洪泽区人民政府办公室)
    assert report.agency == "淮安市洪泽区人民政府办公室"
    exact, flagged, wrong = _score(report, gold)
    assert not wrong and exact >= 179, flagged  # all but the 21 inferred, as from its text layer


def _stamped(path: Path) -> bytes:
    """The scan with a line of typed text stamped at the foot of each page, as sites stamp the
    PDFs they serve (a page number, where it was downloaded from)."""
    import pypdf
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    writer = pypdf.PdfWriter(clone_from=path)
    font = writer._add_object(DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                                                NameObject("/Subtype"): NameObject("/Type1"),
                                                NameObject("/BaseFont"): NameObject("/Helvetica")}))
    for n, page in enumerate(writer.pages, 1):
        resources = page["/Resources"].get_object()
        resources.setdefault(NameObject("/Font"), DictionaryObject())[NameObject("/FStamp")] = font
        stamp = DecodedStreamObject()
        stamp.set_data(f"BT /FStamp 8 Tf 40 20 Td (Page {n} - downloaded from www.example.gov.cn) Tj ET".encode())
        page[NameObject("/Contents")] = ArrayObject([writer._add_object(page.get_contents()), writer._add_object(stamp)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_scan_stamped_with_a_line_of_text_is_told_from_a_typed_pdf():
    stamped = pdf.read_layer(_stamped(FORMATS / "003_huaian_shi_2024.scan.pdf"))
    assert all(p.words for p in stamped) and pdf._scanned(stamped) == {1: None, 2: None, 3: None}
    typed = pdf.read_layer((FORMATS / "003_huaian_shi_2024.pdf").read_bytes())
    mixed = pdf.read_layer((FORMATS / "003_huaian_shi_2024.mixed.pdf").read_bytes())
    assert pdf._scanned(typed) == {} and pdf._scanned(mixed) == {2: None, 3: None}


@needs_ocr
@pytest.mark.slow
def test_a_scan_stamped_with_a_line_of_text_is_read_by_ocr():
    name = "003_huaian_shi_2024.scan.pdf"
    report = extract_bytes(_stamped(FORMATS / name), "stamped.pdf")
    gold = _gold(name.removesuffix(".pdf") + ".gold.json")
    assert report.kind == "ocr"
    assert (report.template, report.report_year, report.agency) == (gold["template"], gold["report_year"], gold["agency"])
    exact, flagged, wrong = _score(report, gold)
    assert not wrong and exact >= EXACT_AT_LEAST[name], flagged


def _alive(pid: int) -> bool:
    """The process runs (not gone, not a zombie waiting to be reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def _runs(pid: int, program: bytes) -> bool:
    """The process runs this program (its command line's first word ends with it)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].endswith(program)
    except OSError:
        return False


def _descendants(pid: int) -> list[int]:
    """The processes `pid` started, and those they started (from /proc)."""
    parents: dict[int, int] = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            parents[int(stat_file.parent.name)] = int(stat_file.read_text().rpartition(")")[2].split()[1])
    out, level = [], [pid]
    while level:
        level = [child for child, parent in parents.items() if parent in level]
        out += level
    return out


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_program_a_reader_runs_dies_with_a_killed_extraction(tmp_path):
    """`kill -9` of the process reading a scan: the Tesseract it runs (here one that never ends)
    is killed at once (its guard, told by the kernel, kills its session), not left to run on."""
    fake = tmp_path / "tesseract"
    fake.write_text('#!/bin/sh\ncase "$*" in *--list-langs*) printf "List of (3):\\nchi_sim\\neng\\nosd\\n";;\n'
                    '*) exec sleep 600;; esac\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    extraction = subprocess.Popen(
        [sys.executable, "-c", "import sys; from xxgk.extract.report import extract_file; extract_file(sys.argv[1])",
         str(FORMATS / "seed_000.scan.pdf")],
        # (killed, it leaves its OCR folder, pages.tif, behind: in the test's own folder)
        env={**os.environ, "XXGK_TESSERACT": str(fake), "TMPDIR": str(tmp_path)})
    try:
        deadline = time.monotonic() + 60
        # past the language check (a child that ends at once): the reading itself runs
        while not (ocr := [pid for pid in _descendants(extraction.pid) if _runs(pid, b"sleep")]):
            assert extraction.poll() is None and time.monotonic() < deadline, "no OCR was started"
            time.sleep(0.05)
        extraction.kill()
        extraction.wait()
        deadline = time.monotonic() + 5
        while any(map(_alive, ocr)) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [pid for pid in ocr if _alive(pid)]
    finally:
        extraction.kill()
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert ocr and not left


def test_missing_tesseract_names_the_packages(monkeypatch):
    monkeypatch.setenv("XXGK_TESSERACT", "/nonexistent/bin/tesseract")
    with pytest.raises(Unreadable, match="tesseract-ocr and tesseract-ocr-chi-sim"):
        scan.read_image(TABLE_PNG.read_bytes())
    report = extract_bytes(TABLE_PNG.read_bytes(), "table.png")
    assert report.status is Status.FAILED
    assert "install tesseract-ocr and tesseract-ocr-chi-sim" in report.checks[-1].detail


def test_the_named_tesseract_is_run(monkeypatch):
    monkeypatch.setenv("XXGK_TESSERACT", "/nonexistent/tesseract")
    with pytest.raises(Unreadable, match=r"\(/nonexistent/tesseract\) is not installed"):
        tesseract.program(["chi_sim"])


def test_missing_chinese_data_names_the_package(monkeypatch, tmp_path):
    fake = tmp_path / "tesseract"
    fake.write_text('#!/bin/sh\necho "List of available languages in \\"/usr/share\\" (2):"\necho eng\necho osd\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("XXGK_TESSERACT", str(fake))
    with pytest.raises(Unreadable, match="no chi_sim data: install .*tesseract-ocr-chi-sim"):
        scan.read_image(TABLE_PNG.read_bytes())


def test_settings_are_validated():
    with pytest.raises(ValueError, match="read_dpi"):
        ocr.Settings(read_dpi=400)
    with pytest.raises(ValueError, match="positive"):
        ocr.Settings(rule_mm=0)
    with pytest.raises(ValueError, match="doubtful < substituted"):
        ocr.Settings(doubtful=60, substituted=50)
    assert ocr.Settings().px(25.4) == 300


def test_unreadable_images_are_refused():
    with pytest.raises(Unreadable, match="unreadable image"):
        scan.read(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)


# --- values: read twice, kept only when the models agree -------------------------------


def _v(text: str, confidence: float = 90.0):
    return ocr._as_value(text, confidence, ocr.SETTINGS)


def test_readings_as_values():
    assert _v("4119") == ocr._Value("4119", True, 90.0)
    assert _v("7730.28").text == "7730.28"
    assert _v("O") == ocr._Value("0", False, 90.0)        # a letter taken for a digit
    assert _v("]") == ocr._Value("1", False, 90.0)
    assert _v("0.") == ocr._Value("0", False, 90.0)       # a speck read as a point
    assert _v("1 0") == ocr._Value("10", False, 90.0)     # a cell holds one number
    assert _v("/").text == "/" and _v("—").text == "-"     # blank marks are values too
    assert _v("行政处罚") is None and _v("1.属于国家秘密") is None and _v("") is None


def test_values_are_kept_only_when_two_models_agree():
    s = ocr.SETTINGS
    agreed = ocr._decide(_v("195", 33), [_v("195", 96)], s)
    assert agreed.text == "195" and math.isclose(agreed.confidence, 100 - 67 * 4 / 100)
    assert ocr._decide(_v("194", 84), [_v("195", 96)], s) is None          # chi_sim's 5 read as 4
    assert ocr._decide(_v("194", 84), [_v("195", 96), _v("194", 80)], s).text == "194"
    assert ocr._decide(None, [_v("1", 96)], s) is None                     # only one model saw it
    assert ocr._decide(_v("O", 95), [_v("0", 96)], s).confidence == s.substituted


# --- the page's pixels -------------------------------------------------------------------


def _ruled_page(angle: float = 0.0) -> np.ndarray:
    """A white page at 300 dpi with a 3×4 ruled table, bold text runs and specks."""
    image = Image.new("L", (1600, 1200), 255)
    draw = ImageDraw.Draw(image)
    xs, ys = [200, 600, 900, 1200, 1400], [300, 400, 500, 600]
    for x in xs:
        draw.line((x, ys[0], x, ys[-1]), fill=0, width=3)
    for y in ys:
        draw.line((xs[0], y, xs[-1], y), fill=0, width=3)
    for i in range(6):  # a run of bold strokes inside a cell: no rule
        draw.rectangle((220 + i * 45, 440, 255 + i * 45, 452), fill=0)
    for x, y in ((100, 100), (700, 800), (1500, 1100)):
        draw.ellipse((x, y, x + 3, y + 3), fill=0)
    if angle:
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    return np.asarray(image)


def test_skew_is_measured():
    for angle in (0.6, -0.45):
        gray = _ruled_page(angle)
        measured = pixels.skew_angle(gray < pixels.otsu(gray), 2.0, 0.1)
        assert abs(measured - angle) <= 0.05


def test_rules_make_the_table_and_bold_text_does_not():
    gray = _ruled_page()
    shape = pixels.RuleShape(length=83, gap=2, thickness=24, drawn=0.85)
    bands = pixels.find_rules(gray < 128, shape)
    assert len(bands) == 4 + 5
    lines = [ocr._centre_line(b) for b in bands]
    (table,) = find_tables(lines, 12)
    assert len(table.cells) == 12 and len(table.xs) == 5 and len(table.ys) == 4


def test_specks_go_and_a_decimal_point_stays():
    mask = np.zeros((100, 200), dtype=bool)
    mask[40:70, 20:30] = mask[40:70, 40:50] = True   # two digits
    mask[66:70, 33:37] = True                        # a decimal point between them
    mask[10:13, 150:153] = True                      # a speck far off
    clean = pixels.drop_specks(mask, least=25, reach=12)
    assert clean[66:70, 33:37].all() and not clean[10:13, 150:153].any()
    assert pixels.ink_box(mask, (0, 0, 200, 100), 25, (70, 30)) == (20, 40, 50, 70)


def test_sauvola_keeps_faint_strokes_and_drops_shading():
    gray = np.full((200, 400), 250, dtype=np.uint8)
    gray[50:150, 200:400] = 205          # a shaded cell
    gray[100:103, 20:120] = 200          # a faint stroke on white paper
    ink = pixels.sauvola(gray, 47, 0.2)
    assert ink[100:103, 20:120].mean() > 0.9
    assert ink[60:140, 220:380].mean() < 0.01
