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

``--openrlhf`` adds a leg through OpenRLHF's remote-URL protocol (``POST /openrlhf/reward``, the
README's URL, each rollout as OpenRLHF 0.11 posts it, the sample's id in its label): its rollouts
carry no id, so each is claimed by its content under a lease, and a rollout whose text equals a
sibling's still waiting waits about one renewal (``group_lease_s / 6``) before it is known to be
another rollout.
Here seven of each group's ten answers are equal (the worst case: real responses differ in their
reasoning).

    .venv/bin/python bench/group_wait.py [--spread 60] [--no-nginx] [--processes 4] [--openrlhf]
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


def plan(spread: float, leg: str, seed: int = 7) -> list[tuple[float, str, int]]:
    """(send at, group, rollout index) for every rollout, in sending order; each leg its own groups
    (a leg that reused the last one's would find them complete and be answered at once)."""
    rng = random.Random(seed)
    sends = [(rng.uniform(0, spread), f"{leg}-sample-{p}", i) for p in range(PROMPTS) for i in range(N)]
    return sorted(sends)


OPENRLHF_PROMPT = "<|im_start|>user\nWhat is shown in this image?<|im_end|>\n<|im_start|>assistant\n"


def _request(group: str, index: int, openrlhf: bool) -> tuple[str, dict]:
    truth = f"class {group}"
    answer = truth if index % 3 else "I don't know"
    if openrlhf:  # as OpenRLHF 0.11's SingleTurnAgentExecutor posts it, the label from prepare-data
        query = f"{OPENRLHF_PROMPT}<think>looking</think><answer>{answer}</answer><|im_end|>"
        label = {"ground_truth": truth, "sample_id": group}
        return f"/openrlhf/reward?group_size={N}", {"query": [query], "prompts": [OPENRLHF_PROMPT], "labels": [label]}
    rollout = {"group": group, "group_size": N, "rollout": index, "ground_truth": truth, "answer": answer}
    return "/groups/rollouts", {"rollouts": [rollout], "wait_s": 120}


def _status(answer: httpx.Response, openrlhf: bool) -> str:
    if answer.status_code != 200:
        return str(answer.status_code)
    if openrlhf:
        return "unscored" if answer.json()["extra_logs"]["speciarl_unscored"] else "ok"
    return answer.json()["rewards"][0]["status"]


def _client_process(
    url: str, sends: list[tuple[float, str, int]], start_at: float, out, openrlhf: bool = False
) -> None:
    """One load-generating process: its share of the rollouts, each sent at its moment (wall clock,
    shared by every process) and held open until answered. Several of these keep the generator
    from being what is measured (one process driving 2,560 connections fell tens of seconds behind)."""

    async def drive() -> list[tuple[str, int, float, float, str]]:
        limits = httpx.Limits(max_connections=len(sends), max_keepalive_connections=0)  # no reuse races
        found = []
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=300) as http:

            async def one(at: float, group: str, index: int) -> None:
                await asyncio.sleep(max(0.0, start_at + at - time.time()))
                sent = time.time()
                path, body = _request(group, index, openrlhf)
                try:
                    key = _status(await http.post(path, json=body), openrlhf)
                except httpx.HTTPError as exc:
                    key = type(exc).__name__
                found.append((group, index, sent, time.time(), key))

            await asyncio.gather(*(one(*send) for send in sends))
        return found

    out.put(asyncio.run(drive()))


async def run(
    url: str, spread: float, server: psutil.Process, processes: int, leg: str, openrlhf: bool = False
) -> dict[str, object]:
    import multiprocessing

    sends = plan(spread, leg)
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    start_at = time.time() + 3.0  # every process started and waiting
    workers = [
        context.Process(target=_client_process, args=(url, sends[k::processes], start_at, out, openrlhf))
        for k in range(processes)
    ]
    for worker in workers:
        worker.start()
    peak_rss, cpu_before = server.memory_info().rss, None
    while time.time() < start_at:
        await asyncio.sleep(0.05)
    cpu_before = server.cpu_times()
    results: list[tuple[str, int, float, float, str]] = []
    peak_waiting = 0
    while len(results) < len(sends):
        peak_rss = max(peak_rss, server.memory_info().rss)
        peak_waiting = max(peak_waiting, len(server.net_connections(kind="tcp")))
        try:
            results += await asyncio.to_thread(out.get, True, 0.2)
        except Exception:  # queue.Empty: nobody finished yet
            pass
    for worker in workers:
        worker.join()
    cpu_after = server.cpu_times()
    last_sent: dict[str, float] = {}
    statuses: dict[str, int] = {}
    for group, _, sent, _, key in results:
        last_sent[group] = max(last_sent.get(group, 0.0), sent)
        statuses[key] = statuses.get(key, 0) + 1
    delays = sorted(answered - last_sent[group] for group, _, _, answered, _ in results)
    return {
        "statuses": statuses,
        "p50_s": statistics.median(delays),
        "p99_s": delays[int(len(delays) * 0.99) - 1],
        "max_s": delays[-1],
        "within_1s": sum(d <= 1.0 for d in delays) / len(delays),
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
        f"{found['within_1s']:.1%} | "
        f"{found['peak_waiting']} | {idle_mb:.0f} -> {found['peak_rss_mb']:.0f} ({per_call_kb:.0f} KiB per call) | "
        f"{found['cpu_s']:.1f} ({found['cpu_s'] * 1000 / (PROMPTS * N):.2f} ms per rollout) |"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spread", type=float, default=60.0)
    parser.add_argument("--no-nginx", action="store_true")
    parser.add_argument("--processes", type=int, default=4, help="load-generating processes")
    parser.add_argument("--openrlhf", action="store_true", help="a leg through OpenRLHF's remote-URL protocol")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server, url = start_verifier(work, {"VERIFIER_GROUP_POLL_S": "0.1"})
        try:
            process = psutil.Process(server.process.pid)
            idle_mb = process.memory_info().rss / 2**20
            print("| path | answers | after the group's last rollout p50 s | p99 s | max s | within 1 s |"
                  " most connections | RSS MiB | replica CPU s |")  # fmt: skip
            print("|---|---|---:|---:|---:|---:|---:|---|---|")
            report("one replica", await run(url, args.spread, process, args.processes, "direct"), idle_mb)
            if args.openrlhf:
                idle_mb = process.memory_info().rss / 2**20
                remote = await run(url, args.spread, process, args.processes, "openrlhf", openrlhf=True)
                report("one replica, OpenRLHF's remote URL", remote, idle_mb)
            nginx = shutil.which("nginx") or "/usr/sbin/nginx"
            if not args.no_nginx and Path(nginx).exists():
                port = free_port()
                conf = nginx_conf([int(url.rsplit(":", 1)[1])], port, work / "nginx")
                proxy = subprocess.Popen([nginx, "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.DEVNULL)
                try:
                    time.sleep(1.0)
                    idle_mb = process.memory_info().rss / 2**20
                    proxied = await run(f"http://127.0.0.1:{port}", args.spread, process, args.processes, "nginx")
                    report("through nginx (shipped conf)", proxied, idle_mb)
                finally:
                    proxy.terminate()
                    proxy.wait(timeout=10)
            elapsed, cpu = await one_batch(url, process)
            print(f"\nThe same {PROMPTS * N} rollouts as one /grade batch: {elapsed:.2f} s, replica CPU {cpu:.2f} s")
        finally:
            server.stop()


if __name__ == "__main__":
    asyncio.run(main())
