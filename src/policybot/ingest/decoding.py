"""Bytes to text: strict decoding, and what a declared charset label means.

UTF-8 (with or without BOM), UTF-16 with a BOM (or an obvious NUL pattern),
a declared charset, then GB18030; binary files and undecodable bytes get a
clear error instead of mojibake in the corpus.
"""

from __future__ import annotations

import codecs
import re

from ..errors import EncodingError
from ..textutil import CJK, FULLWIDTH

_MAGIC = [
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a zip archive (or an .xlsx/.pptx)"), (b"\x7fELF", "an executable (ELF)"),
    (b"%PDF", "a PDF document"), (b"\x1f\x8b", "a gzip archive"), (b"\xd0\xcf\x11\xe0", "an old Office (.doc/.xls) document"),
    (b"MZ", "a Windows executable"), (b"7z\xbc\xaf", "a 7z archive"), (b"Rar!", "a RAR archive"),
    (b"SQLite format 3", "a SQLite database"),
]
_PLAUSIBLE = re.compile(f"[{CJK}\\s\\x20-\\x7e{FULLWIDTH}\u2010-\u2027\u00b7\u00a0-\u00ff]")


# Names pages use that Python's codecs do not know.
_LABEL_ALIASES = {"x-gbk": "gbk", "csgb2312": "gb2312", "gb_2312-80": "gb2312", "x-big5": "big5"}
# Pages labelled GB2312/GBK routinely use GB18030 characters, as browsers assume.
_GB_CODECS = frozenset({"gb2312", "gbk"})
# Browsers (WHATWG Encoding) decode these labels in a <meta> tag with a wider codec too.
_WIDER_CODEC = {"big5": "big5hkscs", "latin-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252"}


def python_codec(label: str) -> str | None:
    """Python's name for a charset label ("GBK", "x-gbk", "cp936" ...), or None if unknown."""
    label = _LABEL_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def browser_codec(label: str) -> str | None:
    """The codec a browser reads a ``<meta charset>`` label with (GB2312/GBK as GB18030 ...)."""
    name = python_codec(label)
    if name in _GB_CODECS:
        return "gb18030"
    return _WIDER_CODEC.get(name, name) if name else None


def _declared_codec(label: str) -> str:
    """The codec tried first for a label a server or caller declared."""
    return "gb18030" if python_codec(label) in _GB_CODECS else label


def _binary_kind(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def _looks_utf16(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / len(sample[0::2])
    odd_nul = sample[1::2].count(0) / len(sample[1::2])
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, name: str, declared: str | None = None) -> str:
    """Text from bytes in UTF-8, UTF-16 or GB18030; EncodingError otherwise."""
    kind = _binary_kind(data)
    if kind:
        raise EncodingError(f"{name} is {kind}, not text", "add .txt, .md, .html, .jsonl, .pdf or .docx files")
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        utf16 = _looks_utf16(data)
        candidates = [utf16] if utf16 else []
        if declared:
            candidates.append(_declared_codec(declared.strip().lower()))
        candidates += ["utf-8", "gb18030", "utf-16-le", "utf-16-be"]
    for encoding in dict.fromkeys(candidates):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        nuls = text.count("\x00")
        if nuls > 2 and nuls * 50 > len(text):
            continue  # binary, or UTF-16 read as something else; a few stray NULs are stripped later
        if encoding in ("gb18030", "utf-16-le", "utf-16-be", declared) and not _plausible(text):
            continue
        return text
    raise EncodingError(
        f"{name} is not readable text (tried UTF-8, UTF-16 and GB18030)",
        "save it as UTF-8 text and add it again",
    )


def _plausible(text: str) -> bool:
    """Most characters are Chinese, ASCII or common punctuation (GB18030 accepts nearly any bytes)."""
    sample = text[:20000]
    if not sample.strip():
        return True
    good = len(_PLAUSIBLE.findall(sample))
    return good / len(sample) > 0.97
