"""PDF and Word readers on real files (tests/fixtures/documents, written by make_documents.py)."""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path

import pytest

from policybot.errors import EmptyArticleError, InputError
from policybot.ingest.document import CELL_SEPARATOR
from policybot.ingest.docxfile import MAX_XML_BYTES, read_docx
from policybot.ingest.pdffile import _read_pypdf, read_pdf

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "documents"
_spec = importlib.util.spec_from_file_location("make_documents", FIXTURES / "make_documents.py")
assert _spec and _spec.loader
made = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(made)

PARAGRAPHS = [str(v) for k, v in made.CONTENT if k == "p"]
HEADINGS = [str(v) for k, v in made.CONTENT if k == "h"]
TABLE = next(v for k, v in made.CONTENT if k == "t")
ROWS = [CELL_SEPARATOR.join(row) for row in TABLE]


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_pdf_paragraphs_come_back_whole_across_lines_and_pages() -> None:
    document = read_pdf(_fixture("policy_notice.pdf"), "policy_notice.pdf")
    lines = document.lines()
    assert document.title == made.TITLE and document.pages == 3
    for paragraph in PARAGRAPHS:
        assert paragraph in lines  # every wrapped line joined back, none split off
    pages = {block.text[:3]: block.page for block in document.blocks}
    assert pages["第一条"] == 1 and pages["第二条"] == 2  # 第一条 starts on page 1 and runs onto page 2


def test_pdf_headings_and_table_rows_are_their_own_lines() -> None:
    document = read_pdf(_fixture("policy_notice.pdf"), "policy_notice.pdf")
    kinds = {block.text: block.kind for block in document.blocks}
    for heading in HEADINGS:
        assert kinds.get(heading) == "heading"
    for row in ROWS:
        assert kinds.get(row) == "table"


def test_pdf_running_header_and_page_numbers_are_dropped() -> None:
    lines = read_pdf(_fixture("policy_notice.pdf"), "policy_notice.pdf").lines()
    assert made.RUNNING_HEADER not in lines
    assert not any(line.startswith("-") and line.endswith("-") for line in lines)


def test_a_scanned_pdf_gets_one_clear_line() -> None:
    with pytest.raises(EmptyArticleError) as caught:
        read_pdf(_fixture("scanned.pdf"), "scanned.pdf")
    message = str(caught.value)
    assert "scanned.pdf is a scanned PDF" in message and "OCR" in message and "\n" not in message


def test_pdfminer_reads_what_pypdf_misreads() -> None:
    data = _fixture("utf32_cmap.pdf")
    pages, _, _ = _read_pypdf(data)
    assert pages is not None and made.UTF32_LINES[1] not in "".join(pages)  # pypdf alone: garbage
    assert read_pdf(data, "utf32_cmap.pdf").lines() == made.UTF32_LINES


@pytest.mark.parametrize("data, says", [
    (b"%PDF-1.4\n" + b"\x00" * 200, "cannot be read as a PDF"),
    (b"not a pdf at all", "cannot be read as a PDF"),
])
def test_a_broken_pdf_is_one_line(data: bytes, says: str) -> None:
    with pytest.raises(InputError) as caught:
        read_pdf(data, "broken.pdf")
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_a_password_protected_pdf_says_so() -> None:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(_fixture("policy_notice.pdf"))))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(InputError, match="password-protected"):
        read_pdf(out.getvalue(), "locked.pdf")


def test_docx_headings_paragraphs_and_table_in_order() -> None:
    document = read_docx(_fixture("policy_notice.docx"), "policy_notice.docx")
    assert document.title == made.TITLE
    expected: list[str] = []
    for kind, value in made.CONTENT:
        expected += [CELL_SEPARATOR.join(row) for row in value] if kind == "t" else [str(value)]  # type: ignore[union-attr]
    assert document.lines() == expected  # the merged cell appears once per row, not twice
    levels = {block.text: block.level for block in document.blocks if block.kind == "heading"}
    assert levels == {"一、总体要求": 1, "（一）工作目标": 2, "二、重点任务": 1, "三、保障措施": 1}


def test_an_old_doc_file_and_a_plain_zip_are_refused_with_a_hint() -> None:
    with pytest.raises(InputError, match=r"old Word \(\.doc\) file"):
        read_docx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "old.doc")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("readme.txt", "hello")
    with pytest.raises(InputError, match="not a Word .docx file"):
        read_docx(buffer.getvalue(), "fake.docx")


def test_a_docx_that_unpacks_to_too_much_is_refused_before_parsing() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", b" " * (MAX_XML_BYTES + 1))
    assert len(buffer.getvalue()) < 1_000_000  # a small file ...
    with pytest.raises(InputError, match="over the"):  # ... refused for what it unpacks to
        read_docx(buffer.getvalue(), "bomb.docx")


# ---------------------------------------------------------------- as articles


def test_pdf_and_docx_files_become_articles_with_sections() -> None:
    from policybot.ingest.article import ArticleMeta
    from policybot.ingest.sources import read_file

    for name in ("policy_notice.pdf", "policy_notice.docx"):
        [article] = read_file(FIXTURES / name, ArticleMeta(), 10**8)
        assert article.title == made.TITLE
        sections = {p.text: p.section for p in article.passages}
        assert sections[PARAGRAPHS[2].removeprefix("第一条").lstrip()] == ("二、重点任务", "第一条"), name
        assert sections[PARAGRAPHS[-1]] == ("三、保障措施",), name  # after the table, a new section
        assert any(ROWS[1] in p.text for p in article.passages), name  # the table, row by row, as text
