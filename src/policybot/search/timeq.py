"""Dates and periods in a question, read against "today"; news read against its article's date.

A question names a period ("2022年前7个月", "去年第四季度", "上个月", "9月份", "今年五一") or
asks for the newest report ("最新", "最近", "目前"). `read_question` finds these, resolves
them to calendar periods and marks their characters, so they stop counting as plain words.
`read_text` reads the same expressions in a passage against its article's date ("今年前7个月"
in an article of 2022-08-07 is January to July 2022), and `match` says how well a passage
fits the asked period. The words (最新, 去年, 五一 …) are in `data/time_words.txt`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

from ..segment.segmenter import data_path

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_NUM = r"(?:[0-9]{1,2}|[一二两三四五六七八九十]{1,3})"
#: Days before a period starts and after it ends that its reports are dated (annual figures
#: come out by March, a month's by the middle of the next; forecasts of a holiday come before it).
_LEAD_DAYS = {"holiday": 3, "day": 1}
_LAG_DAYS = {"holiday": 10, "day": 4, "month": 50, "quarter": 60, "half": 60, "months": 50, "span": 50,
             "year": 100}


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period: first and last day, and its grain."""

    start: date
    end: date
    #: day, month, quarter, half, months (January to a month), span (other months), year, holiday
    grain: str
    #: Written without a year ("9月份"): its year was guessed from the anchor.
    yearless: bool = field(default=False, compare=False)

    def window(self) -> tuple[date, date]:
        """When reports about this period are dated."""
        return (self.start - timedelta(days=_LEAD_DAYS.get(self.grain, 0)),
                self.end + timedelta(days=_LAG_DAYS.get(self.grain, 30)))


@dataclass(frozen=True)
class TimeAsk:
    """What a question says about time."""

    periods: tuple[Period, ...] = ()
    latest: bool = False  # 最新/最近/现在 …: the newest report wins
    relative: bool = False  # read against today (今年, 上个月, 最近 …): later news did not exist yet
    spans: tuple[tuple[int, int], ...] = ()  # characters of the question that are time words

    @property
    def asks(self) -> bool:
        return bool(self.periods) or self.latest

    def strip(self, text: str) -> str:
        """The question with its time words replaced by a break ("，")."""
        for start, end in sorted(self.spans, reverse=True):
            text = text[:start] + "，" + text[end:]
        return text


@dataclass(frozen=True)
class _Words:
    """data/time_words.txt."""

    latest: tuple[str, ...]
    days: dict[str, int]
    months: dict[str, int]
    years: dict[str, int]
    holidays: dict[str, tuple[int, int, int]]  # word -> (month, day, number of days)


@lru_cache(maxsize=1)
def _words() -> _Words:
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in data_path("time_words.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        words, _, value = line.partition("=")
        current.update(dict.fromkeys(words.split(), value.strip()))

    def holiday(value: str) -> tuple[int, int, int]:
        first, days = value.split()
        month, day = first.split("-")
        return int(month), int(day), int(days)

    return _Words(tuple(sections["latest"]), {w: int(v) for w, v in sections["days"].items()},
                  {w: int(v) for w, v in sections["months"].items()},
                  {w: int(v) for w, v in sections["years"].items()},
                  {w: holiday(v) for w, v in sections["holidays"].items()})


def _alternatives(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class _Grammar:
    expression: re.Pattern[str]  # any time expression
    year: re.Pattern[str]  # the year part of a dated expression
    sub: re.Pattern[str]  # the part of a year it names
    holiday: re.Pattern[str]


@lru_cache(maxsize=1)
def _grammar() -> _Grammar:
    words = _words()
    year = (r"(?:(?:截至|截止到?|到)\s*)?"
            r"(?:(?P<year>(?:19|20)[0-9]{2}|二[〇零][一二三][〇零一二三四五六七八九])\s*年(?P<yedge>底|末|初)?(?![代间])"
            rf"(?:度)?|(?P<ryear>{_alternatives(words.years)})(?:度)?)")
    sub = (r"(?P<half>上半年|下半年)"
           r"|(?:前|头)(?P<qcum>[一二三1-3])个?季度"
           r"|第?(?P<quarter>[一二三四1-4])季度"
           rf"|(?:前|头)(?P<mcum>{_NUM})个月"
           rf"|(?P<m1>{_NUM})\s*月?份?\s*(?:至|到|-|—|–|~|～)\s*(?P<m2>{_NUM})\s*月份?"
           rf"|(?P<month>{_NUM})\s*月份?(?:\s*(?P<day>{_NUM})\s*[日号]|[底末初])?"
           r"|(?P<edge>年底|年末|年初|全年)"
           rf"|(?P<holiday>{_alternatives(words.holidays)})")
    relative = (rf"(?P<rmonth>{_alternatives(words.months)})"
                rf"|(?P<rday>{_alternatives(words.days)})"
                rf"|(?P<latest>{_alternatives(words.latest)})"
                r"|(?P<lone_day>(?<![0-9月第])[0-9]{1,2}\s*[日号](?![本报电子]))")
    dated = rf"{_anonymous(year)}(?:\s*的?\s*(?:{_anonymous(sub)}))?|{_anonymous(sub)}"
    return _Grammar(re.compile(rf"(?P<dated>{dated})|{relative}"), re.compile(year), re.compile(sub),
                    re.compile(_alternatives(words.holidays)))


def _anonymous(pattern: str) -> str:
    """The pattern without group names (a name may appear once in one regex)."""
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


def _number(raw: str | None) -> int | None:
    """1-2 digit numbers and years in Arabic or Chinese digits (十二, 二〇二四)."""
    if not raw:
        return None
    if raw.isdigit():
        return int(raw)
    if len(raw) == 4:
        return int("".join(str(_CN_DIGITS[c]) for c in raw))
    if "十" not in raw:
        return _CN_DIGITS.get(raw)
    tens, _, ones = raw.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _month_end(year: int, month: int) -> date:
    return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)


def _months(year: int, first: int | None, last: int | None, grain: str) -> Period | None:
    if first is None or last is None or not 1 <= first <= last <= 12:
        return None
    return Period(date(year, first, 1), _month_end(year, last), grain)


def _sub_period(g: dict[str, str | None], year: int) -> Period | None:
    """The part of a year a match names (None: it names none)."""
    if g["half"]:
        return _months(year, 1, 6, "half") if g["half"] == "上半年" else _months(year, 7, 12, "half")
    if g["qcum"]:
        return _months(year, 1, 3 * (_number(g["qcum"]) or 0), "months")
    if g["quarter"]:
        q = _number(g["quarter"]) or 0
        return _months(year, 3 * q - 2, 3 * q, "quarter")
    if g["mcum"]:
        return _months(year, 1, _number(g["mcum"]), "months")
    if g["m1"]:
        first, last = _number(g["m1"]), _number(g["m2"])
        return _months(year, first, last, "months" if first == 1 else "span") if first != last else None
    if g["month"]:
        return _day_or_month(year, _number(g["month"]), _number(g["day"]))
    if g["holiday"]:
        month, day, days = _words().holidays[g["holiday"]]
        return Period(date(year, month, day), date(year, month, day) + timedelta(days=days - 1), "holiday")
    if g["edge"] in ("年底", "年末") or g["yedge"] in ("底", "末"):
        return _months(year, 12, 12, "month")
    if g["edge"] == "年初" or g["yedge"] == "初":
        return _months(year, 1, 2, "months")
    return None


def _day_or_month(year: int, month: int | None, day: int | None) -> Period | None:
    if month is None or not 1 <= month <= 12:
        return None
    if day is None:
        return _months(year, month, month, "month")
    try:
        return Period(date(year, month, day), date(year, month, day), "day")
    except ValueError:
        return None


_YEAR_GROUPS = ("year", "ryear", "yedge")
_SUB_GROUPS = ("half", "qcum", "quarter", "mcum", "m1", "m2", "month", "day", "edge", "holiday")


def _dated_parts(text: str) -> dict[str, str | None]:
    """The year part and the part-of-year of a dated expression ("2022年前7个月")."""
    grammar = _grammar()
    groups: dict[str, str | None] = dict.fromkeys(_YEAR_GROUPS + _SUB_GROUPS)
    year = grammar.year.match(text)
    if year:
        groups.update(year.groupdict())
    sub = grammar.sub.search(text[year.end():] if year else text)
    if sub:
        groups.update(sub.groupdict())
    return groups


def _resolve(g: dict[str, str | None], anchor: date, past: bool) -> tuple[Period | None, bool, bool]:
    """(period, read relatively, asks for the latest) of one match, against `anchor`."""
    if g["dated"]:
        return _resolve_dated(_dated_parts(g["dated"]), anchor, past)
    if g["latest"]:
        return None, True, True
    if g["rday"]:
        day = anchor - timedelta(days=_words().days[g["rday"]])
        return Period(day, day, "day"), True, False
    if g["rmonth"]:
        index = anchor.year * 12 + anchor.month - 1 - _words().months[g["rmonth"]]
        return _months(index // 12, index % 12 + 1, index % 12 + 1, "month"), True, False
    day = _number(g["lone_day"].rstrip("日号 ")) if g["lone_day"] else None
    if day:  # "10日" in news: the last 10th by the article's date
        month_index = anchor.year * 12 + anchor.month - 1 - (day > anchor.day)
        period = _day_or_month(month_index // 12, month_index % 12 + 1, day)
        return period, True, False
    return None, False, False


def _resolve_dated(g: dict[str, str | None], anchor: date, past: bool) -> tuple[Period | None, bool, bool]:
    if g["year"] or g["ryear"]:
        relative = bool(g["ryear"])
        year = anchor.year + _words().years[g["ryear"]] if relative else _number(g["year"]) or 0
        period = _sub_period(g, year) or Period(date(year, 1, 1), date(year, 12, 31), "year")
        return period, relative, False
    period = _yearless(g, anchor, past)
    return (replace(period, yearless=True), True, False) if period else (None, False, False)


def _yearless(g: dict[str, str | None], anchor: date, past: bool) -> Period | None:
    """A part of a year written without the year, placed in the year the anchor suggests: in
    news the nearest (it names coming days too), in a question the last begun by today."""
    if _sub_period(g, anchor.year) is None:
        return None
    placed = [p for p in (_sub_period(g, y) for y in (anchor.year - 1, anchor.year, anchor.year + 1)) if p]
    if not past and placed[0].grain in ("day", "month", "holiday"):
        return min(placed, key=lambda p: abs((p.start - anchor).days))
    begun = [p for p in placed if p.start <= anchor]
    return begun[-1] if begun else None


def _read(text: str, anchor: date, past: bool) -> TimeAsk:
    grammar = _grammar()
    periods: list[Period] = []
    spans: list[tuple[int, int]] = []
    latest = relative = False
    for m in grammar.expression.finditer(text):
        if not m.group().strip():
            continue
        period, rel, new = _resolve(m.groupdict(), anchor, past)
        if period is None and not new:
            continue
        start, end = m.span()
        holiday = grammar.holiday.search(m.group())
        if holiday:  # 五一, 国庆 say what the news is about too: they stay plain words
            end = start + holiday.start()
        if end > start:
            spans.append((start, end))
        latest |= new
        relative |= rel
        if period is not None and period not in periods:
            periods.append(period)
    return TimeAsk(tuple(periods), latest, relative, tuple(spans))


def read_question(question: str, today: date) -> TimeAsk:
    """The periods a question asks about, read against `today` (a finer one inside a coarser
    one the question also names says more: 2025年 … 9月 is September)."""
    ask = _read(question, today, past=True)
    periods = tuple(p for p in ask.periods
                    if not any(o != p and p.start <= o.start and o.end <= p.end for o in ask.periods))
    return TimeAsk(periods, ask.latest, ask.relative, ask.spans)


@lru_cache(maxsize=65536)
def read_text(text: str, anchor: date) -> tuple[Period, ...]:
    """The periods a passage names, read against its article's date."""
    return _read(text, anchor, past=False).periods


def parse_date(raw: str | None) -> date | None:
    """An article's YYYY-MM-DD date (None when missing or malformed)."""
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def names(period: Period, asked: Period) -> bool:
    """Whether a period a passage names is the asked one (a yearless question's: in any year)."""
    if period.grain != asked.grain:
        return False
    if asked.grain == "year":
        return period.start.year == asked.start.year
    if asked.yearless:  # a passage's yearless date was placed by its article's date: trust that
        return (period.start.month, period.start.day, period.end.month, period.end.day) == (
            asked.start.month, asked.start.day, asked.end.month, asked.end.day)
    return (period.start, period.end) == (asked.start, asked.end)


#: How well a passage fits an asked period: it names it; its article is dated the asked day;
#: its article is dated while reports of the period come out; it names a period holding the
#: asked one or held by it.
FIT_NAMED, FIT_SAME_DAY, FIT_DATED, FIT_NESTED = 1.0, 0.9, 0.6, 0.3


def match(ask: TimeAsk, day: date | None, periods: tuple[Period, ...]) -> tuple[float, bool]:
    """(how well a passage fits the asked periods, whether it names only other periods of the
    asked kind: 2024's 前7个月 for a question about 2022's)."""
    best, conflict = 0.0, False
    for asked in ask.periods:
        if any(names(p, asked) for p in periods):
            return FIT_NAMED, False
        nested = any((p.start <= asked.start and asked.end <= p.end) or (asked.start <= p.start and p.end <= asked.end)
                     for p in periods)
        fit = FIT_NESTED if nested else 0.0
        start, end = asked.window()
        if day is not None and start <= day <= end:
            late = max(0, (day - asked.end).days)
            if asked.grain != "day":
                fit = max(fit, FIT_DATED)
            else:  # the day's own report, then fewer of the next days' say it
                fit = max(fit, FIT_SAME_DAY if late == 0 else FIT_DATED * (1 - 0.5 * late / _LAG_DAYS["day"]))
        conflict |= not nested and any(p.grain == asked.grain for p in periods)
        best = max(best, fit)
    return best, conflict
