"""Tests proving FakeBotAPI is as strict as Telegram and works with python-telegram-bot."""

from __future__ import annotations

import asyncio
import html
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakebotapi import FakeBotAPI, parse_html, utf16_len

USER = 1001
GROUP = -2002


def call(api: FakeBotAPI, method: str, token: str | None = None, **params: Any) -> tuple[int, dict]:
    """POST a JSON request with urllib; return (HTTP status, JSON body)."""
    url = f"{api.root}/bot{token or api.token}/{method}"
    request = urllib.request.Request(
        url, data=json.dumps(params).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def ok(api: FakeBotAPI, method: str, **params: Any) -> Any:
    status, body = call(api, method, **params)
    assert (status, body["ok"]) == (200, True), body
    return body["result"]


def rejected(api: FakeBotAPI, method: str, **params: Any) -> str:
    status, body = call(api, method, **params)
    assert status == 400 and body["ok"] is False and body["error_code"] == 400, body
    return body["description"]


def keyboard(*buttons: dict) -> dict:
    return {"inline_keyboard": [list(buttons)]}


# ----------------------------------------------------------------- routing


def test_get_me_token_and_unknown_method(api: FakeBotAPI) -> None:
    assert ok(api, "getMe")["username"] == "policy_test_bot"
    assert ok(api, "getme")["id"] == 123456  # Telegram method names are case-insensitive
    assert call(api, "getMe", token="123456:WRONG") == (
        401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    assert call(api, "sendFoo") == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    # Methods the bot never calls are not served, so a bot that starts calling one fails its tests.
    assert call(api, "deleteMessage", chat_id=USER, message_id=1)[0] == 404
    assert [e["error_code"] for e in api.errors] == [401, 404, 404]


def test_all_request_encodings_are_understood(api: FakeBotAPI) -> None:
    api.send_text(USER, "hi")
    markup = json.dumps(keyboard({"text": "好", "callback_data": "d"}))
    url = f"{api.root}/bot{api.token}/sendMessage"
    form = {"chat_id": str(USER), "text": "<b>表单</b>", "parse_mode": "HTML", "reply_markup": markup}
    with httpx.Client() as client:
        assert client.post(url, data=form).json()["ok"]  # x-www-form-urlencoded
        assert client.get(url, params=form).json()["ok"]  # query string
        upload = client.post(url, data=form, files={"x": ("x.txt", b"1")}).json()  # no upload is served
        assert upload["error_code"] == 400 and "multipart" in upload["description"]
    ok(api, "sendMessage", chat_id=USER, text="<b>表单</b>", parse_mode="HTML",
       reply_markup=json.loads(markup))  # JSON
    records = api.wait_for_messages(USER, 3)
    assert {r["text"] for r in records} == {"表单"}
    assert all(r["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
               for r in records)
    assert all(r["params"]["chat_id"] == USER for r in records)
    assert len(api.errors) == 1


# -------------------------------------------------------------- sendMessage


def test_unknown_chat_is_rejected(api: FakeBotAPI) -> None:
    assert rejected(api, "sendMessage", chat_id=42, text="x") == "Bad Request: chat not found"
    assert rejected(api, "sendChatAction", chat_id=42, action="typing") == "Bad Request: chat not found"
    api.send_text(42, "hello")
    assert ok(api, "sendMessage", chat_id=42, text="x")["text"] == "x"
    assert api.errors[0]["description"] == "Bad Request: chat not found"


def test_a_chat_that_blocked_the_bot_is_forbidden(api: FakeBotAPI) -> None:
    api.send_text(42, "hello")
    api.send_text(43, "hello")
    api.block(42)
    status, body = call(api, "sendMessage", chat_id=42, text="x")
    assert (status, body["error_code"], body["description"]) == (403, 403, "Forbidden: bot was blocked by the user")
    assert call(api, "sendChatAction", chat_id=42, action="typing")[0] == 403
    assert ok(api, "sendMessage", chat_id=43, text="y")["text"] == "y"
    assert len(api.forbidden) == 2 and api.errors == []  # the user's doing, not a request Telegram rejects


def test_a_private_chat_is_the_users_own(api: FakeBotAPI) -> None:
    """Telegram's private chat with a user has that user's id, so no one else can write in it: the fake
    refuses to build such a message (which is why no test has a non-admin in an admin's private chat)."""
    with pytest.raises(ValueError, match="private chat's id is the user's id"):
        api.send_text(USER, "/add 文章", chat_id=USER + 1)
    with pytest.raises(ValueError, match="group chat ids are negative"):
        api.send_text(USER, "x", chat_id=5, chat_type="group")
    assert api.send_text(USER, "x")["message"]["chat"] == {"id": USER, "type": "private", "first_name": f"User{USER}"}


def test_group_chats_and_replies(api: FakeBotAPI) -> None:
    update = api.send_text(USER, "/ask@policy_test_bot 政策", chat_id=GROUP, chat_type="group")
    message = update["message"]
    assert message["chat"]["type"] == "group"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 20}]
    sent = ok(api, "sendMessage", chat_id=GROUP, text="答",
              reply_parameters={"message_id": message["message_id"]})
    assert sent["reply_to_message"]["text"] == message["text"]
    assert sent["from"]["is_bot"] and sent["chat"]["id"] == GROUP
    assert rejected(api, "sendMessage", chat_id=GROUP, text="x",
                    reply_parameters={"message_id": 999}) == "Bad Request: message to be replied not found"
    ok(api, "sendMessage", chat_id=GROUP, text="x",
       reply_parameters={"message_id": 999, "allow_sending_without_reply": True})


GOOD_HTML = [
    ("<b>粗</b><strong>体</strong>", "粗体", [("bold", 0, 1), ("bold", 1, 1)]),
    ("<i>a</i><em>b</em><u>c</u><ins>d</ins><s>e</s><strike>f</strike><del>g</del>", "abcdefg",
     [("italic", 0, 1), ("italic", 1, 1), ("underline", 2, 1), ("underline", 3, 1),
      ("strikethrough", 4, 1), ("strikethrough", 5, 1), ("strikethrough", 6, 1)]),
    ('<span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler>', "ab",
     [("spoiler", 0, 1), ("spoiler", 1, 1)]),
    ('<a href="https://www.gov.cn/?a=1&amp;b=2">国务院</a>', "国务院", [("text_link", 0, 3)]),
    ("<a href='tg://user?id=1'>u</a>", "u", [("text_link", 0, 1)]),
    ('<pre><code class="language-python">x &lt; 1</code></pre>', "x < 1", [("pre", 0, 5)]),
    ("<code>a&amp;b</code>", "a&b", [("code", 0, 3)]),
    ("<blockquote>q</blockquote><blockquote expandable>r</blockquote>", "qr",
     [("blockquote", 0, 1), ("expandable_blockquote", 1, 1)]),
    ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍", [("custom_emoji", 0, 2)]),
    ("&lt;&gt;&amp;&quot;&#20013;&#x1F600; > '", '<>&"中😀 > \'', []),
    ("<B>大写</B>", "大写", [("bold", 0, 2)]),
    ("<b>外<i>内</i></b>", "外内", [("bold", 0, 2), ("italic", 1, 1)]),
    ("<b></b>x", "x", []),
]


@pytest.mark.parametrize(("source", "plain", "entities"), GOOD_HTML)
def test_valid_html_is_parsed_like_telegram(source: str, plain: str, entities: list) -> None:
    text, parsed = parse_html(source)
    assert text == plain
    assert [(e["type"], e["offset"], e["length"]) for e in parsed] == entities


def test_parsed_entities_carry_details() -> None:
    _, entities = parse_html('<a href="https://a.cn/?x=1&amp;y=2">l</a><pre><code class="language-go">g'
                             '</code></pre><tg-emoji emoji-id="77">😀</tg-emoji>')
    assert entities[0]["url"] == "https://a.cn/?x=1&y=2"
    assert entities[1]["language"] == "go"
    assert entities[2]["custom_emoji_id"] == "77"


BAD_HTML = [
    ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ("a<b", "Unclosed start tag at byte offset 1"),
    ("研究 & 发展", 'unescaped "&" at byte offset 7'),
    ("&nbsp;", 'unescaped "&" at byte offset 0'),
    ("&#xD800;", "Invalid numeric HTML entity"),
    ("<br>", 'Unsupported start tag "br"'),
    ("<p>x</p>", 'Unsupported start tag "p"'),
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b>x</b", "Unclosed end tag"),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
    ('<span class="x">x</span>', 'Tag "span" must have class "tg-spoiler"'),
    ("<a>x</a>", 'Tag "a" must have a valid attribute "href"'),
    ('<a href="">x</a>', 'Tag "a" must have a valid attribute "href"'),
    ('<a href="javascript:alert(1)">x</a>', 'Tag "a" must have a valid attribute "href"'),
    ('<a href="https://x.cn/?a=1&b=2">x</a>', 'unescaped "&"'),
    ("<tg-emoji>x</tg-emoji>", 'Tag "tg-emoji" must have a numeric attribute "emoji-id"'),
    ("<b class>x</b>", "Expected equal sign"),
    ('<a href="https://x.cn>x</a>', "Unclosed start tag"),
]


@pytest.mark.parametrize(("source", "reason"), BAD_HTML)
def test_invalid_html_is_rejected(api: FakeBotAPI, source: str, reason: str) -> None:
    api.send_text(USER, "hi")
    description = rejected(api, "sendMessage", chat_id=USER, text=source, parse_mode="HTML")
    assert description.startswith("Bad Request: can't parse entities: ")
    assert reason in description
    assert len(api.errors) == 1


def test_plain_text_is_not_html_parsed(api: FakeBotAPI) -> None:
    api.send_text(USER, "hi")
    assert ok(api, "sendMessage", chat_id=USER, text="1 < 2 & <b>")["text"] == "1 < 2 & <b>"
    assert rejected(api, "sendMessage", chat_id=USER, text="x", parse_mode="html5") == (
        "Bad Request: unsupported parse_mode")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_escaped_text_round_trips(text: str) -> None:
    assert parse_html(html.escape(text)) == (text, [])


def test_length_is_counted_in_utf16_after_parsing(api: FakeBotAPI) -> None:
    api.send_text(USER, "hi")
    too_long = "Bad Request: message is too long"
    assert ok(api, "sendMessage", chat_id=USER, text="政" * 4096)
    assert rejected(api, "sendMessage", chat_id=USER, text="政" * 4097) == too_long
    assert ok(api, "sendMessage", chat_id=USER, text="😀" * 2048)  # 4096 UTF-16 units
    assert rejected(api, "sendMessage", chat_id=USER, text="😀" * 2049) == too_long
    # markup and entities do not count; the decoded characters do
    assert ok(api, "sendMessage", chat_id=USER, parse_mode="HTML", text="<b>" + "&amp;" * 4096 + "</b>")
    assert rejected(api, "sendMessage", chat_id=USER, parse_mode="HTML",
                    text="<b>" + "&#128512;" * 2049 + "</b>") == too_long
    assert utf16_len("😀a") == 3


@pytest.mark.parametrize("text", ["", "   \n", "<b> </b>", "<b></b>"])
def test_empty_text_is_rejected(api: FakeBotAPI, text: str) -> None:
    api.send_text(USER, "hi")
    assert rejected(api, "sendMessage", chat_id=USER, text=text, parse_mode="HTML") == (
        "Bad Request: message text is empty")


def test_text_is_trimmed_like_telegram(api: FakeBotAPI) -> None:
    api.send_text(USER, "hi")
    sent = ok(api, "sendMessage", chat_id=USER, text="\n <b> 标题</b>\n", parse_mode="HTML")
    assert sent["text"] == "标题"
    assert sent["entities"] == [{"type": "bold", "offset": 0, "length": 2}]


# ------------------------------------------------------------- keyboards


@pytest.mark.parametrize(("button", "description"), [
    ({"text": "x", "callback_data": ""}, "Bad Request: BUTTON_DATA_INVALID"),
    ({"text": "x", "callback_data": "a" * 65}, "Bad Request: BUTTON_DATA_INVALID"),
    ({"text": "x", "callback_data": "政" * 22}, "Bad Request: BUTTON_DATA_INVALID"),  # 66 bytes
    ({"text": "", "callback_data": "a"}, "Text must be non-empty"),
    ({"callback_data": "a"}, "Text must be non-empty"),
    ({"text": "x"}, "Text buttons are unallowed in the inline keyboard"),
    ({"text": "x", "url": "javascript:alert(1)"}, "Bad Request: BUTTON_URL_INVALID"),
    ({"text": "x", "url": "www.gov.cn"}, "Bad Request: BUTTON_URL_INVALID"),
    ({"text": "x", "url": "https://"}, "Bad Request: BUTTON_URL_INVALID"),
])
def test_invalid_inline_buttons_are_rejected(api: FakeBotAPI, button: dict, description: str) -> None:
    api.send_text(USER, "hi")
    got = rejected(api, "sendMessage", chat_id=USER, text="x", reply_markup=keyboard(button))
    assert description in got


def test_valid_inline_buttons_are_accepted(api: FakeBotAPI) -> None:
    api.send_text(USER, "hi")
    markup = keyboard({"text": "a", "callback_data": "a" * 64},
                      {"text": "b", "callback_data": "政" * 21},  # 63 bytes
                      {"text": "c", "url": "https://www.gov.cn/zhengce/"},
                      {"text": "d", "url": "tg://resolve?domain=x"})
    assert ok(api, "sendMessage", chat_id=USER, text="x", reply_markup=markup)["reply_markup"] == markup
    assert rejected(api, "sendMessage", chat_id=USER, text="x",
                    reply_markup={"inline_keyboard": [{"text": "x"}]}).startswith("Bad Request:")


# ------------------------------------------------------------- editing


def test_edit_message_text_rules(api: FakeBotAPI) -> None:
    user_message = api.send_text(USER, "hi")["message"]
    markup = keyboard({"text": "更多", "callback_data": "more"})
    sent = ok(api, "sendMessage", chat_id=USER, text="<b>v1</b>", parse_mode="HTML", reply_markup=markup)
    mid = sent["message_id"]
    assert rejected(api, "editMessageText", chat_id=USER, message_id=999, text="x") == (
        "Bad Request: message to edit not found")
    assert rejected(api, "editMessageText", chat_id=USER, message_id=user_message["message_id"],
                    text="x") == "Bad Request: message can't be edited"
    assert rejected(api, "editMessageText", chat_id=USER, message_id=mid, text="<b>v1</b> ",
                    parse_mode="HTML", reply_markup=markup).startswith(
        "Bad Request: message is not modified: ")
    # same text but different entities is a modification, as is dropping the keyboard
    ok(api, "editMessageText", chat_id=USER, message_id=mid, text="v1", reply_markup=markup)
    edited = ok(api, "editMessageText", chat_id=USER, message_id=mid, text="v1")
    assert "reply_markup" not in edited and "edit_date" in edited
    assert rejected(api, "editMessageText", chat_id=USER, message_id=mid, text="v1").startswith(
        "Bad Request: message is not modified")
    assert rejected(api, "editMessageText", chat_id=USER, message_id=mid, text="v2",
                    reply_markup={"keyboard": [["x"]]}) == "Bad Request: inline keyboard expected"
    assert [m["text"] for m in api.messages(USER)] == ["v1"]
    assert len(api.errors) == 5



# ------------------------------------------------------------- callback queries


def test_callback_queries(api: FakeBotAPI) -> None:
    api.send_text(USER, "hi")
    sent = ok(api, "sendMessage", chat_id=USER, text="x",
              reply_markup=keyboard({"text": "更多", "callback_data": "more"}))
    with pytest.raises(ValueError):
        api.press_button(USER, sent, "not-a-button")
    query = api.press_button(USER, sent, "more")["callback_query"]
    assert query["data"] == "more" and query["message"]["message_id"] == sent["message_id"]
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert rejected(api, "answerCallbackQuery", callback_query_id="123") == too_old
    assert rejected(api, "answerCallbackQuery", callback_query_id=query["id"], text="长" * 201) == (
        "Bad Request: MESSAGE_TOO_LONG")
    assert ok(api, "answerCallbackQuery", callback_query_id=query["id"], text="长" * 200) is True
    assert rejected(api, "answerCallbackQuery", callback_query_id=query["id"]) == too_old


# ------------------------------------------------------------- getUpdates


def test_get_updates_offset_and_long_polling(api: FakeBotAPI) -> None:
    first = api.send_text(USER, "one")["update_id"]
    second = api.send_text(USER, "two")["update_id"]
    assert [u["update_id"] for u in ok(api, "getUpdates")] == [first, second]
    assert [u["message"]["text"] for u in ok(api, "getUpdates", offset=second)] == ["two"]
    # offset=second confirmed (forgot) `first`; an older offset cannot bring it back
    assert [u["update_id"] for u in ok(api, "getUpdates", offset=first)] == [second]

    started = time.monotonic()
    assert ok(api, "getUpdates", offset=second + 1, timeout=0.3) == []
    assert 0.25 <= time.monotonic() - started < 1.0

    timer = threading.Timer(0.2, api.send_text, args=(USER, "three"))
    timer.start()
    started = time.monotonic()
    updates = ok(api, "getUpdates", offset=second + 1, timeout=30)  # capped at poll_cap
    timer.join()
    assert [u["message"]["text"] for u in updates] == ["three"]
    assert time.monotonic() - started < 0.9
    assert api.poll_count == 5 and api.calls == []  # polls are counted, not recorded


def test_drop_pending_updates(api: FakeBotAPI) -> None:
    api.send_text(USER, "stale")
    assert ok(api, "deleteWebhook", drop_pending_updates=True) is True
    assert ok(api, "getUpdates") == []


def test_commands(api: FakeBotAPI) -> None:
    commands = [{"command": "ask", "description": "提问"}]
    assert ok(api, "setMyCommands", commands=commands) is True
    assert api.commands() == commands and api.commands({"type": "chat", "chat_id": USER}) == []
    assert ok(api, "setMyCommands", commands=[], scope={"type": "chat", "chat_id": USER}) is True
    assert api.commands({"type": "chat", "chat_id": USER}) == [] and api.commands() == commands
    assert rejected(api, "setMyCommands", commands=[{"command": "Ask", "description": "x"}]) == (
        "Bad Request: BOT_COMMAND_INVALID")
    assert rejected(api, "setMyCommands", commands=[{"command": "ask", "description": ""}]) == (
        "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    api.send_text(USER, "hi")
    assert rejected(api, "sendChatAction", chat_id=USER, action="thinking") == (
        "Bad Request: wrong parameter action in request")


# ------------------------------------------------------------- files


def test_document_download_and_size_limit(api: FakeBotAPI) -> None:
    content = bytes(range(256)) + b"\r\n--boundary\r\n\x00"
    document = api.send_document(USER, "政策.pdf", content, caption="看看")["message"]["document"]
    assert document["file_size"] == len(content) and document["mime_type"] == "application/pdf"
    file = ok(api, "getFile", file_id=document["file_id"])
    with urllib.request.urlopen(f"{api.root}/file/bot{api.token}/{file['file_path']}") as response:
        assert response.read() == content
    assert api.downloads == [file["file_path"]]
    assert rejected(api, "getFile", file_id="nope") == "Bad Request: invalid file_id"
    big = api.send_document(USER, "big.pdf", b"\0" * (20 * 1024 * 1024 + 1))["message"]["document"]
    assert big["file_size"] == 20 * 1024 * 1024 + 1
    assert rejected(api, "getFile", file_id=big["file_id"]) == "Bad Request: file is too big"


def test_reported_file_size_and_forwarded_messages(api: FakeBotAPI) -> None:
    document = api.send_document(USER, "big.txt", b"small", file_size=50 * 1024 * 1024)["message"]["document"]
    assert document["file_size"] == 50 * 1024 * 1024
    assert rejected(api, "getFile", file_id=document["file_id"]) == "Bad Request: file is too big"
    origin = {"type": "channel", "chat": {"id": -1001, "type": "channel", "title": "频道"},
              "message_id": 7, "date": 1717800000}
    message = api.send_text(USER, "转发的文章", forward_origin=origin)["message"]
    assert message["forward_origin"] == origin and "forward_origin" not in api.send_text(USER, "x")["message"]



# ------------------------------------------------------------- flood control


def test_flood_control_answers_429(api: FakeBotAPI) -> None:
    api.send_text(USER, "hi")
    api.flood(count=1, retry_after=3)
    status, body = call(api, "sendMessage", chat_id=USER, text="x")
    assert status == 429
    assert body == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                    "parameters": {"retry_after": 3}}
    assert ok(api, "sendMessage", chat_id=USER, text="x")
    assert len(api.floods) == 1 and api.errors == []


def test_wait_for_times_out_with_report(api: FakeBotAPI) -> None:
    with pytest.raises(AssertionError, match="expected 1 message"):
        api.wait_for_messages(USER, 1, timeout=0.1)


# ------------------------------------------------- real python-telegram-bot


# PTB's own RetryAfter.__init__ warns about int retry_after (v22.2+); not our code.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_python_telegram_bot_application_runs_against_fake(api: FakeBotAPI) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.constants import ParseMode
    from telegram.ext import (AIORateLimiter, ApplicationBuilder, CallbackQueryHandler,
                              CommandHandler, ContextTypes, MessageHandler, filters)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        button = InlineKeyboardButton("再来", callback_data="again")
        await update.message.reply_text("<b>欢迎</b> &lt;政策&gt;", parse_mode=ParseMode.HTML,
                                        reply_markup=InlineKeyboardMarkup([[button]]))

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await context.bot.send_chat_action(update.effective_chat.id, "typing")
        await update.message.reply_text(f"<i>{html.escape(update.message.text)}</i>",
                                        parse_mode=ParseMode.HTML)

    async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        file = await update.message.document.get_file()
        data = await file.download_as_bytearray()
        await update.message.reply_text(f"收到 {len(data)} 字节")

    async def again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("好")
        await update.callback_query.edit_message_text("已更新")

    async def main() -> None:
        app = (ApplicationBuilder().token(api.token).base_url(api.base_url)
               .base_file_url(api.base_file_url).rate_limiter(AIORateLimiter(max_retries=2))
               .build())
        app.add_handler(CommandHandler("start", start))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        app.add_handler(MessageHandler(filters.Document.ALL, document))
        app.add_handler(CallbackQueryHandler(again))
        async with app:
            await app.bot.set_my_commands([("start", "开始")])
            await app.start()
            await app.updater.start_polling(timeout=1, poll_interval=0)
            await asyncio.to_thread(scenario)
            await app.updater.stop()
            await app.stop()

    def scenario() -> None:
        api.send_text(USER, "/start")
        welcome = api.wait_for_messages(USER, 1)[0]
        assert welcome["text"] == "欢迎 <政策>"
        api.flood(count=1, retry_after=1)  # AIORateLimiter must retry after 429
        api.send_text(USER, "a<b & c")
        assert api.wait_for_messages(USER, 2)[1]["text"] == "a<b & c"
        api.send_document(USER, "政策.txt", "国务院".encode())
        assert api.wait_for_messages(USER, 3)[2]["text"] == "收到 9 字节"
        api.press_button(USER, welcome, "again")
        api.wait_for(lambda r: r["method"] == "editMessageText" and r["ok"])

    asyncio.run(main())
    api.assert_no_errors()
    assert len(api.floods) == 1
    assert api.commands() == [{"command": "start", "description": "开始"}]
    assert [m["text"] for m in api.messages(USER)][0] == "已更新"
    assert "reply_markup" not in api.messages(USER)[0]
    methods = [c["method"] for c in api.calls if c["ok"]]
    assert {"getMe", "deleteWebhook", "sendChatAction", "getFile", "answerCallbackQuery"} <= set(methods)


def test_python_telegram_bot_downloads_and_sees_rejections(api: FakeBotAPI) -> None:
    from telegram import Bot
    from telegram.error import BadRequest

    content = bytes(range(256)) * 40 + b"\r\n--x\r\n\r\r\n\n"

    async def main() -> None:
        async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
            with pytest.raises(BadRequest, match="Chat not found"):
                await bot.send_message(USER, "x")
            document = api.send_document(USER, "答复.bin", content)["message"]["document"]
            with pytest.raises(BadRequest, match="parse entities"):
                await bot.send_message(USER, "1 < 2", parse_mode="HTML")
            file = await bot.get_file(document["file_id"])
            assert file.file_size == len(content)
            assert bytes(await file.download_as_bytearray()) == content

    asyncio.run(main())
    assert [e["description"].split(":")[1].strip() for e in api.errors] == [
        "chat not found", "can't parse entities"]
