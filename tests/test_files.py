"""Regular files only, and folder walks that stay inside the folder (real FIFOs, devices and links)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from policybot.errors import InputError
from policybot.ingest.files import Skipped, read_regular, walk_folder

SUFFIXES = {".txt", ".md"}


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes("正文".encode() * 1000)
    assert read_regular(path, 10_000) == "正文".encode() * 1000


def test_a_device_is_refused_without_reading_it() -> None:
    with pytest.raises(InputError) as caught:
        read_regular(Path("/dev/zero"), 1_000_000)
    assert "/dev/zero is a character device, not a regular file" in str(caught.value)


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    """In a child process with a timeout: opening a FIFO for reading the ordinary way would hang."""
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    code = ("import sys; from pathlib import Path; from policybot.ingest.files import read_regular\n"
            "try:\n    read_regular(Path(sys.argv[1]), 1000)\nexcept Exception as e:\n    print(e)")
    result = subprocess.run([sys.executable, "-c", code, str(fifo)], capture_output=True, text=True, timeout=60)
    assert "is a FIFO (named pipe), not a regular file" in result.stdout


def test_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 5000)
    with pytest.raises(InputError, match="over the 4,000 bytes limit"):
        read_regular(path, 4000)


def test_walk_skips_links_out_of_the_folder_and_says_so(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("不该被加入", encoding="utf-8")
    root = tmp_path / "news"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("甲", encoding="utf-8")
    (root / "sub" / "b.md").write_text("乙", encoding="utf-8")
    (root / "inside_link.txt").symlink_to(root / "a.txt")
    (root / "passwd.txt").symlink_to("/etc/passwd")
    (root / "out.txt").symlink_to(outside / "secret.txt")
    (root / "outdir").symlink_to(outside, target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "broken.txt").symlink_to(root / "missing.txt")
    (root / ".hidden.txt").write_text("藏", encoding="utf-8")
    (root / "image.png").write_bytes(b"\x89PNG")
    os.mkfifo(root / "fifo.txt")
    items = list(walk_folder(root, SUFFIXES))
    files = sorted(p.name for p in items if isinstance(p, Path))
    skipped = {Path(s.where).name: s.reason for s in items if isinstance(s, Skipped)}
    assert files == ["a.txt", "b.md", "inside_link.txt"]
    assert skipped == {
        "passwd.txt": "a link to outside the folder, not followed",
        "out.txt": "a link to outside the folder, not followed",
        "outdir": "a link to outside the folder, not followed",
        "broken.txt": "a broken link",
        "fifo.txt": "a FIFO (named pipe), not a regular file",
    }
