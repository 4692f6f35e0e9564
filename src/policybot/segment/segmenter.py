"""Turn text into index terms: jieba words plus character bigrams of Chinese runs.

Questions are segmented the same way after their interrogative phrases (哪些,
多少个, 什么样的, 如何, 谁 …) are cut out (`Segmenter.query`), so question words
never count as terms, even when jieba fuses them with a noun ("哪些项目").

One `Segmenter` per process (see `get_segmenter`): jieba's dictionary takes a
moment to load, so it is loaded once, lazily, with the domain dictionary and
stopwords that ship as data files in the package.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from importlib import resources
from pathlib import Path

from ..textutil import CJK, strip_invisible
from .runs import bounded_pieces

_CJK_RUN = re.compile(f"[{CJK}]+")
_WORDLIKE = re.compile(f"[{CJK}]|[0-9a-z]")
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


_to_simplified = None
_to_simplified_lock = threading.Lock()


def to_simplified(text: str) -> str:
    """Traditional Chinese characters converted to simplified (OpenCC t2s, phrase-aware:
    乾隆 stays 乾隆). Simplified text comes back unchanged."""
    global _to_simplified
    with _to_simplified_lock:
        if _to_simplified is None:
            from opencc import OpenCC

            _to_simplified = OpenCC("t2s")
        converter = _to_simplified
    return converter.convert(text)


def normalize_for_terms(text: str) -> str:
    """NFKC and lower case: full-width letters, digits and Roman numerals match their ASCII forms;
    invisible characters (zero-width, bidi controls) out, as cleaning takes them out of passages."""
    return strip_invisible(unicodedata.normalize("NFKC", text)).lower()


class Segmenter:
    """jieba (precise mode) with our dictionary; stopwords and punctuation dropped; bigrams added."""

    def __init__(self, userdict: Path | None = None, stopwords: Path | None = None,
                 cache_dir: Path | None = None) -> None:
        self._userdict = userdict or data_path("userdict.txt")
        self.stopwords = load_stopwords(stopwords)
        self._cache_dir = cache_dir
        self._tokenizer = None
        self._lock = threading.Lock()
        self._names: frozenset[str] | None = None
        self._everyday: dict[str, float] = {}  # general_idf's answers (question words repeat)

    def _jieba(self):  # -> jieba.Tokenizer
        """Load jieba on first use (import and dictionary take most of a cold start)."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    # jieba's results, but its prefix dictionary comes from our own cache
                    # (no marshal, no /tmp) and its route search is fused: see fastjieba.
                    from .fastjieba import jieba, new_tokenizer

                    jieba.setLogLevel(logging.WARNING)
                    tokenizer = new_tokenizer(self._cache_dir)
                    for word, freq, tag in read_userdict(self._userdict):
                        tokenizer.add_word(word, freq, tag)
                    self._tokenizer = tokenizer
        return self._tokenizer

    @property
    def names(self) -> frozenset[str]:
        """Place, organisation and person names of the domain dictionary (tags ns, nt, nr)."""
        if self._names is None:
            self._names = frozenset(w for w, _, tag in read_userdict(self._userdict) if tag in ("ns", "nt", "nr"))
        return self._names

    def known(self, word: str) -> bool:
        """Whether jieba's dictionary holds the word (else jieba's HMM guessed it)."""
        return self._jieba().FREQ.get(word, 0) > 0

    def cut(self, text: str) -> list[str]:
        """jieba's cut of normalized text, every piece kept (stopwords and punctuation too)."""
        return self._jieba().lcut(normalize_for_terms(text), HMM=True)

    def general_idf(self, word: str) -> float:
        """How rare a word is in everyday Chinese, as an idf (see `everyday_idf`)."""
        value = self._everyday.get(word)
        if value is None:
            tokenizer = self._jieba()
            value = everyday_idf(word, tokenizer.FREQ, tokenizer.total, tokenizer.lcut)
            if len(self._everyday) < EVERYDAY_CACHE:
                self._everyday[word] = value
        return value

    def words(self, text: str) -> list[str]:
        """jieba words of normalized text, without stopwords, spaces or punctuation."""
        return self._analyse(text)[0]

    def _is_term(self, word: str) -> bool:
        word = word.strip()
        return bool(word) and word not in self.stopwords and not _ONLY_SYMBOLS.match(word) \
            and bool(_WORDLIKE.search(word))

    def terms(self, text: str) -> list[str]:
        """Index terms: kept words, then bigrams of Chinese runs between dropped words."""
        return self._analyse(text)[1]

    def query(self, question: str) -> tuple[list[str], list[str]]:
        """(words, terms) of a question: like `words`/`terms`, after question phrases are cut out.

        Question words fused with their noun by jieba ("哪些项目", "多少个焕新")
        are removed before segmenting, and leave a break so no bigram spans them.
        """
        return self._analyse(strip_question_words(normalize_for_terms(question)))

    def _analyse(self, text: str) -> tuple[list[str], list[str]]:
        tokenizer = self._jieba()
        # Long runs of one script reach jieba in bounded pieces: its HMM is quadratic on them (see runs).
        pieces = bounded_pieces(normalize_for_terms(text))
        cut = [word for piece in pieces for word in tokenizer.lcut(piece, HMM=True)]
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
        return words, words + [run[i:i + 2] for run in runs for i in range(len(run) - 1)]


#: Measure words that follow 哪/几/多少 in a question ("哪些", "几个", "多少枚").
_MEASURE = "些个位家种类项门条名枚件座所台辆次批份届部本首场只"
#: Interrogative phrases: cut out of questions before segmenting (never out of passages).
_QUESTION_PHRASES = re.compile(
    "|".join([
        f"多少[{_MEASURE}]?", f"几(?=[{_MEASURE}])[{_MEASURE}]", f"哪一?[{_MEASURE}里儿]?",
        "有?多[长大高远久重宽深]", "什么样的?", "什么时候", "什么", "怎么样", "怎么办", "怎样", "怎么",
        "如何", "为什么", "为何", "何时", "何种", "何处", "何地", "谁", "是否", "是不是", "有没有", "能否",
        "可否", "有何", "有哪些", "有那些", "的话", "[吗呢吧]+(?=[?？]|$)",
    ])
)


#: Question words whose everyday idf is kept.
EVERYDAY_CACHE = 100_000
#: Words in a passage, roughly: turns a word's share of running text into a share of passages.
WORDS_PER_PASSAGE = 60


def everyday_idf(word: str, freq: dict[str, int], total: int, cut) -> float:
    """-log of the share of passages of everyday text that would hold the word, from jieba's
    dictionary counts (which come from general text, not from the corpus at hand).

    A word the dictionary lacks counts as its dictionary pieces together, ten times rarer per
    extra piece (the rule wordfreq uses for Chinese): 各放 is 各 and 放, not unheard of.
    """
    count = freq.get(word, 0)
    if count:
        share = count / total
    else:
        pieces = cut(word, HMM=False)
        shares = [freq.get(piece, 0) / total for piece in pieces]
        if not shares or not all(shares):
            share = 1 / total
        else:
            share = 1 / sum(1 / s for s in shares) / 10 ** (len(pieces) - 1)
    return -math.log(min(1.0, share * WORDS_PER_PASSAGE))


def strip_question_words(text: str) -> str:
    """A question without its interrogative phrases, each replaced by a break ("，")."""
    return _QUESTION_PHRASES.sub("，", text)


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
