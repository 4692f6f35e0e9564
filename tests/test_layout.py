"""The package's layout rules, read from the source's import statements (every one, at any depth)."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "src" / "policybot"
#: What the shells (cli.py, cli_feeds.py, prompt.py and bot/) may import from policybot: the one door and what it
#: hands out (`chat`: the conversations `Corpus.chats` hands out, typed for the shells' hints).
SHELL_MAY_IMPORT = ("policybot.corpus", "policybot.render", "policybot.config", "policybot.errors", "policybot.bot",
                    "policybot.chat", "policybot.prompt", "policybot.cli_feeds")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the modules a file imports (`from . import x` counts as importing `.x`)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            anchor = parts[:len(parts) - node.level + 1] if node.level else []
            base = ".".join(anchor + ([node.module] if node.module else []))
            if node.module is None:  # `from . import x, y`: the names are modules
                found.update(f"{base}.{alias.name}" for alias in node.names)
            else:
                found.add(base)
    return found


def is_within(name: str, allowed: tuple[str, ...]) -> bool:
    return any(name == a or name.startswith(a + ".") for a in allowed)


def test_the_import_reader_sees_relative_and_nested_imports() -> None:
    corpus = imported_modules(PACKAGE / "corpus.py")
    assert {"policybot.store", "policybot.config", "threading"} <= corpus
    assert any(name.startswith("policybot.ingest.") for name in corpus)
    cli = imported_modules(PACKAGE / "cli.py")
    assert {"policybot.render", "policybot.corpus", "policybot.bot.app"} <= cli  # imported inside functions
    assert "policybot.bot.texts" in imported_modules(PACKAGE / "bot" / "app.py")  # `from . import texts`


def test_the_shells_go_through_the_front_door() -> None:
    shells = [PACKAGE / "cli.py", PACKAGE / "cli_feeds.py", PACKAGE / "prompt.py", *sorted((PACKAGE / "bot").glob("*.py"))]
    below = {f"{module_name(path)} imports {name}" for path in shells for name in imported_modules(path)
             if name.startswith("policybot") and not is_within(name, SHELL_MAY_IMPORT)}
    assert not below, "the CLI and the bot import only corpus, chat, render, config and errors:\n" + "\n".join(sorted(below))


def test_only_the_bot_package_imports_telegram() -> None:
    importers = {module_name(path) for path in PACKAGE.rglob("*.py")
                 if any(is_within(name, ("telegram",)) for name in imported_modules(path))}
    assert importers and all(is_within(name, ("policybot.bot",)) for name in importers), importers
    assert "policybot.bot.app" in importers


def test_no_module_is_named_telegram() -> None:
    assert not [p for p in PACKAGE.rglob("telegram.py")] and not (PACKAGE / "telegram").exists()
