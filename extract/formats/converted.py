"""Word .doc, WPS .wps, RTF and OpenDocument .odt files: converted to .docx by LibreOffice,
then read as Word files.

No Python library reads Word's binary format well; LibreOffice does (and WPS files, which
are Word's binary format under another name). Each conversion runs `soffice --headless` in a
private temporary folder with its own user profile, so parallel conversions never share one
(LibreOffice locks its profile, and a second instance would hand its work to the first). It
is killed with soffice.bin and anything else it started if it runs past `TIMEOUT` or the
extraction is interrupted (`programs.run`), and its folder is always removed.

`XXGK_SOFFICE` names the soffice program when it is not on the PATH.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from xxgk.extract import programs
from xxgk.extract.decode import Unreadable
from xxgk.extract.document import Document
from xxgk.extract.formats import containers
from xxgk.extract.formats.word import read_docx

KIND = "doc"
TIMEOUT = 60.0  # seconds per conversion; a report converts in one or two
_SUFFIXES = {".doc": "doc", ".dot": "doc", ".wps": "wps", ".wpt": "wps", ".rtf": "rtf", ".odt": "odt"}
# what each kind is called when telling the user it could not be read
_NAMES = {"doc": "a Word .doc file", "wps": "a WPS .wps file", "rtf": "an RTF file", "odt": "an OpenDocument .odt file"}
_INSTALL = ("install libreoffice-writer-nogui (Debian, Ubuntu; libreoffice-writer elsewhere) "
            "or set XXGK_SOFFICE to the soffice program")


def sniff(head: bytes, name: str) -> bool:
    return kind_of(head, name) is not None


def read(data: bytes, name: str) -> Document:
    kind = kind_of(data, name) or containers.kind_of(data)
    if kind not in _NAMES:
        raise Unreadable(containers.DESCRIPTIONS.get(kind or "", "not a Word document"))
    return read_docx(to_docx(data, kind), kind)


def kind_of(data: bytes, name: str) -> str | None:
    """doc, wps, rtf or odt, from the file's start and its name; None for anything else. An
    OLE file whose directory is past `data` counts by its name: .doc, .wps."""
    if containers.is_rtf(data[:64]):
        return "rtf"
    suffix = _SUFFIXES.get(Path(name).suffix.lower())
    if data.startswith(containers.OLE_MAGIC):
        found = containers.ole_kind(data)
        if found == "doc":
            return suffix if suffix in ("doc", "wps") else "doc"
        return suffix if found is None and suffix in ("doc", "wps") else None
    if data.startswith(containers.ZIP_MAGIC) and containers.zip_kind(containers.zip_names(data), data[:4096]) == "odt":
        return "odt"
    return None


def soffice() -> str | None:
    """The LibreOffice program: XXGK_SOFFICE, else soffice or libreoffice on the PATH."""
    return programs.find("XXGK_SOFFICE", "soffice", "libreoffice")


def to_docx(data: bytes, kind: str) -> bytes:
    """The file converted to .docx by LibreOffice; Unreadable when it cannot be."""
    program = soffice()
    if program is None:
        raise Unreadable(f"{_NAMES[kind]} needs LibreOffice to be read: {_INSTALL}")
    with programs.folder("xxgk-soffice-") as folder:
        # WPS files are Word's binary format: LibreOffice reads them as .doc (as .wps it
        # would try Microsoft Works)
        source = folder / f"report.{'doc' if kind == 'wps' else kind}"
        source.write_bytes(data)
        try:
            programs.run([program, "--headless", "--norestore", "--nologo", "--nolockcheck",
                          f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                          "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(folder / "out"), str(source)],
                         TIMEOUT)
        except subprocess.TimeoutExpired:
            raise Unreadable(f"LibreOffice did not convert {_NAMES[kind]} in {TIMEOUT:g} s") from None
        except OSError as e:  # found, but it cannot start (a broken install)
            raise Unreadable(f"LibreOffice ({program}) could not run: {e}; {_INSTALL}") from None
        out = folder / "out" / "report.docx"
        if not out.is_file():
            raise Unreadable(f"LibreOffice could not convert {_NAMES[kind]} (damaged or password-protected?)")
        return out.read_bytes()
