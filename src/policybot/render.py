"""Answers as text for people and machines: terminal, JSON lines, Telegram HTML.

Corpus text is untrusted: every renderer escapes it for its medium (control
characters for terminals, entities for HTML) before adding its own markup.
"""

from __future__ import annotations

import html
import json
import re
from typing import TYPE_CHECKING, Callable, Iterable, Sequence
from urllib.parse import urlsplit

from .corpus import AddStatus
from .errors import EmptyArticleError, EncodingError, FetchError, InputError, PolicybotError, StoreError
from .search.ranking import Answer
from .store import ArticleRow, PassageRow

if TYPE_CHECKING:
    from .corpus import AddResult

NO_ANSWER = "没有找到相关内容。可以换个说法,或用更具体的地名、政策名称再问一次。"
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
BOLD, RESET, DIM = "\x1b[1m", "\x1b[0m", "\x1b[2m"


def safe_terminal(text: str) -> str:
    """Text with control characters (and so ANSI escapes) removed."""
    return _CONTROL.sub("", text)


def highlight(text: str, words: Iterable[str], mark: Callable[[str], str], escape: Callable[[str], str]) -> str:
    """Escape text and wrap every occurrence of the words (longest first) with `mark`."""
    terms = sorted({w for w in words if w.strip()}, key=len, reverse=True)
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(mark(escape(match.group(0))))
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def citation_parts(p: PassageRow) -> list[str]:
    """《title》, publisher (and original source), date, section, ¶n — whichever are known."""
    parts = [f"《{p.title}》"]
    if p.source and p.origin and p.origin != p.source:
        parts.append(f"{p.source}(来源:{p.origin})")
    elif p.source or p.origin:
        parts.append(str(p.source or p.origin))
    if p.date:
        parts.append(p.date)
    if p.section:
        parts.append(" › ".join(p.section))
    parts.append(f"¶{p.ordinal}")
    return parts


def citation(p: PassageRow) -> str:
    return " · ".join(citation_parts(p))


def terminal(answer: Answer, color: bool = False) -> str:
    """Human-readable answer: the answering sentence(s) with matched words in bold, and the citation."""
    if not answer.results:
        return NO_ANSWER
    mark = (lambda s: f"{BOLD}{s}{RESET}") if color else (lambda s: s)
    blocks = []
    for r in answer.results:
        # The answering sentence(s) only; "…" says the passage holds more (`show ID` or --json has it all).
        shown = highlight(r.snippet, r.matched, mark, safe_terminal)
        whole, part = r.passage.text.strip(), r.snippet.strip()
        shown = ("" if whole.startswith(part) else "…") + shown + ("" if whole.endswith(part) else "…")
        lines = [f"[{r.rank}] {shown}"]
        cite = "    —— " + safe_terminal(citation(r.passage))
        if r.passage.url:
            cite += f"\n       {safe_terminal(r.passage.url)}"
        if r.duplicates:
            cite += f"\n       (另有 {r.duplicates} 篇文章刊登了相同内容)"
        lines.append(cite)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def json_line(answer: Answer) -> str:
    """One JSON object per question, on one line."""
    return json.dumps(answer.as_dict(), ensure_ascii=False)


def to_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def tg_escape(text: str) -> str:
    """Escape text for Telegram's HTML parse mode."""
    return html.escape(text, quote=True)


def tg_bold(text: str) -> str:
    return f"<b>{text}</b>"


def article_lines(rows: Sequence[object]) -> str:
    """`policybot list`: id, date, passages, title, one article per line."""
    lines = []
    for row in rows:
        date = getattr(row, "date") or "----------"
        lines.append(f"{row.id}  {date}  {row.n_passages:>4} ¶  {safe_terminal(row.title)}")  # type: ignore[attr-defined]
    return "\n".join(lines) if lines else "(no articles yet — add some with `policybot add PATH`)"


# ---- Telegram (HTML parse mode) ---------------------------------------------
#
# Every piece of corpus or user text goes through `tg_escape` before any markup
# is added, so the only `<` and `&` in these strings are our own tags and
# entities. `tg_fit` is the last step of every renderer: the result always fits
# Telegram's limit (counted in UTF-16 code units after entity parsing).

TG_MAX_MESSAGE = 4096
TG_ELLIPSIS = "…"
#: Plain-text caps applied before escaping, so three results and their citations fit one message.
TG_SNIPPET_CHARS = 800
TG_TITLE_CHARS = 80
TG_FIELD_CHARS = 60
TG_QUESTION_CHARS = 120
TG_PASSAGE_CHARS = 2400
TG_NEIGHBOUR_CHARS = 600

_TG_TOKEN = re.compile(r"<(/?)([A-Za-z][\w-]*)[^>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z]+);|[^<&]+")
_TG_TAG = re.compile(r"<[^>]*>")


def utf16_units(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts message length in."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def tg_plain(html_text: str) -> str:
    """The text Telegram shows for our HTML (tags dropped, entities decoded)."""
    return html.unescape(_TG_TAG.sub("", html_text))


def tg_len(html_text: str) -> int:
    """Visible length of our HTML in UTF-16 code units."""
    return utf16_units(tg_plain(html_text))


def tg_fit(html_text: str, limit: int = TG_MAX_MESSAGE) -> str:
    """Trim HTML to `limit` visible UTF-16 units with "…", never inside a tag or entity; tags stay balanced."""
    if tg_len(html_text) <= limit:
        return html_text
    budget = limit - utf16_units(TG_ELLIPSIS)
    out: list[str] = []
    open_tags: list[str] = []
    used = 0
    for match in _TG_TOKEN.finditer(html_text):
        token = match.group(0)
        if match.group(2) is not None:  # a tag: costs nothing
            name = match.group(2).lower()
            if match.group(1):
                if open_tags and open_tags[-1] == name:
                    open_tags.pop()
            else:
                open_tags.append(name)
            out.append(token)
            continue
        if token.startswith("&"):
            width = utf16_units(html.unescape(token))
            if used + width > budget:
                break
            out.append(token)
            used += width
            continue
        kept = []
        for ch in token:
            width = 2 if ord(ch) > 0xFFFF else 1
            if used + width > budget:
                break
            kept.append(ch)
            used += width
        out.append("".join(kept))
        if len(kept) < len(token):
            break
    body = "".join(out).rstrip()
    return body + TG_ELLIPSIS + "".join(f"</{name}>" for name in reversed(open_tags))


def clip(text: str, limit: int) -> str:
    """Plain text cut to `limit` characters, ending in "…" when cut."""
    text = text.strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + TG_ELLIPSIS


def tg_safe_url(url: str | None) -> str | None:
    """The URL if Telegram will accept it as a link (absolute http/https, no spaces), else None."""
    if not url or len(url) > 2048 or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    try:
        urlsplit(url).port  # raises ValueError on a malformed host ("http://[x.y/") or port
    except ValueError:
        return None
    scheme, sep, rest = url.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if not sep or scheme.lower() not in ("http", "https") or not host or "." not in host and ":" not in host:
        return None
    return url


def tg_link(text_html: str, url: str | None) -> str:
    """Already-escaped text as a link when the URL is usable, else as is."""
    safe = tg_safe_url(url)
    return f'<a href="{tg_escape(safe)}">{text_html}</a>' if safe else text_html


def telegram_citation(p: PassageRow) -> str:
    """《title》 · publisher · date · section · ¶n as HTML, the title linked when the article has a URL."""
    parts = citation_parts(p)
    title = tg_link(tg_escape(f"《{clip(p.title, TG_TITLE_CHARS)}》"), p.url)
    return " · ".join([title, *(tg_escape(clip(part, TG_FIELD_CHARS)) for part in parts[1:])])


def telegram_question(question: str) -> str:
    """The answer's first line: the question, so the answer makes sense on its own."""
    return f"🔎 <b>{tg_escape(clip(' '.join(question.split()), TG_QUESTION_CHARS))}</b>"


def telegram_answer(answer: Answer, limit: int = TG_MAX_MESSAGE) -> str:
    """The question, then each result: best sentence(s) with matched words bold, and its citation."""
    head = telegram_question(answer.question)
    if not answer.results:
        return tg_fit(f"{head}\n\n{tg_escape(NO_ANSWER)}", limit)
    blocks = [head]
    for r in answer.results:
        body = highlight(clip(r.snippet, TG_SNIPPET_CHARS), r.matched, tg_bold, tg_escape)
        block = f"<b>{r.rank}.</b> {body}\n—— {telegram_citation(r.passage)}"
        if r.duplicates:
            block += f"\n(另有 {r.duplicates} 篇文章刊登了相同内容)"
        blocks.append(block)
    return tg_fit("\n\n".join(blocks), limit)


def telegram_passage(passages: Sequence[PassageRow], focus_id: int, limit: int = TG_MAX_MESSAGE) -> str:
    """A passage in full (quoted) between its neighbours, under its article's citation."""
    focus = next(p for p in passages if p.id == focus_id)
    title = tg_link(tg_escape(f"《{clip(focus.title, TG_TITLE_CHARS)}》"), focus.url)
    meta = [tg_escape(clip(part, TG_FIELD_CHARS)) for part in citation_parts(focus)[1:-1]]
    lines = [f"📄 <b>{title}</b>" + ("\n" + " · ".join(meta) if meta else "")]
    for p in passages:
        if p.id == focus_id:
            lines.append(f"<blockquote>¶{p.ordinal} {tg_escape(clip(p.text, TG_PASSAGE_CHARS))}</blockquote>")
        else:
            lines.append(f"¶{p.ordinal} {tg_escape(clip(p.text, TG_NEIGHBOUR_CHARS))}")
    lines.append(f"文章 ID:<code>{tg_escape(focus.article_id)}</code>")
    return tg_fit("\n\n".join(lines), limit)


def telegram_sources(rows: Sequence[ArticleRow], page: int, per_page: int, limit: int = TG_MAX_MESSAGE) -> str:
    """One page of the article list: title, date, publisher, passages, id."""
    total = len(rows)
    if not total:
        return "还没有文章。管理员可以用 /add 添加。"
    pages = (total + per_page - 1) // per_page
    lines = [f"📚 共 {total} 篇文章(第 {page + 1}/{pages} 页)"]
    for i, row in enumerate(rows[page * per_page:(page + 1) * per_page], page * per_page + 1):
        title = tg_link(tg_escape(f"《{clip(row.title, TG_TITLE_CHARS)}》"), row.url)
        facts = [row.date or "日期不详", row.source, f"{row.n_passages} 段"]
        details = " · ".join(tg_escape(clip(str(f), TG_FIELD_CHARS)) for f in facts if f)
        lines.append(f"{i}. {title}\n    {details} · <code>{tg_escape(row.id)}</code>")
    return tg_fit("\n\n".join(lines), limit)


def telegram_stats(stats: dict[str, object]) -> str:
    """Corpus figures (without the server's paths)."""
    oldest, newest = stats.get("oldest"), stats.get("newest")
    span = f"{oldest} 至 {newest}" if oldest and newest else "—"
    mb = float(stats.get("store_bytes") or 0) / 1e6  # type: ignore[arg-type]
    rows = [("文章", f"{stats['articles']:,}"), ("段落", f"{stats['passages']:,}"),
            ("字数", f"{stats['characters']:,}"), ("日期", span), ("词项", f"{stats['terms']:,}"),
            ("索引段", str(stats["index_segments"])), ("存储", f"{mb:.1f} MB")]
    return tg_fit("📊 <b>语料统计</b>\n" + "\n".join(f"{k}:{tg_escape(str(v))}" for k, v in rows))


#: What a Telegram admin is told, in Chinese, when an add fails; most specific class first.
#: The English detail (message and hint, the CLI's line) follows it.
_NOT_ADDED_ADVICE: tuple[tuple[type[PolicybotError], str], ...] = (
    (EncodingError, "文件不是可读的文本(支持 UTF-8、UTF-16、GBK/GB18030 编码)。"),
    (EmptyArticleError, "清理网页杂项后没有剩下正文。请发送文章正文,而不只是标题或页面元素。"),
    (FetchError, "无法获取这个网址。请检查链接,或直接粘贴文章正文。"),
    (StoreError, "文章库暂时无法写入。请稍后再试;若一直如此,请联系维护者。"),
    (InputError, "这份内容无法使用。"),
)


def telegram_not_added(error: PolicybotError) -> str:
    """Why /add stored nothing: advice in Chinese, then the detail."""
    advice = next((text for kind, text in _NOT_ADDED_ADVICE if isinstance(error, kind)), "出了点问题。")
    return tg_fit(f"⚠️ 没有添加:{advice}\n<i>详情:{tg_escape(str(error))}</i>")


def telegram_added(results: Sequence[AddResult], shown: int = 15) -> str:
    """What /add did with each article: added (title, date, passages, id), already there, or refused."""
    lines: list[str] = []
    labels = {AddStatus.ADDED: "✅ 已添加", AddStatus.REPLACED: "✅ 已更新", AddStatus.DUPLICATE: "↩️ 已经有了(内容相同)",
              AddStatus.CONFLICT: "⚠️ 没有添加:同一 ID 已有不同内容"}
    for r in results[:shown]:
        title = tg_escape(f"《{clip(r.title, TG_TITLE_CHARS)}》")
        facts = [r.date or "日期不详"]
        if r.status in (AddStatus.ADDED, AddStatus.REPLACED):
            facts.append(f"{r.passages} 段")
        lines.append(f"{labels.get(r.status) or tg_escape(r.status)} {title}\n    {tg_escape(' · '.join(facts))}"
                     f" · <code>{tg_escape(r.article_id)}</code>")
    if len(results) > shown:
        lines.append(f"……另有 {len(results) - shown} 篇")
    added = sum(1 for r in results if r.status in (AddStatus.ADDED, AddStatus.REPLACED))
    if added:
        lines.append("现在就可以提问了。")
    return tg_fit("\n".join(lines) if lines else "没有找到可添加的文章。")


def telegram_welcome(n_articles: int, newest: str | None, examples: Sequence[str], admin: bool,
                     max_upload_mb: int = 20) -> str:
    """/start and /help: what the bot knows, how to ask, example questions."""
    lines = ["👋 我是政策新闻问答机器人:你提问,我从文章里找出回答问题的段落,并注明出处。"]
    if n_articles:
        when = f",最新一篇发布于 {tg_escape(newest)}" if newest else ""
        lines.append(f"现有 <b>{n_articles}</b> 篇文章{when}。")
    else:
        lines.append("现在还没有文章。")
    lines.append("\n<b>怎么问</b>:私聊直接发问题;在群里用 /ask 问题,或 @我,或回复我的消息。"
                 "每次给出最相关的 3 段,点「更多」看后面的,点「原文」看整段和上下文。")
    if examples:
        lines.append("\n<b>可以这样问</b>(点一下即可复制):")
        lines += [f"• <code>{tg_escape(clip(q, TG_QUESTION_CHARS))}</code>" for q in examples]
    lines.append("\n/sources 文章列表 · /stats 统计 · /help 帮助")
    if admin:
        lines.append(f"\n<b>管理员</b>:/add 加文字或网址;回复一条转发的文章发 /add;"
                     f"直接发送 .txt .md .html .jsonl 文件(不超过 {max_upload_mb} MB);/remove ID 删除。")
    return tg_fit("\n".join(lines))
