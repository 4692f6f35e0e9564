"""The `policybot` command: a thin shell over `Corpus`, `render` and the bot."""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import sys
from typing import TYPE_CHECKING, NoReturn, Sequence

from . import cli_feeds
from .config import Settings, day_setting
from .errors import InputError, PolicybotError
from .render import messages

if TYPE_CHECKING:
    from .corpus import AddResult

#: Undecodable bytes in arguments or stdin arrive as lone surrogates (surrogateescape).
_SURROGATES = re.compile("[\ud800-\udfff]")
#: -k: passages per answer.
K_RANGE = (1, 50)
#: The shipped seed article's id, for the help examples of `show` and `remove` (tests check it is listed).
SEED_ARTICLE_ID = "0e059e18ba08"


def _clean(text: str) -> str:
    """Text with undecodable bytes shown as U+FFFD, so it can be stored and printed as UTF-8."""
    return _SURROGATES.sub("\ufffd", text)


#: A message is one line: control characters (say, a newline in a file name) would break it.
_LINE_BREAKERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class _Parser(argparse.ArgumentParser):
    """argparse speaking the locale's language; a usage error is one line."""

    lang = "en"

    def format_help(self) -> str:
        return self._localized(super().format_help())

    def format_usage(self) -> str:
        return self._localized(super().format_usage())

    def _localized(self, text: str) -> str:
        english = "usage: "
        return messages.text("cli.usage", self.lang) + text[len(english):] if text.startswith(english) else text

    def error(self, message: str) -> NoReturn:
        line = messages.text("cli.error", self.lang, message=messages.translate(message, self.lang))
        self.exit(2, f"{self.prog}: {line}{messages.text('cli.see_help', self.lang, prog=self.prog)}\n")


def _parser(lang: str) -> argparse.ArgumentParser:
    def t(key: str, **values: object) -> str:
        return messages.text(key, lang, **values)

    def localized(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.lang = lang  # type: ignore[attr-defined]
        parser._positionals.title = t("cli.positionals")
        parser._optionals.title = t("cli.options")
        parser.add_argument("-h", "--help", action="help", help=t("cli.help"))
        return parser

    parser = localized(_Parser(prog="policybot", description=t("cli.description"), epilog=t("cli.epilog"),
                               formatter_class=argparse.RawDescriptionHelpFormatter, add_help=False))
    parser.add_argument("--home", help=t("cli.home"))
    sub = parser.add_subparsers(dest="command", title=t("cli.commands"), parser_class=_Parser)

    def command(name: str, **values: object) -> argparse.ArgumentParser:
        help_text = t(f"cli.{name}.help")
        command_parser = localized(sub.add_parser(name, help=help_text, description=help_text, add_help=False,
                                                  epilog=t(f"cli.{name}.example", **values),
                                                  formatter_class=argparse.RawDescriptionHelpFormatter))
        # --home after the command too (`policybot ask --home X`); given there, it wins.
        command_parser.add_argument("--home", default=argparse.SUPPRESS, help=t("cli.home"))
        return command_parser

    ask = command("ask")
    ask.add_argument("question", nargs="*", help=t("cli.ask.question"))
    ask.add_argument("-k", type=int, default=None, help=t("cli.ask.k", low=K_RANGE[0], high=K_RANGE[1], default=3))
    ask.add_argument("--json", action="store_true", help=t("cli.ask.json"))
    ask.add_argument("--since", metavar="DATE", help=t("cli.ask.since"))
    ask.add_argument("--until", metavar="DATE", help=t("cli.ask.until"))
    ask.add_argument("--source", metavar="NAME", help=t("cli.ask.source"))
    ask.add_argument("--today", metavar="YYYY-MM-DD", help=t("cli.ask.today"))

    add = command("add")
    add.add_argument("inputs", nargs="+", metavar="PATH|URL|-", help=t("cli.add.inputs"))
    for flag in ("title", "date", "source", "url"):
        add.add_argument(f"--{flag}", help=t(f"cli.add.{flag}"))
    add.add_argument("--id", dest="article_id", help=t("cli.add.id"))
    add.add_argument("--replace", action="store_true", help=t("cli.add.replace"))
    add.add_argument("--strict", action="store_true", help=t("cli.add.strict"))
    add.add_argument("--json", action="store_true", help=t("cli.add.json"))

    command("list").add_argument("--json", action="store_true", help=t("cli.list.json"))
    show = command("show", id=SEED_ARTICLE_ID)
    show.add_argument("article_id", metavar="ID", help=t("cli.show.id"))
    show.add_argument("--json", action="store_true", help=t("cli.show.json"))
    command("remove", id=SEED_ARTICLE_ID).add_argument("article_id", metavar="ID", help=t("cli.remove.id"))
    command("stats").add_argument("--json", action="store_true", help=t("cli.stats.json"))
    command("reindex")
    command("bot")
    feedback = command("feedback")
    feedback.add_argument("action", choices=("export", "unanswered"), help=t("cli.feedback.action"))
    feedback.add_argument("-o", "--output", help=t("cli.feedback.output"))
    cli_feeds.add_parsers(command, localized, t)
    return parser


def _reason(exc: Exception) -> str:
    """An exception's message fit for one line: SQLite may quote damaged bytes from the file."""
    text = str(exc).split(" with text ", 1)[0]  # "Could not decode to UTF-8 column 'x' with text '<garbage>'"
    text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split())[:120]


def _err(message: str) -> None:
    """One line on stderr."""
    print(_LINE_BREAKERS.sub(" ", message), file=sys.stderr, flush=True)


def _open(settings: Settings, lang: str, sync: bool = True):
    from .corpus import Corpus

    corpus = Corpus(settings)
    if sync:
        corpus.sync(progress=_err, warn=lambda m: _err(messages.text("cli.warning", lang, message=m)))
    return corpus


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from . import render

    low, high = K_RANGE
    if args.k is not None and not low <= args.k <= high:
        raise PolicybotError(f"-k {args.k} is out of range", f"choose between {low} and {high} passages")
    if args.today:
        settings = settings.with_overrides(today=day_setting(args.today, "--today"))
    from .corpus import check_limits

    check_limits(args.since, args.until, args.source)  # a bad date is an error even before any article is added
    corpus = _open(settings, args.lang)
    k = args.k or settings.top_k
    limits = {"since": args.since, "until": args.until, "source": args.source}

    def ask(question: str):
        return corpus.ask(question, k, **limits)

    if not args.question and sys.stdin.isatty():
        from .prompt import run_prompt

        return run_prompt(corpus, k, args.json, args.lang, _clean)
    if corpus.counts().articles == 0:  # say what to do rather than "nothing found"
        hint = messages.text("cli.ask.empty_home", args.lang, home=settings.home)
        if not args.json:
            print(hint)
            return 0
        _err(hint)
    if args.question:
        answer = ask(_clean(" ".join(args.question)))
        print(render.json_line(answer) if args.json else render.terminal(answer, color=_color()), flush=True)
        return 0
    if args.json:
        # One JSON line out for every line in (blank ones too), as each comes in: a pipe may stay open.
        for line in sys.stdin:
            print(render.json_line(ask(_clean(line.strip()))), flush=True)
        return 0
    questions = [_clean(line.strip()) for line in sys.stdin if line.strip()]
    for question in questions:
        if len(questions) > 1:
            print(f"== {render.safe_terminal(question)}")
        print(render.terminal(ask(question), color=_color()), end="\n\n" if len(questions) > 1 else "\n",
              flush=True)
    return 0


def _color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from . import render
    from .corpus import Corpus

    if args.article_id is not None and not Corpus.valid_article_id(args.article_id):
        raise InputError(f"--id {args.article_id[:40]!r} has spaces or symbols",
                         "use letters, digits, '.', '_', ':' or '-' (at most 64)")
    corpus = _open(settings, args.lang, sync=False)
    results = corpus.add_inputs(args.inputs, title=args.title, source=args.source, date=args.date, url=args.url,
                                article_id=args.article_id, replace=args.replace, strict=args.strict,
                                progress=_err)
    if args.json:
        print(render.to_json([r.as_dict() for r in results]), flush=True)
        print(_summary(results, args.lang), file=sys.stderr)  # stdout stays one JSON document
        return 1 if any(r.counts_as_skipped for r in results) else 0
    for r in results:
        _report(r, args.lang)
    print(_summary(results, args.lang), flush=True)
    return 1 if any(r.counts_as_skipped for r in results) else 0


def _report(r: AddResult, lang: str) -> None:
    """One line for one article: results on stdout, what was not stored on stderr."""
    from .corpus import AddStatus
    from .render import safe_terminal

    title, reason = safe_terminal(r.title), safe_terminal(messages.translate(r.reason, lang))
    if r.status is AddStatus.SKIPPED:
        _err(messages.text("cli.add.skipped", lang, reason=reason))
    elif r.status is AddStatus.DUPLICATE:
        print(messages.text("cli.add.duplicate", lang, id=r.article_id, title=title, reason=reason))
    elif r.status is AddStatus.CONFLICT:
        _err(messages.text("cli.add.conflict", lang, origin=safe_terminal(r.origin), reason=reason))
    else:
        status = messages.text(f"cli.add.{r.status}", lang)
        print(f"{status}: {r.article_id}  {r.date or '----------'}  {r.passages} ¶  {title}")


def _summary(results: Sequence[AddResult], lang: str) -> str:
    """The last line of an add: how many of each outcome."""
    from .corpus import AddStatus

    count = {status: sum(1 for r in results if r.status is status) for status in AddStatus}
    return messages.text("cli.add.summary", lang, added=count[AddStatus.ADDED], replaced=count[AddStatus.REPLACED],
                         duplicate=count[AddStatus.DUPLICATE],
                         skipped=count[AddStatus.SKIPPED] + count[AddStatus.CONFLICT])


def _cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from . import render

    rows = _open(settings, args.lang).articles()
    print(render.to_json([r.as_dict() for r in rows]) if args.json else render.article_lines(rows))
    return 0


def _cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from . import render

    row, passages = _open(settings, args.lang).article(args.article_id)
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
    from . import render

    row = _open(settings, args.lang).remove(args.article_id)
    print(messages.text("cli.remove.done", args.lang, id=row.id, title=render.safe_terminal(row.title)))
    return 0


def _cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from . import render

    stats = _open(settings, args.lang).stats()
    print(render.to_json(stats) if args.json else render.stats_lines(stats, args.lang))
    return 0


def _cmd_reindex(args: argparse.Namespace, settings: Settings) -> int:
    corpus = _open(settings, args.lang, sync=False)
    n = corpus.reindex(progress=_err)
    corpus.sync(progress=_err)
    print(messages.text("cli.reindex.done", args.lang, n=n))
    return 0


def _cmd_bot(args: argparse.Namespace, settings: Settings) -> int:
    from .bot.app import run_bot

    return run_bot(settings)


def _cmd_feedback(args: argparse.Namespace, settings: Settings) -> int:
    """`feedback export`: every 👍/👎 as JSONL; `feedback unanswered`: the commonest questions with no passage."""
    from . import render

    log = _open(settings, args.lang, sync=False).feedback
    lines = ([render.to_json(r.as_dict(), indent=None) for r in log.ratings()] if args.action == "export"
             else [f"{u.count:>5}  {render.safe_terminal(u.question)}" for u in log.unanswered(limit=100)])
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.writelines(line + "\n" for line in lines)
    else:
        for line in lines:
            print(line)
    return 0


COMMANDS = {"ask": _cmd_ask, "add": _cmd_add, "list": _cmd_list, "show": _cmd_show, "remove": _cmd_remove,
            "stats": _cmd_stats, "reindex": _cmd_reindex, "bot": _cmd_bot, "feedback": _cmd_feedback,
            **cli_feeds.COMMANDS}


def _clean_args(args: argparse.Namespace) -> None:
    # Not paths: those must stay as the OS gave them.
    for name in ("question", "title", "source", "date", "url", "name", "which"):
        value = getattr(args, name, None)
        if isinstance(value, str):
            setattr(args, name, _clean(value))
        elif isinstance(value, list):
            setattr(args, name, [_clean(v) for v in value])


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `policybot` console script."""
    lang = messages.language(os.environ)
    parser = _parser(lang)
    args = parser.parse_args(argv)
    _clean_args(args)
    args.lang = lang
    try:
        settings = Settings.from_env(home=args.home)
    except PolicybotError as exc:
        _err(messages.error_line(exc, lang))
        return exc.exit_code
    try:
        if args.command is None:
            if not sys.stdin.isatty():
                parser.print_help()
                return 2
            args = parser.parse_args([*(["--home", args.home] if args.home else []), "ask"])
            args.lang = lang
        return COMMANDS[args.command](args, settings)
    except PolicybotError as exc:
        _err(messages.error_line(exc, lang))
        return exc.exit_code
    except sqlite3.DatabaseError as exc:
        _err(messages.text("cli.error", lang, message=messages.text(
            "cli.store_unusable", lang, dir=settings.state_dir, reason=_reason(exc))))
        return 1
    except KeyboardInterrupt:
        _err(messages.text("cli.interrupted", lang))
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
