"""Does the largest batch stall the service? Health-check latency while it is graded.

``verifier serve`` runs in its own process with its defaults (bundled taxonomies, SQLite cache,
audit log on, no judge: pairs that need one come back ``no_judge``, so only the CPU work of
the service is measured). One client sends the largest batch the service accepts
(``max_items_per_request`` items, each a unique one-word prediction of ``max_label_chars``
characters: the worst case for per-item work), several times in a row; another probes
``/healthz`` every 10 ms the whole time. Printed: the probes' p50 / p99 / max latency while a
big batch is in flight, beside the same probes on an idle service, and the batch latency.

    cd bench && ../.venv/bin/python stall.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import string
import tempfile
import time
from pathlib import Path

import httpx
import orjson
from servers import start_verifier

ALPHABETS = {
    "ascii": string.ascii_lowercase,
    # Latin mixed with Cyrillic and Greek look-alikes: every word goes through the Unicode defences
    "mixed-script": string.ascii_lowercase + "аеорсухіјѕԁɡοτνυ",
}


def worst_case_batch(size: int, length: int, alphabet: str, seed: int) -> bytes:
    rng = random.Random(seed)
    words = ("".join(rng.choice(alphabet) for _ in range(length)) for _ in range(size))
    items = [{"ground_truth": "Golden-winged Warbler", "prediction": w, "taxonomy": "cub-200"} for w in words]
    return orjson.dumps({"items": items})


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def probe(url: str, stop, latencies) -> None:
    """In a process of its own: a thread beside the big client would wait for its GIL, not for the service."""
    with httpx.Client(base_url=url, timeout=30) as http:
        while not stop.is_set():
            started = time.perf_counter()
            http.get("/healthz")
            latencies.append((time.perf_counter() - started) * 1000)
            time.sleep(0.01)


def probing(url: str, work) -> list[float]:
    """Probe latencies (ms) while ``work()`` runs."""
    with multiprocessing.Manager() as manager:
        stop, latencies = manager.Event(), manager.list()
        prober = multiprocessing.Process(target=probe, args=(url, stop, latencies))
        prober.start()
        time.sleep(0.2)
        work()
        stop.set()
        prober.join()
        return list(latencies)


def measure(url: str, batches: list[bytes]) -> tuple[list[float], list[float]]:
    """(probe latencies during the batches, batch latencies), in ms."""
    batch_ms: list[float] = []

    def send() -> None:
        with httpx.Client(base_url=url, timeout=600, headers={"content-type": "application/json"}) as http:
            for body in batches:
                started = time.perf_counter()
                response = http.post("/grade", content=body)
                batch_ms.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text[:300]

    return probing(url, send), batch_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="big batches per alphabet")
    parser.add_argument("--items", type=int, default=16384, help="the service's max_items_per_request")
    parser.add_argument("--chars", type=int, default=512, help="the service's max_label_chars")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server, url = start_verifier(Path(tmp), {})
        try:
            idle = probing(url, lambda: time.sleep(2))
            print(f"largest batch: {args.items} items of {args.chars}-character unique words; /healthz every 10 ms")
            print(f"{'service state':<34}{'probes':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'batch s':>10}")
            p50, p99, worst = statistics.median(idle), percentile(idle, 99), max(idle)
            print(f"{'idle':<34}{len(idle):>8}{p50:>9.1f}{p99:>9.1f}{worst:>9.1f}{'':>10}")
            for name, alphabet in ALPHABETS.items():
                batches = [worst_case_batch(args.items, args.chars, alphabet, seed) for seed in range(args.rounds)]
                latencies, batch_ms = measure(url, batches)
                p50, p99, worst = statistics.median(latencies), percentile(latencies, 99), max(latencies)
                batch_s = statistics.median(batch_ms) / 1000
                print(f"{'grading, ' + name:<34}{len(latencies):>8}{p50:>9.1f}{p99:>9.1f}{worst:>9.1f}{batch_s:>10.2f}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
