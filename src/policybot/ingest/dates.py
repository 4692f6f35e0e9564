"""Dates: every pattern for a calendar date in ingested text, and their parsers.

Two jobs, kept apart on purpose because they answer differently:

- :func:`parse_date` reads a date *given* to us (a ``--date`` flag, a JSONL
  field, a metadata line already recognised as a date): the first date
  written there decides, and an impossible one is an error to report.
- :func:`find_date` looks for a date *mentioned* in page text or a
  ``<meta>`` value: spaces and mixed separators are allowed, numbers glued
  to other digits are not dates, and an impossible date is skipped.
"""

from __future__ import annotations

import re
from datetime import date as Date

from ..errors import InputError

#: A year this project reads as a date (1900–2099).
YEAR = r"(?:19|20)\d{2}"
#: A date as metadata lines write it: "2024-06-08", "2024/6/8", "2024.06.08", "2024年6月8日".
DATE_TEXT = rf"{YEAR}[-/.年]\d{{1,2}}[-/.月]\d{{1,2}}日?"
#: The same with spaces around the separators, as web pages write it.
SPACED_DATE_TEXT = rf"{YEAR}\s*(?:[-/.]|年)\s*\d{{1,2}}\s*(?:[-/.]|月)\s*\d{{1,2}}\s*日?"
#: A time of day that may follow a date: "10:00", "10:00:33".
CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?"

# Given dates: tried in this order; the first pattern found decides.
_GIVEN = (
    re.compile(rf"(?P<y>{YEAR})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}})"),
    re.compile(rf"(?P<y>{YEAR})年(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})日"),
)
_COMPACT = re.compile(rf"^(?P<y>{YEAR})(?P<m>\d{{2}})(?P<d>\d{{2}})(?!\d)")
_MENTIONED = re.compile(
    rf"(?<!\d)(?P<y>{YEAR})\s*(?:[-/.]|年)\s*(?P<m>\d{{1,2}})\s*(?:[-/.]|月)\s*(?P<d>\d{{1,2}})(?!\d)"
)


def iso_date(year: str | int, month: str | int, day: str | int) -> str | None:
    """YYYY-MM-DD, or None when there is no such day."""
    try:
        return Date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def parse_date(raw: str | None) -> str | None:
    """A given date in any common Chinese or ISO form, as YYYY-MM-DD; InputError when malformed."""
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip()
    match = next(filter(None, (pattern.search(text) for pattern in _GIVEN)), None)
    if match is None:
        compact = _COMPACT.match(text)
        match = compact if compact and compact.end() == len(text) else None
    found = iso_date(match["y"], match["m"], match["d"]) if match else None
    if found is None:
        raise InputError(f"bad date {text!r}", "write dates as YYYY-MM-DD, e.g. 2024-06-08")
    return found


def find_date(text: str) -> str | None:
    """The first real date mentioned in ``text``, or None."""
    for match in _MENTIONED.finditer(text):
        found = iso_date(match["y"], match["m"], match["d"])
        if found:
            return found
    return None


def date_of_value(value: str) -> str | None:
    """The date in a metadata value: compact "20240608…" first, else any date mentioned."""
    compact = _COMPACT.match(value.strip())
    if compact:
        return iso_date(compact["y"], compact["m"], compact["d"])
    return find_date(value)
