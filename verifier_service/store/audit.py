"""The audit log: every answered request, with each item as the client received it.

One SQLite file in the data directory, one row per request: the request's own fields (run,
judge, taxonomy, endpoint) once, and its items as one compact JSON document of columns
(ground truths, predictions, ids, item taxonomies) with each distinct verdict stored once and
referred to by index. Its disk cost is about the size of the request, whatever the batch size
or the length of a run name.

Durability: a request is answered only after its row is committed, by one writer thread that
commits every waiting request in one transaction (group commit: concurrent requests share the
disk's cost). With WAL and ``synchronous=NORMAL`` a committed row survives the process being
killed (SIGKILL) at any moment; a power loss can drop the last transactions, unless the
setting ``audit_synchronous`` is ``FULL``. A failed write is logged and counted by the caller,
never withheld from the client.

Retention: rows older than ``retention_s`` are deleted, then the oldest until the rows hold at
most ``max_bytes``, at start-up and every ``prune_every_s`` seconds; the file is shrunk as it
goes (incremental vacuum).

The review queue's pair index (``audit_pairs.py``) lives in the same file: the writer counts each
committed request's judged pairs in memory and writes the counts at most once a second and before
every read; retention prunes it with the requests.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson

from verifier_service.store import audit_pairs

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    request_id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    endpoint TEXT NOT NULL,
    run TEXT,
    judge TEXT,
    taxonomy TEXT,
    item_count INTEGER NOT NULL,
    items BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_by_time ON requests (created_at);
"""
# probabilities: the judge's distribution, rounded (None: none); overruled: an escalating judge's
# first opinion where the second said otherwise. Rows written before have the first five fields only.
VERDICT_FIELDS = ("status", "category", "source", "reason", "error", "probabilities", "overruled")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One answered request, as columns (each one value per item, in request order); ``verdict``
    indexes ``verdicts``, the distinct (status, category, source, reason, error) answered."""

    request_id: str
    endpoint: str
    run: str | None
    judge: str | None
    taxonomy: str | None
    ground_truths: Sequence[str]
    predictions: Sequence[str]
    verdicts: Sequence[tuple[Any, ...]]
    verdict: Sequence[int]
    ids: Sequence[Any] | None = None  # None: no item had an id
    taxonomies: Sequence[str | None] | None = None  # None: no item named its own taxonomy
    created_at: float = field(default_factory=time.time)

    def columns(self) -> dict[str, Any]:
        return {
            "ground_truths": self.ground_truths,
            "predictions": self.predictions,
            "ids": self.ids,
            "taxonomies": self.taxonomies,
            "verdicts": self.verdicts,
            "verdict": self.verdict,
        }


class AuditLog:
    def __init__(
        self,
        path: Path,
        *,
        retention_s: float | None = None,
        max_bytes: int | None = None,
        prune_every_s: float = 300.0,
        synchronous: Literal["NORMAL", "FULL"] = "NORMAL",
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._retention_s = retention_s
        self._max_bytes = max_bytes
        self._prune_every_s = prune_every_s
        self._conn = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None)
        self._conn.execute("PRAGMA auto_vacuum=INCREMENTAL")  # takes effect on a new file
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(f"PRAGMA synchronous={synchronous}")
        self._conn.executescript(_SCHEMA + audit_pairs.SCHEMA)
        audit_pairs.migrate(self._conn)
        self._lock = threading.Lock()
        self._corrected_version: object = None  # the corrections whose keys the page query leaves out
        self.commits = 0  # transactions written (each holds every request that was waiting)
        # The pair index's counts since its last flush (``audit_pairs``): written at most once a
        # second, and before every read, so a warm request pays a dict update, not an upsert per pair.
        self._pending_pairs: dict[tuple[Any, ...], list[Any]] = {}
        self._pairs_flushed = time.monotonic()
        self._queue: queue.SimpleQueue[tuple[AuditEntry, asyncio.AbstractEventLoop, asyncio.Future[None]] | None]
        self._queue = queue.SimpleQueue()
        self.prune()
        self._writer = threading.Thread(target=self._write_loop, name="audit-writer", daemon=True)
        self._writer.start()

    async def record(self, entry: AuditEntry) -> None:
        """Returns once the entry is committed (raises if the write failed)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._queue.put((entry, loop, done))
        await done

    # ---- the writer thread --------------------------------------------------------------------
    def _write_loop(self) -> None:
        next_prune = time.monotonic() + self._prune_every_s
        while True:
            batch = []
            wake = min(next_prune, self._pairs_flushed + audit_pairs.FLUSH_S) if self._pending_pairs else next_prune
            try:
                batch.append(self._queue.get(timeout=max(wake - time.monotonic(), 0.01)))
            except queue.Empty:
                pass  # nothing to write: time to prune
            while True:  # everything waiting now goes into one transaction
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            entries = [b for b in batch if b is not None]
            if entries:
                self._commit(entries)
            due = time.monotonic() - self._pairs_flushed >= audit_pairs.FLUSH_S
            if self._pending_pairs and (None in batch or due):
                self._flush_pairs_logged()
            if None in batch:  # close() was called
                return
            if time.monotonic() >= next_prune:
                self._prune_logged()
                next_prune = time.monotonic() + self._prune_every_s

    def _commit(self, batch: list[tuple[AuditEntry, asyncio.AbstractEventLoop, asyncio.Future[None]]]) -> None:
        rows = [
            (
                e.request_id,
                e.created_at,
                e.endpoint,
                e.run,
                e.judge,
                e.taxonomy,
                len(e.verdict),
                orjson.dumps(e.columns()),
            )
            for e, _, _ in batch
        ]
        error: Exception | None = None
        try:
            with self._lock:
                self._conn.execute("BEGIN")
                try:
                    self._conn.executemany("INSERT INTO requests VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
                self.commits += 1
                for e, _, _ in batch:  # the queue's index: counted now, written by the next flush
                    audit_pairs.count(self._pending_pairs, e)
        except Exception as exc:
            error = exc
        for _, loop, done in batch:
            loop.call_soon_threadsafe(_settle, done, error)

    def _flush_pairs(self) -> None:
        """Write the pair index's pending counts (under the lock): one upsert per pair since the last."""
        rows = audit_pairs.rows(self._pending_pairs)
        self._pending_pairs.clear()
        self._pairs_flushed = time.monotonic()
        if rows:
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany(audit_pairs.UPSERT, rows)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _flush_pairs_logged(self) -> None:
        try:
            with self._lock:
                self._flush_pairs()
        except Exception as exc:  # derived data: the requests are committed; the index misses these counts
            log.warning("audit log: the review queue's pair index was not updated: %s", exc)

    def _prune_logged(self) -> None:
        try:
            self.prune()
        except Exception as exc:  # retention is housekeeping: it must not stop the writer
            log.warning("audit log pruning failed: %s", exc)

    def prune(self, now: float | None = None) -> int:
        """Apply the retention settings; returns how many requests were deleted."""
        now = time.time() if now is None else now
        deleted = 0
        with self._lock:
            if self._retention_s is not None:
                deleted += self._conn.execute(
                    "DELETE FROM requests WHERE created_at < ?", (now - self._retention_s,)
                ).rowcount
                oldest_day = int((now - self._retention_s) // audit_pairs.DAY_S)
                self._conn.execute("DELETE FROM review_pairs WHERE day < ?", (oldest_day,))
            if self._max_bytes is not None:
                total = self._conn.execute("SELECT COALESCE(SUM(length(items)), 0) FROM requests").fetchone()[0]
                if total > self._max_bytes:
                    # the oldest requests whose removal brings the total under the bound
                    cut = self._conn.execute(
                        "SELECT created_at FROM (SELECT created_at, SUM(length(items)) OVER (ORDER BY created_at DESC)"
                        " AS newer FROM requests) WHERE newer > ? ORDER BY created_at DESC LIMIT 1",
                        (self._max_bytes,),
                    ).fetchone()
                    if cut is not None:
                        deleted += self._conn.execute("DELETE FROM requests WHERE created_at <= ?", cut).rowcount
                        self._conn.execute("DELETE FROM review_pairs WHERE last_seen <= ?", cut)
            if deleted:
                self._conn.execute("PRAGMA incremental_vacuum")
        return deleted

    # ---- reading ----------------------------------------------------------------------------------
    def read(self, request_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT request_id, created_at, endpoint, run, judge, taxonomy, items FROM requests"
                " WHERE request_id = ?",
                (request_id,),
            ).fetchone()
        if row is None:
            return None
        request_id, created_at, endpoint, run, judge, taxonomy, blob = row
        columns = orjson.loads(blob)
        count = len(columns["verdict"])
        ids, taxonomies = columns["ids"] or [None] * count, columns["taxonomies"] or [None] * count
        verdicts = [audit_pairs.verdict_fields(v, VERDICT_FIELDS) for v in columns["verdicts"]]
        rows = zip(columns["ground_truths"], columns["predictions"], columns["verdict"], strict=True)
        items = [
            {"id": ids[i], "ground_truth": t, "prediction": p, "taxonomy": taxonomies[i], **verdicts[v]}
            for i, (t, p, v) in enumerate(rows)
        ]
        return {
            "request_id": request_id,
            "created_at": created_at,
            "endpoint": endpoint,
            "run": run,
            "judge": judge,
            "taxonomy": taxonomy,
            "items": items,
        }

    def review_page(
        self,
        *,
        corrected: Iterable[tuple[str, str, str | None]],
        corrections_version: object,
        since: float = 0.0,
        run: str | None = None,
        taxonomy: str | None = None,
        category: str | None = None,
        default_taxonomy: str | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> tuple[int, list[dict[str, Any]]]:
        """The judge's review queue, ordered and cut in SQL (``audit_pairs.page``): its size and one
        page, the pairs whose keys are in ``corrected`` left out (refreshed when the version changes)."""
        with self._lock:
            self._flush_pairs()  # what the writer counted since its last flush
            if corrections_version != self._corrected_version:
                audit_pairs.set_corrected(self._conn, corrected)
                self._corrected_version = corrections_version
            return audit_pairs.page(
                self._conn, since=since, run=run, taxonomy=taxonomy, category=category,
                default_taxonomy=default_taxonomy, offset=offset, limit=limit, fields=VERDICT_FIELDS,
            )  # fmt: skip

    def scan(self, *, since: float = 0.0, run: str | None = None, limit: int = 5000) -> list[dict[str, Any]]:
        """The latest ``limit`` requests since ``since`` (of ``run``), newest first, as ``read`` gives them."""
        query = "SELECT request_id FROM requests WHERE created_at >= ?" + (" AND run = ?" if run is not None else "")
        args: tuple[Any, ...] = (since, run) if run is not None else (since,)
        with self._lock:
            ids = [r[0] for r in self._conn.execute(query + " ORDER BY created_at DESC LIMIT ?", (*args, limit))]
        return [row for row in map(self.read, ids) if row is not None]

    def close(self) -> None:
        self._queue.put(None)
        self._writer.join(timeout=30)
        with self._lock:
            self._conn.close()


def _settle(done: asyncio.Future[None], error: Exception | None) -> None:
    if done.done():  # the waiting request was cancelled: the row is written all the same
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)
