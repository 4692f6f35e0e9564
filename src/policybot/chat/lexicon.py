"""Places, organisations and periods named in short chat messages and in questions.

A name is recognised from, in this order: the domain dictionary's tags
(`data/userdict.txt`: ns place, nt organisation, nr person); jieba's own
dictionary tags (ns, nt; read once, lazily, only for the tags we use); a
suffix after two or more characters ("新吴" + "区", "教育" + "部"); periods
from a word list and a few patterns (`data/followup.txt`). Common nouns that
jieba tags as places ("城市", "新区") are listed there as not names.
"""

from __future__ import annotations

import enum
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..segment.fastjieba import dict_path
from ..segment.segmenter import Segmenter, data_path, read_userdict, to_simplified

#: Tags of jieba's dictionary we read (place, organisation); its person tags are too noisy to use.
_JIEBA_TAGS = {"ns": "place", "nt": "org"}
_USERDICT_TAGS = {"ns": "place", "nt": "org", "nr": "person"}
_CJK_ONLY = re.compile(r"^[\u3400-\u9fff]+$")


class Kind(str, enum.Enum):
    """What a mention names."""

    PLACE = "place"
    ORG = "org"
    PERSON = "person"
    PERIOD = "period"

    @property
    def is_name(self) -> bool:
        return self is not Kind.PERIOD


@dataclass(frozen=True)
class Mention:
    """A name or period found in a text, with its character span."""

    text: str
    kind: Kind
    start: int
    end: int


def read_sections(path: Path) -> dict[str, list[str]]:
    """`[section]` lists of a cue file, one entry per line, `#` comments skipped."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif current is not None:
            current.append(line)
    return sections


def normalize_message(text: str) -> str:
    """NFKC, simplified characters, single spaces: how chat messages and questions are read."""
    return " ".join(to_simplified(unicodedata.normalize("NFKC", text)).split())


class Lexicon:
    """Cue words and name recognition for follow-ups (one per segmenter; thread-safe)."""

    def __init__(self, segmenter: Segmenter, cues: Path | None = None, userdict: Path | None = None) -> None:
        self.segmenter = segmenter
        self.cues = read_sections(cues or data_path("followup.txt"))
        self._userdict = userdict or data_path("userdict.txt")
        self._lock = threading.Lock()
        self._jieba_tags: dict[str, str] | None = None

    def words(self, name: str) -> list[str]:
        """A cue list, longest entries first (so "的呢" is tried before "呢")."""
        return sorted(self.cues.get(name, []), key=len, reverse=True)

    @cached_property
    def _domain_tags(self) -> dict[str, Kind]:
        return {w: Kind(_USERDICT_TAGS[t]) for w, _, t in read_userdict(self._userdict) if t in _USERDICT_TAGS}

    @cached_property
    def _not_names(self) -> frozenset[str]:
        return frozenset(self.cues.get("not_names", []))

    @cached_property
    def _period_patterns(self) -> list[re.Pattern[str]]:
        words = "|".join(re.escape(w) for w in self.words("period_words"))
        return [re.compile(p) for p in self.cues.get("period_patterns", [])] + [re.compile(words)]

    def jieba_tags(self) -> dict[str, str]:
        """Places and organisations of jieba's dictionary (~22k words; read on first use, ~0.3 s)."""
        if self._jieba_tags is None:
            with self._lock:
                if self._jieba_tags is None:
                    tags: dict[str, str] = {}
                    with open(dict_path(), encoding="utf-8") as lines:
                        for line in lines:
                            word, _, tag = line.rstrip("\n").rpartition(" ")
                            if tag in _JIEBA_TAGS:
                                tags[word.split(" ")[0]] = _JIEBA_TAGS[tag]
                    self._jieba_tags = tags
        return self._jieba_tags

    # ---- one word or phrase ----------------------------------------------------------------

    def kind_of(self, phrase: str) -> Kind | None:
        """The kind of name a whole phrase is ("梁溪", "新吴区", "国家发改委"), or None."""
        if phrase and self.is_period(phrase):
            return Kind.PERIOD
        if not phrase or phrase in self._not_names or not _CJK_ONLY.match(phrase):
            return None
        known = self._domain_tags.get(phrase)
        if known is not None:
            return known
        tagged = self.jieba_tags().get(phrase)
        if tagged is not None:
            return Kind(tagged)
        return self._kind_by_suffix(phrase)

    def _kind_by_suffix(self, phrase: str) -> Kind | None:
        for kind, section in ((Kind.PLACE, "place_suffixes"), (Kind.ORG, "org_suffixes")):
            for suffix in self.words(section):
                stem = phrase[:-len(suffix)]
                if phrase.endswith(suffix) and len(stem) >= 2 and stem not in self._not_names \
                        and not any(c in stem for c in "的和与及"):
                    return kind
        for prefix in self.words("name_prefixes"):
            rest = phrase[len(prefix):]
            if phrase.startswith(prefix) and rest and self._kind_by_suffix(rest) is Kind.ORG:
                return Kind.ORG
        return None

    def is_period(self, phrase: str) -> bool:
        return any(p.fullmatch(phrase) for p in self._period_patterns)

    def stem(self, name: str) -> str:
        """A place without its administrative suffix ("新吴区" -> "新吴"), for matching passages."""
        for suffix in self.words("place_suffixes"):
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                return name[:-len(suffix)]
        return name

    # ---- mentions in a text ------------------------------------------------------------------

    def cut(self, text: str) -> list[str]:
        """jieba's words of a text, as long as the text's own pieces (spaces and punctuation kept):
        `Segmenter.cut` normalizes (NFKC, lower case), which keeps the length of text already NFKC
        (`normalize_message`) but for a few letters; then the text's own characters are used."""
        words = self.segmenter.cut(text)
        if sum(len(w) for w in words) != len(text):
            return list(text)  # single characters: names of up to three are still found, joined
        pieces, start = [], 0
        for word in words:
            pieces.append(text[start:start + len(word)])
            start += len(word)
        return pieces

    def mentions(self, text: str) -> list[Mention]:
        """Periods, then names (a name word merged with a following suffix word), in text order."""
        found = self._periods(text)
        taken = [(m.start, m.end) for m in found]
        words = self.cut(text)
        starts = [sum(len(w) for w in words[:i]) for i in range(len(words) + 1)]
        i = 0
        while i < len(words):
            mention = self._name_at(words, starts, i)
            if mention is None or any(s < mention.end and mention.start < e for s, e in taken):
                i += 1
                continue
            found.append(mention)
            i = starts.index(mention.end)
        return sorted(found, key=lambda m: m.start)

    def _periods(self, text: str) -> list[Mention]:
        found: list[Mention] = []
        for pattern in self._period_patterns:
            for match in pattern.finditer(text):
                if match.group(0).strip() and all(match.end() <= m.start or m.end <= match.start() for m in found):
                    found.append(Mention(match.group(0).strip(), Kind.PERIOD, match.start(), match.end()))
        return found

    def _name_at(self, words: list[str], starts: list[int], i: int) -> Mention | None:
        """The longest name made of words[i], words[i:i+2] or words[i:i+3]."""
        for n in (3, 2, 1):
            if i + n <= len(words):
                kind = self.kind_of(words[i]) if n == 1 else self._joined_kind(words[i:i + n])
                if kind is not None and kind.is_name:
                    return Mention("".join(words[i:i + n]), kind, starts[i], starts[i + n])
        return None

    def _joined_kind(self, words: list[str]) -> Kind | None:
        """A name spanning several words: known as a whole, a name and its suffix ("新吴" + "区",
        "无锡" + "日报"), or a prefix and an organisation ("国家" + "发改委"). "中心" + "城区" is none."""
        phrase = "".join(words)
        if not _CJK_ONLY.match(phrase):
            return None
        known = self._domain_tags.get(phrase) or self.jieba_tags().get(phrase)
        if known is not None and phrase not in self._not_names:
            return Kind(known)
        head, last = "".join(words[:-1]), words[-1]
        head_kind = self.kind_of(head)
        if head_kind is not None and head_kind.is_name:
            for kind, section in ((Kind.PLACE, "place_suffixes"), (Kind.ORG, "org_suffixes")):
                if last in self.cues.get(section, []):
                    return kind
            if self._kind_by_suffix(last) is Kind.ORG or (len(last) <= 3 and self._kind_by_suffix(phrase) is Kind.ORG):
                return Kind.ORG
        if words[0] in self.cues.get("name_prefixes", []) and self.kind_of("".join(words[1:])) is Kind.ORG:
            return Kind.ORG
        return None
