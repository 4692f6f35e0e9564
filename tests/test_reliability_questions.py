"""Odd questions get sensible replies, and rendered answers never carry corpus junk to the terminal.

Questions: empty, 10,000 characters, only punctuation, only emoji, only
stopwords, English, traditional Chinese — through `policybot ask` and
`ask --json`: exit 0, no traceback, valid JSON. Rendering: hypothesis feeds
arbitrary Unicode passages and questions to `render.terminal` (no control
characters or ANSI escapes from the corpus get through) and `render.json_line`
(valid JSON that round-trips the text).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policybot import cli
from policybot import render
from policybot.search.ranking import Answer, Result
from policybot.store import PassageRow

from conftest import clean_env, make_corpus, make_seed_home, scrub_environ

QUESTIONS = {
    "empty": "",
    "blank": " \t\u3000 ",
    "10,000 characters": ("宜兴发展哪些新赛道?" * 1000)[:10_000],
    "10,000 random characters": "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(10_000)),
    "only punctuation": "？！。，、；：“”‘’（）《》…—,.!?;:'\"()[]{}<>/\\|@#$%^&*-_=+~`",
    "only emoji": "😀🎉🚀👍🏻🇨🇳❤️‍🔥",
    "only stopwords": "哪些 什么 怎么 如何 多少 吗 呢 吧 的 了",
    "English": "What new industries is Yixing developing?",
    "traditional Chinese": "宜興發展哪些新賽道?",
    "control characters": "宜兴\x1b[2J\x07发展\x00哪些新赛道?",
}
NOTHING_TO_ASK = ("empty", "blank", "only punctuation", "only emoji", "only stopwords")


@pytest.fixture(scope="module")
def seeded_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the seed article indexed, shared by the question tests (they only read)."""
    home = make_seed_home(tmp_path_factory.mktemp("questions") / "home")
    make_corpus(home).sync()
    return home


def _ask(home: Path, args: list[str], capsys, monkeypatch, stdin: str = "") -> tuple[int, str, str]:
    with monkeypatch.context() as patch:
        scrub_environ(patch)
        patch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = cli.main(["--home", str(home), "ask", *args])
        out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", list(QUESTIONS))
def test_odd_questions_get_sensible_replies(name: str, seeded_home: Path, capsys, monkeypatch) -> None:
    home = seeded_home
    question = QUESTIONS[name]
    code, out, err = _ask(home, ["--json", question], capsys, monkeypatch)
    assert code == 0 and err == "", err
    answer = json.loads(out)
    assert set(answer) == {"question", "results"} and isinstance(answer["results"], list)
    assert answer["question"] in question.strip() or answer["question"] == question.strip()[:len(answer["question"])]
    if name in NOTHING_TO_ASK:
        assert answer["results"] == []
    for result in answer["results"]:
        assert result["snippet"] and result["article_id"] and result["rank"] >= 1
    code, out, err = _ask(home, [question], capsys, monkeypatch)
    assert code == 0 and err == "" and out.strip(), err
    assert "\x1b" not in out and "\x00" not in out
    if not answer["results"]:
        assert out.strip() == render.NO_ANSWER


def test_odd_questions_from_stdin(seeded_home: Path, capsys, monkeypatch) -> None:
    """One JSON line per non-blank question line, in order, even for the odd ones."""
    lines = [q for q in QUESTIONS.values() if q.strip()]
    code, out, err = _ask(seeded_home, ["--json"], capsys, monkeypatch, stdin="\n".join(lines) + "\n")
    assert code == 0 and err == ""
    answers = [json.loads(line) for line in out.splitlines()]
    assert len(answers) == len(lines)


@pytest.mark.slow
def test_odd_questions_as_real_processes(seeded_home: Path) -> None:
    home = seeded_home
    lines = "\n".join(q for q in QUESTIONS.values() if q.strip()) + "\n"
    for args in (["--json"], []):
        result = subprocess.run([sys.executable, "-m", "policybot", "--home", str(home), "ask", *args],
                                input=lines.encode("utf-8"), capture_output=True, env=clean_env(), timeout=120)
        assert result.returncode == 0 and result.stderr == b"", result.stderr.decode()
        if args:
            assert len([json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]) == lines.count("\n")
    empty = subprocess.run([sys.executable, "-m", "policybot", "--home", str(home), "ask", "--json", ""],
                           capture_output=True, env=clean_env(), timeout=120)
    assert empty.returncode == 0 and json.loads(empty.stdout) == {"question": "", "results": []}


# ---- rendering ---------------------------------------------------------------------------

# Terminal-unsafe: C0/C1 controls except tab and newline, and bidirectional overrides/isolates.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
text = st.text(st.characters(codec="utf-8"), max_size=120)
nasty = st.lists(st.sampled_from(list("\x1b[31m\x07\x00\x9b\u202e\u2066\r\t\n宜兴<&>\"'*_`|")
                                 + ["\x1b[2J", "\x1b]8;;http://x\x07", "\x1b[1m", "\x1b[0m"]), max_size=30).map("".join)
any_text = st.one_of(text, nasty, st.builds(lambda a, b: a + b, text, nasty))


@st.composite
def answers(draw) -> Answer:
    question = draw(any_text)
    results = []
    for rank in range(1, draw(st.integers(0, 3)) + 1):
        passage_text = draw(any_text)
        row = PassageRow(rank, draw(any_text), draw(st.integers(1, 500)),
                         tuple(draw(st.lists(any_text, max_size=3))), passage_text, draw(any_text),
                         draw(st.none() | any_text), draw(st.none() | any_text), draw(st.none() | any_text),
                         draw(st.none() | any_text))
        snippet = draw(st.sampled_from([passage_text, passage_text[: len(passage_text) // 2]]) | any_text)
        matched = tuple(draw(st.lists(any_text, max_size=4)))
        results.append(Result(rank, draw(st.floats(-1e6, 1e6, allow_nan=False)), row, snippet, matched,
                              draw(st.integers(0, 5))))
    return Answer(question, results)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=answers(), color=st.booleans())
def test_terminal_output_never_carries_control_characters_from_the_corpus(answer: Answer, color: bool) -> None:
    out = render.terminal(answer, color=color)
    ours = out.replace(render.BOLD, "").replace(render.RESET, "").replace(render.DIM, "") if color else out
    assert not UNSAFE.search(ours), repr(ours)
    if not color:
        assert "\x1b" not in out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=answers())
def test_json_line_is_one_valid_line_that_round_trips(answer: Answer) -> None:
    line = render.json_line(answer)
    assert "\n" not in line and "\r" not in line
    line.encode("utf-8")  # printable as UTF-8 (no lone surrogates)
    data = json.loads(line)
    assert data["question"] == answer.question
    for got, result in zip(data["results"], answer.results, strict=True):
        assert got["text"] == result.passage.text and got["snippet"] == result.snippet
        assert got["title"] == result.passage.title and got["section"] == " › ".join(result.passage.section)
        assert got["matched"] == list(result.matched)
