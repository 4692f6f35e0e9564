"""Every Telegram reply's HTML: answers, passages, article lists, figures, and what /add and /remove did.

Each function returns HTML ready for `parse_mode=HTML`: corpus and user text
escaped (`tg_escape`), the whole cut to fit one message (`tg_fit`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from ..corpus import AddStatus
from ..errors import EmptyArticleError, EncodingError, FetchError, InputError, PolicybotError, StoreError
from ..search.ranking import Answer
from ..store import ArticleRow, PassageRow
from .messages import BOT_LANGUAGE, translate
from .common import NO_ANSWER, citation_parts, clip, highlight
from .tg_html import TG_MAX_MESSAGE, tg_bold, tg_escape, tg_fit, tg_link

if TYPE_CHECKING:
    from ..corpus import AddResult

#: Plain-text caps applied before escaping, so three results and their citations fit one message.
TG_SNIPPET_CHARS = 800
TG_TITLE_CHARS = 80
TG_FIELD_CHARS = 60
TG_QUESTION_CHARS = 120
TG_PASSAGE_CHARS = 2400
TG_NEIGHBOUR_CHARS = 600
MB = 1024 * 1024


def telegram_citation(p: PassageRow) -> str:
    """《title》 · publisher · date · section · ¶n as HTML, the title linked when the article has a URL."""
    parts = citation_parts(p)
    title = tg_link(tg_escape(f"《{clip(p.title, TG_TITLE_CHARS)}》"), p.url)
    return " · ".join([title, *(tg_escape(clip(part, TG_FIELD_CHARS)) for part in parts[1:])])


def telegram_question(question: str) -> str:
    """The answer's first line: the question, so the answer makes sense on its own."""
    return f"🔎 <b>{tg_escape(clip(' '.join(question.split()), TG_QUESTION_CHARS))}</b>"


def telegram_answer(answer: Answer, limit: int = TG_MAX_MESSAGE, shown: int | None = None,
                    note: str | None = None) -> str:
    """The question (and a `note` under it: which question a follow-up was read as), then each result
    (the first `shown`): best sentence(s) with matched words bold, and its citation."""
    head = telegram_question(answer.question)
    if note:
        head += f"\n<i>{tg_escape(clip(note, TG_QUESTION_CHARS + 20))}</i>"
    results = answer.results[:shown]
    if not results:
        return tg_fit(f"{head}\n\n{tg_escape(NO_ANSWER)}", limit)
    blocks = [head]
    for r in results:
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


def telegram_question_refused(error: PolicybotError) -> str:
    """A question that cannot be asked as written (a limit that is no date): what and what to do, in Chinese."""
    text = translate(error.message, BOT_LANGUAGE)
    if error.hint:
        text += ":" + translate(error.hint, BOT_LANGUAGE)
    return tg_fit(f"⚠️ {tg_escape(text)}")


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
                     max_upload_mb: int = 20, bot_username: str | None = None) -> str:
    """/start and /help: what the bot knows, how to ask, example questions."""
    lines = ["👋 我是政策新闻问答机器人:你提问,我从文章里找出回答问题的段落,并注明出处。"]
    if n_articles:
        when = f",最新一篇发布于 {tg_escape(newest)}" if newest else ""
        lines.append(f"现有 <b>{n_articles}</b> 篇文章{when}。")
    else:
        lines.append("现在还没有文章。")
    lines.append("\n<b>怎么问</b>:私聊直接发问题。每次给出最相关的 3 段,点「更多」看后面的,"
                 "点「原文」看整段和上下文,点 👍/👎 告诉我答得好不好。")
    lines.append("<b>接着问</b>:问完「宜兴发展哪些新赛道?」可以接着问「那梁溪呢?」「去年呢?」"
                 "「还有呢?」「第二条详细说说」;我会说明按哪个问题回答。30 分钟没说话就重新开始。")
    lines.append("<b>在群里</b>:只回答 /ask 问题、@我 的消息和回复我的消息,其他消息一概不看;接着问按每个人分开算。")
    lines.append("<b>限定范围</b>:在问题后面加 <code>来源:新闻联播</code>、<code>从:2024-01</code>、"
                 "<code>到:2024-06</code>(日期写 2024、2024-06 或 2024-06-30,可只写一个),例如 "
                 "<code>外贸进出口增长多少 从:2024-01 到:2024-06</code>。")
    mention = f"@{tg_escape(bot_username)}" if bot_username else "@机器人用户名"
    lines.append(f"<b>在任何聊天里</b>:输入 <code>{mention} 宜兴 新赛道</code>,从弹出的段落里选一段发出。")
    if examples:
        lines.append("\n<b>可以这样问</b>(点一下即可复制):")
        lines += [f"• <code>{tg_escape(clip(q, TG_QUESTION_CHARS))}</code>" for q in examples]
    lines.append("\n<b>订阅</b>:/subscribe 低空经济 —— 有相关的新文章时,我把相关段落发给你(/subscriptions 查看)。")
    lines.append("\n/sources 文章列表 · /stats 统计 · /help 帮助")
    if admin:
        lines.append(f"\n<b>管理员</b>:/add 加文字或网址;回复一条转发的文章发 /add;"
                     f"直接发送 .txt .md .html .jsonl .pdf .docx 文件(不超过 {max_upload_mb} MB);/remove ID 删除;"
                     "/unanswered 看没找到答案的常见问题;/feed_add 网址 关注 RSS 或文章列表页,/feeds 查看。")
    return tg_fit("\n".join(lines))


def telegram_text(text: str) -> str:
    """Our own plain text (a usage line, a refusal) as HTML."""
    return tg_fit(tg_escape(text))


def telegram_unreadable_file(name: str) -> str:
    """An upload of a kind /add does not read."""
    return tg_fit(f"⚠️ 没有添加:{tg_escape(clip(name, 80))} 不是 .txt .md .html .jsonl .pdf .docx 文件。")


def telegram_file_too_big(name: str, size: int, limit: int) -> str:
    """An upload Telegram says is over the size limit (nothing was downloaded)."""
    return tg_fit(f"⚠️ 没有添加:{tg_escape(clip(name, 80))} 有 {size / MB:.1f} MB,"
                  f"超过 {limit // MB} MB 的上限。请拆成几个小文件再发。")


def telegram_download_refused(reason: str) -> str:
    """Telegram would not let the bot download an upload."""
    return tg_fit(f"⚠️ 没有添加:Telegram 不让下载这个文件({tg_escape(reason)})。")


def telegram_download_over_limit(limit: int) -> str:
    """A downloaded upload turned out bigger than Telegram said, and over the limit."""
    return f"⚠️ 没有添加:文件超过 {limit // MB} MB 的上限。"


def telegram_no_such_article(article_id: str) -> str:
    """/remove with an id that is not stored."""
    return tg_fit(f"没有 ID 为 <code>{tg_escape(clip(article_id, 80))}</code> 的文章。用 /sources 查看 ID。")


def telegram_removed(row: ArticleRow) -> str:
    """/remove did it."""
    return tg_fit(f"🗑 已删除 {tg_escape('《' + clip(row.title, 80) + '》')}"
                  f"(<code>{tg_escape(row.id)}</code>),它不会再出现在回答里。")


def telegram_undone(removed: int) -> str:
    """撤销添加 did it."""
    return f"↩️ 已撤销:删除了刚才添加的 {removed} 篇文章。"
