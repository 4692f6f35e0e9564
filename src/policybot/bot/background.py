"""Work the bot does besides replying: indexing files dropped into corpus/ by hand while it runs.

Runs in worker threads, started from the event loop; a failure is logged and
never reaches a user. The scheduled feed check and its alerts are in `feeds`,
on the Application's JobQueue.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from ..corpus import Corpus
from .state import Context, state_of

log = logging.getLogger("policybot.telegram")

#: How often (seconds) files dropped into corpus/ by hand are looked for while the bot runs.
SYNC_INTERVAL = 60.0


def sync_corpus_folder(corpus: Corpus, lock: threading.Lock) -> None:
    """Index files dropped into corpus/ by hand (one sync at a time)."""
    if not lock.acquire(blocking=False):
        return
    try:
        corpus.sync(progress=log.info, warn=log.warning)
    except Exception:  # a background chore must never take the bot down
        log.exception("syncing the corpus folder failed")
    finally:
        lock.release()


def schedule_sync(context: Context) -> None:
    """Start a sync of the corpus folder in a worker thread if the last one is SYNC_INTERVAL old."""
    state = state_of(context)
    now = time.monotonic()
    if now - state.last_sync < SYNC_INTERVAL:
        return
    state.last_sync = now
    context.application.create_task(asyncio.to_thread(sync_corpus_folder, state.corpus, state.sync_lock))
