"""Long runs of one script reach jieba in bounded pieces."""

from __future__ import annotations

from hypothesis import given, strategies as st

from policybot.segment.runs import MAX_RUN, _LONG_BLOCK, bounded_pieces


@given(st.text(alphabet=st.sampled_from(list("龘的a1，。 \n-")), max_size=2000))
def test_pieces_join_back_and_hold_no_long_block(text: str) -> None:
    pieces = list(bounded_pieces(text))
    assert "".join(pieces) == text
    assert not any(_LONG_BLOCK.search(piece) for piece in pieces)


def test_a_long_run_is_cut_at_max_run() -> None:
    assert [len(p) for p in bounded_pieces("龘" * (2 * MAX_RUN + 5) + "。")] == [MAX_RUN, MAX_RUN, 5, 1]
    assert list(bounded_pieces("短句。")) == ["短句。"]


def test_a_100k_run_of_one_character_segments_in_linear_time(tmp_path) -> None:  # noqa: ANN001
    """Before: jieba's HMM took 112 s on this run (quadratic); the generous timeout is the check."""
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from policybot.segment.segmenter import Segmenter\n"
            "terms = Segmenter(cache_dir=Path(sys.argv[1])).terms('龘' * 100_000)\n"
            "print(len(terms))")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-500:]
    assert int(result.stdout) == 2 * 100_000 - 1  # every character a word, and the bigrams between them


def test_bidi_isolates_do_not_split_words() -> None:
    from policybot.segment.segmenter import get_segmenter

    segmenter = get_segmenter()
    assert segmenter.terms("宜兴\u2066发展\u2069新赛道") == segmenter.terms("宜兴发展新赛道")
