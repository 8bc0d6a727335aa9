"""A repeatable load test: many concurrent clients against a running verifier, bounded in time.

Each client sends GRPO-like requests (seeded workload, ``workload.py``) for ``--seconds``;
printed: throughput (requests and items per second), request latency p50/p99, and errors
(HTTP errors and items that came back without a grade). Only loopback addresses are used.

    .venv/bin/python bench/load.py --clients 16 --seconds 20 --batch 320

Without ``--url`` it starts ``verifier serve`` (bundled taxonomies, embedded cache, no judge:
pairs that need one come back ``no_judge`` and count as ungraded, not as errors).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from servers import start_verifier
from step_cost import percentile
from workload import generate

from trainer_client.extraction import extract_answer


async def run(url: str, clients: int, seconds: float, batch: int, seed: int) -> None:
    rollouts = [r for r in generate(200, 10, seed) if extract_answer(r.completion)]
    bodies = []
    rng = random.Random(seed)
    for _ in range(64):
        chosen = rng.sample(rollouts, batch)
        bodies.append(
            {
                "items": [
                    {"ground_truth": r.ground_truth, "prediction": extract_answer(r.completion), "taxonomy": r.domain}
                    for r in chosen
                ]
            }
        )
    latencies: list[float] = []
    http_errors: Counter = Counter()
    statuses: Counter = Counter()
    deadline = time.monotonic() + seconds

    async def client(index: int) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            n = index
            while time.monotonic() < deadline:
                body = bodies[n % len(bodies)]
                n += clients
                started = time.perf_counter()
                try:
                    response = await http.post("/grade", json=body)
                except httpx.HTTPError as exc:
                    http_errors[type(exc).__name__] += 1
                    continue
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    http_errors[str(response.status_code)] += 1
                    continue
                statuses.update(g["status"] for g in response.json()["grades"])

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    wall = time.perf_counter() - started
    items = sum(statuses.values())
    print(f"{clients} clients x {seconds:.0f} s, {batch} items per request")
    print(f"  requests/s {len(latencies) / wall:8.1f}   items/s {items / wall:10.0f}")
    print(
        f"  latency p50 {1000 * percentile(latencies, 0.5):7.1f} ms   p99 {1000 * percentile(latencies, 0.99):7.1f} ms"
    )
    print(f"  HTTP errors: {dict(http_errors) or 0}   item statuses: {dict(statuses)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running verifier (default: start one)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--batch", type=int, default=320)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.url:
        asyncio.run(run(args.url, args.clients, args.seconds, args.batch, args.seed))
        return
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start_verifier(Path(tmp), {})
        try:
            asyncio.run(run(url, args.clients, args.seconds, args.batch, args.seed))
        finally:
            process.stop()


if __name__ == "__main__":
    main()
