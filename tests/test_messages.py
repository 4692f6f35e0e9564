"""The message catalogue: language from the locale, every message in both languages, and every
error the library can raise translated (found by reading the source, so a new error without a
translation fails here)."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from policybot.render import messages
from policybot.errors import InputError, NotFoundError, PolicybotError

SRC = Path(messages.__file__).resolve().parents[1]


@pytest.mark.parametrize("env, lang", [
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "C"}, "en"),
    ({}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),
    ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh"),  # set but empty does not count
    ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, "zh"),
])
def test_the_language_follows_the_locale(env: dict[str, str], lang: str) -> None:
    assert messages.language(env) == lang


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    catalog = messages.catalog()
    assert len(catalog.texts) > 50
    for key, entry in catalog.texts.items():
        assert set(entry) == {"zh", "en"}, key
        assert _fields(entry["zh"]) == _fields(entry["en"]), key


def test_every_error_template_has_chinese_with_the_same_placeholders() -> None:
    for pattern in messages.catalog().errors:
        assert set(pattern.regex.groupindex) == _fields(pattern.templates["zh"]), pattern.regex.pattern


def test_messages_are_filled_in_and_fall_back_to_english() -> None:
    assert messages.text("followup.answered_as", "zh", question="梁溪发展哪些新赛道?") == "按「梁溪发展哪些新赛道?」回答"
    assert messages.text("cli.ask.k", "en", low=1, high=50, default=3) == "how many passages, 1–50 (default 3)"
    assert messages.text("cli.ask.help", "fr") == messages.text("cli.ask.help", "en")


def test_errors_are_translated_whole_with_their_values() -> None:
    error = NotFoundError("no article with id 'abc'", "see `policybot list` for the ids")
    assert messages.error_line(error, "zh") == "错误:没有 ID 为 'abc' 的文章 —— 用 `policybot list` 查看 ID"
    assert messages.error_line(error, "en") == "error: no article with id 'abc' — see `policybot list` for the ids"
    assert messages.translate("/tmp/a b.txt does not exist", "zh") == "/tmp/a b.txt 不存在"
    braces = 'write objects like {"title": …, "text": …}'
    assert messages.translate(braces, "zh") == '请写成这样的对象:{"title": …, "text": …}'
    # An unknown sentence stays as it is (English beats nothing); so does a message with no hint.
    assert messages.translate("something new went wrong", "zh") == "something new went wrong"
    assert messages.error_line(InputError("bad date '2024-13-01'"), "zh") == "错误:日期 '2024-13-01' 写得不对"


# ---- every error the code can raise has a translation ------------------------------------------


def _error_classes() -> set[str]:
    names = {"PolicybotError"}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(b, "id", None) or getattr(b, "attr", None) for b in node.bases}
                if any(b and b.endswith("Error") and b != "Exception" for b in bases):
                    names.add(node.name)
    return names - {"TimeoutError"}


def _samples(node: ast.AST, constants: dict[str, ast.AST]) -> list[str]:
    """The sentences an argument can make, each value written as "X"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value if isinstance(v, ast.Constant) else "X" for v in node.values)]
    if isinstance(node, ast.IfExp):
        return _samples(node.body, constants) + _samples(node.orelse, constants)
    if isinstance(node, ast.Name) and node.id in constants:
        return _samples(constants[node.id], constants)
    return []


def _raised_sentences() -> list[tuple[str, str]]:
    classes = _error_classes()
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {t.id: n.value for n in tree.body if isinstance(n, ast.Assign)
                     for t in n.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) in classes:
                for argument in node.args[:2]:
                    found += [(f"{path.relative_to(SRC)}:{node.lineno}", s) for s in _samples(argument, constants)]
    return found


def test_every_error_message_and_hint_in_the_code_has_a_chinese_translation() -> None:
    sentences = _raised_sentences()
    assert len(sentences) > 60  # the scan sees the code's errors
    missing = [f"{where}: {sentence}" for where, sentence in sentences
               if messages.translate(sentence, "zh") == sentence]
    assert not missing, "add [[error]] entries to data/messages.toml for:\n" + "\n".join(missing)


def test_a_policybot_error_subclass_outside_errors_py_is_seen() -> None:
    assert {"SegmentingError", "StoreError", "FetchError"} <= _error_classes()
    assert issubclass(NotFoundError, PolicybotError)
