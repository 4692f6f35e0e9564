"""A strict, in-process fake of the Telegram Bot API for tests.

Standard library only.  Start it with ``with FakeBotAPI() as api:`` and point a
python-telegram-bot application at it::

    ApplicationBuilder().token(api.token)
        .base_url(f"{api.root}/bot").base_file_url(f"{api.root}/file/bot")

The fake answers like Telegram (``{"ok": false, "error_code": 400,
"description": "Bad Request: ..."}``) whenever a request would be rejected by the
real server, and records every such rejection in :attr:`FakeBotAPI.errors`, so a
test can assert that the bot never sent anything Telegram would refuse.

Deliberate differences from Telegram (all of them *stricter*):

* HTML: a bare ``&`` that does not start ``&lt; &gt; &amp; &quot; &#N; &#xN;`` is
  rejected (Telegram keeps it literally), ``<a>`` without a usable ``href`` and
  ``<tg-emoji>`` without ``emoji-id`` are rejected (Telegram drops the entity).
* ``answerCallbackQuery`` may be called only once per query.
* ``Markdown``/``MarkdownV2`` texts are accepted but not parsed.
* Only the methods the bot calls are served (any other one is a 404, recorded
  as an error): getMe, deleteWebhook, getUpdates, setMyCommands, sendMessage,
  editMessageText, answerCallbackQuery, answerInlineQuery (its rules in
  fake_inline.py; article results only; each query answered once), sendChatAction,
  getFile, and file downloads. Request bodies are JSON or form-encoded (the bot uploads nothing,
  so a multipart body is rejected).
"""

from __future__ import annotations

import copy
import itertools
import json
import mimetypes
import re
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from fake_inline import check_answer

__all__ = ["ApiError", "EntityParseError", "FakeBotAPI", "parse_html", "utf16_len"]

JSON = dict[str, Any]
Record = dict[str, Any]

MAX_MESSAGE_UTF16 = 4096
MAX_CALLBACK_ANSWER_UTF16 = 200
MAX_CALLBACK_DATA_BYTES = 64
MAX_GETFILE_BYTES = 20 * 1024 * 1024
MAX_KEYBOARD_BUTTONS = 100
STRIP_CHARS = " \t\r\n"

CHAT_ACTIONS = frozenset(
    "typing upload_photo record_video upload_video record_voice upload_voice "
    "upload_document choose_sticker find_location record_video_note "
    "upload_video_note".split()
)
INLINE_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
    "copy_text", "callback_game", "pay",
)
JSON_FIELDS = frozenset(
    "reply_markup reply_parameters link_preview_options entities "
    "commands scope allowed_updates results button".split()
)
INT_FIELDS = frozenset(
    "message_id offset limit timeout user_id reply_to_message_id "
    "message_thread_id cache_time".split()
)
BOOL_FIELDS = frozenset(
    "drop_pending_updates disable_notification protect_content show_alert "
    "allow_sending_without_reply disable_web_page_preview "
    "disable_content_type_detection is_personal".split()
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply "
    "markup are exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)


class ApiError(Exception):
    """A request rejected the way Telegram would reject it."""

    def __init__(self, description: str, code: int = 400, parameters: JSON | None = None):
        super().__init__(description)
        self.description = description
        self.code = code
        self.parameters = parameters

    def payload(self) -> JSON:
        """The JSON body Telegram answers with."""
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 error with Telegram's ``Bad Request:`` prefix."""
    return ApiError(f"Bad Request: {reason}")


def utf16_len(text: str) -> int:
    """Length of *text* in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- HTML


class EntityParseError(ValueError):
    """Telegram's ``can't parse entities`` error."""


_TAG_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough",
    "strike": "strikethrough", "del": "strikethrough", "span": "spoiler",
    "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY = re.compile(r"&(?:([a-z]+)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_SPECIAL = re.compile(r"[<&]")
_TAG_NAME_END = re.compile(r"[\s>]")
_ATTR_NAME = re.compile(r"[A-Za-z0-9_-]+")
_UNQUOTED_VALUE = re.compile(r"[^\s>]+")
_SPACES = re.compile(r"\s*")
_LINK_SCHEMES = frozenset({"http", "https", "tg", "ftp", "mailto"})


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the plain text
    byte: int  # byte offset of '<' in the source, for error messages


@dataclass
class _HtmlParser:
    """Telegram's HTML parse mode, strict.  Use :func:`parse_html`."""

    src: str
    pos: int = 0
    out: list[str] = field(default_factory=list)
    utf16: int = 0
    stack: list[_OpenTag] = field(default_factory=list)
    entities: list[JSON] = field(default_factory=list)

    def parse(self) -> tuple[str, list[JSON]]:
        while self.pos < len(self.src):
            match = _SPECIAL.search(self.src, self.pos)
            end = match.start() if match else len(self.src)
            self._emit(self.src[self.pos:end])
            self.pos = end
            if not match:
                break
            if match.group() == "&":
                char, self.pos = self._entity(self.pos)
                self._emit(char)
            elif self.src.startswith("</", self.pos):
                self._end_tag()
            else:
                self._start_tag()
        if self.stack:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _fail(self, reason: str) -> None:
        raise EntityParseError(reason)

    def _byte(self, pos: int) -> int:
        return len(self.src[:pos].encode("utf-8"))

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16 += utf16_len(text)

    def _entity(self, pos: int) -> tuple[str, int]:
        """Decode the HTML entity at *pos*; return it and the position after it."""
        match = _HTML_ENTITY.match(self.src, pos)
        if not match or (match.group(1) and match.group(1) not in _NAMED_ENTITIES):
            self._fail(
                f'Unsupported HTML entity or unescaped "&" at byte offset {self._byte(pos)}'
            )
        named, decimal, hexadecimal = match.groups()
        if named:
            return _NAMED_ENTITIES[named], match.end()
        code = int(decimal) if decimal else int(hexadecimal, 16)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            self._fail(f"Invalid numeric HTML entity at byte offset {self._byte(pos)}")
        return chr(code), match.end()

    def _decode_value(self, raw: str, base: int) -> str:
        """Decode entities inside an attribute value starting at source *base*."""
        parts, i = [], 0
        while (amp := raw.find("&", i)) >= 0:
            parts.append(raw[i:amp])
            char, end = self._entity(base + amp)
            parts.append(char)
            i = end - base
        parts.append(raw[i:])
        return "".join(parts)

    def _start_tag(self) -> None:
        begin = self.pos
        name_end = _TAG_NAME_END.search(self.src, begin + 1)
        if not name_end:
            self._fail(f"Unclosed start tag at byte offset {self._byte(begin)}")
        name = self.src[begin + 1:name_end.start()].lower()
        if name not in _TAG_ENTITY_TYPES:
            self._fail(f'Unsupported start tag "{name}" at byte offset {self._byte(begin)}')
        self.pos = name_end.start()
        attrs = self._attributes(name, begin)
        self._check_tag(name, attrs, begin)
        self.stack.append(_OpenTag(name, attrs, self.utf16, self._byte(begin)))

    def _attributes(self, tag: str, begin: int) -> dict[str, str]:
        attrs: dict[str, str] = {}
        where = f'the tag "{tag}" at byte offset {self._byte(begin)}'
        while True:
            self.pos = _SPACES.match(self.src, self.pos).end()
            if self.pos >= len(self.src):
                self._fail(f"Unclosed start tag at byte offset {self._byte(begin)}")
            if self.src[self.pos] == ">":
                self.pos += 1
                return attrs
            name = _ATTR_NAME.match(self.src, self.pos)
            if not name:
                self._fail(f"Empty attribute name in {where}")
            attr = name.group().lower()
            self.pos = _SPACES.match(self.src, name.end()).end()
            if self.src.startswith("=", self.pos):
                self.pos = _SPACES.match(self.src, self.pos + 1).end()
                attrs[attr] = self._attribute_value(begin)
            elif tag == "blockquote" and attr == "expandable":
                attrs[attr] = ""
            else:
                self._fail(f"Expected equal sign in declaration of an attribute of {where}")

    def _attribute_value(self, begin: int) -> str:
        quote = self.src[self.pos:self.pos + 1]
        if quote in ("'", '"'):
            end = self.src.find(quote, self.pos + 1)
            if end < 0:
                self._fail(f"Unclosed start tag at byte offset {self._byte(begin)}")
            raw, start, self.pos = self.src[self.pos + 1:end], self.pos + 1, end + 1
        else:
            match = _UNQUOTED_VALUE.match(self.src, self.pos)
            if not match:
                self._fail(f"Unclosed start tag at byte offset {self._byte(begin)}")
            raw, start, self.pos = match.group(), self.pos, match.end()
        return self._decode_value(raw, start)

    def _check_tag(self, name: str, attrs: dict[str, str], begin: int) -> None:
        where = f"at byte offset {self._byte(begin)}"
        if name == "span" and attrs.get("class") != "tg-spoiler":
            self._fail(f'Tag "span" must have class "tg-spoiler" {where}')
        if name == "a" and not _is_valid_link(attrs.get("href", "")):
            self._fail(f'Tag "a" must have a valid attribute "href" {where}')
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            self._fail(f'Tag "tg-emoji" must have a numeric attribute "emoji-id" {where}')

    def _end_tag(self) -> None:
        begin = self.pos
        close = self.src.find(">", begin)
        if close < 0:
            self._fail(f"Unclosed end tag at byte offset {self._byte(begin)}")
        name = self.src[begin + 2:close].strip().lower()
        if not self.stack:
            self._fail(f"Unexpected end tag at byte offset {self._byte(begin)}")
        top = self.stack.pop()
        if name != top.name:
            self._fail(
                f"Unmatched end tag at byte offset {self._byte(begin)}, "
                f'expected "</{top.name}>", found "</{name}>"'
            )
        self.pos = close + 1
        self._close(top)

    def _close(self, tag: _OpenTag) -> None:
        """Turn a closed tag into a MessageEntity (empty ones are dropped)."""
        length = self.utf16 - tag.start
        language = tag.attrs.get("class", "")
        if tag.name == "code" and self.stack and self.stack[-1].name == "pre":
            if language.startswith("language-"):
                self.stack[-1].attrs["language"] = language.removeprefix("language-")
                return
        entity: JSON = {"type": _TAG_ENTITY_TYPES[tag.name], "offset": tag.start, "length": length}
        if tag.name == "a":
            entity["url"] = tag.attrs["href"]
        elif tag.name == "pre" and tag.attrs.get("language"):
            entity["language"] = tag.attrs["language"]
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        if length > 0:
            self.entities.append(entity)


def parse_html(text: str) -> tuple[str, list[JSON]]:
    """Parse Telegram HTML into ``(plain_text, entities)``; offsets are UTF-16.

    Raises :class:`EntityParseError` where Telegram (or this stricter fake) would.
    """
    return _HtmlParser(text).parse()


def _is_valid_link(url: str) -> bool:
    """Whether *url* is usable as ``<a href>``: http(s)/tg/ftp/mailto or a bare domain."""
    url = url.strip()
    if not url or any(c.isspace() for c in url):
        return False
    parts = urlsplit(url)
    if not parts.scheme:
        return "." in url.split("/", 1)[0]
    if parts.scheme.lower() not in _LINK_SCHEMES:
        return False
    return bool(parts.netloc) or parts.scheme.lower() in ("tg", "mailto")


def _is_valid_button_url(url: Any) -> bool:
    """Inline button URLs must be absolute http(s) or tg:// links."""
    if not isinstance(url, str) or not url or any(c.isspace() for c in url):
        return False
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return bool(parts.hostname)
    return scheme == "tg" and bool(parts.netloc or parts.path)


def _strip(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Trim surrounding whitespace like Telegram does, clipping entities to match."""
    body = text.strip(STRIP_CHARS)
    shift = utf16_len(text[:len(text) - len(text.lstrip(STRIP_CHARS))])
    end = utf16_len(body)
    clipped = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            clipped.append({**entity, "offset": start, "length": stop - start})
    return body, clipped


# ------------------------------------------------------------------ reply markup


def check_reply_markup(markup: Any, inline_only: bool) -> JSON | None:
    """Validate ``reply_markup``; return the inline keyboard to store, if any."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
        return markup if markup["inline_keyboard"] else None
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not _is_list_of_lists(rows) or not rows:
            raise bad_request(
                'field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays'
            )
        for button in itertools.chain.from_iterable(rows):
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text:
                raise bad_request("can't parse keyboard button: Text must be non-empty")
        return None
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return None
    raise bad_request("can't parse reply keyboard markup JSON object")


def _is_list_of_lists(rows: Any) -> bool:
    return isinstance(rows, list) and all(isinstance(row, list) for row in rows)


def _check_inline_keyboard(rows: Any) -> None:
    if not _is_list_of_lists(rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    buttons = list(itertools.chain.from_iterable(rows))
    if len(buttons) > MAX_KEYBOARD_BUTTONS:
        raise bad_request("reply markup is too long")
    for button in buttons:
        _check_inline_button(button)


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    if not isinstance(button.get("text"), str) or not button["text"].strip():
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [key for key in INLINE_BUTTON_ACTIONS if key in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        size = len(data.encode("utf-8")) if isinstance(data, str) else 0
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not _is_valid_button_url(button["url"]):
        raise bad_request("BUTTON_URL_INVALID")


def _button_data(markup: JSON | None) -> list[str]:
    """All callback_data values of an inline keyboard."""
    rows = (markup or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


# ------------------------------------------------------------- request decoding

def decode_request(content_type: str, body: bytes, query: str) -> JSON:
    """Decode query string plus JSON / urlencoded body into typed params."""
    raw: JSON = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    media_type = content_type.split(";", 1)[0].strip().lower()
    if body and media_type == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(data, dict):
            raise bad_request("can't parse JSON object")
        raw.update(data)
    elif body and media_type == "multipart/form-data":
        raise bad_request("this fake serves no upload methods (multipart/form-data)")
    elif body:
        text = body.decode("utf-8", errors="replace")
        raw.update({k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()})
    return {key: _coerce(key, value) for key, value in raw.items()}


def _coerce(key: str, value: Any) -> Any:
    """Turn string form values into the types Telegram would parse them as."""
    if not isinstance(value, str):
        return value
    try:
        if key in JSON_FIELDS:
            return json.loads(value)
        if key in INT_FIELDS:
            return int(float(value))
    except ValueError:
        raise bad_request(f"can't parse parameter {key}") from None
    if key in BOOL_FIELDS:
        return value.strip().lower() in ("true", "1")
    if key == "chat_id" and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return value


# ----------------------------------------------------------------------- server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog of 5 resets connections when dozens of clients connect at
    # once (50 users answered at the same moment); Telegram's servers do not.
    request_queue_size = 128
    api: FakeBotAPI


class _Handler(BaseHTTPRequestHandler):
    """Thin HTTP layer: read the request, let the API answer, write the reply."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._handle()

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence the default stderr access log."""

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        url = urlsplit(self.path)
        body = self._read_body()
        status, content_type, payload = self.server.api._serve(
            self.command, url.path, url.query, self.headers.get("Content-Type", ""), body
        )
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # client gave up, e.g. a cancelled long poll


_BOT_PATH = re.compile(r"^/bot([^/]+)/([A-Za-z]+)/?$")
_FILE_PATH = re.compile(r"^/file/bot([^/]+)/(.+)$")


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    reported_size: int | None = None  # what Telegram says the size is (see send_document)

    @property
    def size(self) -> int:
        return len(self.content) if self.reported_size is None else self.reported_size


class FakeBotAPI:
    """A strict fake Telegram Bot API server plus a thread-safe test API.

    Attributes of interest: :attr:`root`, :attr:`token`, :attr:`bot_user`,
    :attr:`calls`, :attr:`errors`, :attr:`floods`, :attr:`downloads`.
    """

    def __init__(
        self,
        token: str = "123456:TEST-token",
        bot_username: str = "policy_test_bot",
        poll_cap: float = 1.0,
    ):
        self.token = token
        self.poll_cap = poll_cap
        self.bot_user: JSON = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "PolicyBot",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.poll_count = 0
        self._cond = threading.Condition()
        self._closed = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[Record] = []
        self._errors: list[Record] = []
        self._floods: list[Record] = []
        self._blocked: set[int] = set()
        self._forbidden: list[Record] = []
        self._downloads: list[str] = []
        self._updates: list[JSON] = []
        self._allowed_updates: list[str] = []
        self._chats: dict[int, JSON] = {}
        self._users: dict[int, JSON] = {}
        self._messages: dict[int, dict[int, JSON]] = {}
        self._last_message_id: dict[int, int] = {}
        self._files: dict[str, _StoredFile] = {}
        self._callbacks: dict[str, JSON] = {}
        self._inline_queries: dict[str, JSON] = {}
        self._commands: dict[str, list[JSON]] = {}
        self._flood_left = 0
        self._flood_retry_after = 1
        self._flood_methods: frozenset[str] = frozenset()
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(100_000)
        self._methods: dict[str, Callable[[JSON], Any]] = {
            name.lower(): getattr(self, f"_api_{name}")
            for name in (
                "getMe", "deleteWebhook", "getUpdates", "setMyCommands", "sendMessage",
                "editMessageText", "answerCallbackQuery", "answerInlineQuery", "sendChatAction", "getFile",
            )
        }

    # -------------------------------------------------------------- lifecycle

    @property
    def root(self) -> str:
        """``http://127.0.0.1:PORT`` of the running server."""
        if self._server is None:
            raise RuntimeError("FakeBotAPI is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url(...)``."""
        return f"{self.root}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.root}/file/bot"

    def start(self) -> FakeBotAPI:
        """Bind to a free port on 127.0.0.1 and serve in a background thread."""
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.api = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
            name="FakeBotAPI", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake pending long polls and shut the server down."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------ inspection

    @property
    def calls(self) -> list[Record]:
        """Every Bot API method call except getUpdates, accepted or rejected."""
        with self._cond:
            return list(self._calls)

    @property
    def errors(self) -> list[Record]:
        """Requests the fake rejected (not counting simulated flood control)."""
        with self._cond:
            return list(self._errors)

    @property
    def floods(self) -> list[Record]:
        """Requests answered with a simulated 429 (see :meth:`flood`)."""
        with self._cond:
            return list(self._floods)

    @property
    def forbidden(self) -> list[Record]:
        """Messages refused with 403 because the chat blocked the bot (see :meth:`block`)."""
        with self._cond:
            return list(self._forbidden)

    @property
    def downloads(self) -> list[str]:
        """file_path of every file download served."""
        with self._cond:
            return list(self._downloads)

    def assert_no_errors(self) -> None:
        """Fail with a readable list if the bot sent anything Telegram would reject."""
        errors = self.errors
        assert not errors, "Bot API rejected requests:\n" + "\n".join(
            f"  {e['method']}: {e['description']} params={e['params']}" for e in errors
        )

    def messages(self, chat_id: int) -> list[JSON]:
        """Current state (after edits, without deleted ones) of bot messages in a chat."""
        with self._cond:
            stored = self._messages.get(chat_id, {}).values()
            return [copy.deepcopy(m) for m in stored if m["from"]["id"] == self.bot_user["id"]]

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands set via setMyCommands for a scope/language."""
        with self._cond:
            return copy.deepcopy(self._commands.get(_commands_key(scope, language_code), []))

    def wait_for(
        self, predicate: Callable[[Record], bool], timeout: float = 10, since: int = 0
    ) -> Record:
        """Block until a call record (index >= *since*) matches; return it."""
        def find() -> Record | None:
            return next((r for r in self._calls[since:] if predicate(r)), None)

        with self._cond:
            if self._cond.wait_for(lambda: find() is not None, timeout):
                return find()
            raise AssertionError(self._timeout_report("no matching Bot API call", since))

    def wait_for_messages(
        self, chat_id: int, count: int = 1, timeout: float = 10, since: int = 0
    ) -> list[Record]:
        """Block until the bot sent >= *count* messages to *chat_id*; return their records."""
        def sent() -> list[Record]:
            return [
                r for r in self._calls[since:]
                if r["ok"] and r["method"] == "sendMessage"
                and r["result"]["chat"]["id"] == chat_id
            ]

        with self._cond:
            if self._cond.wait_for(lambda: len(sent()) >= count, timeout):
                return sent()
            raise AssertionError(
                self._timeout_report(f"expected {count} message(s) to chat {chat_id}", since)
            )

    def _timeout_report(self, what: str, since: int) -> str:
        lines = [f"Timed out: {what}. Calls since #{since}:"]
        lines += [f"  {r['method']} ok={r['ok']} text={r['text']!r}" for r in self._calls[since:]]
        lines += [f"  REJECTED {e['method']}: {e['description']}" for e in self._errors]
        return "\n".join(lines)

    def flood(self, count: int = 1, retry_after: int = 1,
              methods: Iterable[str] = ("sendMessage",)) -> None:
        """Answer the next *count* calls of *methods* with 429 Too Many Requests."""
        with self._cond:
            self._flood_left = count
            self._flood_retry_after = retry_after
            self._flood_methods = frozenset(m.lower() for m in methods)

    def block(self, chat_id: int) -> None:
        """The user blocks the bot: from now on, sending to their chat is 403 Forbidden."""
        with self._cond:
            self._blocked.add(chat_id)

    # ------------------------------------------------------------- injection

    def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        chat_type: str = "private",
        username: str | None = None,
        reply_to_message_id: int | None = None,
        entities: list[JSON] | None = None,
        forward_origin: JSON | None = None,
    ) -> JSON:
        """Inject a text message from a user; returns the Update.

        *forward_origin* (a MessageOrigin dict, e.g. ``{"type": "channel", "chat": {...},
        "message_id": 7, "date": 1717800000}``) makes it a forwarded message.
        """
        if entities is None:
            entities = _command_entities(text)
        fields: JSON = {"text": text}
        if entities:
            fields["entities"] = entities
        if forward_origin is not None:
            fields["forward_origin"] = copy.deepcopy(forward_origin)
        return self._inject_message(user_id, chat_id, chat_type, username,
                                    reply_to_message_id, fields)

    def send_document(
        self,
        user_id: int,
        filename: str,
        content: bytes,
        caption: str | None = None,
        chat_id: int | None = None,
        mime_type: str | None = None,
        chat_type: str = "private",
        username: str | None = None,
        file_size: int | None = None,
    ) -> JSON:
        """Inject a document message; the file is then served via getFile.

        *file_size* overrides the size Telegram reports (and getFile checks), so a
        test can send a "50 MB" document without holding 50 MB.
        """
        mime_type = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        with self._cond:
            stored = self._store_file(filename, content)
            stored.reported_size = file_size
        fields: JSON = {"document": _document_json(stored, filename, mime_type)}
        if caption is not None:
            fields["caption"] = caption
        return self._inject_message(user_id, chat_id, chat_type, username, None, fields)

    def press_button(self, user_id: int, message: JSON, callback_data: str) -> JSON:
        """Inject a callback_query for a button of a bot message; returns the Update.

        *message* is a Message dict (e.g. from :meth:`messages`) or a call record.
        Raises ValueError if the message currently has no such button.
        """
        message = message.get("result", message)
        chat_id, message_id = message["chat"]["id"], message["message_id"]
        with self._cond:
            current = self._messages.get(chat_id, {}).get(message_id)
            if current is None or current["from"]["id"] != self.bot_user["id"]:
                raise ValueError(f"no bot message {message_id} in chat {chat_id}")
            if callback_data not in _button_data(current.get("reply_markup")):
                raise ValueError(f"message {message_id} has no button {callback_data!r}")
            query_id = str(4_000_000_000_000 + next(self._ids))
            self._callbacks[query_id] = {"answered": False, "answer": None}
            query = {
                "id": query_id,
                "from": self._user(user_id, None),
                "message": copy.deepcopy(current),
                "chat_instance": str(abs(chat_id) * 7 + 1),
                "data": callback_data,
            }
            return self._push_update("callback_query", query)

    def send_inline_query(self, user_id: int, query: str, offset: str = "", chat_type: str = "sender") -> str:
        """Inject an inline query (a user typing ``@bot query``); returns its id."""
        with self._cond:
            query_id = str(5_000_000_000_000 + next(self._ids))
            self._inline_queries[query_id] = {"answered": False, "answer": None}
            self._push_update("inline_query", {"id": query_id, "from": self._user(user_id, None),
                                               "query": query, "offset": offset, "chat_type": chat_type})
            return query_id

    def inline_answer(self, query_id: str, timeout: float = 10.0) -> JSON:
        """The bot's answerInlineQuery parameters for an inline query (waits for them)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._inline_queries[query_id]["answered"], timeout):
                raise AssertionError(self._timeout_report(f"no answer to inline query {query_id}", 0))
            return copy.deepcopy(self._inline_queries[query_id]["answer"])

    def _inject_message(self, user_id: int, chat_id: int | None, chat_type: str,
                        username: str | None, reply_to: int | None, fields: JSON) -> JSON:
        with self._cond:
            user = self._user(user_id, username)
            chat = self._chat(chat_id, chat_type, user)
            if reply_to is not None:
                fields["reply_to_message"] = self._existing(chat["id"], reply_to, "reply to")
            message = self._new_message(chat, user, fields)
            return self._push_update("message", message)

    def _push_update(self, kind: str, payload: JSON) -> JSON:
        update = {"update_id": next(self._update_ids), kind: copy.deepcopy(payload)}
        self._updates.append(update)
        self._cond.notify_all()
        return copy.deepcopy(update)

    def _user(self, user_id: int, username: str | None) -> JSON:
        user = self._users.setdefault(user_id, {
            "id": user_id, "is_bot": False, "first_name": f"User{user_id}",
            "language_code": "zh-hans",
        })
        if username:
            user["username"] = username
        return copy.deepcopy(user)

    def _chat(self, chat_id: int | None, chat_type: str, user: JSON) -> JSON:
        if chat_type == "private":
            chat_id = user["id"] if chat_id is None else chat_id
            if chat_id != user["id"]:
                raise ValueError("a private chat's id is the user's id")
            chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
            if "username" in user:
                chat["username"] = user["username"]
        elif chat_type in ("group", "supergroup"):
            if chat_id is None:
                chat_id = -user["id"] if chat_type == "group" else -1_000_000_000_000 - user["id"]
            if chat_id >= 0:
                raise ValueError("group chat ids are negative")
            chat = {"id": chat_id, "type": chat_type, "title": f"Group {abs(chat_id)}"}
        else:
            raise ValueError(f"unsupported chat_type {chat_type!r}")
        self._chats[chat_id] = chat
        self._messages.setdefault(chat_id, {})
        return copy.deepcopy(chat)

    def _new_message(self, chat: JSON, sender: JSON, fields: JSON) -> JSON:
        message_id = self._last_message_id.get(chat["id"], 0) + 1
        self._last_message_id[chat["id"]] = message_id
        message = {"message_id": message_id, "from": copy.deepcopy(sender),
                   "chat": copy.deepcopy(chat), "date": int(time.time()), **fields}
        self._messages.setdefault(chat["id"], {})[message_id] = message
        return copy.deepcopy(message)

    def _store_file(self, filename: str, content: bytes) -> _StoredFile:
        n = next(self._ids)
        extension = filename.rsplit(".", 1)[-1] if "." in filename else ""
        suffix = "." + re.sub(r"[^A-Za-z0-9]", "", extension) if extension else ""
        stored = _StoredFile(f"BQACAgQAAx{n:010d}", f"AgAD{n:06d}",
                             f"documents/file_{n}{suffix}", content)
        self._files[stored.file_id] = stored
        return stored

    # ------------------------------------------------------------ HTTP entry

    def _serve(self, verb: str, path: str, query: str, content_type: str,
               body: bytes) -> tuple[int, str, bytes]:
        """Answer one HTTP request: (status, content type, payload)."""
        if verb == "GET" and (match := _FILE_PATH.match(path)):
            return self._serve_file(unquote(match.group(1)), unquote(match.group(2)))
        match = _BOT_PATH.match(path)
        if not match:
            return self._reject(verb, path, {}, ApiError("Not Found", 404))
        token, method = match.groups()
        with self._cond:
            return self._call(token, method, query, content_type, body)

    def _call(self, token: str, method: str, query: str, content_type: str,
              body: bytes) -> tuple[int, str, bytes]:
        """Run one Bot API method under the lock, recording the outcome."""
        params: JSON = {}
        record: Record = {"method": method, "params": params, "text": None,
                          "time": time.monotonic(), "ok": False, "result": None, "error": None}
        try:
            if token != self.token:
                raise ApiError("Unauthorized", 401)
            handler = self._methods.get(method.lower())
            if handler is None:
                raise ApiError("Not Found", 404)
            params = decode_request(content_type, body, query)
            record.update(params=params)
            self._maybe_flood(method)
            result = handler(params)
        except ApiError as exc:
            record["error"] = exc.description
            if exc.code == 429:
                self._floods.append(record)
            elif exc.code == 403:  # only `block` causes one: the user's doing, not the bot's mistake
                self._forbidden.append(record)
            else:
                self._errors.append(
                    {**record, "error_code": exc.code, "description": exc.description}
                )
            return self._finish(record, exc.code, exc.payload())
        except Exception:  # a bug in the fake must fail the test, not hang it
            description = "Internal fake error:\n" + traceback.format_exc()
            record["error"] = description
            self._errors.append({**record, "error_code": 500, "description": description})
            return self._finish(record, 500, {"ok": False, "error_code": 500,
                                              "description": description})
        record.update(ok=True, result=copy.deepcopy(result),
                      text=_record_text(method, params, result))
        return self._finish(record, 200, {"ok": True, "result": result})

    def _finish(self, record: Record, status: int, payload: JSON) -> tuple[int, str, bytes]:
        if record["method"].lower() == "getupdates":
            self.poll_count += 1
        else:
            self._calls.append(record)
        self._cond.notify_all()
        return status, "application/json", json.dumps(payload, ensure_ascii=False).encode()

    def _reject(self, method: str, path: str, params: JSON,
                error: ApiError) -> tuple[int, str, bytes]:
        with self._cond:
            self._errors.append({"method": method, "path": path, "params": params,
                                 "error_code": error.code, "description": error.description,
                                 "time": time.monotonic()})
            self._cond.notify_all()
        return error.code, "application/json", json.dumps(error.payload()).encode()

    def _serve_file(self, token: str, file_path: str) -> tuple[int, str, bytes]:
        with self._cond:
            stored = next((f for f in self._files.values() if f.file_path == file_path), None)
            if token != self.token:
                return self._reject("GET file", file_path, {}, ApiError("Unauthorized", 401))
            if stored is None:
                return self._reject("GET file", file_path, {}, ApiError("Not Found", 404))
            self._downloads.append(file_path)
            self._cond.notify_all()
            return 200, "application/octet-stream", stored.content

    def _maybe_flood(self, method: str) -> None:
        if self._flood_left > 0 and method.lower() in self._flood_methods:
            self._flood_left -= 1
            retry = self._flood_retry_after
            raise ApiError(f"Too Many Requests: retry after {retry}", 429,
                           {"retry_after": retry})

    # ------------------------------------------------------ shared validation

    def _known_chat(self, params: JSON) -> JSON:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@")
            chat = next((c for c in self._chats.values() if c.get("username") == name), None)
        else:
            chat = self._chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if chat["id"] in self._blocked:
            raise ApiError("Forbidden: bot was blocked by the user", 403)
        return copy.deepcopy(chat)

    def _existing(self, chat_id: int, message_id: Any, purpose: str) -> JSON:
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise bad_request({"edit": "message to edit not found",
                               "reply to": "message to be replied not found"}[purpose])
        return message

    def _reply_to(self, chat: JSON, params: JSON) -> JSON | None:
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id") is not None:
            reply = {"message_id": params["reply_to_message_id"],
                     "allow_sending_without_reply": params.get("allow_sending_without_reply")}
        if reply is None:
            return None
        if not isinstance(reply, dict) or "message_id" not in reply:
            raise bad_request("can't parse reply parameters JSON object")
        target_chat = reply.get("chat_id", chat["id"])
        message = self._messages.get(target_chat, {}).get(reply["message_id"])
        if message is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        reply_copy = copy.deepcopy(message)
        reply_copy.pop("reply_to_message", None)
        return reply_copy

    def _text(self, params: JSON) -> tuple[str, list[JSON]]:
        """Parse the text per parse_mode; return trimmed plain text and entities."""
        text = params.get("text")
        return self._parse_text("" if text is None else str(text), params.get("parse_mode") or "",
                                params["entities"] if "entities" in params else None)

    def _parse_text(self, text: str, parse_mode: str, given: list[JSON] | None) -> tuple[str, list[JSON]]:
        """A message text per parse_mode (or its given entities): trimmed plain text and entities."""
        if given is not None:
            plain, entities = text, list(given or [])
        elif parse_mode.upper() == "HTML":
            try:
                plain, entities = parse_html(text)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        elif parse_mode in ("", "Markdown", "MarkdownV2"):
            plain, entities = text, []
        else:
            raise bad_request("unsupported parse_mode")
        plain, entities = _strip(plain, entities)
        if utf16_len(plain) > MAX_MESSAGE_UTF16:
            raise bad_request("message is too long")
        if not plain:
            raise bad_request("message text is empty")
        return plain, entities

    # ------------------------------------------------------------ API methods

    def _api_getMe(self, params: JSON) -> JSON:
        return copy.deepcopy(self.bot_user)

    def _api_deleteWebhook(self, params: JSON) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_getUpdates(self, params: JSON) -> list[JSON]:
        offset = params.get("offset") or 0
        limit = min(max(params.get("limit") or 100, 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), self.poll_cap)
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"])
        self._confirm(offset)
        self._cond.wait_for(lambda: self._closed or bool(self._pending(offset)), timeout)
        return copy.deepcopy(self._pending(offset)[:limit])

    def _confirm(self, offset: int) -> None:
        """Forget updates confirmed by *offset* (negative: keep only the last -offset)."""
        if offset < 0:
            del self._updates[:offset]
        elif offset:
            self._updates[:] = [u for u in self._updates if u["update_id"] >= offset]

    def _pending(self, offset: int) -> list[JSON]:
        allowed = self._allowed_updates
        return [u for u in self._updates if u["update_id"] >= offset
                and (not allowed or any(kind in u for kind in allowed))]

    def _api_setMyCommands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = _commands_key(params.get("scope"), params.get("language_code", ""))
        self._commands[key] = copy.deepcopy(commands)
        return True

    def _api_sendMessage(self, params: JSON) -> JSON:
        chat = self._known_chat(params)
        plain, entities = self._text(params)
        markup = check_reply_markup(params.get("reply_markup"), inline_only=False)
        fields: JSON = {"text": plain}
        if entities:
            fields["entities"] = entities
        if markup:
            fields["reply_markup"] = markup
        if reply := self._reply_to(chat, params):
            fields["reply_to_message"] = reply
        return self._new_message(chat, self.bot_user, fields)

    def _api_editMessageText(self, params: JSON) -> JSON:
        if "inline_message_id" in params:
            raise bad_request("message to edit not found")
        chat = self._known_chat(params)
        message = self._existing(chat["id"], params.get("message_id"), "edit")
        if message["from"]["id"] != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        plain, entities = self._text(params)
        markup = check_reply_markup(params.get("reply_markup"), inline_only=True)
        old = (message["text"], message.get("entities", []), message.get("reply_markup"))
        if old == (plain, entities, markup):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.update(text=plain, edit_date=int(time.time()))
        for key, value in (("entities", entities), ("reply_markup", markup)):
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        return copy.deepcopy(message)

    def _api_answerCallbackQuery(self, params: JSON) -> bool:
        query = self._callbacks.get(str(params.get("callback_query_id", "")))
        if query is None or query["answered"]:
            raise bad_request(QUERY_INVALID.removeprefix("Bad Request: "))
        text = params.get("text")
        if text is not None and utf16_len(str(text)) > MAX_CALLBACK_ANSWER_UTF16:
            raise bad_request("MESSAGE_TOO_LONG")
        query.update(answered=True, answer=copy.deepcopy(params))
        return True

    def _api_answerInlineQuery(self, params: JSON) -> bool:
        query = self._inline_queries.get(str(params.get("inline_query_id", "")))
        if query is None or query["answered"]:
            raise bad_request(QUERY_INVALID.removeprefix("Bad Request: "))
        check_answer(params, self._parse_text, lambda markup: check_reply_markup(markup, inline_only=True),
                     bad_request)
        query.update(answered=True, answer=copy.deepcopy(params))
        return True

    def _api_sendChatAction(self, params: JSON) -> bool:
        self._known_chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _api_getFile(self, params: JSON) -> JSON:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_GETFILE_BYTES:
            raise bad_request("file is too big")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": stored.size, "file_path": stored.file_path}



def _document_json(stored: _StoredFile, filename: str, mime_type: str) -> JSON:
    return {"file_name": filename, "mime_type": mime_type, "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id, "file_size": stored.size}


def _command_entities(text: str) -> list[JSON]:
    """A bot_command entity for texts starting with ``/command``."""
    match = re.match(r"/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?", text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]


def _commands_key(scope: Any, language_code: Any) -> str:
    scope = scope or {"type": "default"}
    return json.dumps([scope, language_code or ""], sort_keys=True)


def _record_text(method: str, params: JSON, result: Any) -> str | None:
    """The parsed plain text a record is about (a message's text, a callback answer's text)."""
    if isinstance(result, dict) and "text" in result:
        return result["text"]
    if method.lower() == "answercallbackquery":
        return params.get("text")
    return None
