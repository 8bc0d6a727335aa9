"""Production-shaped GRPO steps on one GPU, split into generation, reward, scoring and update
(issue 17, item 5). For a GPU machine only: never run by the tests or CI.

The production preset's shape with a randomly initialised model of the production size: the
architecture and dimensions of Qwen2.5-VL-7B-Instruct built from a config in code (8.3B
parameters, bf16, nothing downloaded), LoRA r 64 / alpha 32 on the language model, 10
generations per image, 4 images per optimizer step (40 completions, micro-batches of 10),
max_completion_length 512, KL 0.01, TRL's ``GRPOTrainer``, the method's reward through a live
verifier on the same machine (``verifier serve`` with the bundled taxonomies; its judge is an
instant fake, since no SGLang runs there). Images are 448x336 (192 image tokens each, about a
CUB photo's).

What differs from a real run, and why:
- generation uses transformers' ``generate`` (no vLLM on the machine); production uses vLLM;
- a random model never ends its answer: every completion runs to 512 tokens (the worst case),
  and it samples only from a small word list (the tiny-vl tokenizer's answer words), so that
  its completions hold ``<answer>`` tags for the verifier to grade; the model's 152,064-way
  output layer is computed all the same.

    python bench/gpu_production_step.py [--steps 4] [--out DIR]
    python bench/gpu_production_step.py --dry-run     # tiny dimensions on the CPU: checks the script
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from servers import fake_judge_settings, start_fake_judge, start_verifier
from step_timing import StepTimer
from transformers import TrainerCallback

from trainer_client.client import VerifierClient
from trainer_client.data import prepare_dataset
from trainer_client.tiny_vl import (
    LANGUAGE_MODEL_LORA_TARGETS,
    build_tiny_vl_processor,
    draw_image_folder,
    image_only_processor_class,
)
from trainer_client.train import load_prepared_dataset
from trainer_client.trl_reward import SpecificityReward

# Qwen2.5-VL-7B-Instruct's dimensions (its config.json).
TEXT_7B = {
    "vocab_size": 152064,
    "hidden_size": 3584,
    "intermediate_size": 18944,
    "num_hidden_layers": 28,
    "num_attention_heads": 28,
    "num_key_value_heads": 4,
    "max_position_embeddings": 128000,
    "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [16, 24, 24]},
    "rms_norm_eps": 1e-06,
    "tie_word_embeddings": False,
}
VISION_7B = {
    "depth": 32,
    "hidden_size": 1280,
    "intermediate_size": 3420,
    "num_heads": 16,
    "out_hidden_size": 3584,
    "fullatt_block_indexes": [7, 15, 23, 31],
    "window_size": 112,
    "patch_size": 14,
    "spatial_merge_size": 2,
    "temporal_patch_size": 2,
    "tokens_per_second": 2,
}
TINY_TEXT = {
    **TEXT_7B,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [4, 2, 2]},
}
TINY_VISION = {**VISION_7B, "depth": 2, "hidden_size": 32, "intermediate_size": 64, "num_heads": 2,
               "out_hidden_size": 64, "fullatt_block_indexes": [1]}  # fmt: skip


class Deadline(TrainerCallback):
    """Stops training after ``seconds``: the machine's time is lent by the minute."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def on_step_end(self, args, state, control, **kwargs):
        if time.monotonic() > self.end:
            control.should_training_stop = True


def build_model(processor, dry_run: bool):
    import torch
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    tokenizer = processor.tokenizer
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in ("<pad>", "<|im_end|>", "<|image_pad|>", "<|video_pad|>")}
    ids |= {t: tokenizer.convert_tokens_to_ids(t) for t in ("<|vision_start|>", "<|vision_end|>")}
    text = TINY_TEXT if dry_run else TEXT_7B
    config = Qwen2_5_VLConfig(
        text_config={**text, "pad_token_id": ids["<pad>"], "eos_token_id": ids["<|im_end|>"], "bos_token_id": None},
        vision_config=TINY_VISION if dry_run else VISION_7B,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    torch.manual_seed(0)
    device = "cpu" if dry_run else "cuda"
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32 if dry_run else torch.bfloat16)
    try:
        with torch.device(device):
            model = Qwen2_5_VLForConditionalGeneration(config)
    finally:
        torch.set_default_dtype(previous)
    return model


def allowed_only(processor, vocab_size: int) -> list[int]:
    """Every token id but the tokenizer's answer words and tags: suppressed in generation."""
    tokenizer = processor.tokenizer
    from trainer_client.tiny_vl import ANSWER_TAGS, WORDS

    allowed = {tokenizer.convert_tokens_to_ids(t) for t in ANSWER_TAGS + WORDS}
    return [i for i in range(vocab_size) if i not in allowed]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--max-completion-length", type=int, default=512)
    parser.add_argument("--deadline-s", type=float, default=420, help="stop after the step that passes it")
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", ".")))
    parser.add_argument("--dry-run", action="store_true", help="tiny dimensions on the CPU")
    args = parser.parse_args()

    import torch
    from peft import LoraConfig
    from transformers import Qwen2VLImageProcessorPil
    from trl import GRPOConfig, GRPOTrainer

    if not args.dry_run and not torch.cuda.is_available():
        raise SystemExit("no GPU: this benchmark is for a GPU machine (--dry-run checks it on a CPU)")
    card = "CPU (dry run)" if args.dry_run else torch.cuda.get_device_name()
    print(f"{card}; torch {torch.__version__}; python {platform.python_version()}", flush=True)

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        judge, judge_url = start_fake_judge(work)
        verifier, verifier_url = start_verifier(work / "verifier", fake_judge_settings(judge_url))
        try:
            size = (112, 84) if args.dry_run else (448, 336)
            images = draw_image_folder(work / "images", images_per_class=4, size=size)
            prepare_dataset(images, work / "cub.jsonl", dataset="cub")
            dataset = load_prepared_dataset(work / "cub.jsonl")
            tiny = build_tiny_vl_processor()
            processor = image_only_processor_class()(
                image_processor=Qwen2VLImageProcessorPil(),  # Qwen2.5-VL's defaults: up to 12.8M pixels
                tokenizer=tiny.tokenizer,
                chat_template=tiny.chat_template,
            )
            started = time.perf_counter()
            model = build_model(processor, args.dry_run)
            built = time.perf_counter() - started
            parameters = sum(p.numel() for p in model.parameters())
            print(f"model: {parameters / 1e9:.2f}B parameters, built in {built:.1f}s", flush=True)
            grpo = GRPOConfig(
                output_dir=str(work / "run"),
                num_generations=10,
                per_device_train_batch_size=10,
                gradient_accumulation_steps=4,
                learning_rate=3e-5,
                beta=0.01,
                max_completion_length=args.max_completion_length if not args.dry_run else 16,
                max_steps=args.steps,
                bf16=not args.dry_run,
                use_cpu=args.dry_run,
                gradient_checkpointing=True,
                logging_steps=1,
                save_strategy="no",
                report_to="none",
                generation_kwargs={"suppress_tokens": allowed_only(processor, model.config.text_config.vocab_size)},
            )
            reward = SpecificityReward(VerifierClient(verifier_url), num_generations=10, taxonomy="cub-200")
            trainer = GRPOTrainer(
                model=model,
                reward_funcs=[reward],
                args=grpo,
                train_dataset=dataset,
                processing_class=processor,
                peft_config=LoraConfig(
                    r=64,
                    lora_alpha=32,
                    lora_dropout=0.05,
                    target_modules=LANGUAGE_MODEL_LORA_TARGETS,
                    task_type="CAUSAL_LM",
                ),  # fmt: skip
            )
            reward.bind_trainer(trainer)
            timer = StepTimer.attach(trainer, reward)
            trainer.add_callback(Deadline(args.deadline_s))
            trainer.train()
        finally:
            verifier.stop()
            judge.stop()

    peak = torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else 0.0
    print(f"\n{card}: per optimizer step (40 completions of up to {grpo.max_completion_length} tokens)", flush=True)
    for number, step in enumerate(timer.steps, 1):
        print(StepTimer.format(f"step {number}", step))
    summary = timer.summary()
    print(StepTimer.format("median after the first", summary))
    print(f"peak GPU memory {peak:.1f} GiB; reward categories of the last step: {sorted(set(reward.last_categories))}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gpu_production_step.json").write_text(
        json.dumps(
            {
                "card": card,
                "parameters": parameters,
                "steps": timer.steps,
                "median": summary,
                "peak_gib": peak,
                "max_completion_length": grpo.max_completion_length,
            },
            indent=2,
        )  # fmt: skip
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
