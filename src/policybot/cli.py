"""The `policybot` command: a thin shell over `Corpus`, `render` and the bot."""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import sys
from typing import Sequence

from .config import Settings
from .errors import InputError, PolicybotError

PROMPT = "问题> "
#: Undecodable bytes in arguments or stdin arrive as lone surrogates (surrogateescape).
_SURROGATES = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> str:
    """Text with undecodable bytes shown as U+FFFD, so it can be stored and printed as UTF-8."""
    return _SURROGATES.sub("\ufffd", text)


#: A message is one line: control characters (say, a newline in a file name) would break it.
_LINE_BREAKERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

EXAMPLES = {
    "ask": 'example: policybot ask "宜兴发展哪些新赛道?"\n         policybot ask -k 5 --json "江阴的高层次人才目标"\n'
           "         policybot ask --json < questions.txt",
    "add": "example: policybot add article.txt news/ report.pdf notice.docx https://example.com/a.html\n"
           '         pbpaste | policybot add - --title "标题" --date 2024-06-08 --source 无锡日报\n'
           "         policybot add --replace article.txt      # after editing it: same id, new text\n\n"
           "inputs: .txt .md .html .jsonl .pdf .docx files, folders (walked, links out of them skipped),\n"
           "http(s) URLs (public addresses only unless POLICYBOT_ALLOW_PRIVATE_URLS=1), - for stdin.\n\n"
           "identity: an article keeps one id for its life (--id or the JSONL \"id\", else taken from its\n"
           "text's hash). Adding the same file, URL or id again is the same article: with other text it is\n"
           "not changed unless --replace is given, which replaces it in place (same id, new text, one\n"
           "transaction). The same text is the same article whatever its title or publisher: it is\n"
           "\"already there\". --replace never deletes another article: a text that is already another\n"
           "article is refused, naming it.\n\n"
           "outcomes: each article stands alone; what cannot be used (a file, a JSONL line, a URL) is\n"
           "skipped with one line saying why, the rest is added. The last line counts them: added,\n"
           "replaced, already there, skipped. Exit 0 when everything was added or already there, 1 when\n"
           "something was skipped. --strict: the first problem stops the add and nothing is stored.",
    "list": "example: policybot list --json",
    "show": "example: policybot show 9b034201a5ca",
    "remove": "example: policybot remove 9b034201a5ca",
    "stats": "example: policybot stats --json",
    "reindex": "example: policybot reindex   # after editing the dictionary or stopwords",
    "bot": "example: TELEGRAM_BOT_TOKEN=123:ABC policybot bot",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policybot",
        description="Ask questions about Chinese policy-news articles and get cited passages.",
        epilog='example: policybot ask "宜兴发展哪些新赛道?"   (no command on a terminal: interactive prompt)',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--home", help="folder holding corpus/ and the index (default: $POLICYBOT_HOME or the checkout)")
    sub = parser.add_subparsers(dest="command")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, epilog=EXAMPLES[name],
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    ask = command("ask", "answer questions with cited passages")
    ask.add_argument("question", nargs="*", help="the question (omit to read one question per line from stdin)")
    ask.add_argument("-k", type=int, default=None, help="how many passages (default 3)")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")

    add = command("add", "add articles from files, folders, URLs or - (stdin)")
    add.add_argument("inputs", nargs="+", metavar="PATH|URL|-")
    add.add_argument("--title")
    add.add_argument("--date", help="YYYY-MM-DD")
    add.add_argument("--source", help="publisher, e.g. 无锡日报")
    add.add_argument("--url")
    add.add_argument("--id", dest="article_id", help="article id to use (single article only)")
    add.add_argument("--replace", action="store_true",
                     help="replace articles added before from the same file, URL or id in place (same id)")
    add.add_argument("--strict", action="store_true", help="all or nothing: stop at the first input that fails")
    add.add_argument("--json", action="store_true")

    listing = command("list", "list articles")
    listing.add_argument("--json", action="store_true")
    show = command("show", "show an article and its passages")
    show.add_argument("article_id", metavar="ID")
    show.add_argument("--json", action="store_true")
    remove = command("remove", "remove an article")
    remove.add_argument("article_id", metavar="ID")
    stats = command("stats", "corpus and index figures")
    stats.add_argument("--json", action="store_true")
    command("reindex", "re-segment all passages and rebuild the index")
    command("bot", "run the Telegram bot (long polling)")
    return parser


def _reason(exc: Exception) -> str:
    """An exception's message fit for one line: SQLite may quote damaged bytes from the file."""
    text = str(exc).split(" with text ", 1)[0]  # "Could not decode to UTF-8 column 'x' with text '<garbage>'"
    text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split())[:120]


def _err(message: str) -> None:
    """One line on stderr."""
    print(_LINE_BREAKERS.sub(" ", message), file=sys.stderr, flush=True)


def _open(settings: Settings, sync: bool = True):
    from .corpus import Corpus

    corpus = Corpus(settings)
    if sync:
        corpus.sync(progress=_err, warn=lambda m: _err(f"warning: {m}"))
    return corpus


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from . import render

    corpus = _open(settings)
    if args.k is not None and not 1 <= args.k <= 50:
        raise PolicybotError(f"-k {args.k} is out of range", "choose between 1 and 50 passages")
    questions = [" ".join(args.question)] if args.question else None
    if questions is None:
        if sys.stdin.isatty():
            return _interactive(corpus, args)
        if args.json:
            # One JSON line out as each question line comes in (a pipe may stay open).
            for line in sys.stdin:
                if line.strip():
                    print(render.json_line(corpus.ask(_clean(line.strip()), args.k)), flush=True)
            return 0
        questions = [_clean(line.strip()) for line in sys.stdin if line.strip()]
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    for question in questions:
        answer = corpus.ask(question, args.k)
        if args.json:
            print(render.json_line(answer), flush=True)
        else:
            if len(questions) > 1:
                print(f"== {render.safe_terminal(question)}")
            print(render.terminal(answer, color=color), end="\n\n" if len(questions) > 1 else "\n", flush=True)
    return 0


def _interactive(corpus, args: argparse.Namespace) -> int:
    """A question prompt on a terminal; empty line or Ctrl-D ends it."""
    from . import render

    print(f"policybot — {corpus.counts().articles} 篇文章。输入问题,回车提问;空行或 Ctrl-D 退出。")
    while True:
        try:
            question = _clean(input(PROMPT).strip())
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not question:
            return 0
        answer = corpus.ask(question, args.k)
        print(render.json_line(answer) if args.json else render.terminal(answer, color=True))
        print()


def _cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from . import render
    from .corpus import Corpus

    if args.article_id is not None and not Corpus.valid_article_id(args.article_id):
        raise InputError(f"--id {args.article_id[:40]!r} has spaces or symbols",
                         "use letters, digits, '.', '_', ':' or '-' (at most 64)")
    corpus = _open(settings, sync=False)
    results = corpus.add_inputs(args.inputs, title=args.title, source=args.source, date=args.date, url=args.url,
                                article_id=args.article_id, replace=args.replace, strict=args.strict,
                                progress=_err)
    if args.json:
        print(render.to_json([r.as_dict() for r in results]))
    else:
        for r in results:
            _report(r, render.safe_terminal)
    summary = _summary(results)
    print(summary, file=sys.stderr if args.json else sys.stdout, flush=True)
    return 1 if any(r.counts_as_skipped for r in results) else 0


def _report(r, safe) -> None:  # noqa: ANN001 - an AddResult and render.safe_terminal
    """One line for one article: results on stdout, what was not stored on stderr."""
    title = safe(r.title)
    if r.status == "skipped":
        _err(f"skipped {safe(r.reason)}")
    elif r.status == "duplicate":
        print(f"already there: {r.article_id}  {title} ({safe(r.reason)})")
    elif r.status == "conflict":
        _err(f"not changed: {safe(r.origin)}: {safe(r.reason)}")
    else:
        print(f"{r.status}: {r.article_id}  {r.date or '----------'}  {r.passages} ¶  {title}")


def _summary(results) -> str:  # noqa: ANN001 - AddResults
    count = {status: sum(1 for r in results if r.status == status)
             for status in ("added", "replaced", "duplicate", "skipped", "conflict")}
    return (f"added {count['added']}, replaced {count['replaced']}, already there {count['duplicate']}, "
            f"skipped {count['skipped'] + count['conflict']}")


def _cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from . import render

    rows = _open(settings).articles()
    print(render.to_json([r.as_dict() for r in rows]) if args.json else render.article_lines(rows))
    return 0


def _cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from . import render

    row, passages = _open(settings).article(args.article_id)
    if args.json:
        data = row.as_dict() | {"passages": [
            {"paragraph": p.ordinal, "section": " › ".join(p.section), "text": p.text} for p in passages]}
        print(render.to_json(data))
        return 0
    print(render.safe_terminal(f"《{row.title}》 {row.source or ''} {row.date or ''}  [{row.id}]"))
    if row.url:
        print(render.safe_terminal(row.url))
    section: tuple[str, ...] = ()
    for p in passages:
        if p.section != section:
            section = p.section
            print(f"\n## {render.safe_terminal(' › '.join(section))}")
        print(f"\n¶{p.ordinal} {render.safe_terminal(p.text)}")
    return 0


def _cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    row = _open(settings).remove(args.article_id)
    print(f"removed: {row.id}  {row.title}")
    return 0


def _cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from . import render

    stats = _open(settings).stats()
    print(render.to_json(stats) if args.json else "\n".join(f"{k:>15}: {v}" for k, v in stats.items()))
    return 0


def _cmd_reindex(args: argparse.Namespace, settings: Settings) -> int:
    corpus = _open(settings, sync=False)
    n = corpus.reindex(progress=_err)
    corpus.sync(progress=_err)
    print(f"reindexed {n} passages")
    return 0


def _cmd_bot(args: argparse.Namespace, settings: Settings) -> int:
    from .bot.app import run_bot

    return run_bot(settings)


COMMANDS = {"ask": _cmd_ask, "add": _cmd_add, "list": _cmd_list, "show": _cmd_show, "remove": _cmd_remove,
            "stats": _cmd_stats, "reindex": _cmd_reindex, "bot": _cmd_bot}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `policybot` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    for name in ("question", "title", "source", "date", "url"):  # not paths: those must stay as the OS gave them
        value = getattr(args, name, None)
        if isinstance(value, str):
            setattr(args, name, _clean(value))
        elif isinstance(value, list):
            setattr(args, name, [_clean(v) for v in value])
    try:
        settings = Settings.from_env(home=args.home)
    except PolicybotError as exc:
        _err(f"error: {exc}")
        return exc.exit_code
    try:
        if args.command is None:
            if not sys.stdin.isatty():
                parser.print_help()
                return 2
            args = parser.parse_args([*(["--home", args.home] if args.home else []), "ask"])
        return COMMANDS[args.command](args, settings)
    except PolicybotError as exc:
        _err(f"error: {exc}")
        return exc.exit_code
    except sqlite3.DatabaseError as exc:
        _err(f"error: the store in {settings.state_dir} cannot be used ({_reason(exc)}) — "
             "run `policybot reindex`; if that fails, move that folder away and add the articles again")
        return 1
    except KeyboardInterrupt:
        _err("interrupted — nothing half-written was kept")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
