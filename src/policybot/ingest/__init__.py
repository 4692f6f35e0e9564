"""Ingest: read inputs (files, stdin, JSONL, URLs), clean them and split articles into passages."""
