"""A warm batch: what the service costs once every grade is cached (issue 15).

The workload is one GRPO step of the method: 256 samples x 10 rollouts = 2,560 items over the
six benchmark domains (``workload.py``, seeded), every item parsed. The service runs as
``verifier serve`` in its own process with its defaults (bundled taxonomies, audit log on),
behind an instant fake judge (``fake_judge.py``), with the SQLite cache or Redis. After one
cold request (which fills the caches, and whose judge pairs are counted) the same batch is
sent 30 times in a row by each of 1 or 4 clients (each in a process of its own), through
``/grade`` (each item naming its taxonomy) and through ``/api/v1/classify/standard``.

Printed per configuration: p50 / p99 latency, items/s, the service's CPU per request, and the
in-run floor: the time this machine takes to parse the same request body and serialise the
same response with orjson, the fastest JSON library the service uses. The ratio p50 / floor
is the figure to drive down.

    cd bench && ../.venv/bin/python warm_batch.py [--requests 30]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import orjson
import psutil
from servers import RedisServer, fake_judge_settings, start_fake_judge, start_verifier
from workload import DESCRIPTIONS, generate

from trainer_client.extraction import extract_answer


def step_items(seed: int = 0) -> list[tuple[str, str, str]]:
    """(ground truth, answer, taxonomy) for one step; an unparseable rollout answers a description instead."""
    items = []
    for n, rollout in enumerate(generate(256, 10, seed)):
        answer = extract_answer(rollout.completion) or DESCRIPTIONS[n % len(DESCRIPTIONS)]
        items.append((rollout.ground_truth, answer, rollout.domain))
    return items


def grade_body(items: list[tuple[str, str, str]]) -> bytes:
    return orjson.dumps({"items": [{"ground_truth": t, "prediction": p, "taxonomy": d} for t, p, d in items]})


def classify_body(items: list[tuple[str, str, str]]) -> bytes:
    return orjson.dumps({"ground_truths": [t for t, _, _ in items], "predictions": [p for _, p, _ in items]})


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def client(url: str, path: str, body: bytes, requests: int) -> list[float]:
    """One client in its own process: ``requests`` sequential requests, latencies in ms."""
    latencies = []
    with httpx.Client(base_url=url, timeout=120, headers={"content-type": "application/json"}) as http:
        for _ in range(requests):
            started = time.perf_counter()
            response = http.post(path, content=body)
            orjson.loads(response.content)
            latencies.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text[:300]
    return latencies


def floor_ms(body: bytes, response: bytes, rounds: int = 30) -> float:
    """p50 of: parse the request body, and serialise the response, with orjson."""
    parsed_response = orjson.loads(response)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        orjson.loads(body)
        orjson.dumps(parsed_response)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(
    url: str, process: psutil.Process, path: str, body: bytes, items: int, clients: int, requests: int, rounds: int
) -> dict:
    """``rounds`` rounds of ``clients`` clients x ``requests`` requests; p50 and items/s are the
    median over rounds (this machine is a VM: one round can be slowed by its neighbours)."""
    p50s, rates, cpu, latencies = [], [], 0.0, []
    with multiprocessing.Pool(clients) as pool:
        for _ in range(rounds):
            cpu_before = sum(process.cpu_times()[:2])
            started = time.perf_counter()
            results = pool.starmap(client, [(url, path, body, requests)] * clients)
            wall = time.perf_counter() - started
            cpu += sum(process.cpu_times()[:2]) - cpu_before
            round_latencies = [ms for result in results for ms in result]
            latencies += round_latencies
            p50s.append(statistics.median(round_latencies))
            rates.append(len(round_latencies) * items / wall)
    return {
        "p50": statistics.median(p50s),
        "p99": percentile(latencies, 99),
        "items_per_s": statistics.median(rates),
        "cpu_ms": cpu * 1000 / len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=30, help="sequential requests per client and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per configuration (the median p50 is shown)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    items = step_items(args.seed)
    bodies = {"/grade": grade_body(items), "/api/v1/classify/standard": classify_body(items)}
    unique = len({(t, p) for t, p, _ in items})
    print(
        f"one step: {len(items)} items, {unique} unique (ground truth, answer) pairs; "
        f"{args.requests} requests per client"
    )
    header = f"{'cache':<8}{'route':<28}{'clients':>8}{'p50 ms':>9}{'p99 ms':>9}{'items/s':>10}{'CPU ms/req':>12}"
    rows, cold = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        judge, judge_url = start_fake_judge(tmpdir)
        redis = RedisServer(tmpdir).start()
        try:
            for cache in ("sqlite", "redis"):
                env = {
                    **fake_judge_settings(judge_url),
                    "VERIFIER_JUDGES__FAKE__POLICY__MAX_CONCURRENCY": "64",
                    "VERIFIER_CACHE": cache,
                    "VERIFIER_REDIS_URL": redis.url,
                }
                run_dir = tmpdir / cache
                run_dir.mkdir()
                server, url = start_verifier(run_dir, env)
                try:
                    process = psutil.Process(server.pid)
                    for path, body in bodies.items():
                        before = httpx.get(f"{judge_url}/pairs").json()["pairs"]
                        response = httpx.post(
                            url + path, content=body, timeout=600, headers={"content-type": "application/json"}
                        )
                        assert response.status_code == 200, response.text[:300]
                        cold.setdefault(path, httpx.get(f"{judge_url}/pairs").json()["pairs"] - before)
                        floor = floor_ms(body, response.content)
                        for clients in (1, 4):
                            result = run(url, process, path, body, len(items), clients, args.requests, args.rounds)
                            rows.append((cache, path, clients, result, floor))
                finally:
                    server.stop()
        finally:
            judge.stop()
            redis.stop()
    print(header + f"{'floor ms':>10}{'p50/floor':>11}")
    for cache, path, clients, r, floor in rows:
        print(
            f"{cache:<8}{path:<28}{clients:>8}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['items_per_s']:>10,.0f}"
            f"{r['cpu_ms']:>12.1f}{floor:>10.2f}{r['p50'] / floor:>11.1f}"
        )
    print(
        "cold step, pairs sent to the judge (the original design sends every unique pair: "
        f"{unique}): " + ", ".join(f"{path} {n} ({n / unique:.2f}x)" for path, n in cold.items())
    )


if __name__ == "__main__":
    main()
