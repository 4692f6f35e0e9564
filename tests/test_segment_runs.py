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
