"""The audit log's judged pairs, kept as it is written: a review-queue page costs its window's distinct pairs.

One row per (pair as sent, run, day): how many items the pair graded that day in that run, and its
latest verdict. Counted by the audit writer as it commits requests (``AuditLog._commit``) and
written at most once a second and before every read (derived data: a crash loses at most the last
second's counts, never a request), only for items
the judge graded (afresh or from the cache) or failed: the queue's default view; a queue of one
source alone, or of rule or taxonomy grades, scans the log instead. Read back as requests shaped
for ``review_queue.build_queue``, one per row, newest first, each item carrying its ``count``: the
queue's filters and order stay that function's. The window counts whole days (UTC), so it may
reach up to a day further back than ``since``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import orjson

SCHEMA = """
CREATE TABLE IF NOT EXISTS judged_pairs (
    ground_truth TEXT NOT NULL,
    prediction TEXT NOT NULL,
    taxonomy TEXT NOT NULL,  -- the item's or the request's; '' for the service's default
    run TEXT NOT NULL,  -- '' for none
    day INTEGER NOT NULL,
    verdict BLOB NOT NULL,  -- the latest: VERDICT_FIELDS as a JSON list
    items INTEGER NOT NULL,
    last_seen REAL NOT NULL,
    PRIMARY KEY (ground_truth, prediction, taxonomy, run, day)
);
CREATE INDEX IF NOT EXISTS judged_pairs_by_day ON judged_pairs (day);
"""

UPSERT = """
INSERT INTO judged_pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (ground_truth, prediction, taxonomy, run, day) DO UPDATE SET
    items = items + excluded.items,
    verdict = CASE WHEN excluded.last_seen >= last_seen THEN excluded.verdict ELSE verdict END,
    last_seen = MAX(last_seen, excluded.last_seen)
"""

_JUDGED_SOURCES = ("judge", "cache")
DAY_S = 86400
FLUSH_S = 1.0  # pending counts are written at most this often (and before every read)


def count(pending: dict[tuple[Any, ...], list[Any]], entry: Any) -> None:
    """Fold an ``AuditEntry``'s judged items into ``pending`` (key -> [verdict, items, last_seen]),
    as the upsert would: one pass over the items, the verdict serialised only when flushed."""
    judged = [v[2] in _JUDGED_SOURCES or v[0] == "judge_error" for v in entry.verdicts]  # (status, _, source, ...)
    if not any(judged):
        return
    day, run, seen, tree = int(entry.created_at // DAY_S), entry.run or "", entry.created_at, entry.taxonomy or ""
    taxonomies = entry.taxonomies or [None] * len(entry.verdict)
    columns = (entry.ground_truths, entry.predictions, entry.verdict, taxonomies)
    for truth, prediction, index, own in zip(*columns, strict=True):
        if judged[index]:
            key = (truth, prediction, own or tree, run, day)
            found = pending.get(key)
            if found is None:
                pending[key] = [entry.verdicts[index], 1, seen]
            else:
                if seen >= found[2]:
                    found[0], found[2] = entry.verdicts[index], seen
                found[1] += 1


def rows(pending: dict[tuple[Any, ...], list[Any]]) -> list[tuple[Any, ...]]:
    """``pending`` as upsert rows."""
    return [(*key, orjson.dumps(list(verdict)), n, seen) for key, (verdict, n, seen) in pending.items()]


def read(conn: sqlite3.Connection, *, since: float, run: str | None, fields: Sequence[str]) -> list[dict[str, Any]]:
    """The pairs of the window as ``build_queue`` requests, newest first (its first verdict is the latest)."""
    query = (
        "SELECT ground_truth, prediction, taxonomy, run, verdict, SUM(items), MAX(last_seen) FROM judged_pairs "
        "WHERE day >= ?" + (" AND run = ?" if run is not None else "") + " GROUP BY ground_truth, prediction, "
        "taxonomy, run ORDER BY MAX(last_seen) DESC"
    )  # SQLite: the bare column ``verdict`` comes from the row of MAX(last_seen)
    first_day = int(max(since, 0.0) // DAY_S)  # a window reaching before 1970 (a huge since_s) is everything
    args: tuple[Any, ...] = (first_day, run) if run is not None else (first_day,)
    found = []
    for truth, prediction, taxonomy, row_run, verdict, items, last_seen in conn.execute(query, args):
        values = orjson.loads(verdict)
        values += [None] * (len(fields) - len(values))
        item = {"ground_truth": truth, "prediction": prediction, "taxonomy": taxonomy or None, "count": items,
                **dict(zip(fields, values, strict=True))}  # fmt: skip
        found.append({"created_at": last_seen, "run": row_run or None, "taxonomy": None, "items": [item]})
    return found
