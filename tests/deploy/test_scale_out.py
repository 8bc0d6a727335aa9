"""The scale profile as shipped, on loopback, under a training load and faults (short version;
``bench/scale_out.py`` is the long one): nginx with deploy/nginx/verifier.conf, three verifier
replicas with the compose command and environment, Redis, the smg router, two SGLang stand-ins.
Every grade a client received is checked against a reference grading of the same pair, and
every item is accounted for. Assertions are on counts and on the order of events (a second
judging of a pair needs a fault between the two), never on durations."""

import asyncio
import random
import time
from pathlib import Path

import httpx
import pytest
from support.scale_out import API_KEY, Topology, unexplained_rejudgings

from trainer_client.client import VerifierClient
from verifier_service.grading import GradeInput, Grader
from verifier_service.judges.resilience import RemotePolicy
from verifier_service.judges.sglang import SGLangJudge

pytestmark = pytest.mark.slow

# pairs the stand-ins' judge grades (by script), and pairs the rules settle
SCRIPT = {f"bird {i}|answer {i}": ("specific", "more specific", "less specific", "generic")[i % 4] for i in range(60)}
RULED = [("bird 1", "bird 1"), ("bird 2", "I don't know"), ("bird 3", "?!"), ("bird 4", "bird 4, bird 5")]


def step_batch(rng: random.Random, step: int, size: int = 32) -> list[tuple[str, str]]:
    """A GRPO step's pairs: about half need the judge, and pairs repeat across steps."""
    pairs = []
    for _ in range(size):
        if rng.random() < 0.5:
            i = rng.randrange(20 + 5 * step)  # a pool that grows: repeats and new pairs
            pairs.append((f"bird {i}", f"answer {i}"))
        else:
            pairs.append(rng.choice(RULED))
    return pairs


async def client_run(url: str, seed: int, steps: int, faults: dict, log: list) -> None:
    rng = random.Random(seed)
    async with VerifierClient(url, api_key=API_KEY, retry_for=120, max_batch=32) as client:
        for step in range(steps):
            if seed == 0 and step in faults:
                await asyncio.to_thread(faults[step])
            pairs = step_batch(rng, step)
            grades = await client.grade(pairs, run=f"client-{seed}")
            log.append((step, pairs, grades))


def test_the_scale_profile_under_load_and_faults(smollm2_tokenizer_dir, tmp_path):
    workers_before = nginx_workers()
    topology = Topology(tmp_path / "scale", smollm2_tokenizer_dir, SCRIPT).start()
    try:
        faults = {
            1: lambda: topology.kill_verifier(1),
            2: lambda: topology.start_verifier(1),
            3: lambda: topology.kill_worker(1),
            4: lambda: topology.pause_redis(3),
            5: topology.reload_nginx,
            6: topology.restart_router,
        }
        log: list = []
        steps, clients = 8, 3

        async def load():
            await asyncio.gather(*(client_run(topology.url, seed, steps, faults, log) for seed in range(clients)))

        asyncio.run(load())
        scorings = topology.scorings()  # one per pair a worker scored
        answered = [(pair, grade) for _, pairs, grades in log for pair, grade in zip(pairs, grades, strict=True)]
        assert len(log) == steps * clients and len(answered) == steps * clients * 32  # none lost

        # the oracle: the same pairs graded again, by one grader alone, against a surviving worker
        judge = SGLangJudge(topology.workers[0].url, tokenizer=str(smollm2_tokenizer_dir), policy=RemotePolicy())
        reference = Grader(judges={"judge": judge}, default_judge="judge")
        distinct = sorted({pair for pair, _ in answered})

        async def grade_reference():
            try:
                return (await reference.grade([GradeInput(*pair) for pair in distinct])).grades
            finally:
                await reference.aclose()

        truth = dict(zip(distinct, asyncio.run(grade_reference()), strict=True))
        failed = [(pair, g) for pair, g in answered if not g.ok]
        wrong = [(pair, g.category, truth[pair].category.value) for pair, g in answered
                 if g.ok and g.category != truth[pair].category.value]  # fmt: skip
        assert failed == [] and wrong == []  # every item graded, and graded right, through every fault
        judged = {"|".join(pair) for pair, _ in answered if "|".join(pair) in SCRIPT}
        assert {s["pair"] for s in scorings} == judged  # the judge saw exactly the pairs rules leave
        # single-flight across replicas and the Redis cache: a pair is judged again only when a
        # fault came between (its answer lost in flight, or its grade kept from the other replicas)
        assert unexplained_rejudgings(scorings, topology.windows) == [], topology.windows
        # recovered: ready again once the restarted router has registered the surviving worker and
        # dropped the dead one (it does both in the background; readiness is cached a little)
        with httpx.Client(base_url=topology.url, headers={"x-api-key": API_KEY}) as http:
            deadline = time.monotonic() + 60
            while (ready := http.get("/readyz")).status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.5)
            assert ready.status_code == 200, ready.text
    finally:
        topology.stop()
    # everything stopped: no nginx worker of this run is left (each reload starts new ones)
    assert nginx_workers() == workers_before


def nginx_workers() -> int:
    """nginx worker processes on this machine (from /proc: their command line is their title)."""
    count = 0
    for entry in Path("/proc").iterdir():
        try:
            count += entry.name.isdigit() and (entry / "cmdline").read_bytes().startswith(b"nginx: worker process")
        except OSError:
            continue  # a process that ended while we looked
    return count
