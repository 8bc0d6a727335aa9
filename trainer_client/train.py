"""GRPO training with the specificity reward, driven by a config file.

Three presets:

- ``production``: the method's set-up for a GPU cluster: Qwen2.5-VL-7B-Instruct with LoRA
  (r 64, alpha 32) on the language model, lr 3e-5, 10 generations, KL coefficient 0.01,
  15 epochs, vLLM generation (TRL's colocate mode), bf16. Needs the prepared image dataset
  (``trainer-client prepare-data``) and a running verifier.
- ``tiny-vl``: the production path in miniature, offline on a CPU in seconds: a randomly
  initialised few-layer Qwen2.5-VL and its processor built in code (``tiny_vl.py``), LoRA on
  the language model, images from a prepared dataset (or, without one, a small CUB-style image
  folder it draws and prepares itself), the method's prompt, the ``cub-200`` taxonomy.
- ``tiny``: text only: a small randomly initialised Llama and a word-level tokenizer, on a
  toy dataset. For checking the plumbing end to end, not for learning anything.

Every run writes each graded rollout to ``<output_dir>/rollouts.jsonl`` (one file per process
when several train), which ``trainer-client evaluate`` reads.

Every field of ``TrainConfig`` can be set in the YAML file; the preset fills the rest.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from trainer_client.client import VerifierClient
from trainer_client.tiny_vl import LANGUAGE_MODEL_LORA_TARGETS
from trainer_client.trl_reward import SpecificityReward, check_grpo_config


class LoraSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    r: int = 64
    alpha: int = 32
    dropout: float = 0.05
    target_modules: str | list[str] = "all-linear"


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preset: Literal["production", "tiny-vl", "tiny"]
    model: str | None = Field(default=None, description="HF model id or local path; the tiny preset builds its own")
    dataset: Path | None = Field(default=None, description="JSONL from `trainer-client prepare-data`")
    output_dir: Path = Path("runs/speciarl")
    verifier_url: str = "http://127.0.0.1:8000"
    verifier_api_key: str | None = None
    taxonomy: str | None = None
    judge: str | None = None
    scheme: Literal["best_of_rollout", "reward3", "scala1", "scala2", "scala3"] = "best_of_rollout"
    mode: Literal["all", "single"] = "all"
    noise: tuple[float, int] | None = None

    num_generations: int = 10
    learning_rate: float = 3e-5
    beta: float = 0.01
    num_train_epochs: float = 15
    max_steps: int = -1
    per_device_train_batch_size: int = 10
    gradient_accumulation_steps: int = 4
    max_completion_length: int = 512
    temperature: float = 1.0
    lora: LoraSettings | None = None
    use_vllm: bool = False
    vllm_mode: Literal["colocate", "server"] = "colocate"
    bf16: bool = False
    use_cpu: bool = False
    seed: int = 42
    logging_steps: int = 1
    save_strategy: Literal["no", "steps", "epoch"] = "epoch"
    report_to: str = "none"


PRESETS: dict[str, dict[str, Any]] = {
    "production": {
        "model": "Qwen/Qwen2.5-VL-7B-Instruct",
        "num_generations": 10,
        "learning_rate": 3e-5,
        "beta": 0.01,
        "num_train_epochs": 15,
        # 40 completions (4 images x 10 rollouts) per process per step: whole groups on every process.
        "per_device_train_batch_size": 10,
        "gradient_accumulation_steps": 4,
        "max_completion_length": 512,
        "lora": {"r": 64, "alpha": 32, "target_modules": LANGUAGE_MODEL_LORA_TARGETS},
        "use_vllm": True,
        "bf16": True,
    },
    "tiny-vl": {
        "taxonomy": "cub-200",
        "num_generations": 4,
        "learning_rate": 1e-3,
        "beta": 0.01,
        "num_train_epochs": 1,
        "max_steps": 3,
        # 4 images x 4 rollouts per step: whole groups, as in production
        "per_device_train_batch_size": 16,
        "gradient_accumulation_steps": 1,
        "max_completion_length": 12,
        "lora": {"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": LANGUAGE_MODEL_LORA_TARGETS},
        "use_cpu": True,
        "save_strategy": "no",
    },
    "tiny": {
        "num_generations": 4,
        "learning_rate": 1e-3,
        "beta": 0.01,
        "num_train_epochs": 1,
        "max_steps": 2,
        "per_device_train_batch_size": 4,
        "gradient_accumulation_steps": 1,
        "max_completion_length": 8,
        "use_cpu": True,
        "save_strategy": "no",
    },
}


def load_train_config(path: Path | None = None, **overrides: Any) -> TrainConfig:
    """The config in ``path`` (YAML), on top of its preset's defaults, with ``overrides`` last."""
    data: dict[str, Any] = yaml.safe_load(path.read_text()) if path else {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of settings")
    data.update({k: v for k, v in overrides.items() if v is not None})
    preset = data.get("preset")
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, not {preset!r}")
    return TrainConfig.model_validate({**PRESETS[preset], **data})


# ---- the tiny preset's model, tokenizer and data ---------------------------------------------
TINY_LABELS = [
    "Golden-winged Warbler",
    "Blue-winged Warbler",
    "American Robin",
    "Northern Cardinal",
    "samoyed",
    "beagle",
    "Boeing 737-800",
    "Airbus A320",
]
_TINY_WORDS = [
    "<answer>",
    "</answer>",
    "none",
    "bird",
    "warbler",
    "dog",
    "aircraft",
    "robin",
    "cardinal",
    "golden-winged",
    "blue-winged",
    "american",
    "northern",
    "samoyed",
    "beagle",
    "boeing",
    "airbus",
    "737-800",
    "a320",
    "or",
    "name",
    "this",
    "what",
    "is",
    "it",
    "the",
    ":",
    "?",
]


def build_tiny_tokenizer():
    """A word-level tokenizer over a few dozen words, built in code (nothing downloaded)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    specials = ["<pad>", "<unk>", "<eos>"]
    vocab = {token: i for i, token in enumerate(specials + _TINY_WORDS)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.decoder = decoders.WordPiece(prefix="##", cleanup=False)  # joins words with spaces
    return PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", unk_token="<unk>", eos_token="<eos>")


def build_tiny_model(tokenizer, seed: int):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=128,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
    )
    return LlamaForCausalLM(config)


def build_tiny_dataset(seed: int, repeats: int = 4):
    from datasets import Dataset

    rng = random.Random(seed)
    rows = []
    for index in range(len(TINY_LABELS) * repeats):
        label = TINY_LABELS[index % len(TINY_LABELS)]
        hint = rng.choice(["what is this ?", "name this :", "what is it ?"])
        rows.append({"prompt": hint, "ground_truth": label, "sample_id": f"tiny-{index}"})
    return Dataset.from_list(rows)


# ---- the trainer --------------------------------------------------------------------------
def rollouts_path(output_dir: Path) -> Path:
    """Where this process writes its graded rollouts."""
    from accelerate import PartialState

    state = PartialState()
    name = "rollouts.jsonl" if state.num_processes == 1 else f"rollouts-rank{state.process_index}.jsonl"
    return output_dir / name


def build_trainer(config: TrainConfig, *, reward: SpecificityReward | None = None, processing_class: Any = None):
    """A ready ``GRPOTrainer`` for the config (call ``.train()`` on it). ``processing_class``
    replaces the preset's processor (tiny-vl) or the model's own (production)."""
    from trl import GRPOConfig, GRPOTrainer

    processor = None
    generation_kwargs = None
    if config.preset == "tiny-vl":
        from trainer_client.tiny_vl import build_tiny_vl_processor, suppressed_token_ids

        processor = processing_class or build_tiny_vl_processor()
        generation_kwargs = {"suppress_tokens": suppressed_token_ids(processor)}
    args = GRPOConfig(
        output_dir=str(config.output_dir),
        num_generations=config.num_generations,
        learning_rate=config.learning_rate,
        beta=config.beta,
        num_train_epochs=config.num_train_epochs,
        max_steps=config.max_steps,
        per_device_train_batch_size=config.per_device_train_batch_size,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        max_completion_length=config.max_completion_length,
        temperature=config.temperature,
        use_vllm=config.use_vllm,
        vllm_mode=config.vllm_mode,
        bf16=config.bf16,
        use_cpu=config.use_cpu,
        seed=config.seed,
        logging_steps=config.logging_steps,
        save_strategy=config.save_strategy,
        report_to=config.report_to,
        generation_kwargs=generation_kwargs,
    )
    check_grpo_config(
        per_device_train_batch_size=args.per_device_train_batch_size,
        steps_per_generation=args.steps_per_generation,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        num_generations=args.num_generations,
    )
    if reward is None:
        client = VerifierClient(config.verifier_url, api_key=config.verifier_api_key)
        reward = SpecificityReward(
            client,
            num_generations=config.num_generations,
            scheme=config.scheme,
            mode=config.mode,
            noise=config.noise,
            taxonomy=config.taxonomy,
            judge=config.judge,
            run=str(config.output_dir),
            rollouts_path=rollouts_path(config.output_dir),
        )

    peft_config = None
    if config.lora is not None:
        from peft import LoraConfig

        peft_config = LoraConfig(
            r=config.lora.r,
            lora_alpha=config.lora.alpha,
            lora_dropout=config.lora.dropout,
            target_modules=config.lora.target_modules,
            task_type="CAUSAL_LM",
        )

    if config.preset == "tiny":
        # Saved to disk and passed by path: TRL loads its reference model (for the KL term) from there.
        tokenizer = build_tiny_tokenizer()
        model: Any = str(config.output_dir / "tiny-model")
        build_tiny_model(tokenizer, config.seed).save_pretrained(model)
        tokenizer.save_pretrained(model)
        dataset = build_tiny_dataset(config.seed)
    elif config.preset == "tiny-vl":
        from trainer_client.tiny_vl import build_tiny_vl_model

        tokenizer = processor
        model = str(config.output_dir / "tiny-vl-model")
        build_tiny_vl_model(processor, config.seed).save_pretrained(model)
        dataset = load_prepared_dataset(config.dataset or draw_tiny_vl_dataset(config.output_dir, config.seed))
    else:
        if config.dataset is None:
            raise ValueError("the production preset needs `dataset` (run `trainer-client prepare-data` first)")
        tokenizer = processing_class  # None: TRL loads the model's own processor
        model = config.model
        dataset = load_prepared_dataset(config.dataset)
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[reward],
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    reward.bind_trainer(trainer)  # tells training from evaluation (num_generations_eval)
    return trainer


def draw_tiny_vl_dataset(output_dir: Path, seed: int) -> Path:
    """tiny-vl without a dataset: a CUB-style image folder drawn and prepared in ``output_dir``."""
    from trainer_client.data import prepare_dataset
    from trainer_client.tiny_vl import draw_image_folder

    images = draw_image_folder(output_dir / "images", seed=seed)
    dataset = output_dir / "dataset.jsonl"
    prepare_dataset(images, dataset, dataset="cub")
    return dataset


def load_prepared_dataset(path: Path):
    """The JSONL written by ``prepare-data``, with images decoded on access."""
    from datasets import Image, load_dataset

    if not path.is_file():
        raise FileNotFoundError(f"dataset not found: {path}")
    dataset = load_dataset("json", data_files=str(path), split="train")
    return dataset.cast_column("image", Image())


def write_run_summary(trainer, config: TrainConfig) -> Path:
    config.output_dir.mkdir(parents=True, exist_ok=True)
    summary = config.output_dir / "train_summary.json"
    summary.write_text(
        json.dumps({"config": config.model_dump(mode="json"), "log_history": trainer.state.log_history}, indent=2)
    )
    return summary
