"""What a correction costs as the history grows (issue 33, finding 5), side by side in one run.

For histories of 1k, 10k and 50k recorded changes (half of them still active), in the embedded
store (SQLite, as one replica holds it): the time to record one more correction and see it in
the book, as the service does it now (the book extended by the new change) and as it did before
(the whole history replayed per change, ``replay``); and an import of 2,000 lines, recorded
with one sync at the end (now) against one sync per line with a replay each (before).

    .venv/bin/python bench/corrections_cost.py
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from verifier_service.corrections import CorrectionsLog
from verifier_service.grading.corrections import replay
from verifier_service.store.shared_state import SQLiteState


def fields(n: int) -> dict[str, object]:
    return {"action": "set", "ground_truth": f"class {n % 500}", "prediction": f"answer {n}", "taxonomy": None,
            "category": "generic", "before": None, "who": "bench", "note": ""}  # fmt: skip


async def history(size: int, folder: Path) -> CorrectionsLog:
    state = SQLiteState(folder / f"state-{size}.db")
    log = CorrectionsLog(state, sync_interval_s=3600)
    for start in range(0, size, 1000):
        await log.record_many([fields(n) for n in range(start, min(size, start + 1000))])
    return log


async def main() -> None:
    print("| history (changes) | one correction now, ms | one correction before (replay), ms | ratio |")
    print("|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (1_000, 10_000, 50_000):
            log = await history(size, Path(tmp))
            now, before = [], []
            for n in range(20):
                started = time.perf_counter()
                await log.record(**fields(size + n))
                now.append(time.perf_counter() - started)
                started = time.perf_counter()
                replay(log.changes)  # what each new change cost on top before: the whole history again
                before.append(time.perf_counter() - started + now[-1])
            a, b = statistics.median(now) * 1000, statistics.median(before) * 1000
            print(f"| {size:,} | {a:.2f} | {b:.2f} | {b / a:.0f}x |")

        print()
        print("| import of 2,000 lines onto 10k changes | seconds |")
        print("|---|---:|")
        (Path(tmp) / "import").mkdir()
        log = await history(10_000, Path(tmp) / "import")
        started = time.perf_counter()
        await log.record_many([fields(20_000 + n) for n in range(2_000)])
        print(f"| now: appended in order, one sync | {time.perf_counter() - started:.2f} |")
        started = time.perf_counter()
        for n in range(2_000):  # before: a sync per line, each replaying the whole history
            await log.record(**fields(30_000 + n))
            replay(log.changes)
        print(f"| before: one sync and one replay per line | {time.perf_counter() - started:.2f} |")


if __name__ == "__main__":
    asyncio.run(main())
