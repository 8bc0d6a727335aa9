"""The audit log: every item of every answered request, as the client received it.

One SQLite table in the data directory. Writes happen after grading and before the answer
is sent, in a worker thread; a failing audit write is logged and counted, never fails the
request (the grades are the product, the audit its record).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    request_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at REAL NOT NULL,
    run TEXT,
    item_id TEXT,
    ground_truth TEXT NOT NULL,
    prediction TEXT NOT NULL,
    taxonomy TEXT,
    judge TEXT,
    status TEXT NOT NULL,
    category TEXT,
    source TEXT,
    error TEXT,
    PRIMARY KEY (request_id, position)
)
"""


@dataclass(frozen=True)
class AuditRecord:
    position: int
    item_id: str | None
    ground_truth: str
    prediction: str
    taxonomy: str | None
    status: str
    category: str | None
    source: str | None
    error: str | None


class AuditLog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        with self._lock, self._conn:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(_SCHEMA)

    def _write(self, request_id: str, run: str | None, judge: str | None, records: Sequence[AuditRecord]) -> None:
        now = time.time()
        rows = [
            (
                request_id,
                r.position,
                now,
                run,
                r.item_id,
                r.ground_truth,
                r.prediction,
                r.taxonomy,
                judge,
                r.status,
                r.category,
                r.source,
                r.error,
            )
            for r in records
        ]
        with self._lock, self._conn:
            self._conn.executemany("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    async def record(self, request_id: str, run: str | None, judge: str | None, records: Sequence[AuditRecord]) -> None:
        await asyncio.to_thread(self._write, request_id, run, judge, list(records))

    def read(self, request_id: str) -> list[dict]:
        with self._lock:
            cursor = self._conn.execute("SELECT * FROM audit WHERE request_id = ? ORDER BY position", (request_id,))
            columns = [c[0] for c in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def item_id_text(item_id: object) -> str | None:
    return None if item_id is None else json.dumps(item_id)
