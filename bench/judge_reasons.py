"""Which pairs of the seeded GRPO-like workload (``workload.py``) the exact tiers leave to the judge,
and why (issue 34): the grader in-process with the bundled taxonomies and no judge, each pair a
judge would get counted by its ``reason``, with the most frequent pairs of each reason.

Run: .venv/bin/python bench/judge_reasons.py [--samples 256 --rollouts 10 --seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from workload import generate  # noqa: E402

from trainer_client.extraction import extract_answer  # noqa: E402
from verifier_service.config import Settings  # noqa: E402
from verifier_service.grading import GradeInput, Status  # noqa: E402
from verifier_service.services import build_services  # noqa: E402


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--rollouts", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    workload = generate(args.samples, args.rollouts, args.seed)
    inputs = [GradeInput(r.ground_truth, answer, r.domain) for r in workload
              if (answer := extract_answer(r.completion)) is not None]  # fmt: skip
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(data_dir=Path(data), cache="none", audit=False, judges={}, default_judge=None)
        services = await build_services(settings)
        try:
            grades = []
            for start in range(0, len(inputs), 2048):
                grades += (await services.grader.grade(inputs[start : start + 2048])).grades
        finally:
            await services.aclose()
    left = {(i.ground_truth, i.prediction, g.reason) for i, g in zip(inputs, grades, strict=True)
            if g.status is Status.NO_JUDGE}  # fmt: skip
    reasons = Counter(reason for *_, reason in left)
    shown_counts = f"{len(workload)} rollouts, {len(inputs)} with an answer"
    print(f"workload: {shown_counts}; distinct pairs left to a judge: {len(left)}")
    print("| reason | distinct pairs | e.g. |")
    print("|---|---:|---|")
    for reason, count in reasons.most_common():
        examples = sorted((t, p) for t, p, r in left if r == reason)[:3]
        shown = "; ".join(f"{t} / {p}" for t, p in examples)
        print(f"| {reason} | {count} | {shown} |")


if __name__ == "__main__":
    asyncio.run(main())
