"""Small text helpers shared by ingestion, search and rendering."""

from __future__ import annotations

import re
import unicodedata

#: Chinese characters (CJK Unified Ideographs, Extension A, Compatibility), as a regex class body.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: CJK symbols and punctuation plus the full-width and half-width forms.
FULLWIDTH = "\u3000-\u303f\uff00-\uffef"
#: CJK characters plus the full-width punctuation that sits between them.
CJK_OR_PUNCT = CJK + FULLWIDTH + "\u2018-\u201f\u2026\u2014\u00b7"

#: Zero-width characters, line/paragraph separators and bidi controls (embeddings U+202A–202E,
#: isolates U+2066–2069, the Arabic letter mark): invisible, and they break matching.
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\u061c\ufeff\u00ad]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_SPACE_BY_CJK = re.compile(f"(?<=[{CJK_OR_PUNCT}]) (?=\\S)|(?<=\\S) (?=[{CJK_OR_PUNCT}])")
_SENTENCE_END = "。！？!?…"
_CLOSERS = "”’」』)）\"'"
_OPENERS = {"“": "”", "「": "」", "『": "』", "《": "》", "(": ")", "（": "）"}

#: Characters whose NFKC form is safe to adopt for display: full-width ASCII
#: letters and digits, and odd spaces. Punctuation and Roman numerals are kept
#: as written (the user reads them; search normalizes separately).
#: (A translation table: a character-by-character join made a 76-byte object per character,
#: 1.3 GB for a 50 MB one-line file.)
_LIGHT_NFKC = {code: unicodedata.normalize("NFKC", chr(code)) for code in range(0xFF10, 0xFF5B)
               if chr(code).isalnum()}


def strip_invisible(text: str) -> str:
    """Remove zero-width and control characters (newlines and tabs stay)."""
    return _CONTROL.sub("", _ZERO_WIDTH.sub("", text))


def tidy_quotes(line: str) -> str:
    """Pair ASCII double quotes in a Chinese line into “…” and trim spaces inside them."""
    if line.count('"') < 2 or line.count('"') % 2 or not re.search(f"[{CJK}]", line):
        return line
    parts = line.split('"')
    if not all(re.search(f"[{CJK}]", part) for part in parts[1::2]):
        return line  # quotes around code, attributes or English: leave them as written
    out = [parts[0]]
    for i, part in enumerate(parts[1:], start=1):
        if i % 2:
            out.append("“" + part.strip())
        else:
            out.append("”" + part)
    return "".join(out)


def normalize_line(line: str) -> str:
    """Display normalisation: invisible characters out, spaces scrapers add between Chinese removed."""
    line = strip_invisible(line)
    line = line.translate(_LIGHT_NFKC)
    line = _SPACES.sub(" ", line).strip()
    line = tidy_quotes(line)
    # Twice: each pass removes one space of "a b c" style runs that overlap.
    line = _SPACE_BY_CJK.sub("", line)
    line = _SPACE_BY_CJK.sub("", line)
    return line


def split_sentences(text: str) -> list[str]:
    """Split at sentence ends, never inside quotes or brackets; keeps every character."""
    sentences: list[str] = []
    start = 0
    depth: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char in _OPENERS:
            depth.append(_OPENERS[char])
        elif depth and char == depth[-1]:
            depth.pop()
        elif char == "\n" and not depth:
            if text[start:i].strip():
                sentences.append(text[start:i + 1])
                start = i + 1
        elif char in _SENTENCE_END and not depth:
            j = i + 1
            while j < n and (text[j] in _SENTENCE_END or text[j] in _CLOSERS):
                j += 1
            sentences.append(text[start:j])
            start = i = j
            continue
        i += 1
        if len(depth) > 8:  # unbalanced brackets: stop protecting
            depth.clear()
    if start < n:
        if sentences and not text[start:].strip():
            sentences[-1] += text[start:]
        else:
            sentences.append(text[start:])
    return sentences


def is_cjk_text(text: str) -> bool:
    """True when the text contains at least one Chinese character."""
    return re.search(f"[{CJK}]", text) is not None
