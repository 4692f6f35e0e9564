"""Add each retrieval set's passages, grouped into articles by doc_id, with the real `policybot add`.

    python bench/add_retrieval.py /work/shared/data/retrieval/*/ [--keep DIR]

For every set: passages.jsonl is grouped by ``doc_id`` (passages in file
order, joined by line breaks) into one JSONL line per article,
``{"id": doc_id, "title", "text"}``, written to a temporary file; then
``policybot --home NEW add FILE`` runs in its own process. Printed: articles
written, the command's exit code, its summary line (or its error), seconds, and
the articles stored (`policybot list --json`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def grouped(passages: Path, out: Path) -> int:
    """Write one article per doc_id; returns how many."""
    docs: dict[str, dict[str, object]] = {}
    with passages.open(encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            doc = docs.setdefault(str(record["doc_id"]), {"id": str(record["doc_id"]),
                                                           "title": record.get("title") or "", "parts": []})
            doc["parts"].append(record["text"])  # type: ignore[union-attr]
    with out.open("w", encoding="utf-8") as stream:
        for doc in docs.values():
            parts = doc.pop("parts")
            stream.write(json.dumps(doc | {"text": "\n".join(parts)}, ensure_ascii=False) + "\n")  # type: ignore[arg-type]
    return len(docs)


def policybot(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYBOT_", "TELEGRAM_"))}
    env["PYTHONPATH"] = str(ROOT / "src")
    return subprocess.run([sys.executable, "-m", "policybot", "--home", str(home), *args],
                          capture_output=True, text=True, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", type=Path, help="retrieval set folders holding passages.jsonl")
    parser.add_argument("--keep", type=Path, help="build the homes here instead of a temporary folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="policybot-retrieval-") as tmp:
        base = args.keep or Path(tmp)
        print(f"{'set':24} {'articles':>8} {'exit':>4} {'stored':>6} {'seconds':>7}  summary")
        for folder in args.sets:
            name = folder.name or folder.parent.name
            jsonl = base / f"{name}.jsonl"
            written = grouped(folder / "passages.jsonl", jsonl)
            home = base / name
            started = time.monotonic()
            result = policybot(home, "add", str(jsonl))
            seconds = time.monotonic() - started
            stored = len(json.loads(policybot(home, "list", "--json").stdout or "[]"))
            lines = (result.stdout + result.stderr).strip().splitlines()
            summary = next((line for line in reversed(lines) if line.startswith(("added", "error"))),
                           lines[-1] if lines else "")
            print(f"{name:24} {written:8} {result.returncode:4} {stored:6} {seconds:7.1f}  {summary[:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
