"""Answers and records as JSON for machines (`--json`): UTF-8 as is, not \\u-escaped."""

from __future__ import annotations

import json

from ..search.ranking import Answer


def json_line(answer: Answer) -> str:
    """One JSON object per question, on one line."""
    return json.dumps(answer.as_dict(), ensure_ascii=False)


def to_json(value: object, indent: int | None = 2) -> str:
    """JSON for people (indented) or, with indent=None, one line (JSONL)."""
    return json.dumps(value, ensure_ascii=False, indent=indent)

