"""What the bot says in its own words: the command menus, usage lines, refusals and button labels.

Plain text only (`render.telegram_text` escapes it for sending); replies that
carry corpus text or markup are built in `render.tg_replies`.
"""

from __future__ import annotations

PUBLIC_COMMANDS = [
    ("start", "能问什么、怎么问"),
    ("help", "帮助和示例问题"),
    ("ask", "提问,例如 /ask 宜兴发展哪些新赛道"),
    ("sources", "文章列表"),
    ("stats", "语料统计"),
    ("subscribe", "订阅:有相关新文章时通知我,例如 /subscribe 低空经济"),
    ("subscriptions", "我的订阅"),
    ("unsubscribe", "取消订阅:/unsubscribe 编号"),
]
ADMIN_COMMANDS = PUBLIC_COMMANDS + [
    ("add", "添加文章:文字、网址,或回复一条转发的文章"),
    ("remove", "删除文章:/remove ID"),
    ("unanswered", "没找到答案的常见问题"),
    ("feeds", "关注的来源(RSS、列表页)"),
    ("feed_add", "关注来源:/feed_add 网址 [名称]"),
    ("feed_remove", "取消关注:/feed_remove 名称"),
]

# ---- messages ----------------------------------------------------------------------------------

WAIT = "请稍候,问题有点多,我按顺序回答。"
SORRY = "抱歉,处理这条消息时出了点问题,请稍后再试。"
NOT_ADMIN = "抱歉,只有管理员可以添加或删除文章。"
NON_TEXT = "请用文字提问,例如:宜兴发展哪些新赛道?发送 /help 查看更多示例。"
UNKNOWN_COMMAND = "不认识这个命令。发送 /help 查看用法。"
ASK_USAGE = "用法:/ask 问题,例如 /ask 宜兴发展哪些新赛道?"
ADD_USAGE = ("用法:/add 文章文字;/add 网址;回复一条(转发的)文章发 /add;"
             "或直接发送 .txt .md .html .jsonl .pdf .docx 文件。")
REMOVE_USAGE = "用法:/remove 文章ID(用 /sources 查看 ID)。"
FEED_ADD_USAGE = "用法:/feed_add 网址 [名称],网址是 RSS、Atom 订阅或文章列表页。"
FEED_REMOVE_USAGE = "用法:/feed_remove 名称或网址(用 /feeds 查看)。"
SUBSCRIBE_USAGE = "用法:/subscribe 关键词或问题,例如 /subscribe 低空经济"
SUBSCRIBE_PRIVATE = "请在与我的私聊中订阅。"
UNSUBSCRIBE_USAGE = "用法:/unsubscribe 编号或订阅内容(用 /subscriptions 查看)。"
FORWARD_HINT = "这是一条转发的消息。要把它加入文章库,请回复它并发送 /add;要提问,请直接输入问题。"
SLOW_DOWN = "点得太快了,请稍等一下再点。"

# ---- button labels and what a pressed button is told ---------------------------------------------

ORIGINAL = "原文 {rank}"
PREVIOUS_PAGE = "‹ 上一页"
NEXT_PAGE = "下一页 ›"
MORE = "更多 ›"
PREVIOUS_PASSAGE = "‹ 上一段"
NEXT_PASSAGE = "下一段 ›"
UNDO_ADD = "撤销添加"
HELPFUL = "👍 有用"
NOT_HELPFUL = "👎 没用"

EXPIRED = "这个按钮已过期,请重新提问。"
NO_MORE = "没有更多了。"
PASSAGE_GONE = "这段内容已不在文章库里了。"
ALREADY_UNDONE = "已经撤销过了,或这个按钮已过期。"
UNDONE = "已撤销。"
THANKS_UP = "谢谢!已记下:这段有用。"
THANKS_DOWN = "谢谢!已记下:这段没用,我们会改进。"

# ---- example questions built from an article's headings (see pages.example_questions) -------------

EXAMPLE_HOW = "{top}如何{last}?"
EXAMPLE_MEASURES = "{top}有哪些举措?"
EXAMPLE_ABOUT = "{title}讲了什么?"
