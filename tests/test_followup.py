"""Follow-up questions: reading a chat message with the question before it (policybot.chat).

Recognition runs on the real segmenter and dictionaries; answering runs on a
real seed home (SQLite store, index) through `Corpus.ask`.
"""

from __future__ import annotations

import pytest

from conftest import make_corpus
from policybot.chat.context import (Conversations, Query, Turn, answer, hints_from, query_for, turn_after)
from policybot.chat.followup import Reader, Reading
from policybot.chat.lexicon import Kind, Lexicon
from policybot.segment.segmenter import get_segmenter

QUESTION = "宜兴发展哪些新赛道?"


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(get_segmenter())


@pytest.fixture(scope="module")
def reader(lexicon: Lexicon) -> Reader:
    return Reader(lexicon)


# ---- names and periods -------------------------------------------------------------------------


@pytest.mark.parametrize("phrase, kind", [
    ("梁溪", Kind.PLACE), ("滨湖", Kind.PLACE), ("新吴区", Kind.PLACE), ("苏州", Kind.PLACE),
    ("上海市", Kind.PLACE), ("张家港市", Kind.PLACE), ("粤港澳大湾区", Kind.PLACE),
    ("工信部", Kind.ORG), ("教育部", Kind.ORG), ("发改委", Kind.ORG), ("国家发改委", Kind.ORG),
    ("无锡日报", Kind.ORG), ("无锡经济开发区", Kind.ORG),
    ("去年", Kind.PERIOD), ("2023年", Kind.PERIOD), ("2024年6月", Kind.PERIOD), ("上半年", Kind.PERIOD),
    ("第二季度", Kind.PERIOD), ("今年一季度", Kind.PERIOD), ("近三年", Kind.PERIOD), ("十四五期间", Kind.PERIOD),
    ("人才政策", None), ("干部", None), ("城市", None), ("社区", None), ("新赛道", None), ("发展", None),
])
def test_a_phrase_is_a_place_an_organisation_a_period_or_none(lexicon: Lexicon, phrase: str, kind: Kind | None) -> None:
    assert lexicon.kind_of(phrase) is kind


def test_mentions_are_found_in_a_question_with_their_spans(lexicon: Lexicon) -> None:
    text = "2024年江阴和新吴区的高层次人才目标"
    found = [(m.text, m.kind) for m in lexicon.mentions(text)]
    assert found == [("2024年", Kind.PERIOD), ("江阴", Kind.PLACE), ("新吴区", Kind.PLACE)]
    for m in lexicon.mentions(text):
        assert text[m.start:m.end] == m.text
    # "中心" + "城区" is no place, and "的" never joins a name to what follows.
    assert [m.text for m in lexicon.mentions("梁溪区作为无锡的中心城区")] == ["梁溪区", "无锡"]
    assert lexicon.mentions("宜兴的干部") == [m for m in lexicon.mentions("宜兴的干部") if m.text == "宜兴"]


def test_a_place_is_matched_without_its_suffix(lexicon: Lexicon) -> None:
    assert lexicon.stem("新吴区") == "新吴"
    assert lexicon.stem("上海市") == "上海"
    assert lexicon.stem("市") == "市" and lexicon.stem("城区") == "城区"


# ---- reading messages -----------------------------------------------------------------------------

SWAPS = [
    ("那梁溪呢?", "梁溪发展哪些新赛道?"),
    ("那梁溪呢？", "梁溪发展哪些新赛道?"),
    ("梁溪呢", "梁溪发展哪些新赛道?"),
    ("滨湖呢", "滨湖发展哪些新赛道?"),
    ("滨湖", "滨湖发展哪些新赛道?"),
    ("濱湖呢？", "滨湖发展哪些新赛道?"),  # traditional characters
    ("那新吴区呢？", "新吴区发展哪些新赛道?"),
    ("好的,那梁溪呢?😊", "梁溪发展哪些新赛道?"),
    ("嗯 那 梁溪 呢 ？？", "梁溪发展哪些新赛道?"),
    ("谢谢!还有滨湖呢", "滨湖发展哪些新赛道?"),
    ("江阴怎么样", "江阴发展哪些新赛道?"),
    ("锡山区怎么样?", "锡山区发展哪些新赛道?"),
    ("惠山的情况呢", "惠山发展哪些新赛道?"),
    ("宜兴的呢", "宜兴发展哪些新赛道?"),
    ("惠山怎么样呢?", "惠山发展哪些新赛道?"),
    ("去年的情况呢", "去年宜兴发展哪些新赛道?"),
    ("那苏州呢", "苏州发展哪些新赛道?"),
    ("梁溪和滨湖呢", "梁溪和滨湖发展哪些新赛道?"),
    ("去年呢?", "去年宜兴发展哪些新赛道?"),
    ("去年呢", "去年宜兴发展哪些新赛道?"),
    ("2023年呢", "2023年宜兴发展哪些新赛道?"),
    ("第二季度呢", "第二季度宜兴发展哪些新赛道?"),
    ("那梁溪去年呢", "去年梁溪发展哪些新赛道?"),
]


@pytest.mark.parametrize("message, question", SWAPS)
def test_a_name_or_period_is_swapped_into_the_previous_question(reader: Reader, message: str, question: str) -> None:
    read = reader.read(message, QUESTION)
    assert read.reading is Reading.SWAP and read.follows
    assert read.question == question


@pytest.mark.parametrize("previous, message, question", [
    ("2024年宜兴发展哪些新赛道?", "去年呢", "去年宜兴发展哪些新赛道?"),
    ("去年宜兴发展哪些新赛道?", "滨湖呢", "去年滨湖发展哪些新赛道?"),
    ("去年宜兴发展哪些新赛道?", "2022年呢", "2022年宜兴发展哪些新赛道?"),
    ("江阴和宜兴的人才目标", "梁溪呢", "梁溪的人才目标"),
    ("江阴的高层次人才目标", "宜兴呢", "宜兴的高层次人才目标"),
    ("工信部发布了哪些政策", "发改委呢", "发改委发布了哪些政策"),
    ("发展哪些新赛道?", "梁溪呢", "梁溪发展哪些新赛道?"),
    ("宜興發展哪些新賽道?", "那梁溪呢", "梁溪发展哪些新赛道?"),  # a traditional previous question
])
def test_the_swap_replaces_the_same_kind_of_mention(reader: Reader, previous: str, message: str,
                                                     question: str) -> None:
    assert reader.read(message, previous).question == question


def test_a_follow_up_focuses_on_its_names_without_suffixes(reader: Reader) -> None:
    assert reader.read("那梁溪呢?", QUESTION).focus == ("梁溪",)
    assert reader.read("那新吴区呢", QUESTION).focus == ("新吴",)
    assert reader.read("梁溪和滨湖呢", QUESTION).focus == ("梁溪", "滨湖")
    assert reader.read("去年呢", QUESTION).focus == ("宜兴",)  # the place stays


@pytest.mark.parametrize("message, question", [
    ("那人才政策呢?", "宜兴的人才政策"),
    ("那中欧班列呢", "宜兴的中欧班列"),
    ("人才政策呢", "宜兴的人才政策"),
    # Words that begin like a filler, lead or particle keep it: only what stands apart is dropped.
    ("行政审批呢?", "宜兴的行政审批"),
    ("好多企业呢", "宜兴的好多企业"),
    ("额度呢", "宜兴的额度"),
    ("那些政策呢", "宜兴的那些政策"),
    ("就业情况呢", "宜兴的就业"),
])
def test_a_short_new_topic_keeps_the_previous_names(reader: Reader, message: str, question: str) -> None:
    read = reader.read(message, QUESTION)
    assert read.reading is Reading.TOPIC and read.question == question and read.focus == ("宜兴",)


@pytest.mark.parametrize("message", ["还有呢?", "还有呢", "還有呢", "还有吗", "还有别的吗？", "更多", "继续",
                                     "再来几条", "下一页", "好的,还有呢", "那还有呢", "然后呢?", "More"])
def test_more_asks_for_the_next_page_of_the_same_question(reader: Reader, message: str) -> None:
    read = reader.read(message, QUESTION)
    assert read.reading is Reading.MORE and read.question == QUESTION and not read.follows


@pytest.mark.parametrize("message, item", [
    ("第二条详细说说", 2), ("第二條詳細說說", 2), ("第2条", 2), ("第二条", 2), ("第二条呢?", 2), ("详细说说第二条", 2),
    ("展开第3条", 3), ("第3个", 3), ("说说第一条", 1), ("第十二条", 12), ("原文2", 2), ("看看第三段", 3),
])
def test_an_item_number_opens_that_passage(reader: Reader, message: str, item: int) -> None:
    read = reader.read(message, QUESTION)
    assert read.reading is Reading.OPEN and read.item == item


@pytest.mark.parametrize("message", [
    "梁溪发展哪些新赛道?",              # a full question
    "梁溪的人才政策呢?",                # names its own place and topic
    "江阴的高层次人才目标是什么",
    "北京冬奥会中国队获得了多少枚金牌?",
    "人才政策",                         # a topic without any cue starts afresh
    "那个呢",
    "第三批试点有哪些",                 # "第三" but a question of its own
    "那些政策有哪些?",
    "2",                                # a bare number is not read as "open passage 2"
    "梁溪有哪些新兴产业" * 3,           # too long for a follow-up
])
def test_a_full_question_starts_afresh(reader: Reader, message: str) -> None:
    read = reader.read(message, QUESTION)
    assert read.reading is Reading.FRESH and read.question == message and read.focus == ()


@pytest.mark.parametrize("message", ["那梁溪呢?", "去年呢", "人才政策呢"])
def test_without_a_previous_question_everything_is_fresh(reader: Reader, message: str) -> None:
    assert reader.read(message, None).reading is Reading.FRESH


@pytest.mark.parametrize("message", ["还有呢?", "第二条详细说说"])
def test_more_or_open_without_a_previous_question_says_there_is_none(reader: Reader, message: str) -> None:
    assert reader.read(message, None).reading is Reading.NO_CONTEXT


# ---- known limits (the README lists them; these keep that list true) -----------------------------


def test_known_limits(reader: Reader) -> None:
    # A place jieba does not know and with no suffix is read as a new topic for the old place.
    assert reader.read("那锡东呢", QUESTION).question == "宜兴的锡东"
    # A common noun ending in a place suffix can pass for a place.
    assert reader.read("那中心城区呢", QUESTION).reading is Reading.SWAP
    # Of several places in the previous question only the first group (joined by 和/、) is swapped.
    assert reader.read("梁溪呢", "江阴比宜兴发展得快吗").question == "梁溪比宜兴发展得快吗"


# ---- what a chat remembers -----------------------------------------------------------------------


def test_turns_expire_and_the_least_recent_chat_is_forgotten_first() -> None:
    chats = Conversations(ttl=60, max_chats=2)
    chats.put("a", Turn(Query("问题一"), at=0))
    assert chats.get("a", now=59) is not None
    assert chats.get("a", now=61) is None and len(chats) == 0
    chats.put("a", Turn(Query("问题一"), at=100))
    chats.put("b", Turn(Query("问题二"), at=100))
    chats.get("a", now=101)
    chats.put("c", Turn(Query("问题三"), at=101))
    assert chats.get("a", 102) is not None and chats.get("c", 102) is not None
    assert len(chats) == 2


# ---- answering in context, over the seed article ---------------------------------------------------


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory):
    import shutil

    from conftest import SEED

    home = tmp_path_factory.mktemp("seed")
    (home / "corpus").mkdir()
    shutil.copy(SEED, home / "corpus" / SEED.name)
    corpus = make_corpus(home)
    corpus.sync()
    return corpus


def _ask(corpus):
    return lambda question, k, offset: corpus.ask(question, k, offset)


def _first(page) -> tuple[str, int]:
    p = page.results[0].passage
    return p.section[0], p.ordinal


def test_hints_are_the_words_the_first_answer_put_next_to_the_asked_ones(seed, lexicon: Lexicon) -> None:
    page, _ = answer(_ask(seed), Query(QUESTION), 3)
    hints = hints_from(page, lexicon)
    assert {"合成生物", "氢能", "储能", "低空经济"} <= set(hints)
    assert not {"宜兴", "发展", "赛道", "无锡"} & set(hints)


def test_follow_ups_are_answered_from_the_new_places_tracks(seed, reader: Reader, lexicon: Lexicon) -> None:
    first, _ = answer(_ask(seed), Query(QUESTION), 3)
    assert _first(first) == ("宜兴", 9)
    turn = turn_after(Query(QUESTION), first, lexicon, at=0)
    for message, expected in (("那梁溪呢?", ("梁溪", 13)), ("滨湖呢", ("滨湖", 25))):
        read = reader.read(message, turn.query.question)
        page, _ = answer(_ask(seed), query_for(read, turn), 3)
        assert _first(page) == expected and "低空经济" in page.results[0].passage.text
        assert all(r.passage.section[0] == expected[0] for r in page.results)
        assert [r.rank for r in page.results] == [1, 2, 3]
        turn = turn_after(query_for(read, turn), page, lexicon, at=1)
    # Without the hints, "梁溪发展哪些新赛道?" alone finds 梁溪's opening paragraph (why hints exist).
    assert _first(seed.ask("梁溪发展哪些新赛道?", 3)) == ("梁溪", 12)


def test_a_full_question_after_a_follow_up_is_answered_on_its_own(seed, reader: Reader, lexicon: Lexicon) -> None:
    first, _ = answer(_ask(seed), Query(QUESTION), 3)
    turn = turn_after(Query(QUESTION), first, lexicon, at=0)
    follow = reader.read("那梁溪呢?", QUESTION)
    turn = turn_after(query_for(follow, turn), answer(_ask(seed), query_for(follow, turn), 3)[0], lexicon, at=1)
    fresh = reader.read("江阴的高层次人才目标", turn.query.question)
    page, _ = answer(_ask(seed), query_for(fresh, turn), 3)
    alone = seed.ask("江阴的高层次人才目标", 3)
    assert [r.passage.id for r in page.results] == [r.passage.id for r in alone.results]


def test_more_continues_the_follow_up_and_items_refer_to_ranks_shown(seed, reader: Reader, lexicon: Lexicon) -> None:
    first, _ = answer(_ask(seed), Query(QUESTION), 3)
    turn = turn_after(Query(QUESTION), first, lexicon, at=0)
    query = query_for(reader.read("滨湖呢", QUESTION), turn)
    page1, more = answer(_ask(seed), query, 3)
    assert more
    turn = turn_after(query, page1, lexicon, at=1)
    page2, _ = answer(_ask(seed), query_for(reader.read("还有呢", query.question), turn), 3, turn.next_offset)
    assert [r.rank for r in page2.results][:1] == [4]
    assert all(r.passage.section[0] == "滨湖" for r in page2.results)
    assert not {r.passage.id for r in page1.results} & {r.passage.id for r in page2.results}
    turn = turn.showing(page2, at=2)
    assert turn.shown[:3] == tuple(r.passage.id for r in page1.results)
    assert turn.shown[3] == page2.results[0].passage.id


def test_a_place_the_corpus_never_names_gets_no_passage(seed, reader: Reader, lexicon: Lexicon) -> None:
    first, _ = answer(_ask(seed), Query(QUESTION), 3)
    turn = turn_after(Query(QUESTION), first, lexicon, at=0)
    page, more = answer(_ask(seed), query_for(reader.read("那苏州呢", QUESTION), turn), 3)
    assert page.results == [] and not more and page.question == "苏州发展哪些新赛道?"
