"""`policybot feeds …` and `policybot update` as cron and a person run them: real processes, the test site."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from conftest import PROXY_VARS, clean_env, make_corpus
from feedserver import FeedServer


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(also=PROXY_VARS, POLICYBOT_URL_TIMEOUT="1.5", POLICYBOT_ALLOW_PRIVATE_URLS="1")
    return subprocess.run([sys.executable, "-m", "policybot", "--home", str(home), *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_follow_a_feed_update_twice_and_answer_from_it(site: FeedServer, empty_home: Path) -> None:
    added = run(empty_home, "feeds", "add", site.url("/feeds/rss.xml"), "--name", "无锡发布")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("following 无锡发布: ") and "(rss, 5 items now)" in added.stdout
    assert "not checked yet" in run(empty_home, "feeds", "list").stdout

    first = run(empty_home, "update")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "checked 1 feed(s): 3 new article(s), 1 already there, 1 item(s) failed"
    assert "missing.html" in first.stderr and "404" in first.stderr and "\r" not in first.stderr  # no terminal
    [row] = json.loads(run(empty_home, "feeds", "list", "--json").stdout)
    assert row["name"] == "无锡发布" and row["taken"] == 3 and row["last_error"] is None
    assert row["checked_at"] and row["last_new_at"]

    answer = json.loads(run(empty_home, "ask", "--json", "宜兴新引进的博士研究生有多少安家补贴?").stdout)
    top = answer["results"][0]
    assert "30万元安家补贴" in top["text"]
    assert (top["url"], top["date"], top["source"]) == (site.url("/news/a3.html"), "2024-07-04", "无锡发布")

    second = run(empty_home, "update")
    assert second.stdout.startswith("checked 1 feed(s): 0 new article(s)")
    assert [h.path for h in site.hits if h.path.startswith("/news/a")] == ["/news/a1.html", "/news/a2.html",
                                                                          "/news/a3.html"]

    removed = run(empty_home, "feeds", "remove", "无锡发布")
    assert removed.returncode == 0 and "its 3 article(s) stay" in removed.stdout
    assert "no feeds yet" in run(empty_home, "feeds", "list").stdout
    assert len(json.loads(run(empty_home, "list", "--json").stdout)) == 3


def test_update_exits_1_when_a_feed_fails_and_still_reads_the_others(site: FeedServer, empty_home: Path) -> None:
    assert run(empty_home, "feeds", "add", site.url("/feeds/growing.xml"), "--name", "滚动").returncode == 0
    assert run(empty_home, "feeds", "add", site.url("/feeds/atom.xml"), "--name", "区县").returncode == 0
    site.fail("/feeds/atom.xml")
    result = run(empty_home, "update")
    assert result.returncode == 1
    assert result.stdout.strip() == "checked 2 feed(s): 1 new article(s), 1 feed(s) failed"
    assert "error: feed 区县" in result.stderr and "500" in result.stderr
    [failed] = [f for f in json.loads(run(empty_home, "feeds", "list", "--json").stdout) if f["name"] == "区县"]
    assert "500" in failed["last_error"]


def test_refusals_are_one_line_with_a_hint(site: FeedServer, empty_home: Path) -> None:
    for args, needle in ((["feeds", "add", site.url("/feeds/broken.xml")], "HTTP 500"),
                         (["feeds", "add", "ftp://example.com/rss"], "not an http(s) address"),
                         (["feeds", "remove", "nothing"], "no feed named"),
                         (["feeds", "add", site.url("/feeds/garbage.xml")], "neither a feed nor a web page")):
        result = run(empty_home, *args)
        assert result.returncode != 0 and needle in result.stderr, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and " — " in result.stderr


def test_update_notify_prints_what_each_subscription_would_be_sent(site: FeedServer, seed_home: Path) -> None:
    run(seed_home, "feeds", "add", site.url("/feeds/growing.xml"))
    alerts = make_corpus(seed_home).alerts
    alerts.subscribe(1001, 1001, "低空经济")
    alerts.subscribe(2002, 2002, "氢能产业园")
    site.grow("a5")
    result = run(seed_home, "update", "--notify")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "checked 1 feed(s): 2 new article(s)"
    assert "== chat 1001 · 低空经济" in result.stdout and "锡山区" in result.stdout
    assert "2002" not in result.stdout  # nothing new matches 氢能产业园
    # Printing is only for checking: nothing is marked as sent.
    assert "== chat 1001 · 低空经济" in run(seed_home, "update", "--notify").stdout


def test_a_progress_line_on_a_terminal(site: FeedServer, empty_home: Path) -> None:
    run(empty_home, "feeds", "add", site.url("/feeds/growing.xml"), "--name", "滚动")
    env = clean_env(also=PROXY_VARS, POLICYBOT_ALLOW_PRIVATE_URLS="1")
    pid, fd = pty.fork()
    if pid == 0:  # child: `policybot update` with a terminal for its output
        os.execve(sys.executable, [sys.executable, "-m", "policybot", "--home", str(empty_home), "update"], env)
    output = b""
    deadline = time.monotonic() + 60
    while b"checked 1 feed" not in output and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.5)[0]:
            try:
                output += os.read(fd, 65536)
            except OSError:
                break
    os.waitpid(pid, 0)
    text = output.decode("utf-8", "replace")
    assert "[1/1] 滚动 …" in text and "\x1b[K" in text and "checked 1 feed(s): 1 new article(s)" in text


def test_help_has_examples(empty_home: Path) -> None:
    for args in (["feeds"], ["feeds", "add"], ["feeds", "list"], ["feeds", "remove"], ["update"]):
        assert "example: policybot" in run(empty_home, *args, "--help").stdout, args
    assert "cron:" in run(empty_home, "update", "--help").stdout


def test_a_chinese_locale_gets_chinese_help_output_and_errors(site: FeedServer, empty_home: Path) -> None:
    env = clean_env(also=PROXY_VARS, POLICYBOT_ALLOW_PRIVATE_URLS="1", LANG="zh_CN.UTF-8")

    def zh(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "policybot", "--home", str(empty_home), *args],
                              capture_output=True, text=True, env=env, timeout=120)

    assert "示例:policybot feeds add" in zh("feeds", "add", "--help").stdout
    assert zh("feeds", "add", site.url("/feeds/growing.xml"), "--name", "滚动").stdout.startswith("已关注 滚动:")
    assert zh("update").stdout.strip() == "检查了 1 个来源:1 篇新文章"
    assert "已获取 1 篇 · 正常" in zh("feeds", "list").stdout
    refused = zh("feeds", "remove", "没有这个")
    assert refused.returncode == 1 and refused.stderr.startswith("错误:没有名为或位于 '没有这个' 的来源 —— ")
