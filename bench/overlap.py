"""Rewards while generation runs (issue 24): rollouts finishing over time, as a generation engine
emits them, graded one by one through ``POST /groups/rollouts`` as they finish, against the same
kind of rollouts graded as one batch (``POST /grade``) once the last one has finished.

A seeded schedule of finish times for a GRPO step (``--groups`` x ``--n`` rollouts over
``--span`` seconds: each group's rollouts finish at uniform times, a few long stragglers), the
real SmolLM2-135M-Instruct judge under llama.cpp on this CPU, every answer one the rules and
taxonomies cannot settle (so every rollout is a judge pair), no cache: the two runs use different
answers. Figures: the reward tail (last rollout finished -> last reward known) of each way, and
their ratio; the goal is a tail of at most 10% of the batch-after-generation time.

    cd bench && ../.venv/bin/python overlap.py [--groups 4 --n 8 --span 40]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

import httpx
from servers import start_llama_server, start_verifier

BIRDS = ["American Robin", "Blue Jay", "Northern Cardinal", "Mallard", "Bald Eagle", "Barn Owl", "Song Sparrow"]
WORDS = ["small", "brown", "spotted", "crested", "long-tailed", "red", "grey", "striped", "tiny", "pale"]


def schedule(seed: int, groups: int, n: int, span: float) -> list[tuple[float, int, int]]:
    """(finish time, group, rollout), in finish order: most rollouts within the span, a few late."""
    rng = random.Random(seed)
    times = []
    for g in range(groups):
        for r in range(n):
            finish = rng.uniform(0.05, 0.85) * span if rng.random() > 0.15 else rng.uniform(0.85, 1.0) * span
            times.append((finish, g, r))
    return sorted(times)


def answer(rng: random.Random, tag: str) -> str:
    """A descriptive answer (the judge's work), unique per rollout and run."""
    return f"{rng.choice(WORDS)} {rng.choice(WORDS)} bird {tag}"


async def as_they_finish(url: str, plan, n: int, seed: int) -> tuple[float, float]:
    rng = random.Random(seed)
    start = time.monotonic()
    done: list[float] = []

    async def one(client: httpx.AsyncClient, at: float, group: int, rollout: int) -> None:
        await asyncio.sleep(max(0.0, at - (time.monotonic() - start)))
        item = {"group": f"o{seed}-{group}", "group_size": n, "rollout": rollout, "ground_truth": BIRDS[group % 7],
                "answer": answer(rng, f"o{group}x{rollout}")}  # fmt: skip
        reply = await client.post("/groups/rollouts", json={"rollouts": [item], "wait_s": 600})
        reply.raise_for_status()
        assert reply.json()["rewards"][0]["status"] == "ok", reply.text
        done.append(time.monotonic() - start)

    limits = httpx.Limits(max_connections=len(plan))
    async with httpx.AsyncClient(base_url=url, timeout=900, limits=limits) as client:
        await asyncio.gather(*(one(client, at, g, r) for at, g, r in plan))
    last_finish = plan[-1][0]
    return last_finish, max(done) - last_finish


async def after_generation(url: str, plan, seed: int) -> tuple[float, float]:
    rng = random.Random(seed)
    last_finish = plan[-1][0]
    await asyncio.sleep(last_finish)  # the batch is sent once the last rollout has finished
    items = [{"ground_truth": BIRDS[g % 7], "prediction": answer(rng, f"b{g}x{r}")} for _, g, r in plan]
    begin = time.monotonic()
    async with httpx.AsyncClient(base_url=url, timeout=900) as client:
        reply = await client.post("/grade", json={"items": items})
        reply.raise_for_status()
        assert all(g["source"] == "judge" for g in reply.json()["grades"]), "every pair must be a judge pair"
    return last_finish, time.monotonic() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--groups", type=int, default=4)
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--span", type=float, default=40.0, help="seconds over which the rollouts finish")
    parser.add_argument("--seed", type=int, default=24)
    args = parser.parse_args()
    plan = schedule(args.seed, args.groups, args.n, args.span)
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        llama, llama_url = start_llama_server(workdir)
        env = {
            "VERIFIER_JUDGES__SMOL__KIND": "openai",
            "VERIFIER_JUDGES__SMOL__URL": llama_url,
            "VERIFIER_JUDGES__SMOL__MODEL": "smollm2",
            "VERIFIER_JUDGES__SMOL__CONSTRAINT": "grammar",
            "VERIFIER_CACHE": "none",
            "VERIFIER_GRADE_MEMO_SIZE": "0",
            "VERIFIER_AUDIT": "false",
        }
        verifier, url = start_verifier(workdir, env)
        try:
            finish_a, tail = asyncio.run(as_they_finish(url, plan, args.n, args.seed))
            finish_b, batch = asyncio.run(after_generation(url, plan, args.seed + 1))
        finally:
            verifier.stop()
            llama.stop()
    pairs = len(plan)
    print(f"{args.groups} groups x {args.n} rollouts finishing over {args.span:.0f} s (last at {finish_a:.1f} s), "
          f"{pairs} judge pairs each way, SmolLM2-135M under llama.cpp on this CPU:")  # fmt: skip
    print(f"  graded as they finish (POST /groups/rollouts): reward tail {tail:6.2f} s after the last rollout")
    print(f"  one batch after generation (POST /grade):      reward tail {batch:6.2f} s after the last rollout")
    print(f"  tail ratio: {tail / batch:.1%} of the batch-after-generation time (goal: at most 10%)")


if __name__ == "__main__":
    main()
