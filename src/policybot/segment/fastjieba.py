"""jieba, loaded fast and cut a little faster, with exactly jieba's results.

Two things make a cold `policybot ask` slow: building jieba's prefix dictionary
(~350k words plus their prefixes) and jieba's own cache of it, which is a
`marshal` dump in /tmp (slow to load, and a file any local user can plant).
Instead the prefix dictionary is cached in the home's state dir in our own
plain format — a JSON header, the words as UTF-8 text, their counts as an
int64 array — which is parsed as data only, checked, and rebuilt from jieba's
`dict.txt` whenever it does not match.

`FastTokenizer` is `jieba.Tokenizer` with the dynamic-programming route of the
precise mode (`get_DAG` + `calc`) fused into one loop. It picks the same route
(same scores, computed in the same order, same tie-break) so its cuts are
identical to jieba's; tests compare them.

Safe only while jieba is pinned to 0.42.x (pyproject.toml): `FastTokenizer`
overrides jieba's private, name-mangled `Tokenizer.__cut_DAG` (as
`_Tokenizer__cut_DAG`), mirrors `get_DAG` + `calc`, relies on `cut` calling
`__cut_DAG` for the precise mode with HMM, and builds the prefix dictionary with
`gen_pfdict`. A jieba that renames or changes any of them would silently fall
back to its own code or cut differently, so tests/test_fastjieba.py fails when
the version or the source of any of those methods changes: re-check this module
against the new jieba, then update the test's fingerprints.

rjieba (the jieba-rs binding) was measured as a replacement and not adopted:
about 9x faster, but its cuts differ from jieba's (it keeps runs such as
"2024-06-08" whole), so every index and score would change (numbers in
tests/test_fastjieba.py).
"""

from __future__ import annotations

import array
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from math import log
from pathlib import Path


def _import_jieba():
    """Import jieba without pkg_resources (slow to import, deprecated); jieba falls back to open()."""
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    block = "pkg_resources" not in sys.modules
    if block:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes `import pkg_resources` fail
    try:
        import jieba
    finally:
        if block and sys.modules.get("pkg_resources", False) is None:
            del sys.modules["pkg_resources"]
    return jieba


jieba = _import_jieba()
finalseg = jieba.finalseg

MAGIC = b"policybot jieba prefix dictionary 1\n"
CACHE_NAME = "jieba-prefix-v1.bin"


def dict_path() -> Path:
    """jieba's bundled dictionary."""
    return Path(jieba.__file__).resolve().parent / jieba.DEFAULT_DICT_NAME


def _source_key(path: Path) -> dict[str, object]:
    st = path.stat()
    return {"jieba": jieba.__version__, "dict_size": st.st_size, "dict_mtime_ns": st.st_mtime_ns}


def build_prefix_dict(path: Path | None = None) -> tuple[dict[str, int], int]:
    """jieba's own prefix dictionary (word -> count, prefixes -> 0) and the total count."""
    return jieba.Tokenizer.gen_pfdict(open(path or dict_path(), "rb"))


def write_cache(cache_file: Path, freq: dict[str, int], total: int, source: dict[str, object]) -> None:
    """Write the cache atomically (a temporary file renamed over the old one)."""
    words = list(freq)
    blob = "\n".join(words).encode("utf-8")
    counts = array.array("q", (freq[w] for w in words))
    if sys.byteorder != "little":
        counts.byteswap()
    header = {"source": source, "total": total, "count": len(words), "words_bytes": len(blob),
              "counts_bytes": len(counts) * counts.itemsize}
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_file.parent, prefix=".jieba-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(MAGIC)
            out.write(json.dumps(header).encode("ascii") + b"\n")
            out.write(blob)
            out.write(counts.tobytes())
        os.replace(tmp, cache_file)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_cache(cache_file: Path, source: dict[str, object]) -> tuple[dict[str, int], int] | None:
    """The cached prefix dictionary, or None when missing, stale or malformed."""
    try:
        data = cache_file.read_bytes()
    except OSError:
        return None
    try:
        if not data.startswith(MAGIC):
            return None
        end = data.index(b"\n", len(MAGIC))
        header = json.loads(data[len(MAGIC):end])
        if not isinstance(header, dict) or header.get("source") != source:
            return None
        count, total = header["count"], header["total"]
        words_bytes, counts_bytes = header["words_bytes"], header["counts_bytes"]
        if not all(type(v) is int and v >= 0 for v in (count, total, words_bytes, counts_bytes)):
            return None
        start = end + 1
        if len(data) != start + words_bytes + counts_bytes or counts_bytes != 8 * count:
            return None
        words = data[start:start + words_bytes].decode("utf-8").split("\n")
        counts = array.array("q")
        counts.frombytes(data[start + words_bytes:])
        if sys.byteorder != "little":
            counts.byteswap()
        if len(words) != count or len(counts) != count:
            return None
        freq = dict(zip(words, counts.tolist()))
        if len(freq) != count:
            return None
        return freq, total
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None


def load_prefix_dict(cache_dir: Path | None, path: Path | None = None) -> tuple[dict[str, int], int]:
    """The prefix dictionary of `path` (jieba's dict.txt) from our cache in `cache_dir`, rebuilt when
    stale; without a cache dir, built every time."""
    path = path or dict_path()
    if cache_dir is None:
        return build_prefix_dict(path)
    cache_file = cache_dir / CACHE_NAME
    source = _source_key(path)
    cached = read_cache(cache_file, source)
    if cached is not None:
        return cached
    freq, total = build_prefix_dict(path)
    try:
        write_cache(cache_file, freq, total, source)
    except OSError:
        pass  # a read-only home still works, just without the cache
    return freq, total


class FastTokenizer(jieba.Tokenizer):
    """jieba.Tokenizer whose precise-mode cut with HMM finds the same route in one fused loop."""

    def route_ends(self, sentence: str) -> list[int]:
        """For each start position, the end index of the word the best route takes there.

        Same as jieba's get_DAG + calc: route score of `idx` is the max over words
        sentence[idx:x+1] in the dictionary (count > 0) of log(count) - log(total)
        + score[x+1], ties going to the larger x; with no such word the single
        character, scored log(1) - log(total) + score[idx+1].
        """
        get = self.FREQ.get
        logtotal = log(self.total)
        n = len(sentence)
        score = [0.0] * (n + 1)
        ends = [0] * n
        for idx in range(n - 1, -1, -1):
            best = None
            best_x = idx
            i = idx
            count = get(sentence[idx])
            while count is not None:
                if count:
                    value = log(count) - logtotal + score[i + 1]
                    if best is None or value >= best:
                        best = value
                        best_x = i
                i += 1
                if i >= n:
                    break
                count = get(sentence[idx:i + 1])
            if best is None:
                best = log(1) - logtotal + score[idx + 1]
                best_x = idx
            score[idx] = best
            ends[idx] = best_x
        return ends

    def _Tokenizer__cut_DAG(self, sentence):  # noqa: N802 - overrides jieba's private method
        ends = self.route_ends(sentence)
        get = self.FREQ.get
        x = 0
        buf = ""
        n = len(sentence)

        def single_chars(buf: str) -> Iterable[str]:
            # A run of single characters: an unknown word goes to the HMM, as in jieba.
            if len(buf) == 1:
                return (buf,)
            return finalseg.cut(buf) if not get(buf) else buf

        while x < n:
            y = ends[x] + 1
            word = sentence[x:y]
            if y - x == 1:
                buf += word
            else:
                if buf:
                    yield from single_chars(buf)
                    buf = ""
                yield word
            x = y
        if buf:
            yield from single_chars(buf)


def new_tokenizer(cache_dir: Path | None) -> FastTokenizer:
    """An initialised FastTokenizer over jieba's default dictionary."""
    tokenizer = FastTokenizer()
    tokenizer.FREQ, tokenizer.total = load_prefix_dict(cache_dir)
    tokenizer.initialized = True
    return tokenizer
