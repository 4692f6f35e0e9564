"""`policybot feeds add|list|remove` and `policybot update`: following sources from a terminal or cron.

Part of the CLI shell (it imports only corpus, render, config and errors);
`cli.py` adds these parsers and commands to its own. Help and output come from
the message catalogue (`data/messages.toml`), in the locale's language.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Callable

from .config import Settings
from .render import messages

Parser = argparse.ArgumentParser
#: A message is one line: control characters (say, in a feed's error) would break it.
_LINE_BREAKERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def add_parsers(command: Callable[..., Parser], localized: Callable[[Parser], Parser],
                t: Callable[..., str]) -> None:
    """`feeds` (add, list, remove) and `update`, made with cli.py's helpers (`command` makes a
    localized command with its help and example, `localized` localizes a parser, `t` is a message)."""
    feeds = command("feeds")
    sub = feeds.add_subparsers(dest="feeds_command", required=True, metavar="add|list|remove",
                               title=t("cli.commands"), parser_class=type(feeds))

    def subcommand(name: str) -> Parser:
        help_text = t(f"cli.feeds.{name}.help")
        parser = localized(sub.add_parser(name, help=help_text, description=help_text, add_help=False,
                                          epilog=t(f"cli.feeds.{name}.example"),
                                          formatter_class=argparse.RawDescriptionHelpFormatter))
        parser.add_argument("--home", default=argparse.SUPPRESS, help=t("cli.home"))
        return parser

    add = subcommand("add")
    add.add_argument("url", metavar="URL", help=t("cli.feeds.add.url"))
    add.add_argument("--name", help=t("cli.feeds.add.name"))
    subcommand("list").add_argument("--json", action="store_true", help=t("cli.feeds.list.json"))
    subcommand("remove").add_argument("which", metavar="NAME|URL", help=t("cli.feeds.remove.which"))
    command("update").add_argument("--notify", action="store_true", help=t("cli.update.notify"))


def _err(message: str) -> None:
    print(_LINE_BREAKERS.sub(" ", message), file=sys.stderr, flush=True)


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    from . import render
    from .corpus import Corpus

    feeds = Corpus(settings).feeds
    if args.feeds_command == "add":
        row, page = feeds.add(args.url, args.name)
        print(messages.text("cli.feeds.add.done", args.lang, name=render.safe_terminal(row.name), url=row.url,
                            kind=page.kind, items=len(page.items)))
    elif args.feeds_command == "remove":
        row = feeds.remove(args.which)
        print(messages.text("cli.feeds.remove.done", args.lang, name=render.safe_terminal(row.name), url=row.url,
                            taken=row.taken))
    elif args.json:
        print(render.to_json([row.as_dict() for row in feeds.followed()]))
    else:
        print(render.feed_lines(feeds.followed(), args.lang))
    return 0


def cmd_update(args: argparse.Namespace, settings: Settings) -> int:
    from . import render
    from .corpus import Corpus

    corpus = Corpus(settings)
    live = sys.stderr.isatty()
    report = corpus.feeds.update(_progress_line if live else lambda line: None)
    if live:
        print("\r\x1b[K", end="", file=sys.stderr, flush=True)
    for check in report.checks:
        for link, reason in check.failed_items:  # the reason names the link, as a rule
            shown = render.translated_error(reason, args.lang)
            _err(messages.text("cli.warning", args.lang, message=messages.text(
                "cli.update.item_failed", args.lang, feed=check.name, reason=shown if link in reason
                else f"{link}: {shown}")))
    for check in report.failed:
        _err(messages.text("cli.error", args.lang, message=messages.text(
            "cli.update.feed_failed", args.lang, feed=check.name, url=check.url,
            error=render.translated_error(check.error or "", args.lang))))
    print(render.update_summary(report, args.lang), flush=True)
    if args.notify:
        alerts = [a for a in corpus.alerts.due() if a.worth_sending]
        print("\n\n".join(render.alert_text(a, args.lang) for a in alerts) if alerts
              else messages.text("cli.update.no_matches", args.lang))
    return 0 if report.ok else 1


def _progress_line(line: str) -> None:
    """One line on a terminal, rewritten as the check goes on."""
    from . import render

    print(f"\r\x1b[K{render.safe_terminal(line)}", end="", file=sys.stderr, flush=True)


COMMANDS = {"feeds": cmd_feeds, "update": cmd_update}
