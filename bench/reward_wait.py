"""The share of a GRPO step spent waiting for rewards, on the tiny-vl run (issue 17).

TRL's ``GRPOTrainer`` calls the reward functions after a whole batch is generated, so the
verifier's round trip adds to every step. This runs the ``tiny-vl`` preset (random Qwen2.5-VL,
images, LoRA, the method's reward) against ``verifier serve`` in its own process, with two
judges in turn: an instant fake judge (the verifier's own cost: rules, taxonomy, cache, HTTP)
and the real SmolLM2-135M-Instruct under llama-cpp-python on this CPU (a slow judge). Each
step's time is split by ``step_timing.StepTimer`` into generation, reward, scoring and update.

Overlap: TRL 1.16's asynchronous trainer (``trl.experimental.async_grpo.AsyncGRPOTrainer``)
scores each group while others are still generating, but it generates through a vLLM server
only; vLLM does not run on this CPU machine (nor on the GPU machine lent to this project), so
the overlap is not measured here: see bench/README.md.

    cd bench && ../.venv/bin/python reward_wait.py [--steps 8]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from servers import fake_judge_settings, start_fake_judge, start_llama_server, start_verifier
from step_timing import StepTimer

from trainer_client.client import VerifierClient
from trainer_client.train import build_trainer, load_train_config, rollouts_path
from trainer_client.trl_reward import SpecificityReward

CONFIG = Path(__file__).resolve().parent.parent / "trainer_client" / "configs" / "tiny-vl.yaml"


def smollm2_settings(llama_url: str) -> dict[str, str]:
    """SmolLM2 under llama.cpp as the verifier's judge, through a grammar (as step_cost.py runs it)."""
    prefix = "VERIFIER_JUDGES__SMOL__"
    return {
        prefix + "KIND": "openai",
        prefix + "URL": llama_url,
        prefix + "MODEL": "smollm2",
        prefix + "CONSTRAINT": "grammar",
        prefix + "TOP_LOGPROBS": "10",
    }


def run(name: str, verifier_url: str, steps: int, workdir: Path) -> tuple[dict[str, float], float]:
    output = workdir / name.replace(" ", "-")
    config = load_train_config(CONFIG, verifier_url=verifier_url, output_dir=output, max_steps=steps)
    reward = SpecificityReward(
        VerifierClient(verifier_url),
        num_generations=config.num_generations,
        taxonomy=config.taxonomy,
        rollouts_path=rollouts_path(output),
    )
    trainer = build_trainer(config, reward=reward)
    timer = StepTimer.attach(trainer, reward)
    trainer.train()
    rows = [json.loads(line) for line in rollouts_path(output).read_text().splitlines()]
    graded = sum(row["category"] != "unparseable" for row in rows) / steps
    return timer.summary(), graded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=8)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        fake, fake_url = start_fake_judge(workdir)
        llama, llama_url = start_llama_server(workdir)
        try:
            for name, env in (
                ("instant fake judge", fake_judge_settings(fake_url)),
                ("SmolLM2-135M judge (llama.cpp, CPU)", smollm2_settings(llama_url)),
            ):
                verifier, url = start_verifier(workdir / name.split()[0], env)
                try:
                    results.append((name, *run(name, url, args.steps, workdir)))
                finally:
                    verifier.stop()
        finally:
            fake.stop()
            llama.stop()
    print(f"\ntiny-vl, {args.steps} steps of 4 images x 4 rollouts (median of steps 2..{args.steps}):")
    for name, summary, graded in results:
        print(StepTimer.format(name, summary) + f"  pairs graded/step {graded:.1f}")
    print(
        "\noverlap of generation and reward: not measured: TRL's AsyncGRPOTrainer generates through a "
        "vLLM server only, and vLLM does not run here",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
