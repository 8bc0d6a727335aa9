"""What the verifier adds to a GRPO training step, measured side by side in one run.

Starts a real judge (SmolLM2-135M-Instruct under llama-cpp-python, CPU) and the verifier
(`verifier serve`, bundled taxonomies, SQLite cache, the judge through the OpenAI-compatible
adapter with a grammar), then on a seeded GRPO-like workload (``workload.py``) prints:

1. grades/s and per-request p50/p99 for each tier alone (rule, taxonomy, cache, judge),
   with one client and with several;
2. where the items of a training step were settled: rules, taxonomy, in-request
   de-duplication, cache, judge; the judge load per step;
3. reward latency per step through the TRL adapter (``SpecificityReward``) against the
   live service, with a cold and a warm cache;
4. the service's peak memory (RSS) over the run;
5. a baseline in the same run: the same steps graded the way the original design did
   (every unique pair to the judge, in JSON-array batches of 8), and the ratios.

    .venv/bin/python bench/step_cost.py --samples 32 --rollouts 10 --steps 2

(``--samples 256`` is a full step of the method; on a 2-core CPU with a 135M judge the
baseline alone then takes most of an hour.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import psutil
from judge_modes import json_array_body
from servers import start_llama_server, start_verifier
from workload import Rollout, generate

from trainer_client.client import VerifierClient
from trainer_client.extraction import extract_answer
from trainer_client.trl_reward import SpecificityReward
from verifier_service.grading import normalise


class PeakMemory:
    """Polls a process's resident memory in a thread; ``peak`` in MiB."""

    def __init__(self, pid: int) -> None:
        self._process = psutil.Process(pid)
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self._process.memory_info().rss / 2**20)
            except psutil.Error:
                return
            time.sleep(0.05)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed_requests(url: str, bodies: list[dict], clients: int) -> tuple[float, list[float], Counter]:
    """Sends the bodies from ``clients`` concurrent clients; returns (wall s, latencies s, sources)."""
    latencies: list[float] = []
    sources: Counter = Counter()
    queue = list(bodies)

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=600) as http:
            while queue:
                body = queue.pop()
                started = time.perf_counter()
                response = await http.post("/grade", json=body)
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()
                sources.update(g["source"] or g["status"] for g in response.json()["grades"])

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - started, latencies, sources


def tier_bodies(rollouts: list[Rollout], tier: str, requests: int, size: int, salt: str) -> list[dict]:
    """Request bodies whose items all land in one tier."""
    bodies = []
    for r in range(requests):
        items = []
        for i in range(size):
            rollout = rollouts[(r * size + i) % len(rollouts)]
            truth = rollout.ground_truth
            if tier == "rule":
                prediction = ["I don't know", truth, f"{truth} or something"][i % 3]
                items.append({"ground_truth": truth, "prediction": prediction})
            elif tier == "taxonomy":
                items.append({"ground_truth": truth, "prediction": ROOTS[rollout.domain], "taxonomy": rollout.domain})
            else:  # judge (fresh pairs) or cache (the same pairs again)
                items.append({"ground_truth": truth, "prediction": f"unseen object {salt} {r} {i}"})
        bodies.append({"items": items})
    return bodies


async def measure_tiers(url: str, rollouts: list[Rollout], judge_pairs: int) -> list[tuple]:
    rows = []
    for tier, requests, size in (("rule", 40, 256), ("taxonomy", 40, 256)):
        for clients in (1, 4):
            wall, lat, sources = await timed_requests(url, tier_bodies(rollouts, tier, requests, size, ""), clients)
            assert set(sources) == {tier}, sources
            rows.append((tier, clients, requests * size / wall, percentile(lat, 0.5), percentile(lat, 0.99)))
    size = 4
    requests = max(1, judge_pairs // size)
    for clients in (1, 4):
        salt = f"probe{clients}"  # plain words: a word like "judge" would be settled by the rules
        bodies = tier_bodies(rollouts, "judge", requests, size, salt)
        wall, lat, sources = await timed_requests(url, bodies, clients)
        rows.append(("judge", clients, requests * size / wall, percentile(lat, 0.5), percentile(lat, 0.99)))
        wall, lat, sources = await timed_requests(url, bodies * 10, clients)  # the same pairs: cached now
        assert set(sources) == {"cache"}, sources
        rows.append(("cache", clients, 10 * requests * size / wall, percentile(lat, 0.5), percentile(lat, 0.99)))
    return rows


async def training_steps(url: str, steps: list[list[Rollout]], rollouts: int) -> tuple[list[float], Counter, float]:
    """Reward latency per step through the TRL adapter; also where items were settled."""
    client = VerifierClient(url, timeout=3600)
    reward = SpecificityReward(client, num_generations=rollouts, taxonomy_column="domain")
    latencies = []
    sources: Counter = Counter()
    original_grade = client.grade

    async def counting_grade(pairs, **kwargs):
        grades = await original_grade(pairs, **kwargs)
        sources.update(g.source or g.status for g in grades)
        return grades

    client.grade = counting_grade  # type: ignore[method-assign]
    for step in steps:
        started = time.perf_counter()
        await reward(
            prompts=["p"] * len(step),
            completions=[r.completion for r in step],
            ground_truth=[r.ground_truth for r in step],
            sample_id=[r.sample_id for r in step],
            domain=[r.domain for r in step],
        )
        latencies.append(time.perf_counter() - started)
    await client.aclose()
    return latencies, sources, judge_pairs_sent(url)


def judge_pairs_sent(url: str) -> float:
    """Pairs the service has sent to its judges so far (its own Prometheus counter)."""
    text = httpx.get(url + "/metrics").text
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("verifier_judge_pairs_total")
    )


async def baseline_step(llama_url: str, step: list[Rollout], batch: int) -> tuple[float, int]:
    """The original design: every unique (ground truth, answer) pair to the judge, JSON arrays of ``batch``."""
    pairs = sorted({(normalise(r.ground_truth), normalise(a)) for r in step if (a := extract_answer(r.completion))})
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=llama_url, timeout=3600) as http:
        for start in range(0, len(pairs), batch):
            chunk = pairs[start : start + batch]
            body = json_array_body(chunk)
            (await http.post("/chat/completions", json=body)).raise_for_status()
    return time.perf_counter() - started, len(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=32, help="samples (images) per training step")
    parser.add_argument("--rollouts", type=int, default=10, help="rollouts per sample (num_generations)")
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--judge-pairs", type=int, default=16, help="pairs per client setting in the judge tier")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    workload = generate(args.samples * args.steps, args.rollouts, args.seed)
    per_step = args.samples * args.rollouts
    steps = [workload[i : i + per_step] for i in range(0, len(workload), per_step)]

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        llama, llama_url = start_llama_server(tmpdir)
        env = {
            "VERIFIER_JUDGES__SMOL__KIND": "openai",
            "VERIFIER_JUDGES__SMOL__URL": llama_url,
            "VERIFIER_JUDGES__SMOL__MODEL": "smollm2",
            "VERIFIER_JUDGES__SMOL__CONSTRAINT": "grammar",
            "VERIFIER_JUDGES__SMOL__TOP_LOGPROBS": "10",
        }
        verifier, url = start_verifier(tmpdir, env)
        try:
            with PeakMemory(verifier.pid) as memory:
                idle = psutil.Process(verifier.pid).memory_info().rss / 2**20
                cold, sources, sent = asyncio.run(training_steps(url, steps, args.rollouts))
                warm, warm_sources, _ = asyncio.run(training_steps(url, steps, args.rollouts))
                tiers = asyncio.run(measure_tiers(url, workload, args.judge_pairs))
            baseline = [asyncio.run(baseline_step(llama_url, step, 8)) for step in steps]
        finally:
            verifier.stop()
            llama.kill()

    total = len(workload)
    print(
        f"workload: {args.steps} steps x {args.samples} samples x {args.rollouts} rollouts = {total} rollouts "
        f"(seed {args.seed}); judge: SmolLM2-135M-Instruct (llama-cpp-python, CPU); verifier: 1 process"
    )
    print("\n1. tiers alone (grades/s, request latency)")
    print(f"{'tier':<10}{'clients':>8}{'grades/s':>12}{'p50 ms':>10}{'p99 ms':>10}")
    for tier, clients, rate, p50, p99 in tiers:
        print(f"{tier:<10}{clients:>8}{rate:>12.0f}{1000 * p50:>10.1f}{1000 * p99:>10.1f}")
    print("\n2. where the rollouts of the steps were settled (cold cache, then warm)")
    unparseable = sum(extract_answer(r.completion) is None for r in workload)
    print(f"   {'unparseable (not sent)':<26}{unparseable:>6}  {100 * unparseable / total:5.1f}%")
    for source in ("rule", "taxonomy", "cache", "judge"):
        print(
            f"   {source:<26}{sources[source]:>6}  {100 * sources[source] / total:5.1f}%"
            f"   warm: {warm_sources[source]:>6}  {100 * warm_sources[source] / total:5.1f}%"
        )
    print(
        f"   judge pairs actually sent: {sent:.0f} for {sources['judge']} judge-graded rollouts "
        f"(the rest were duplicates within a step or pairs already in flight)"
    )
    judge_per_step = sent / len(steps)
    print(f"   judge load per step: {judge_per_step:.1f} pairs for {per_step} rollouts")
    print("\n3. reward latency per step through the TRL adapter")
    print(f"   cold cache: {statistics.mean(cold):8.2f} s   warm cache: {statistics.mean(warm):8.3f} s")
    base_s = statistics.mean(b[0] for b in baseline)
    base_pairs = statistics.mean(b[1] for b in baseline)
    print("\n4. peak memory of the verifier process")
    print(f"   idle {idle:.0f} MiB, peak {memory.peak:.0f} MiB")
    print("\n5. baseline: every unique pair to the judge as JSON arrays of 8 (the original design)")
    print(f"   {base_pairs:.0f} judge pairs per step, {base_s:.1f} s per step")
    print(
        f"   ratios: judge pairs x{base_pairs / max(judge_per_step, 1):.1f}, step latency cold "
        f"x{base_s / statistics.mean(cold):.1f}, warm x{base_s / statistics.mean(warm):.0f}"
    )
    print(json.dumps({"cold_s": cold, "warm_s": warm, "baseline_s": [b[0] for b in baseline]}))


ROOTS = {
    "cub-200": "bird",
    "fgvc-aircraft": "aircraft",
    "stanford-cars": "car",
    "oxford-pets": "pet animal",
    "flowers-102": "flower",
    "food-101": "food",
}

if __name__ == "__main__":
    main()
