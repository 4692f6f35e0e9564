"""Turn text into index terms: jieba words plus character bigrams of Chinese runs.

One `Segmenter` per process (see `get_segmenter`): jieba's dictionary takes a
moment to load, so it is loaded once, lazily, with the domain dictionary and
stopwords that ship as data files in the package.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORDLIKE = re.compile(f"[{_CJK}]|[0-9a-z]")
_ONLY_SYMBOLS = re.compile(r"^[\W_]+$")


def data_path(name: str) -> Path:
    """Path of a data file shipped in `policybot/data/`."""
    return Path(str(resources.files("policybot") / "data" / name))


def load_stopwords(path: Path | None = None) -> frozenset[str]:
    """Stopwords file: one word per line, `#` starts a comment line."""
    text = (path or data_path("stopwords.txt")).read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def read_userdict(path: Path) -> list[tuple[str, int | None, str | None]]:
    """jieba user-dictionary lines `word [freq] [tag]`, words normalized like the text."""
    entries: list[tuple[str, int | None, str | None]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[-1] if len(parts) > 1 and not parts[-1].isdigit() else None
        entries.append((normalize_for_terms(parts[0]), freq, tag))
    return entries


def normalize_for_terms(text: str) -> str:
    """NFKC and lower case: full-width letters, digits and Roman numerals match their ASCII forms."""
    return unicodedata.normalize("NFKC", text).lower()


class Segmenter:
    """jieba (precise mode) with our dictionary; stopwords and punctuation dropped; bigrams added."""

    def __init__(self, userdict: Path | None = None, stopwords: Path | None = None,
                 cache_dir: Path | None = None) -> None:
        self._userdict = userdict or data_path("userdict.txt")
        self.stopwords = load_stopwords(stopwords)
        self._cache_dir = cache_dir
        self._tokenizer = None
        self._lock = threading.Lock()

    def _jieba(self):  # -> jieba.Tokenizer
        """Load jieba on first use (import and dictionary take most of a cold start)."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    import jieba

                    jieba.setLogLevel(logging.WARNING)
                    tokenizer = jieba.Tokenizer()
                    if self._cache_dir is not None:
                        self._cache_dir.mkdir(parents=True, exist_ok=True)
                        tokenizer.tmp_dir = str(self._cache_dir)
                    tokenizer.initialize()
                    for word, freq, tag in read_userdict(self._userdict):
                        tokenizer.add_word(word, freq, tag)
                    self._tokenizer = tokenizer
        return self._tokenizer

    def words(self, text: str) -> list[str]:
        """jieba words of normalized text, without stopwords, spaces or punctuation."""
        cut = self._jieba().lcut(normalize_for_terms(text), HMM=True)
        return [w for w in cut if self._is_term(w)]

    def _is_term(self, word: str) -> bool:
        word = word.strip()
        return bool(word) and word not in self.stopwords and not _ONLY_SYMBOLS.match(word) \
            and bool(_WORDLIKE.search(word))

    def terms(self, text: str) -> list[str]:
        """Index terms: kept words, then bigrams of Chinese runs between dropped words."""
        cut = self._jieba().lcut(normalize_for_terms(text), HMM=True)
        words: list[str] = []
        runs: list[str] = []
        run: list[str] = []
        for word in cut:
            if self._is_term(word):
                words.append(word)
                if _CJK_RUN.fullmatch(word):
                    run.append(word)
                    continue
            if run:
                runs.append("".join(run))
                run = []
        if run:
            runs.append("".join(run))
        return words + [run[i:i + 2] for run in runs for i in range(len(run) - 1)]


_default: Segmenter | None = None
_default_lock = threading.Lock()


def get_segmenter(cache_dir: Path | None = None) -> Segmenter:
    """The process-wide segmenter (created on first call)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Segmenter(cache_dir=cache_dir)
        return _default


def retrievable_text(title: str, section: tuple[str, ...] | list[str], text: str) -> str:
    """What a passage is indexed by: its article's title, its heading path, and its text."""
    return "\n".join([title, *section, text])
