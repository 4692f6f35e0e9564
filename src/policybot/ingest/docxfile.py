"""Text of a Word (.docx) file with python-docx (MIT): paragraphs, headings and tables in order.

Heading styles (Heading 1…, 标题 1…) become heading blocks with their level,
the Title style the document's title; each table row becomes one line of its
cells joined by "｜" (a merged cell counted once). Headers, footers, comments
and text boxes are not article text and are left out.
"""

from __future__ import annotations

import io
import re
import zipfile

from ..errors import InputError
from .document import CELL_SEPARATOR, NUMBERED_HEADING, Block, Document, clean_title

#: A document.xml larger than this unpacked is refused before parsing (a zip bomb, or no article).
MAX_XML_BYTES = 64 * 1024 * 1024
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_SAVE_HINT = "open it in Word or WPS and save it as .docx again, or copy its text"


def read_docx(data: bytes, name: str) -> Document:
    """The document's title and blocks; InputError when the file is not a readable .docx."""
    import docx

    _check_package(data, name)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - python-docx/lxml raise many kinds on damaged files
        raise InputError(f"{name} cannot be read as a Word file ({' '.join(str(exc).split())[:80]})",
                         _SAVE_HINT) from None
    title = clean_title(document.core_properties.title)
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, docx.table.Table):
            blocks += _table_rows(item)
            continue
        block = _paragraph(item)
        if block is None:
            continue
        if block.level == 0:
            title = title or block.text
            continue
        blocks.append(block)
    return Document(title=title, blocks=blocks)


def _check_package(data: bytes, name: str) -> None:
    """Refuse what is not a .docx, or would unpack to too much, before python-docx parses it."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{name} is an old Word (.doc) file", "save it as .docx in Word or WPS, then add that")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            info = package.getinfo("word/document.xml")
    except (zipfile.BadZipFile, KeyError):
        raise InputError(f"{name} is not a Word .docx file", _SAVE_HINT) from None
    if info.file_size > MAX_XML_BYTES:
        raise InputError(f"{name} unpacks to {info.file_size / 1e6:.0f} MB of document text, over the "
                         f"{MAX_XML_BYTES / 1e6:.0f} MB limit", "split the document into smaller files")


def _paragraph(paragraph: object) -> Block | None:
    """A heading or paragraph block (level 0: the Title style), or None for an empty paragraph."""
    text = " ".join(paragraph.text.split())  # type: ignore[attr-defined]
    if not text:
        return None
    style = paragraph.style.name if paragraph.style is not None else ""  # type: ignore[attr-defined]
    if style.lower() == "title":
        return Block(text, "heading", level=0)
    heading = _HEADING_STYLE.match(style.strip())
    if heading:
        return Block(text, "heading", level=int(heading.group(1)))
    numbered = NUMBERED_HEADING.match(text) is not None and len(text) <= 30
    return Block(text, "heading" if numbered else "paragraph")


def _table_rows(table: object) -> list[Block]:
    """One block per row: its cells' text joined, a merged cell (repeated by python-docx) once."""
    rows: list[Block] = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells: list[str] = []
        seen: set[object] = set()
        for cell in row.cells:
            element = cell._tc  # noqa: SLF001 - the XML element is what identifies a merged cell
            if element not in seen:
                seen.add(element)
                cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(Block(CELL_SEPARATOR.join(cells), "table"))
    return rows
