"""The interactive prompt (`policybot` on a terminal): line editing, history, and follow-up questions.

A shell like cli.py: it talks to `Corpus` and `render` only. readline gives
line editing and ↑/↓ history, kept in the home's `.policybot/history` (the
last `HISTORY_LINES` questions). Each line is read in the context of the one
before (`Corpus.chats`): "那梁溪呢?" after "宜兴发展哪些新赛道?" is answered as
"梁溪发展哪些新赛道?", and the prompt says so. An empty line or Ctrl-D ends the
session (exit 0); Ctrl-C ends it with 130, as shells expect.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import render
from .errors import InputError
from .render import messages

if TYPE_CHECKING:
    from .chat.session import Reply
    from .corpus import Corpus

HISTORY_FILE = "history"
HISTORY_LINES = 1000
#: The prompt is one conversation.
CHAT = "prompt"


def open_history(path: Path) -> Callable[[], None]:
    """Turn on line editing with the history in `path`; returns what saves it (a no-op without readline)."""
    try:
        import readline
    except ImportError:  # no readline on this platform: input() still works, without editing
        return lambda: None
    readline.set_history_length(HISTORY_LINES)
    try:
        readline.read_history_file(path)
    except (FileNotFoundError, OSError):
        pass

    def save() -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(path)
        except OSError:  # a read-only home still answers questions
            pass

    return save


def reply_text(corpus: Corpus, reply: Reply, as_json: bool, color: bool, lang: str) -> str:
    """What the prompt prints for one message's `Reply`."""
    if reply.no_context:
        return messages.text("followup.no_context", lang)
    if reply.opens:
        rows = corpus.neighbours(reply.passage_id, around=1) if reply.passage_id is not None else []
        if not rows or reply.passage_id is None:
            return messages.text("followup.no_item", lang, n=reply.read.item, shown=reply.shown)
        return render.terminal_passage(rows, reply.passage_id, color=color)
    answer = reply.answer
    assert answer is not None
    if as_json:
        return render.json_line(answer)
    if reply.continues and not answer.results:
        return messages.text("followup.no_more", lang, question=render.safe_terminal(answer.question))
    body = render.terminal(answer, color=color)
    if reply.answered_as:
        note = messages.text("followup.answered_as", lang, question=render.safe_terminal(reply.answered_as))
        body = f"({note})\n\n{body}"
    return body


def run_prompt(corpus: Corpus, k: int, as_json: bool, lang: str, clean: Callable[[str], str]) -> int:
    """Ask questions until an empty line, Ctrl-D (0) or Ctrl-C (130)."""
    save_history = open_history(corpus.settings.state_dir / HISTORY_FILE)
    chats = corpus.chats()
    n_articles = corpus.counts().articles
    print(messages.text("cli.interactive.welcome", lang, n=n_articles))
    if not n_articles:
        print(messages.text("cli.ask.empty_home", lang, home=corpus.settings.home))
    prompt = messages.text("cli.interactive.prompt", lang)
    try:
        while True:
            try:
                line = clean(input(prompt)).strip()
            except EOFError:
                print()
                return 0
            if not line:
                return 0
            try:
                reply = chats.reply(CHAT, line, k)
            except InputError as exc:  # a written limit that is no date: say so, keep the session
                print(messages.error_line(exc, lang))
                continue
            print(reply_text(corpus, reply, as_json, color=True, lang=lang))
            print()
    except KeyboardInterrupt:
        print()
        return 130
    finally:
        save_history()
