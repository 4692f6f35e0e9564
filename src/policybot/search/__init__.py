"""Search: a question in, ranked and cited passages out.

The flow, one module a step (the formula is in `ranking`'s docstring):

- `params`: `RankingParams`, every weight, threshold and switch, each with where its value
  came from. Pass one to `Searcher` (or `Corpus(..., params=...)`); nothing patches a module.
- `limits`: 来源:… 从:… 到:… written into a question (chats have no flags).
- `timeq`: dates and periods a question asks about (read against "today") and a passage names
  (read against its article's date); `data/time_words.txt`.
- `aliases`: everyday words and the written ones news use, and filler (`data/aliases.txt`).
- `query`: the question's terms and weighted words (`parse_query`, `weigh_words`), and its
  traditional/simplified form (`query_in_corpus_script`).
- `signals`: pure functions comparing the question with a text (coverage, verbatim pieces,
  bigrams, title match, 3-gram containment).
- `features`: a BM25 candidate's signals (`Candidate`) and the fused score (`fuse`).
- `articles`: what a reader sees around a passage in its article (bounded: not the whole article).
- `snippets`: the answer sentence shown (`snippet_pair`, `answer_kind`).
- `results`: duplicates folded, `Result` and `Answer`.
- `ranking`: `Searcher`, which runs the steps: candidates, fusion, the "no answer" rule, results.

A new signal: its function in `signals`, a field on `Candidate` set in
`features.candidate_features`, its weight in `RankingParams` (with where its value came from)
and its term in `features.fuse`. What it needs from the question (a date asked about, say)
goes on `query.Analysis`, set in `query.analyse`; a signal that reads more than the passage
is added over the leading candidates only, as the article signal is (`Searcher.candidates`).
"""

from .params import RankingParams
from .ranking import Searcher
from .results import Answer, Result

__all__ = ["Answer", "RankingParams", "Result", "Searcher"]
