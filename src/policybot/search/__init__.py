"""Search: a question in, ranked and cited passages out (BM25 candidates, fused re-ranking, no-answer rule)."""
