"""The embedded grade cache: one SQLite file in the data directory.

SQLite calls are short and run in a worker thread so the event loop never blocks on
disk. WAL mode lets several service processes on one machine share the file.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from verifier_service.grading.categories import Category
from verifier_service.grading.types import Judgement

_SCHEMA = """
CREATE TABLE IF NOT EXISTS grades (
    key TEXT PRIMARY KEY,
    category TEXT NOT NULL,
    probabilities TEXT,
    created_at REAL NOT NULL
)
"""
# SQLite's default limit on host parameters in one statement is 32766 (999 before 3.32).
_CHUNK = 900


class SQLiteGradeCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        with self._lock, self._conn:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(_SCHEMA)

    def _get_many(self, keys: Sequence[str]) -> dict[str, Judgement]:
        found: dict[str, Judgement] = {}
        with self._lock:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT key, category, probabilities FROM grades WHERE key IN ({marks})", chunk
                ).fetchall()
                for key, category, probabilities in rows:
                    found[key] = Judgement(Category(category), json.loads(probabilities) if probabilities else None)
        return found

    def _put_many(self, entries: Mapping[str, Judgement]) -> None:
        now = time.time()
        rows = [
            (
                key,
                judgement.category.value,
                json.dumps(dict(judgement.probabilities)) if judgement.probabilities is not None else None,
                now,
            )
            for key, judgement in entries.items()
        ]
        with self._lock, self._conn:
            self._conn.executemany("INSERT OR REPLACE INTO grades VALUES (?, ?, ?, ?)", rows)

    def _ping(self) -> None:
        with self._lock:
            self._conn.execute("SELECT 1 FROM grades LIMIT 1").fetchall()

    async def get_many(self, keys: Sequence[str]) -> dict[str, Judgement]:
        return await asyncio.to_thread(self._get_many, list(keys))

    async def put_many(self, entries: Mapping[str, Judgement]) -> None:
        await asyncio.to_thread(self._put_many, dict(entries))

    async def check_ready(self) -> None:
        await asyncio.to_thread(self._ping)

    async def aclose(self) -> None:
        with self._lock:
            self._conn.close()

    def count(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM grades").fetchone()[0]
