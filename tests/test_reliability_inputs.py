"""The bad-input battery: every bad `policybot add` gets one clear line and changes nothing.

Each case must exit non-zero with exactly one line on stderr, starting with
"error:" and saying what is wrong (the case's needle) and what to do (the hint
after " — "), with no traceback, and leave `policybot list --json` and the
store's generation as they were. The cases run in-process through `cli.main`
(fast), and all of them again as real `python -m policybot` processes (slow).
Text that is fine apart from control and zero-width characters is accepted
with them stripped.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from policybot import cli

from conftest import PROXY_VARS, clean_env, make_corpus, make_seed_home, scrub_environ
from reliability_helpers import cli as run_cli

GOOD = "梁溪推进科创飞地建设\n梁溪区布局9个科创飞地,推动创新资源向中心城区集聚。\n梁溪还将深化国企改革,培育国企产业化主体。"
GOOD_LINE = json.dumps({"title": "好的一行", "text": "正文内容说明政策。"}, ensure_ascii=False)
SCRIPTS_ONLY = ("<!doctype html><html><head><title>只有脚本</title><script>var a = '政策正文由脚本生成';</script></head>"
                "<body><script>document.write('<p>政策</p>')</script><noscript></noscript></body></html>")


# ---- a local web server with misbehaving pages -------------------------------------------

STOP = threading.Event()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        path = self.path.split("?", 1)[0]
        if path == "/loop":  # redirects to itself forever
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path.startswith("/hop/"):  # a new address every time, forever
            self.send_response(301)
            self.send_header("Location", f"/hop/{int(path[5:]) + 1}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path in ("/endless", "/flood"):  # a body without end, slow or fast
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            chunk = ("政策" * 500).encode("utf-8") if path == "/flood" else "政策。".encode("utf-8")
            give_up = time.monotonic() + 20
            try:
                while not STOP.is_set() and time.monotonic() < give_up:
                    self.wfile.write(chunk)
                    if path == "/endless":
                        time.sleep(0.05)
            except OSError:
                return
        elif path == "/scripts.html":
            body = SCRIPTS_ONLY.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    STOP.clear()
    httpd = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    STOP.set()
    httpd.shutdown()
    httpd.server_close()


# ---- the cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]  # after `add`; {d} is the inputs folder, {url} the local server
    needle: str
    env: dict[str, str] = field(default_factory=dict)
    stdin: bytes | None = None


#: The test site is on 127.0.0.1: the battery runs as an intranet deployment would (one case says "").
LOCAL_SITE = {"POLICYBOT_ALLOW_PRIVATE_URLS": "1"}

CASES = [
    Case("empty file", ("{d}/empty.txt",), "is empty"),
    Case("whitespace only", ("{d}/blank.txt",), "holds only whitespace"),
    Case("empty stdin", ("-",), "standard input is empty", stdin=b""),
    Case("PNG", ("{d}/image.png",), "is a PNG image, not text"),
    Case("PNG named .txt", ("{d}/image.txt",), "is a PNG image, not text"),
    Case("zip", ("{d}/archive.zip",), "is a zip archive"),
    Case("ELF", ("{d}/program",), "is an executable (ELF)"),
    Case("not UTF-8 nor GB18030", ("{d}/undecodable.txt",), "is not readable text"),
    Case("over the size limit", ("{d}/big.txt",), "over the 1,000 bytes limit",
         env={"POLICYBOT_MAX_INPUT_BYTES": "1000"}),
    Case("stdin over the size limit", ("-",), "standard input is", env={"POLICYBOT_MAX_INPUT_BYTES": "1000"},
         stdin=GOOD.encode("utf-8") * 20),
    Case("JSONL line not JSON", ("{d}/notjson.jsonl",), "line 2 is not JSON"),
    Case("JSONL line without text", ("{d}/notext.jsonl",), 'line 2 has no "text"'),
    Case("JSONL line with blank text", ("{d}/blanktext.jsonl",), 'line 2 has no "text"'),
    Case("JSONL line with invisible text", ("{d}/emptytext.jsonl",), "line 2: the article has no text"),
    Case("JSONL line not an object", ("{d}/list.jsonl",), "line 2 is not a JSON object"),
    Case("bad --date", ("{d}/good.txt", "--date", "2024-13-45"), "bad date '2024-13-45'"),
    Case("--date not a date", ("{d}/good.txt", "--date", "昨天"), "bad date"),
    Case("bad date in JSONL", ("{d}/baddate.jsonl",), "bad date"),
    Case("folder with no readable files", ("{d}/nothing",), "has no .txt, .md, .html, .jsonl, .pdf or .docx files"),
    Case("missing file", ("{d}/missing.txt",), "does not exist"),
    Case("missing file named with a newline", ("{d}/no\nsuch\x1b[2J.txt",), "does not exist"),
    Case("one bad input among good ones", ("{d}/good.txt", "{d}/image.png"), "is a PNG image"),
    Case("file:// URL", ("file:///etc/passwd",), "is not an http(s) address"),
    Case("ftp:// URL", ("ftp://example.com/article.txt",), "is not an http(s) address"),
    Case("unresolvable host", ("http://no-such-host.invalid/article.html",), "no-such-host.invalid",
         env={"POLICYBOT_URL_TIMEOUT": "5"}),
    Case("redirect loop", ("{url}/loop",), "redirected more than"),
    Case("endless redirects", ("{url}/hop/1",), "redirected more than"),
    Case("endless slow body", ("{url}/endless",), "did not finish within 0.5 s", env={"POLICYBOT_URL_TIMEOUT": "0.5"}),
    Case("endless fast body", ("{url}/flood",), "larger than the limit", env={"POLICYBOT_URL_MAX_BYTES": "200000"}),
    Case("page with only scripts (URL)", ("{url}/scripts.html",), "has no article text"),
    Case("URL on this machine, not allowed", ("{url}/scripts.html",), "is not a public internet address",
         env={"POLICYBOT_ALLOW_PRIVATE_URLS": ""}),
    Case("page with only scripts (file)", ("{d}/scripts.html",), "has no article text"),
    Case("--id with ../", ("{d}/good.txt", "--id", "../../etc/passwd"), "--id '../../etc/passwd'"),
]


def _make_inputs(d: Path) -> None:
    d.mkdir()
    (d / "empty.txt").write_bytes(b"")
    (d / "blank.txt").write_text(" \n\t\r\n\u3000 \n", encoding="utf-8")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    (d / "image.png").write_bytes(png)
    (d / "image.txt").write_bytes(png)
    (d / "archive.zip").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    (d / "program").write_bytes(b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 4)
    (d / "undecodable.txt").write_bytes(bytes(range(0x80, 0x100)) * 20)
    (d / "big.txt").write_text(GOOD * 10, encoding="utf-8")
    (d / "good.txt").write_text(GOOD, encoding="utf-8")
    (d / "notjson.jsonl").write_text(GOOD_LINE + "\n{not json\n", encoding="utf-8")
    (d / "notext.jsonl").write_text(GOOD_LINE + '\n{"title": "没有正文"}\n', encoding="utf-8")
    (d / "emptytext.jsonl").write_text(GOOD_LINE + '\n{"title": "空正文", "text": " \\u200b "}\n', encoding="utf-8")
    (d / "blanktext.jsonl").write_text(GOOD_LINE + '\n{"title": "空正文", "text": " \\n\\t "}\n', encoding="utf-8")
    (d / "list.jsonl").write_text(GOOD_LINE + '\n["a", "b"]\n', encoding="utf-8")
    (d / "baddate.jsonl").write_text(GOOD_LINE + '\n{"text": "另一篇正文。", "date": "2024-02-30"}\n', encoding="utf-8")
    (d / "scripts.html").write_text(SCRIPTS_ONLY, encoding="utf-8")
    nothing = d / "nothing"
    (nothing / "deeper").mkdir(parents=True)
    (nothing / "photo.png").write_bytes(png)
    (nothing / "deeper" / "data.bin").write_bytes(b"\x00\x01")
    (nothing / ".hidden.txt").write_text(GOOD, encoding="utf-8")


@pytest.fixture(scope="module")
def battery_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A home with the seed article and one added article, and a folder of bad inputs."""
    root = tmp_path_factory.mktemp("battery")
    home = make_seed_home(root / "home")
    _make_inputs(root / "in")
    corpus = make_corpus(home)
    corpus.sync()
    corpus.add([str(root / "in" / "good.txt")])
    return home, root / "in"


def _args(case: Case, inputs: Path, url: str) -> list[str]:
    # --strict: all or nothing, one error line (without it each bad input is a "skipped" line: test_batches.py).
    return ["add", "--strict", *(a.format(d=inputs, url=url) for a in case.args)]


def _generation(home: Path) -> int:
    conn = sqlite3.connect(home / ".policybot" / "store.sqlite3")
    try:
        return int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    finally:
        conn.close()


def _assert_one_clear_line(case: Case, code: int, stderr: str) -> None:
    assert code != 0, case.name
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), f"{case.name}: {stderr!r}"
    assert case.needle in lines[0], f"{case.name}: {lines[0]}"
    assert " — " in lines[0] and lines[0].split(" — ", 1)[1].strip(), f"{case.name} gives no hint: {lines[0]}"


def _main(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
          env: dict[str, str] | None = None, stdin: bytes = b"") -> tuple[int, str, str]:
    """`cli.main(args)` in this process with its own environment and stdin."""
    with monkeypatch.context() as patch:
        scrub_environ(patch, also=PROXY_VARS)
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        patch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        capsys.readouterr()
        code = cli.main(args)
        out, err = capsys.readouterr()
    return code, out, err


def _listing(home: Path, capsys, monkeypatch) -> list[dict[str, object]]:
    code, out, err = _main(["--home", str(home), "list", "--json"], capsys, monkeypatch)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_one_line_no_change(case: Case, battery_home, server: str, tmp_path: Path,
                                      capsys, monkeypatch) -> None:
    home, inputs = battery_home
    monkeypatch.chdir(tmp_path)  # no stray .env
    before, generation = _listing(home, capsys, monkeypatch), _generation(home)
    code, out, err = _main(["--home", str(home), *_args(case, inputs, server)], capsys, monkeypatch,
                           env=LOCAL_SITE | case.env, stdin=case.stdin or b"")
    _assert_one_clear_line(case, code, err)
    assert out == ""
    assert _listing(home, capsys, monkeypatch) == before and _generation(home) == generation


@pytest.mark.slow
def test_bad_input_battery_as_real_processes(battery_home, server: str) -> None:
    """The same battery through `python -m policybot add`, several processes at a time."""
    home, inputs = battery_home
    listing = run_cli(home, "list", "--json")
    assert listing.returncode == 0, listing.stderr
    generation = _generation(home)
    base_env = clean_env(also=PROXY_VARS)

    def run(case: Case):
        return case, run_cli(home, *_args(case, inputs, server), stdin=case.stdin or b"",
                             env=base_env | LOCAL_SITE | case.env, timeout=60)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, CASES))
    outcomes = []
    for case, result in results:
        _assert_one_clear_line(case, result.returncode, result.stderr)
        outcomes.append(f"{case.name:32} exit {result.returncode}  {result.stderr.strip()}")
    print("\n" + "\n".join(outcomes))
    assert run_cli(home, "list", "--json").stdout == listing.stdout
    assert _generation(home) == generation


# ---- input that is fine apart from invisible characters is accepted ----------------------------

DIRTY = ("\ufeff梁溪推进\u200b科创飞地\x07建设\n"
         "梁溪区\u200d布局9个\x1b科创飞地\x00,推动\u2060创新资源\x0c向中心\u202e城区集聚。\r\n"
         "梁溪还将\u00ad深化国企改革,\x7f培育国企\x1f产业化主体。\u2028")
INVISIBLE = set("\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2060\ufeff\u00ad\x7f"
                + "".join(chr(c) for c in range(32) if chr(c) not in "\n"))


def test_control_and_zero_width_characters_are_stripped(empty_home: Path, tmp_path: Path, capsys,
                                                        monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    dirty = tmp_path / "dirty.txt"
    dirty.write_text(DIRTY, encoding="utf-8")
    code, out, err = _main(["--home", str(empty_home), "add", "--json", str(dirty)], capsys, monkeypatch)
    assert code == 0, err
    [added] = json.loads(out)
    assert added["status"] == "added" and added["title"] == "梁溪推进科创飞地建设"
    code, out, err = _main(["--home", str(empty_home), "show", "--json", added["id"]], capsys, monkeypatch)
    shown = json.loads(out)
    texts = [shown["title"]] + [p["text"] for p in shown["passages"]]
    assert not INVISIBLE & set("".join(texts)), [t for t in texts if INVISIBLE & set(t)]
    assert texts[1:] == GOOD.splitlines()[1:]
    # The same article without the junk is the same article.
    clean = tmp_path / "clean.txt"
    clean.write_text(GOOD, encoding="utf-8")
    code, out, err = _main(["--home", str(empty_home), "add", "--json", str(clean)], capsys, monkeypatch)
    assert code == 0 and json.loads(out)[0]["status"] == "duplicate", (out, err)


def test_jsonl_with_raw_control_characters_is_accepted(empty_home: Path, tmp_path: Path, capsys,
                                                       monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "scraped.jsonl"
    path.write_text('{"id": "c-1", "title": "标题\t一", "text": "第一段\x07正文\x00内容。\\n第二段\u200b内容。"}\n',
                    encoding="utf-8")
    code, out, err = _main(["--home", str(empty_home), "add", "--json", str(path)], capsys, monkeypatch)
    assert code == 0, err
    code, out, err = _main(["--home", str(empty_home), "show", "--json", "c-1"], capsys, monkeypatch)
    shown = json.loads(out)
    assert [p["text"] for p in shown["passages"]] == ["第一段正文内容。", "第二段内容。"]


def test_undecodable_names_and_arguments(empty_home: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    """A corpus file whose name is not UTF-8 is skipped with a warning; odd bytes in --title are shown as �."""
    monkeypatch.chdir(tmp_path)
    (empty_home / "corpus" / os.fsdecode(b"\xff\xfe.txt")).write_text(GOOD, encoding="utf-8")
    code, out, err = _main(["--home", str(empty_home), "list", "--json"], capsys, monkeypatch)
    assert code == 0 and json.loads(out) == []
    assert err.startswith("warning: skipped") and "rename" in err
    code, out, err = _main(["--home", str(empty_home), "add", "-", "--json", "--title", os.fsdecode(b"\xff\xe6\xa0\x87")],
                           capsys, monkeypatch, stdin=GOOD.encode("utf-8"))
    assert code == 0, err
    assert json.loads(out)[0]["title"] == "\ufffd标"


def test_document_name_with_dot_dot_writes_nothing_outside_the_home(tmp_path: Path, capsys, monkeypatch) -> None:
    home = tmp_path / "home"
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "good.txt").write_text(GOOD, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "in" / "sub")

    def outside() -> dict[str, tuple[int, int]]:
        return {str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in tmp_path.rglob("*")
                if home not in p.parents and p != home}

    before = outside()
    code, out, err = _main(["--home", str(home), "add", "--json", "../good.txt", "--title", "../../../etc/passwd",
                            "--source", "../../x"], capsys, monkeypatch)
    assert code == 0, err
    [added] = json.loads(out)
    assert added["status"] == "added" and added["title"] == "../../../etc/passwd"
    assert outside() == before


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1e9"])
def test_bad_url_timeout_setting_is_one_line(value: str, empty_home: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    case = Case("bad POLICYBOT_URL_TIMEOUT", (), "POLICYBOT_URL_TIMEOUT")
    code, out, err = _main(["--home", str(empty_home), "add", "http://127.0.0.1:9/a.html"], capsys, monkeypatch,
                           env={"POLICYBOT_URL_TIMEOUT": value})
    _assert_one_clear_line(case, code, err)
    assert code == 2
