"""Index: exact BM25Okapi over array segments stored in SQLite."""
