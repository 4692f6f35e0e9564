"""No pickle anywhere, and a tampered store is refused with one clear line, never executed.

Stored files are SQLite, JSON and raw little-endian numpy arrays. A damaged or
tampered index (segment BLOBs, statistics) gives a one-line StoreError that
says to run `policybot reindex`, and `reindex` repairs it; garbage written into
store.sqlite3 itself gives a one-line error too. Pickle payloads planted in the
store must never run: they would create a marker file.
"""

from __future__ import annotations

import io
import json
import pickle
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from policybot import cli

from conftest import ROOT, clean_env, make_corpus, make_seed_home, scrub_environ

SRC = ROOT / "src" / "policybot"
QUESTION = "宜兴发展哪些新赛道?"
FORBIDDEN_IMPORT = re.compile(
    r"^\s*(?:import|from)\s+(?:c?pickle|_pickle|marshal|shelve|dill|joblib|cloudpickle|copyreg)\b"
    r"|^\s*import\s+.*\b(?:c?pickle|marshal|shelve|dill|joblib)\b"
    r"|__import__\(\s*['\"](?:pickle|marshal|shelve|dill|joblib)"
    r"|\b(?:pickle|marshal|joblib|dill|shelve)\.(?:loads?|dumps?|open)\b", re.M)
NP_LOAD = re.compile(r"\b(?:np|numpy)\.load\s*\(")


def test_no_pickle_or_marshal_in_the_source() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        offenders += [f"{path.name}: {m.group(0).strip()}" for m in FORBIDDEN_IMPORT.finditer(source)]
        for match in NP_LOAD.finditer(source):
            call = source[match.start():source.find(")", match.end()) + 1]
            if "allow_pickle=False" not in call:
                offenders.append(f"{path.name}: {call}")
        if "allow_pickle=True" in source:
            offenders.append(f"{path.name}: allow_pickle=True")
    assert not offenders, offenders


class _Plant:
    """Unpickling this creates the marker file — proof that stored bytes were run as code."""

    marker = ""

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _payload(marker: Path) -> bytes:
    _Plant.marker = str(marker)
    return pickle.dumps(_Plant())


@pytest.fixture(scope="module")
def good_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synced seed home whose WAL is folded into store.sqlite3."""
    home = make_seed_home(tmp_path_factory.mktemp("good") / "home")
    corpus = make_corpus(home)
    corpus.sync()
    corpus.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    corpus.store.close()
    return home


def _copy(good_home: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(good_home, home)
    return home


def _main(home: Path, *args: str, capsys, monkeypatch) -> tuple[int, str, str]:
    with monkeypatch.context() as patch:
        scrub_environ(patch)
        patch.setattr("sys.stdin", io.StringIO(""))
        capsys.readouterr()
        code = cli.main(["--home", str(home), *args])
        out, err = capsys.readouterr()
    return code, out, err


TAMPERING = {
    "segment BLOB truncated": "UPDATE segments SET rowids = X'616263'",
    "segment BLOB is text": "UPDATE segments SET offsets = 'hello'",
    "segment BLOB is a pickle": "UPDATE segments SET tfs = :payload",
    "segment doc index out of range": "UPDATE segments SET doc_idx = CAST(X'FFFFFF7F' || substr(doc_idx, 5) AS BLOB)",
    "segment offsets zeroed": "UPDATE segments SET offsets = zeroblob(length(offsets))",
    "segment lengths negative": "UPDATE segments SET lens = CAST(X'FFFFFFFF' || substr(lens, 5) AS BLOB)",
    "statistics BLOB is a pickle": "UPDATE index_stats SET df = :payload",
    "statistics BLOB truncated": "UPDATE index_stats SET df = X'0102'",
    "statistics count is text": "UPDATE index_stats SET n_docs = 'many'",
    "statistics count too small": "UPDATE index_stats SET n_docs = 1",
    "statistics count too large": "UPDATE index_stats SET n_docs = n_docs + 5",
    "segments deleted": "DELETE FROM segments",
}


@pytest.mark.parametrize("name", list(TAMPERING))
def test_tampered_index_gives_one_line_and_reindex_repairs_it(name: str, good_home: Path, tmp_path: Path,
                                                               capsys, monkeypatch) -> None:
    home = _copy(good_home, tmp_path)
    code, expected, _ = _main(home, "ask", "--json", QUESTION, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0 and json.loads(expected)["results"]
    marker = tmp_path / "PWNED"
    conn = sqlite3.connect(home / ".policybot" / "store.sqlite3")
    conn.execute(TAMPERING[name], {"payload": _payload(marker)} if ":payload" in TAMPERING[name] else {})
    conn.commit()
    conn.close()

    code, out, err = _main(home, "ask", "--json", QUESTION, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 1 and out == ""
    [line] = err.splitlines()
    assert line.startswith("error: ") and "run `policybot reindex`" in line, line
    code, out, err = _main(home, "reindex", capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0, err
    code, out, err = _main(home, "ask", "--json", QUESTION, capsys=capsys, monkeypatch=monkeypatch)
    assert code == 0 and out == expected
    assert not marker.exists()


def _garbage(db: Path, how: str, marker: Path) -> None:
    data = bytearray(db.read_bytes())
    if how == "header":
        data[:100] = bytes(range(100))
    elif how == "pages":  # every page after the first gets 200 bytes of junk
        for offset in range(4096, len(data), 4096):
            data[offset + 100:offset + 300] = bytes((offset + i) * 131 % 256 for i in range(200))
    elif how == "pickle":
        data = bytearray(_payload(marker))
    elif how == "text":
        data = bytearray("这不是数据库\n".encode("utf-8") * 500)
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["header", "pages", "pickle", "text"])
def test_garbage_in_the_store_file_gives_one_line(how: str, good_home: Path, tmp_path: Path, capsys,
                                                  monkeypatch) -> None:
    home = _copy(good_home, tmp_path)
    marker = tmp_path / "PWNED"
    _garbage(home / ".policybot" / "store.sqlite3", how, marker)
    for command in (["ask", "--json", QUESTION], ["list"], ["add", str(ROOT / "README.md")], ["stats"]):
        code, out, err = _main(home, *command, capsys=capsys, monkeypatch=monkeypatch)
        if code == 0 and command[0] != "ask":
            continue  # the damage missed what this command reads
        errors = [line for line in err.splitlines() if line.startswith("error: ")]
        assert code == 1 and len(errors) == 1, (command, err)
        assert err.splitlines()[-1] == errors[0] and "reindex" in errors[0], errors[0]
        assert "\ufffd" not in errors[0] and errors[0].isprintable(), errors[0]
    assert not marker.exists()


@pytest.mark.slow
def test_tampered_store_as_a_real_process(good_home: Path, tmp_path: Path) -> None:
    home = _copy(good_home, tmp_path)
    marker = tmp_path / "PWNED"
    conn = sqlite3.connect(home / ".policybot" / "store.sqlite3")
    conn.execute("UPDATE segments SET rowids = :payload", {"payload": _payload(marker)})
    conn.commit()
    conn.close()
    for args in (["ask", QUESTION], ["reindex"], ["ask", "--json", QUESTION]):
        result = subprocess.run([sys.executable, "-m", "policybot", "--home", str(home), *args], capture_output=True,
                                text=True, env=clean_env(), timeout=120)
        assert "Traceback" not in result.stderr
        if args[0] == "ask" and args[1] == QUESTION:
            assert result.returncode == 1 and result.stderr.startswith("error: index segment"), result.stderr
            assert result.stderr.count("\n") == 1 and "policybot reindex" in result.stderr
        else:
            assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["results"]
    assert not marker.exists()
