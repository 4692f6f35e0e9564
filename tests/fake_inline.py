"""answerInlineQuery's rules, as the Bot API states them, for `FakeBotAPI` (stricter where unsure).

- at most 50 results; each needs a `type` (this fake serves "article" only), an `id`
  of 1–64 bytes unique within the answer, and for an article a non-empty `title`
  and an `input_message_content`;
- the content's `message_text` is parsed like sendMessage's `text`: valid HTML
  for parse_mode HTML, 1–4096 UTF-16 units after entities are parsed; `entities`
  and `parse_mode` are not both given; `link_preview_options` is an object;
- `reply_markup`, if any, is an inline keyboard; `description`/`url` are strings;
- `cache_time` is a non-negative integer, `is_personal` a boolean, `next_offset`
  at most 64 bytes, and `button` has a `text` and a `start_parameter` of 1–64
  characters A-Z a-z 0-9 _ - (or a `web_app`).
"""

from __future__ import annotations

import re
from typing import Any, Callable

MAX_INLINE_RESULTS = 50
MAX_RESULT_ID_BYTES = 64
MAX_NEXT_OFFSET_BYTES = 64
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")

JSON = dict[str, Any]
#: (text, parse_mode, entities or None) -> (plain text, entities); raises the fake's ApiError.
ParseText = Callable[[str, str, Any], tuple[str, list[JSON]]]
#: (reply markup) -> checked markup; raises the fake's ApiError.
CheckMarkup = Callable[[Any], Any]


def check_answer(params: JSON, parse_text: ParseText, check_markup: CheckMarkup,
                 bad_request: Callable[[str], Exception]) -> list[JSON]:
    """The results of an answerInlineQuery call, checked; raises `bad_request(...)` like Telegram."""
    results = params.get("results")
    if not isinstance(results, list):
        raise bad_request("can't parse inline query results JSON object")
    if len(results) > MAX_INLINE_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        _check_result(result, seen, parse_text, check_markup, bad_request)
    cache_time = params.get("cache_time", 0)
    if not isinstance(cache_time, int) or cache_time < 0:
        raise bad_request("can't parse parameter cache_time")
    if not isinstance(params.get("is_personal", False), bool):
        raise bad_request("can't parse parameter is_personal")
    if len(str(params.get("next_offset", "")).encode()) > MAX_NEXT_OFFSET_BYTES:
        raise bad_request("NEXT_OFFSET_INVALID")
    button = params.get("button")
    if button is not None:
        if not isinstance(button, dict) or not str(button.get("text", "")).strip():
            raise bad_request("BUTTON_TEXT_INVALID")
        if "web_app" not in button and not _START_PARAMETER.fullmatch(str(button.get("start_parameter", ""))):
            raise bad_request("START_PARAM_INVALID")
    return results


def _check_result(result: Any, seen: set[str], parse_text: ParseText, check_markup: CheckMarkup,
                  bad_request: Callable[[str], Exception]) -> None:
    if not isinstance(result, dict) or result.get("type") != "article":
        raise bad_request("this fake serves article results only (RESULT_TYPE_INVALID)")
    result_id = result.get("id")
    if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= MAX_RESULT_ID_BYTES:
        raise bad_request("RESULT_ID_INVALID")
    if result_id in seen:
        raise bad_request("RESULT_ID_DUPLICATE")
    seen.add(result_id)
    if not isinstance(result.get("title"), str) or not result["title"].strip():
        raise bad_request("RESULT_TITLE_EMPTY")
    for key in ("description", "url", "thumbnail_url"):
        if key in result and not isinstance(result[key], str):
            raise bad_request(f"can't parse inline query result {key}")
    content = result.get("input_message_content")
    if not isinstance(content, dict) or not isinstance(content.get("message_text"), str):
        raise bad_request("MESSAGE_EMPTY")
    if "entities" in content and content.get("parse_mode"):
        raise bad_request("can't use entities and parse_mode together")
    if "link_preview_options" in content and not isinstance(content["link_preview_options"], dict):
        raise bad_request("can't parse link preview options JSON object")
    parse_text(content["message_text"], content.get("parse_mode") or "", content.get("entities"))
    if "reply_markup" in result:
        check_markup(result["reply_markup"])
