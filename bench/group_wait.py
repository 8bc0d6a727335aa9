"""Rollouts arriving one at a time at production scale (issue 32), side by side in one run.

The method's step: 256 prompts x 10 rollouts = 2,560 rollouts, each sent alone to
``POST /groups/rollouts`` at a random moment within ``--spread`` seconds (60 by default), each
call held open until its group is complete (as verl's reward workers do). Against one replica
(``verifier serve``, its defaults but for the settings named below), then through nginx with
the shipped ``deploy/nginx/verifier.conf`` (its addresses made local). Answers settle by the rules
(an answer equal to its ground truth), so no judge is needed and what is measured is the waiting.

Printed: calls answered and how; how long after its group's last rollout was sent each reward
was known (p50, p99, max); the most calls waiting at once; the replica's memory (RSS) idle and
at that peak, and its CPU over the run, per waiting call; and the same 2,560 rollouts as one
``/grade`` batch, for scale.

    .venv/bin/python bench/group_wait.py [--spread 60] [--no-nginx]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from servers import free_port, start_verifier  # noqa: E402
from support.scale_out import nginx_conf  # noqa: E402

PROMPTS, N = 256, 10


def plan(spread: float, seed: int = 7) -> list[tuple[float, str, int]]:
    """(send at, group, rollout index) for every rollout, in sending order."""
    rng = random.Random(seed)
    sends = [(rng.uniform(0, spread), f"sample-{p}", i) for p in range(PROMPTS) for i in range(N)]
    return sorted(sends)


async def run(url: str, spread: float, server: psutil.Process) -> dict[str, object]:
    sends = plan(spread)
    last_sent = {}
    answered: dict[tuple[str, int], float] = {}
    statuses: dict[str, int] = {}
    waiting = peak_waiting = 0
    peak_rss = server.memory_info().rss
    cpu_before = server.cpu_times()
    limits = httpx.Limits(max_connections=PROMPTS * N, max_keepalive_connections=PROMPTS * N)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=300) as http:

        async def one(at: float, group: str, index: int, start: float) -> None:
            nonlocal waiting, peak_waiting, peak_rss
            await asyncio.sleep(max(0.0, start + at - time.monotonic()))
            last_sent[group] = max(last_sent.get(group, 0.0), time.monotonic())
            waiting += 1
            peak_waiting = max(peak_waiting, waiting)
            truth = f"class {group}"
            body = {"rollouts": [{"group": group, "group_size": N, "rollout": index, "ground_truth": truth,
                                  "answer": truth if index % 3 else "I don't know"}], "wait_s": 120}  # fmt: skip
            try:
                answer = await http.post("/groups/rollouts", json=body)
                key = str(answer.status_code) if answer.status_code != 200 else answer.json()["rewards"][0]["status"]
            except httpx.HTTPError as exc:
                key = type(exc).__name__
            waiting -= 1
            statuses[key] = statuses.get(key, 0) + 1
            answered[(group, index)] = time.monotonic()

        async def watch_memory() -> None:
            nonlocal peak_rss
            while len(answered) < len(sends):
                peak_rss = max(peak_rss, server.memory_info().rss)
                await asyncio.sleep(0.2)

        start = time.monotonic()
        watcher = asyncio.create_task(watch_memory())
        await asyncio.gather(*(one(at, group, index, start) for at, group, index in sends))
        await watcher
    cpu_after = server.cpu_times()
    delays = sorted(answered[(g, i)] - last_sent[g] for g, i in answered)
    return {
        "statuses": statuses,
        "p50_s": statistics.median(delays),
        "p99_s": delays[int(len(delays) * 0.99) - 1],
        "max_s": delays[-1],
        "peak_waiting": peak_waiting,
        "peak_rss_mb": peak_rss / 2**20,
        "cpu_s": (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system),
    }


async def one_batch(url: str, server: psutil.Process) -> tuple[float, float]:
    items = [{"ground_truth": f"class sample-{p}", "prediction": f"class sample-{p}" if i % 3 else "I don't know"}
             for p in range(PROMPTS) for i in range(N)]  # fmt: skip
    async with httpx.AsyncClient(base_url=url, timeout=300) as http:
        before = server.cpu_times()
        started = time.monotonic()
        answer = await http.post("/grade", json={"items": items})
        assert answer.status_code == 200, answer.text
        elapsed = time.monotonic() - started
        after = server.cpu_times()
    return elapsed, (after.user + after.system) - (before.user + before.system)


def report(name: str, found: dict[str, object], idle_mb: float) -> None:
    per_call_kb = (found["peak_rss_mb"] - idle_mb) * 1024 / max(1, found["peak_waiting"])
    print(
        f"| {name} | {found['statuses']} | {found['p50_s']:.2f} | {found['p99_s']:.2f} | {found['max_s']:.2f} | "
        f"{found['peak_waiting']} | {idle_mb:.0f} -> {found['peak_rss_mb']:.0f} ({per_call_kb:.0f} KiB per call) | "
        f"{found['cpu_s']:.1f} ({found['cpu_s'] * 1000 / (PROMPTS * N):.2f} ms per rollout) |"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spread", type=float, default=60.0)
    parser.add_argument("--no-nginx", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server, url = start_verifier(work, {"VERIFIER_GROUP_POLL_S": "0.1"})
        try:
            process = psutil.Process(server.process.pid)
            idle_mb = process.memory_info().rss / 2**20
            print("| path | answers | after the group's last rollout p50 s | p99 s | max s | most waiting | RSS MiB |"
                  " replica CPU s |")  # fmt: skip
            print("|---|---|---:|---:|---:|---:|---|---|")
            report("one replica", await run(url, args.spread, process), idle_mb)
            nginx = shutil.which("nginx") or "/usr/sbin/nginx"
            if not args.no_nginx and Path(nginx).exists():
                port = free_port()
                conf = nginx_conf([int(url.rsplit(":", 1)[1])], port, work / "nginx")
                proxy = subprocess.Popen([nginx, "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.DEVNULL)
                try:
                    time.sleep(1.0)
                    idle_mb = process.memory_info().rss / 2**20
                    report("through nginx (shipped conf)", await run(f"http://127.0.0.1:{port}", args.spread, process),
                           idle_mb)  # fmt: skip
                finally:
                    proxy.terminate()
                    proxy.wait(timeout=10)
            elapsed, cpu = await one_batch(url, process)
            print(f"\nThe same {PROMPTS * N} rollouts as one /grade batch: {elapsed:.2f} s, replica CPU {cpu:.2f} s")
        finally:
            server.stop()


if __name__ == "__main__":
    asyncio.run(main())
