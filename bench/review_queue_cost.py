"""A review-queue page against audit logs of 1k, 100k and 1M items (issue 33, finding 4), side by
side in one run: the judge's queue (the default, read from the audit's pair index) and the same
queue of one source (``source=judge``: a scan of the latest requests), with the longest
``/healthz`` answer while each page was being built (a thread polls it every 10 ms).

Each audit log is written with the service's own ``AuditLog`` (its index maintained as in
service): requests of 2,560 items (a GRPO step), 10% of them judged, their pairs drawn from a
pool that grows with the log (one distinct judged pair per 40 items), then ``verifier serve``
runs on it.

    .venv/bin/python bench/review_queue_cost.py [--sizes 1000 100000 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import start_verifier  # noqa: E402

from verifier_service.store.audit import AuditEntry, AuditLog  # noqa: E402

STEP = 2560
RULE = ("ok", "wrong", "rule", "several options", None, None, None)


def write_log(path: Path, items: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    pool = max(10, items // 40)
    log = AuditLog(path)

    async def write() -> None:
        now = time.time()
        for n in range(max(1, items // STEP)):
            size = min(STEP, items)
            truths, predictions, verdicts, verdict = [], [], [RULE], []
            for _ in range(size):
                if rng.random() < 0.1:
                    k = rng.randrange(pool)
                    p = rng.random()
                    verdicts.append(("ok", "generic", "judge", "unknown prediction", None,
                                     {"generic": round(p, 2), "wrong": round(1 - p, 2)}, None))  # fmt: skip
                    truths.append(f"class {k % 200}")
                    predictions.append(f"description {k}")
                    verdict.append(len(verdicts) - 1)
                else:
                    truths.append("class 0")
                    predictions.append("class 0 or class 1")
                    verdict.append(0)
            entry = AuditEntry(f"r{n}", "grade", f"run-{n % 3}", "j", None, truths, predictions, verdicts, verdict,
                               created_at=now - (items // STEP - n))  # fmt: skip
            await log.record(entry)

    asyncio.run(write())
    log.close()


def page(url: str, params: dict[str, str]) -> tuple[float, float]:
    """The page's latency (median of 3) and the longest /healthz answer meanwhile."""
    longest, stop = [0.0], threading.Event()

    def poll() -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            while not stop.is_set():
                started = time.perf_counter()
                http.get("/healthz")
                longest[0] = max(longest[0], time.perf_counter() - started)
                time.sleep(0.01)

    poller = threading.Thread(target=poll)
    poller.start()
    times = []
    with httpx.Client(base_url=url, timeout=600) as http:
        for _ in range(3):
            started = time.perf_counter()
            answer = http.get("/review-queue", params={"limit": "20", **params})
            assert answer.status_code == 200, answer.text
            times.append(time.perf_counter() - started)
    stop.set()
    poller.join()
    return statistics.median(times), longest[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000, 1_000_000])
    args = parser.parse_args()
    print("| audited items | queue page (pair index) s | /healthz max meanwhile s | one source (scan) s |"
          " /healthz max meanwhile s |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|")
    for items in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            write_log(work / "data" / "audit.db", items)
            server, url = start_verifier(work, {})
            try:
                indexed, indexed_health = page(url, {})
                scanned, scanned_health = page(url, {"source": "judge"})
            finally:
                server.stop()
        print(f"| {items:,} | {indexed:.3f} | {indexed_health:.3f} | {scanned:.3f} | {scanned_health:.3f} |")


if __name__ == "__main__":
    main()
