"""Office containers the other readers did not recognise from the file's head: looked into
whole, read if they hold a Word document after all, refused with what they are otherwise.

A .docx whose first ZIP entries are large pictures, a .doc whose OLE directory sits at its
end, a download named `file.do`: their heads do not show what they are, their whole bytes do.
An .xlsx, an .xls, an OFD or a plain ZIP archive is told apart from a damaged file, so the
reason says what to do with it.
"""
from __future__ import annotations

from xxgk.extract.decode import Unreadable
from xxgk.extract.document import Document
from xxgk.extract.formats import containers, converted, word

KIND = "office"


def sniff(head: bytes, name: str) -> bool:
    return head.startswith((containers.ZIP_MAGIC, containers.OLE_MAGIC))


def read(data: bytes, name: str) -> Document:
    kind = containers.kind_of(data)
    if kind == "docx":
        return word.read(data, name)
    if kind in ("doc", "odt"):
        return converted.read(data, name)
    raise Unreadable(containers.DESCRIPTIONS.get(kind or "", "an Office container that is not a Word document"))
