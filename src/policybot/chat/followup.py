"""Reading a chat message together with the question before it.

`Reader.read(message, previous)` says what a message asks for:

- ``SWAP``: it names only places, organisations or periods ("那梁溪呢?", "滨湖呢",
  "去年呢?", "梁溪和滨湖呢") — they replace the previous question's names of the
  same kind (or any names; or are put in front), giving "梁溪发展哪些新赛道?";
- ``TOPIC``: a short "那人才政策呢?" keeps the previous question's names and
  periods and asks about the new words ("宜兴的人才政策");
- ``MORE``: "还有呢?" — the next page of the previous answer;
- ``OPEN``: "第二条详细说说" — passage 2 of the previous answer in full;
- ``FRESH``: anything else is a question on its own (so is everything when
  there is no previous question), and ``NO_CONTEXT``: "还有呢?" with nothing before.

How the message is read: normalized (NFKC, simplified characters), openings
that mean nothing dropped ("好的,", "嗯"), then a lead ("那", "还有") and a tail
("呢", "的情况怎么样") cut off; what is left must be names and periods joined by
"和"/"、" (`lexicon.Lexicon`), or a few words without a question word of their own.
Where it fails is listed in the README section "Follow-up questions".
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from ..segment.segmenter import strip_question_words
from .lexicon import Kind, Lexicon, Mention, normalize_message

#: Longest leftover of a "那…呢" message read as a new topic for the previous names ("那人才政策呢").
MAX_TOPIC_CHARS = 12
#: Longest message that may be a follow-up at all (a longer one is a question of its own).
MAX_FOLLOWUP_CHARS = 30
_CHINESE_NUMBERS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
#: Anything but letters, digits and Chinese (emoji, punctuation, symbols) separates words.
_NOISE = re.compile(r"[^\w\u3400-\u9fff、]+")


class Reading(enum.Enum):
    FRESH = "fresh"
    SWAP = "swap"
    TOPIC = "topic"
    MORE = "more"
    OPEN = "open"
    NO_CONTEXT = "no_context"


@dataclass(frozen=True)
class Read:
    """What a message asks for: the question to answer and how it was read."""

    reading: Reading
    question: str
    #: Names the answer's passages must mention (a follow-up about 梁溪 is about 梁溪).
    focus: tuple[str, ...] = ()
    #: For OPEN: the rank (1-based) of the passage to open.
    item: int = 0
    #: The names and periods the message brought in ("梁溪"), for tests and logs.
    swapped: tuple[str, ...] = field(default=(), compare=False)

    @property
    def follows(self) -> bool:
        """True when the question was built from the previous one (say which question was answered)."""
        return self.reading in (Reading.SWAP, Reading.TOPIC)


class Reader:
    """Reads messages with a `Lexicon` (one per process is enough)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._item = self._item_pattern()

    def _item_pattern(self) -> re.Pattern[str]:
        measures = "".join(self.lexicon.cues.get("item_measures", []))
        opens = "|".join(re.escape(w) for w in self.lexicon.words("open_words"))
        number = r"[一二两三四五六七八九十\d]{1,3}"
        return re.compile(
            rf"(?:(?:{opens})?第(?P<a>{number})[{measures}]?(?:{opens})?"
            rf"|(?:{opens})(?P<b>{number})[{measures}]?|(?P<c>{number})[{measures}](?:{opens})?)")

    def read(self, message: str, previous: str | None) -> Read:
        """How to answer `message` when the chat's previous question was `previous` (None: none)."""
        text = self._clean(message)
        if text in self.lexicon.words("more") or self._strip_lead(text)[0] in self.lexicon.words("more"):
            return Read(Reading.MORE, previous) if previous else Read(Reading.NO_CONTEXT, message)
        item = self._item_number(text)
        if item is not None:
            return Read(Reading.OPEN, previous, item=item) if previous else Read(Reading.NO_CONTEXT, message)
        if not previous or len(text) > MAX_FOLLOWUP_CHARS:
            return Read(Reading.FRESH, message)
        core, cued = self._core(text)
        mentions = self._only_mentions(core)
        if mentions:
            return self._swap(normalize_message(previous), mentions)
        if cued and core and len(core) <= MAX_TOPIC_CHARS and self._is_plain_topic(core):
            return self._topic(normalize_message(previous), core)
        return Read(Reading.FRESH, message)

    # ---- cleaning ------------------------------------------------------------------------------

    def _clean(self, message: str) -> str:
        """Normalized, noise and openings that mean nothing dropped, no spaces: "好的,那 梁溪 呢?😊" -> "那梁溪呢"."""
        text = _NOISE.sub(" ", normalize_message(message).lower()).strip()
        interjections, fillers = self.lexicon.words("interjections"), self.lexicon.words("fillers")
        changed = True
        while changed:
            changed = False
            for word in interjections + fillers:
                rest = text[len(word):]
                if text.startswith(word) and rest.strip() and (word in interjections or rest.startswith(" ")):
                    text, changed = rest.lstrip(), True
                    break
        return text.replace(" ", "") if not re.search(r"[a-z0-9] [a-z0-9]", text) else text

    def _strip_lead(self, text: str) -> tuple[str, bool]:
        if any(text.startswith(word) for word in self.lexicon.words("not_leads")):
            return text, False
        for lead in self.lexicon.words("leads"):
            if text.startswith(lead) and len(text) > len(lead):
                return text[len(lead):], True
        return text, False

    def _core(self, text: str) -> tuple[str, bool]:
        """The text without its lead, one closing particle and one closing phrase, and whether it had any."""
        text, cued = self._strip_lead(text)
        for section in ("particles", "tails"):
            for word in self.lexicon.words(section):
                if text.endswith(word) and len(text) > len(word):
                    text, cued = text[:-len(word)], True
                    break
        return text, cued

    def _item_number(self, text: str) -> int | None:
        match = self._item.fullmatch(text)
        if match is None or self.lexicon.is_period(text.rstrip("呢")):  # "第二季度呢" is a period
            return None
        raw = match.group("a") or match.group("b") or match.group("c")
        return _to_number(raw)

    def _only_mentions(self, core: str) -> list[Mention]:
        """The names and periods `core` consists of (joined by connectors), or [] if it has other words."""
        if not core:
            return []
        whole = self.lexicon.kind_of(core)
        if whole is not None:
            return [Mention(core, whole, 0, len(core))]
        mentions = self.lexicon.mentions(core)
        connectors = set(self.lexicon.cues.get("connectors", [])) | {"的"}
        rest = core
        for m in sorted(mentions, key=lambda m: m.start, reverse=True):
            rest = rest[:m.start] + " " + rest[m.end:]
        leftover = [w for w in rest.split() if w not in connectors]
        return mentions if mentions and not leftover else []

    def _is_plain_topic(self, core: str) -> bool:
        """A few words with no name, period or question word of their own."""
        return not self.lexicon.mentions(core) and strip_question_words(core) == core

    # ---- building the question ---------------------------------------------------------------

    def _swap(self, previous: str, new: list[Mention]) -> Read:
        question = previous
        periods = [m for m in new if m.kind is Kind.PERIOD]
        names = [m for m in new if m.kind.is_name]
        if periods:
            question = self._replace(question, [m for m in self.lexicon.mentions(question) if m.kind is Kind.PERIOD],
                                     "和".join(m.text for m in periods), front=True)
        if names:
            old = [m for m in self.lexicon.mentions(question) if m.kind.is_name]
            same = [m for m in old if m.kind is names[0].kind] or old
            question = self._replace(question, same, "和".join(m.text for m in names),
                                     front=not any(m.kind is Kind.PERIOD for m in self.lexicon.mentions(question)))
        return Read(Reading.SWAP, question, focus=self.focus_of(question), swapped=tuple(m.text for m in new))

    def _replace(self, question: str, old: list[Mention], new: str, front: bool) -> str:
        """Put `new` in place of the first group of `old` mentions (joined by connectors), else add it."""
        if not old:
            if front:
                return new + question
            first = next(m for m in self.lexicon.mentions(question) if m.kind is Kind.PERIOD)
            return question[:first.end] + new + question[first.end:]
        start, end = old[0].start, old[0].end
        connectors = set(self.lexicon.cues.get("connectors", []))
        for m in old[1:]:
            if question[end:m.start].strip() in connectors:
                end = m.end
            else:
                break
        return question[:start] + new + question[end:]

    def _topic(self, previous: str, topic: str) -> Read:
        kept = [m.text for m in self.lexicon.mentions(previous)]
        if not kept:
            return Read(Reading.FRESH, topic)
        question = "".join(kept) + "的" + topic
        return Read(Reading.TOPIC, question, focus=self.focus_of(question), swapped=(topic,))

    def focus_of(self, question: str) -> tuple[str, ...]:
        """The names in a question, for `answers.focused` (places without their suffix)."""
        seen: dict[str, None] = {}
        for m in self.lexicon.mentions(normalize_message(question)):
            if m.kind.is_name:
                seen[self.lexicon.stem(m.text) if m.kind is Kind.PLACE else m.text] = None
        return tuple(seen)


def _to_number(raw: str) -> int | None:
    """'2', '二', '十二', '二十' as a number (1 … 99); None otherwise."""
    if raw.isdigit():
        value = int(raw)
    elif "十" in raw:
        tens, _, ones = raw.partition("十")
        value = (_CHINESE_NUMBERS.get(tens, 0) if tens else 1) * 10 + (_CHINESE_NUMBERS.get(ones, 0) if ones else 0)
    else:
        value = _CHINESE_NUMBERS.get(raw, 0) if len(raw) == 1 else 0
    return value if 1 <= value <= 99 else None
