"""The audit log's judged pairs, kept as it is written: a review-queue page is ordered and cut in SQL.

One row per (pair, taxonomy, run, day), the pair as corrections key it (``correction_key``: its
ground truth and prediction normalised): how many items it graded that day in that run, its latest
spelling and verdict, and what the queue orders by, the latest verdict's doubt (``review_doubt``)
and whether any verdict was overruled. Counted by the audit writer as it commits requests
(``AuditLog._commit``) and written at most once a second and before every read (derived data: a
crash loses at most the last second's counts, never a request), only for items the judge graded
(afresh or from the cache) or failed: the queue's default view; a queue of one source alone, or of
rule or taxonomy grades, scans the log instead.

A page (``page``) is one query: the window's rows grouped by pair (SQLite's bare columns of the
row of ``MAX(last_seen)``: the latest spelling and doubt), the pairs a person corrected left out
(a temporary table of the corrections' keys, refilled when their version changes), ordered by
doubt x items, cut to the page; then a read of each page pair's rows for its verdict and runs.
The window counts whole days (UTC), so it may reach up to a day further back than ``since``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from verifier_service.grading.corrections import correction_key
from verifier_service.review_doubt import doubt

SCHEMA = """
CREATE TABLE IF NOT EXISTS review_pairs (
    truth_key TEXT NOT NULL,  -- the pair as a correction keys it
    prediction_key TEXT NOT NULL,
    taxonomy TEXT NOT NULL,  -- the item's or the request's; '' for the service's default
    run TEXT NOT NULL,  -- '' for none
    day INTEGER NOT NULL,
    ground_truth TEXT NOT NULL,  -- the latest spelling
    prediction TEXT NOT NULL,
    category TEXT,  -- the latest verdict's (NULL: the judge failed)
    doubt REAL NOT NULL,  -- the latest verdict's
    overruled INTEGER NOT NULL,  -- 1 when any verdict was overruled by an escalation
    verdict BLOB NOT NULL,  -- the latest: VERDICT_FIELDS as a JSON list
    items INTEGER NOT NULL,
    last_seen REAL NOT NULL,
    PRIMARY KEY (truth_key, prediction_key, taxonomy, run, day)
);
CREATE INDEX IF NOT EXISTS review_pairs_by_day ON review_pairs (day);
"""

UPSERT = """
INSERT INTO review_pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (truth_key, prediction_key, taxonomy, run, day) DO UPDATE SET
    ground_truth = CASE WHEN excluded.last_seen >= last_seen THEN excluded.ground_truth ELSE ground_truth END,
    prediction = CASE WHEN excluded.last_seen >= last_seen THEN excluded.prediction ELSE prediction END,
    category = CASE WHEN excluded.last_seen >= last_seen THEN excluded.category ELSE category END,
    doubt = CASE WHEN excluded.last_seen >= last_seen THEN excluded.doubt ELSE doubt END,
    verdict = CASE WHEN excluded.last_seen >= last_seen THEN excluded.verdict ELSE verdict END,
    overruled = MAX(overruled, excluded.overruled),
    items = items + excluded.items,
    last_seen = MAX(last_seen, excluded.last_seen)
"""

_JUDGED_SOURCES = ("judge", "cache")
DAY_S = 86400
FLUSH_S = 1.0  # pending counts are written at most this often (and before every read)
_CATEGORY, _PROBABILITIES, _OVERRULED = 1, 5, 6  # places in a verdict (VERDICT_FIELDS)


def count(pending: dict[tuple[Any, ...], list[Any]], entry: Any) -> None:
    """Fold an ``AuditEntry``'s judged items into ``pending`` (key -> [verdict, items, last_seen,
    overruled]), as the upsert would: one pass over the items, the rest done when flushed."""
    judged = [v[2] in _JUDGED_SOURCES or v[0] == "judge_error" for v in entry.verdicts]  # (status, _, source, ...)
    if not any(judged):
        return
    day, run, seen, tree = int(entry.created_at // DAY_S), entry.run or "", entry.created_at, entry.taxonomy or ""
    taxonomies = entry.taxonomies or [None] * len(entry.verdict)
    columns = (entry.ground_truths, entry.predictions, entry.verdict, taxonomies)
    for truth, prediction, index, own in zip(*columns, strict=True):
        if judged[index]:
            key = (truth, prediction, own or tree, run, day)
            verdict = entry.verdicts[index]
            found = pending.get(key)
            if found is None:
                pending[key] = [verdict, 1, seen, _overruled(verdict)]
            else:
                if seen >= found[2]:
                    found[0], found[2] = verdict, seen
                found[1] += 1
                found[3] |= _overruled(verdict)


def rows(pending: dict[tuple[Any, ...], list[Any]]) -> list[tuple[Any, ...]]:
    """``pending`` as upsert rows: spellings of one corrections key merged, the latest kept."""
    merged: dict[tuple[Any, ...], list[Any]] = {}
    for (truth, prediction, tree, run, day), (verdict, items, seen, overruled) in pending.items():
        truth_key, prediction_key, _ = correction_key(truth, prediction, None)
        key = (truth_key, prediction_key, tree, run, day)
        found = merged.get(key)
        if found is None:
            merged[key] = [truth, prediction, verdict, items, seen, overruled]
        else:
            if seen >= found[4]:
                found[0], found[1], found[2], found[4] = truth, prediction, verdict, seen
            found[3] += items
            found[5] |= overruled
    return [_row(key, *values) for key, values in merged.items()]


def _row(key: tuple[Any, ...], truth: str, prediction: str, verdict: Sequence[Any], items: int, seen: float,
         overruled: int) -> tuple[Any, ...]:  # fmt: skip
    values = list(verdict) + [None] * (_OVERRULED + 1 - len(verdict))
    category = values[_CATEGORY]
    own = doubt(category, values[_PROBABILITIES], values[_OVERRULED])
    return (*key, truth, prediction, category, own, overruled, orjson.dumps(list(verdict)), items, seen)


def verdict_fields(values: Sequence[Any], fields: Sequence[str]) -> dict[str, Any]:
    """A stored verdict by field name; rows written before the later fields have ``None`` for them."""
    return dict(zip(fields, list(values) + [None] * (len(fields) - len(values)), strict=True))


def _overruled(verdict: Sequence[Any]) -> int:
    return int(len(verdict) > _OVERRULED and verdict[_OVERRULED] is not None)


def migrate(conn: sqlite3.Connection) -> None:
    """Rows of the former index (``judged_pairs``: keyed by the pair as sent, no doubt) moved here once."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'judged_pairs'").fetchone():
        return
    pending: dict[tuple[Any, ...], list[Any]] = {}
    for truth, prediction, tree, run, day, verdict, items, seen in conn.execute("SELECT * FROM judged_pairs"):
        values = orjson.loads(verdict)
        found = pending.setdefault((truth, prediction, tree, run, day), [values, 0, seen, 0])
        found[1] += items
        found[3] |= _overruled(values)
    conn.execute("BEGIN")
    conn.executemany(UPSERT, rows(pending))
    conn.execute("DROP TABLE judged_pairs")
    conn.execute("COMMIT")


_PAGE = """
WITH w AS (
    SELECT truth_key, prediction_key, CASE WHEN taxonomy = '' THEN :default ELSE taxonomy END AS tree,
           ground_truth, prediction, doubt, overruled, items, last_seen
    FROM review_pairs WHERE day >= :day {run} {category}
), g AS (
    SELECT truth_key, prediction_key, tree, ground_truth, prediction, doubt AS latest_doubt,
           SUM(items) AS n, MAX(last_seen) AS seen, SUM(overruled) AS overruled
    FROM w {taxonomy} GROUP BY truth_key, prediction_key, tree
)
SELECT truth_key, prediction_key, tree, ground_truth, prediction, n, seen,
       CASE WHEN overruled > 0 THEN 1.0 ELSE latest_doubt END AS d, COUNT(*) OVER () AS total
FROM g WHERE NOT EXISTS (SELECT 1 FROM temp.corrected c WHERE c.truth_key = g.truth_key
                         AND c.prediction_key = g.prediction_key AND c.taxonomy = g.tree)
ORDER BY d * n DESC, seen DESC, ground_truth, prediction, tree
LIMIT :limit OFFSET :offset
"""


def set_corrected(conn: sqlite3.Connection, keys: Iterable[tuple[str, str, str | None]]) -> None:
    """The corrections' keys, for pages to leave out (a temporary table of this connection)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS corrected (truth_key TEXT, prediction_key TEXT, taxonomy TEXT,"
                 " PRIMARY KEY (truth_key, prediction_key, taxonomy))")  # fmt: skip
    conn.execute("DELETE FROM temp.corrected")
    conn.executemany("INSERT OR IGNORE INTO temp.corrected VALUES (?, ?, ?)", ((t, p, x or "") for t, p, x in keys))


def page(
    conn: sqlite3.Connection,
    *,
    since: float,
    run: str | None,
    taxonomy: str | None,
    category: str | None,
    default_taxonomy: str | None,
    offset: int,
    limit: int,
    fields: Sequence[str],
) -> tuple[int, list[dict[str, Any]]]:
    """The queue's size and one page of it, most urgent first: each pair as a ``QueueItem``'s fields."""
    first_day = int(max(since, 0.0) // DAY_S)  # a window reaching before 1970 (a huge since_s) is everything
    args: dict[str, Any] = {"day": first_day, "default": default_taxonomy or "", "limit": limit, "offset": offset,
                            "run": run, "category": category, "taxonomy": taxonomy or ""}  # fmt: skip
    query = _PAGE.format(
        run="AND run = :run" if run is not None else "",
        category="AND category = :category" if category is not None else "",
        taxonomy="WHERE tree = :taxonomy" if taxonomy is not None else "",
    )
    found = conn.execute(query, args).fetchall()
    if not found:
        total = conn.execute(query.replace("LIMIT :limit OFFSET :offset", "LIMIT 1"), args).fetchall()
        return (total[0][-1] if total else 0), []
    items = []
    for truth_key, prediction_key, tree, truth, prediction, n, seen, _, _ in found:
        details = conn.execute(
            "SELECT run, verdict FROM review_pairs WHERE truth_key = ? AND prediction_key = ? AND day >= ?"
            " AND CASE WHEN taxonomy = '' THEN ? ELSE taxonomy END = ?"
            + (" AND run = ?" if run is not None else "") + (" AND category = ?" if category is not None else "")
            + " ORDER BY last_seen DESC",
            (truth_key, prediction_key, first_day, args["default"], tree,
             *((run,) if run is not None else ()), *((category,) if category is not None else ())),
        ).fetchall()  # fmt: skip
        verdicts = [orjson.loads(verdict) for _, verdict in details]
        latest = verdict_fields(verdicts[0], fields)
        overruled = next((v[_OVERRULED] for v in verdicts if _overruled(v)), None)
        items.append({**latest, "ground_truth": truth, "prediction": prediction, "taxonomy": tree or None,
                      "overruled": overruled, "items": n, "last_seen": seen,
                      "runs": sorted({r for r, _ in details if r})})  # fmt: skip
    return found[0][-1], items
