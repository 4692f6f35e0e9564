"""Dates given to us (strict) versus dates mentioned in page text (lenient)."""

from __future__ import annotations

import pytest

from policybot.errors import InputError
from policybot.ingest.dates import date_of_value, find_date, parse_date


@pytest.mark.parametrize("raw,expected", [
    ("2024年6月8日 2023-01-01", "2023-01-01"),  # the ISO form is looked for first
    ("12024-06-08", "2024-06-08"),
    ("2024-6-8T10:00:00+08:00", "2024-06-08"),
])
def test_given_dates(raw: str, expected: str) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2024 年 6 月 8 日", "2024-02-30 2024-03-01", "20240608T1000", "1899-01-01"])
def test_given_dates_are_strict(raw: str) -> None:
    with pytest.raises(InputError, match="bad date"):
        parse_date(raw)


@pytest.mark.parametrize("text,expected", [
    ("发布时间：2024 年 6 月 8 日 10:00", "2024-06-08"),
    ("2024-02-30 更正于 2024-03-01", "2024-03-01"),  # an impossible date is skipped
    ("编号12024-06-08", None),  # glued to other digits: not a date
    ("2024年6-8", "2024-06-08"),
    ("昨天", None),
])
def test_mentioned_dates(text: str, expected: str | None) -> None:
    assert find_date(text) == expected


@pytest.mark.parametrize("value,expected", [
    ("20240608", "2024-06-08"), ("20240608T10:00", "2024-06-08"), ("20241308", None), ("2024/6/8", "2024-06-08"),
])
def test_metadata_values(value: str, expected: str | None) -> None:
    assert date_of_value(value) == expected
