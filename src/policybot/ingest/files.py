"""Reading what a path names, safely: regular files only, folders walked without leaving them.

`read_regular` opens without blocking (a FIFO would otherwise hang the open)
and checks the opened file itself, so a device, FIFO or socket gets a one-line
error and is never read; the size limit is checked on the opened file and
again while reading (a file that grows is cut off, not read forever).
`walk_folder` lists the supported files under a folder in a stable order,
hidden names skipped, symbolic links followed only while they stay inside the
folder; everything it leaves out for a reason is reported as a `Skipped`.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Iterator

from ..errors import InputError, PolicybotError

_CHUNK = 1 << 20
_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))


@dataclass(frozen=True)
class Skipped:
    """An input left out — a file, a JSONL line, a URL — and why (one line for the user)."""

    where: str
    reason: str
    hint: str = ""
    kind: type[PolicybotError] = InputError

    @classmethod
    def of(cls, where: str, error: PolicybotError) -> "Skipped":
        return cls(where, error.message, error.hint, type(error))

    @property
    def error(self) -> PolicybotError:
        """The same as an error, for an add that stops at the first problem (--strict)."""
        return self.kind(self.line(), self.hint)

    def line(self) -> str:
        """Where and why, without the hint ("x.pdf is a scanned PDF…", "a.jsonl line 3: it has no "text"")."""
        return self.reason if self.reason.startswith(self.where) else f"{self.where}: {self.reason}"

    def __str__(self) -> str:
        return f"{self.line()} — {self.hint}" if self.hint else self.line()


def size_text(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size:,} bytes"


def too_big(name: str, size: int | str, limit: int) -> InputError:
    shown = size if isinstance(size, str) else size_text(size)
    return InputError(f"{name} is {shown}, over the {size_text(limit)} limit",
                      "split it into smaller files, or raise POLICYBOT_MAX_INPUT_BYTES")


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; InputError for anything else."""
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"{name} does not exist", "check the path") from None
    except PermissionError:
        raise InputError(f"{name} cannot be read (permission denied)", "check the file's permissions") from None
    except IsADirectoryError:
        raise InputError(f"{name} is a directory", "pass the directory itself to add all its files") from None
    except OSError as exc:
        raise InputError(f"{name} cannot be opened ({exc.strerror})", "check the path") from None
    with os.fdopen(fd, "rb", buffering=0) as stream:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            hint = ("pass the directory itself to add all its files" if stat.S_ISDIR(info.st_mode)
                    else "add regular files (save the text to a file first)")
            raise InputError(f"{name} is {_kind(info.st_mode)}, not a regular file", hint)
        if info.st_size > limit:
            raise too_big(name, info.st_size, limit)
        return _read_at_most(stream, name, limit, info.st_size)


def _read_at_most(stream, name: str, limit: int, expected: int) -> bytes:  # noqa: ANN001 - a raw file
    """Read to the end in one piece, failing once more than `limit` bytes came (the file may be growing)."""
    data = stream.read(expected + 1) or b""
    while len(data) <= limit:
        more = stream.read(_CHUNK)
        if not more:
            return data
        data += more  # only a file that grew since fstat() gets here
    raise too_big(name, f"over {size_text(limit)} and still growing", limit)


def walk_folder(root: Path, suffixes: Collection[str]) -> Iterator[Path | Skipped]:
    """Supported files under `root` (sorted, hidden names skipped), and what was skipped for a reason.

    A symbolic link is followed only when its target is inside `root` (resolved);
    a link out of it, a broken link, or a special file is reported, never read.
    """
    top = root.resolve()
    seen_dirs = {top}
    pending = [root]
    found: list[Path | Skipped] = []
    while pending:
        folder = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            found.append(Skipped(str(folder), f"cannot be listed ({exc.strerror})"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            item = _classify(Path(entry.path), entry, top, suffixes, seen_dirs)
            if isinstance(item, Path) and item.is_dir():
                pending.append(item)
            elif item is not None:
                found.append(item)
    yield from sorted(found, key=lambda item: str(item.where if isinstance(item, Skipped) else item))


def _classify(path: Path, entry: os.DirEntry, top: Path, suffixes: Collection[str],
              seen_dirs: set[Path]) -> Path | Skipped | None:
    """A file to read, a folder to walk (returned as a Path that is a directory), a Skipped, or None."""
    if entry.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(top):
            return Skipped(str(path), "a link to outside the folder, not followed")
        if not target.exists():
            return Skipped(str(path), "a broken link")
    try:
        info = path.stat()
    except OSError as exc:
        return Skipped(str(path), f"cannot be read ({exc.strerror})")
    if stat.S_ISDIR(info.st_mode):
        real = path.resolve()
        if real in seen_dirs:
            return None  # a link back to a folder already walked
        seen_dirs.add(real)
        return path
    if path.suffix.lower() not in suffixes:
        return None
    if not stat.S_ISREG(info.st_mode):
        return Skipped(str(path), f"{_kind(info.st_mode)}, not a regular file")
    return path
