"""`policybot feeds add|list|remove` and `policybot update`: following sources from a terminal or cron.

Part of the CLI shell (it imports only corpus, render, config and errors);
`cli.py` adds these parsers and commands to its own.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from .config import Settings

EXAMPLES = {
    "feeds": "example: policybot feeds add https://www.wuxi.gov.cn/rss.xml --name 无锡发布\n"
             "         policybot feeds list\n"
             "         policybot feeds remove 无锡发布",
    "update": "example: policybot update            # check every feed once, take the new articles\n"
              "         policybot update --notify   # and print what each subscription would be sent\n"
              "   cron: */30 * * * * cd /srv/policybot && .venv/bin/policybot update >> feeds.log 2>&1",
}
_SUB_EXAMPLES = {
    "add": "example: policybot feeds add https://www.wuxi.gov.cn/rss.xml --name 无锡发布\n"
           "         policybot feeds add https://www.wuxi.gov.cn/zwgk/list.html   # a page that lists articles",
    "list": "example: policybot feeds list --json",
    "remove": "example: policybot feeds remove 无锡发布",
}

Parser = Callable[[str, str], argparse.ArgumentParser]


def add_parsers(command: Parser) -> None:
    """`feeds` (add, list, remove) and `update`, made with cli.py's `command` helper."""
    feeds = command("feeds", "follow RSS/Atom feeds and pages that list articles")
    sub = feeds.add_subparsers(dest="feeds_command", required=True, metavar="add|list|remove")

    def subcommand(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, epilog=_SUB_EXAMPLES[name],
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    add = subcommand("add", "follow a feed or list page (its articles come with `policybot update`)")
    add.add_argument("url", metavar="URL")
    add.add_argument("--name", help="what to call it (default: the feed's title); also its articles' source")
    listing = subcommand("list", "the feeds followed: URL, last checked, last new article, articles taken, last error")
    listing.add_argument("--json", action="store_true")
    remove = subcommand("remove", "stop following a feed (its articles stay)")
    remove.add_argument("which", metavar="NAME|URL")
    update = command("update", "check every feed once and add the new articles (exit 1 if a feed failed)")
    update.add_argument("--notify", action="store_true", help="also print what each subscription would be sent")


def _err(message: str) -> None:
    print(" ".join(message.split()), file=sys.stderr, flush=True)


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    from . import render
    from .corpus import Corpus

    feeds = Corpus(settings).feeds
    if args.feeds_command == "add":
        row, page = feeds.add(args.url, args.name)
        print(render.safe_terminal(f"following {row.name}: {row.url} ({page.kind}, {len(page.items)} items now)"
                                   " — `policybot update` takes its articles"))
    elif args.feeds_command == "remove":
        row = feeds.remove(args.which)
        print(render.safe_terminal(f"stopped following {row.name} ({row.url}); its {row.taken} article(s) stay"))
    elif args.json:
        print(render.to_json([row.as_dict() for row in feeds.followed()]))
    else:
        print(render.feed_lines(feeds.followed()))
    return 0


def cmd_update(args: argparse.Namespace, settings: Settings) -> int:
    from . import render
    from .corpus import Corpus

    corpus = Corpus(settings)
    live = sys.stderr.isatty()
    progress = (lambda line: print(f"\r\x1b[K{render.safe_terminal(line)}", end="", file=sys.stderr, flush=True)) \
        if live else (lambda line: None)
    report = corpus.feeds.update(progress)
    if live:
        print("\r\x1b[K", end="", file=sys.stderr, flush=True)
    for check in report.checks:
        for link, reason in check.failed_items:  # the reason names the link, as a rule
            _err(f"warning: {check.name}: {reason}" if link in reason else f"warning: {check.name}: {link}: {reason}")
    for check in report.failed:
        _err(f"error: feed {check.name} ({check.url}) failed: {check.error}")
    print(render.update_summary(report), flush=True)
    if args.notify:
        alerts = [a for a in corpus.alerts.due() if a.worth_sending]
        print("\n\n".join(render.alert_text(a) for a in alerts) if alerts else "no subscription has new matches")
    return 0 if report.ok else 1


COMMANDS = {"feeds": cmd_feeds, "update": cmd_update}
