"""What policybot says to people, in Chinese or English: one catalogue, `data/messages.toml`.

- `language(env)` picks the command line's language the way gettext does:
  the first of LANGUAGE, LC_ALL, LC_MESSAGES, LANG that is set decides, and
  ``zh…`` (zh_CN.UTF-8, zh_TW, zh) means Chinese; anything else (C, POSIX,
  en_US.UTF-8, unset) English. The Telegram bot speaks Chinese (`BOT_LANGUAGE`).
- `text(key, lang, **values)` is a message by its key (``"cli.ask.k"``), with
  ``{placeholders}`` filled in.
- `translate(sentence, lang)` turns one of the library's English error
  messages or hints into Chinese. Errors are raised with English text deep in
  the library; the catalogue's ``[[error]]`` entries hold each English
  template beside its Chinese one (``"{path} does not exist"`` ->
  ``"{path} 不存在"``), so raising code stays as it is. A sentence no entry
  matches is shown as it is (tests check every error the code can raise has one).
"""

from __future__ import annotations

import re
import threading
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Mapping

from ..errors import PolicybotError

LANGUAGES = ("zh", "en")
#: The Telegram bot's language (its users read the Chinese corpus).
BOT_LANGUAGE = "zh"
#: Environment variables that name the message language, strongest first (as gettext reads them).
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def language(env: Mapping[str, str]) -> str:
    """"zh" when the locale the environment names is Chinese, else "en"."""
    for name in LOCALE_VARIABLES:
        value = env.get(name, "").strip()
        if not value:
            continue
        # LANGUAGE is a list ("zh_CN:en"); its first entry counts.
        first = value.split(":")[0].lower()
        return "zh" if first.startswith("zh") else "en"
    return "en"


@dataclass(frozen=True)
class _Pattern:
    """One English error template as a regular expression, and its other-language templates."""

    regex: re.Pattern[str]
    templates: dict[str, str]


def template_regex(template: str) -> re.Pattern[str]:
    """A template ("{path} does not exist") as a regex matching the whole sentence it makes."""
    parts = []
    last = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[last:match.start()]))
        parts.append(f"(?P<{match.group(1)}>.+?)")
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts), re.DOTALL)


def _flatten(table: dict, prefix: str = "") -> dict[str, dict[str, str]]:
    """Nested TOML tables down to their {"zh": …, "en": …} leaves, keyed "a.b.c"."""
    flat: dict[str, dict[str, str]] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and set(value) <= set(LANGUAGES) and value:
            flat[name] = value
        elif isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
    return flat


class Catalog:
    """The messages of one catalogue file."""

    def __init__(self, path: Path) -> None:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        self.errors = [_Pattern(template_regex(e["en"]), {k: v for k, v in e.items() if k != "en"})
                       for e in data.pop("error", [])]
        self.texts = _flatten(data)

    def text(self, key: str, lang: str, **values: object) -> str:
        """The message `key` in `lang` (English when it has no such translation)."""
        entry = self.texts[key]
        template = entry.get(lang) or entry["en"]
        return template.format(**values)

    def translate(self, sentence: str, lang: str) -> str:
        """An English error message or hint in `lang` (as it is when no template matches it)."""
        if lang == "en" or not sentence:
            return sentence
        for pattern in self.errors:
            match = pattern.regex.fullmatch(sentence)
            if match is not None and lang in pattern.templates:
                return pattern.templates[lang].format(**match.groupdict())
        return sentence


_catalog: Catalog | None = None
_lock = threading.Lock()


def catalog() -> Catalog:
    """The shipped catalogue (read on first use)."""
    global _catalog
    with _lock:
        if _catalog is None:
            _catalog = Catalog(Path(str(resources.files("policybot") / "data" / "messages.toml")))
        return _catalog


def text(key: str, lang: str = BOT_LANGUAGE, **values: object) -> str:
    """A message of the shipped catalogue."""
    return catalog().text(key, lang, **values)


def translate(sentence: str, lang: str) -> str:
    """An English error message or hint, translated with the shipped catalogue."""
    return catalog().translate(sentence, lang)


def error_line(exc: PolicybotError, lang: str) -> str:
    """How the command line reports an error: "error: what — what to do" in `lang`."""
    body = translate(exc.message, lang)
    if exc.hint:
        body += text("cli.hint_separator", lang) + translate(exc.hint, lang)
    return text("cli.error", lang, message=body)
