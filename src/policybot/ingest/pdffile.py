"""Text of a PDF, page by page, with wrapped lines joined back into paragraphs.

pypdf (BSD) reads it; pdfminer.six (MIT) reads it again when pypdf fails or
finds little legible text, and the more legible reading wins. Page numbers and
running headers/footers are dropped; a line that fills the page's width runs on
into the next (across a page break too), unless the next opens a numbered
heading (一、, （一）, 第一条 …). A PDF whose pages hold no text at all is a scan.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter

from ..errors import EmptyArticleError, InputError
from ..textutil import CJK
from .document import CELL_SEPARATOR, NUMBERED_HEADING, Block, Document, clean_title

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–_\s]*\d{1,4}[-—–_\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+"
    r"|(?i:page)\s*\d+(?:\s*(?i:of)\s*\d+)?)$"
)
#: Layout mode pads table columns with runs of spaces; ordinary text has single ones.
_CELL_GAP = re.compile(r"\s{3,}")
_LEGIBLE = re.compile(f"[{CJK}A-Za-z0-9\uff10-\uff5a]")
#: Replacement characters, pdfminer's "(cid:n)", private-use and control characters: a misread font.
_GARBAGE = re.compile("\ufffd|\\(cid:\\d+\\)|[\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f]")
_WIDE = re.compile(f"[{CJK}\u3000-\u303f\uff00-\uffef]")
#: A line at least this share of the document's usual line width is "full": it wraps on.
_FULL_SHARE = 0.85
#: Lines narrower than this (in CJK character widths) say nothing about the page width.
_MIN_MEASURED = 10
_SCAN_HINT = "run OCR on it first, or copy its text from a PDF viewer and add it with `policybot add -`"


def read_pdf(data: bytes, name: str) -> Document:
    """The document's title and blocks; InputError for a broken or locked PDF, EmptyArticleError for a scan."""
    pages, title, problem = _read_pypdf(data)
    if pages is None or _legibility(pages) < 0.9 or not _has_text(pages):
        other, problem_other = _read_pdfminer(data)
        if other is not None and (pages is None or _quality(other) > _quality(pages)):
            pages = other
        problem = problem or problem_other
    if pages is None:
        raise InputError(f"{name} cannot be read as a PDF ({problem})",
                         "open it in a PDF viewer and save or print it to a new PDF, or copy its text")
    if not _has_text(pages):
        raise EmptyArticleError(f"{name} is a scanned PDF: its {len(pages)} page(s) are images without a "
                                "text layer", _SCAN_HINT)
    return Document(title=title, blocks=_blocks(_drop_furniture(pages)), pages=len(pages))


def _read_pypdf(data: bytes) -> tuple[list[str] | None, str | None, str | None]:
    """(page texts, metadata title, problem) as pypdf reads them."""
    import pypdf

    # Its complaints about sloppy files (logged as errors) are not the user's to read; the result is judged below.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return None, None, "it is password-protected"
        title = clean_title(reader.metadata.title if reader.metadata else None)
        return [_page_text(page) for page in reader.pages], title, None
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on damaged files
        return None, None, _problem(exc)


def _page_text(page: object) -> str:
    """A page's text in layout mode (table cells stay on their row), plain mode if that fails."""
    try:
        return page.extract_text(extraction_mode="layout") or ""  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - layout mode is the fussier one; plain mode reads what it can
        return page.extract_text() or ""  # type: ignore[attr-defined]


def _read_pdfminer(data: bytes) -> tuple[list[str] | None, str | None]:
    """(page texts, problem) as pdfminer.six reads them."""
    from pdfminer.high_level import extract_text

    logging.getLogger("pdfminer").setLevel(logging.CRITICAL)
    try:
        text = extract_text(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds on damaged files
        return None, _problem(exc)
    pages = text.split("\x0c")
    if len(pages) > 1 and not pages[-1].strip():
        pages.pop()  # the form feed ends each page, the last one too
    return pages, None


def _problem(exc: Exception) -> str:
    text = " ".join(str(exc).split())[:80]
    if "password" in text.lower() or "encrypt" in text.lower():
        return "it is password-protected"
    return text or type(exc).__name__


def _has_text(pages: list[str]) -> bool:
    return any(_LEGIBLE.search(page) for page in pages)


def _legibility(pages: list[str]) -> float:
    """Share of characters that are not replacement, (cid:n) or private-use garbage."""
    text = "".join(pages)
    visible = len(text) - sum(text.count(c) for c in " \n\t")
    return 1.0 - len(_GARBAGE.findall(text)) / visible if visible else 0.0


def _quality(pages: list[str]) -> float:
    text = "".join(pages)
    return len(_LEGIBLE.findall(text)) - 5 * len(_GARBAGE.findall(text))


def _line(raw: str) -> str:
    """One printed line: cells set apart by wide gaps (a table row) joined by "｜", spaces tidied."""
    cells = [" ".join(cell.split()) for cell in _CELL_GAP.split(raw.strip())]
    return CELL_SEPARATOR.join(cells)


def _drop_furniture(pages: list[str]) -> list[list[str]]:
    """Each page's lines without page numbers and without headers/footers repeated on most pages."""
    lines = [[_line(line) for line in page.splitlines() if line.strip()] for page in pages]
    lines = [[line for line in page if not _PAGE_NUMBER.match(line)] for page in lines]
    if len(lines) < 3:
        return lines
    edges = Counter(line for page in lines for line in set(page[:2] + page[-2:]))
    running = {line for line, count in edges.items() if count >= 0.6 * len(lines)}
    return [[line for i, line in enumerate(page) if not (line in running and (i < 2 or i >= len(page) - 2))]
            for page in lines]


def _width(line: str) -> float:
    """Printed width in CJK character widths (Latin letters and digits are about half)."""
    wide = len(_WIDE.findall(line))
    return wide + (len(line) - wide) / 2


def _usual_width(pages: list[list[str]]) -> float:
    widths = sorted(w for page in pages for w in map(_width, page) if w >= _MIN_MEASURED)
    return widths[int(len(widths) * 0.8)] if widths else 0.0


def _blocks(pages: list[list[str]]) -> list[Block]:
    """Paragraphs rebuilt from wrapped lines, each with the page it starts on."""
    full = _usual_width(pages) * _FULL_SHARE
    blocks: list[Block] = []
    current: list[str] = []
    start_page = 1
    runs_on = False
    for page_number, page in enumerate(pages, 1):
        for line in page:
            row = CELL_SEPARATOR in line
            if current and (not runs_on or row or NUMBERED_HEADING.match(line)):
                blocks.append(_block(current, start_page))
                current = []
            if not current:
                start_page = page_number
            current.append(line)
            runs_on = full > 0 and not row and _width(line) >= full
    if current:
        blocks.append(_block(current, start_page))
    return blocks


def _block(lines: list[str], page: int) -> Block:
    text = lines[0]
    for line in lines[1:]:
        # Latin words wrapped over a line break need their space back; Chinese text does not.
        text += " " + line if text[-1:].isascii() and text[-1:].isalnum() and line[:1].isascii() else line
    if CELL_SEPARATOR in text:
        return Block(text, "table", page)
    numbered = NUMBERED_HEADING.match(text) is not None and len(text) <= 30
    return Block(text, "heading" if numbered else "paragraph", page)
