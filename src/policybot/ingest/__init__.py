"""Ingest: read inputs (files, stdin, JSONL, URLs), clean them and split articles into passages.

- ``sources``: paths, folders, stdin, JSONL, URLs and bytes into Articles (the entry points).
- ``decoding``: bytes to text; what a charset label means.
- ``fetch``: one web page over http(s), with limits on time, size and redirects.
- ``html`` (with ``html_tree``, ``html_meta``): a web page's title, date, source and text.
- ``article``: ``build_article``, the one path every input takes, and the Article types.
- ``clean``: cleaning rules (``data/boilerplate.txt``) and metadata lines; ``dates``: every date pattern.
- ``passages``: headings, section paths and long paragraphs.
"""
