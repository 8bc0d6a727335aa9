"""The production path in miniature: images drawn in code -> ``prepare-data`` -> GRPO with the
``tiny-vl`` preset (a random Qwen2.5-VL, its processor, LoRA on the language model) against a live
verifier -> ``evaluate`` over the run's rollouts."""

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO
from PIL import Image
from support.fakes import ScriptedJudge
from support.recording import RecordingClient, RecordingReward
from typer.testing import CliRunner

from trainer_client.cli import app
from trainer_client.evaluation import REPORT_CATEGORIES
from trainer_client.extraction import completion_text, extract_answer
from trainer_client.rewards import ERROR, UNPARSEABLE, best_of_rollout_rewards
from trainer_client.tiny_vl import CLASSES, build_tiny_vl_processor, draw_image_folder, image_only_processor_class
from trainer_client.train import build_trainer, load_train_config
from verifier_service.config import Settings
from verifier_service.grading import Category

pytestmark = pytest.mark.slow

CONFIG = REPO / "trainer_client" / "configs" / "tiny-vl.yaml"


def recording_processor():
    """The preset's processor, keeping the images it was given and the pixel values it made."""

    class Recording(image_only_processor_class()):
        calls: list = []

        def __call__(self, *args, images=None, **kwargs):
            out = super().__call__(*args, images=images, **kwargs)
            if images is not None:
                self.calls.append({"images": images, "pixels": out["pixel_values"], "grid": out["image_grid_thw"]})
            return out

    base = build_tiny_vl_processor()
    return Recording(image_processor=base.image_processor, tokenizer=base.tokenizer, chat_template=base.chat_template)


def judge_for_birds() -> ScriptedJudge:
    """Pairs no rule or taxonomy settles go to this judge: "wrong" unless listed."""
    judge = ScriptedJudge(default=Category.WRONG)
    judge.table[("laysan albatross", "laysan")] = Category.LESS_SPECIFIC
    judge.table[("indigo bunting", "indigo")] = Category.LESS_SPECIFIC
    return judge


def test_images_to_prepare_data_to_grpo_to_evaluate(live_server, tmp_path):
    images = draw_image_folder(tmp_path / "birds", images_per_class=3)
    assert sorted(p.name for p in images.iterdir()) == sorted(name for name, _, _ in CLASSES)
    runner = CliRunner()
    dataset = tmp_path / "birds.jsonl"
    prepared = runner.invoke(app, ["prepare-data", str(images), str(dataset), "--dataset", "cub"])
    assert prepared.exit_code == 0, prepared.output
    rows = [json.loads(line) for line in dataset.read_text().splitlines()]
    image_of = {row["sample_id"]: row["image"] for row in rows}
    assert len(rows) == 12 and {row["ground_truth"] for row in rows} >= {"Black footed Albatross", "Indigo Bunting"}

    with live_server(Settings(data_dir=tmp_path / "data"), {"j": judge_for_birds()}) as server:
        config = load_train_config(CONFIG, verifier_url=server.url, output_dir=tmp_path / "run", dataset=dataset)
        assert config.preset == "tiny-vl" and config.taxonomy == "cub-200" and config.lora is not None
        client = RecordingClient(server.url)
        reward = RecordingReward(
            client,
            num_generations=config.num_generations,
            taxonomy=config.taxonomy,
            rollouts_path=tmp_path / "run" / "rollouts.jsonl",
        )
        processor = recording_processor()
        trainer = build_trainer(config, reward=reward, processing_class=processor)
        trainer.train()

        rollouts = tmp_path / "run" / "rollouts.jsonl"
        report_prefix = tmp_path / "eval" / "tiny-vl"
        evaluated = runner.invoke(
            app,
            ["evaluate", str(rollouts), "--verifier-url", server.url, "--taxonomy", "cub-200"]
            + ["--output", str(report_prefix)],
        )
    assert evaluated.exit_code == 0, evaluated.output

    # LoRA as in production: adapters on the language model's projections only, never the vision tower.
    trainable = [name for name, p in trainer.model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n and "language_model" in n for n in trainable), trainable[:4]
    assert any("visual" in name for name, _ in trainer.model.named_parameters())

    steps = config.max_steps
    # TRL runs the processor on each step's prompts (for generation, then for the policy's forward pass).
    assert len(reward.calls) == steps and processor.calls and len(processor.calls) % steps == 0
    per_step = len(processor.calls) // steps
    for k, call in enumerate(reward.calls):
        # Each rollout's prompt carried its own sample's image, and the processor made pixel values of it.
        ids = call["columns"]["sample_id"]
        assert all(prompt[0]["content"][0]["type"] == "image" for prompt in call["prompts"])
        for seen in processor.calls[k * per_step : (k + 1) * per_step]:
            assert len(seen["images"]) == len(call["completions"]) == len(ids)
            for images, sample in zip(seen["images"], ids, strict=True):
                (image,) = images
                assert image.convert("RGB").tobytes() == Image.open(image_of[sample]).convert("RGB").tobytes()
            grid = np.asarray(seen["grid"])  # (t, h, w) patches per image
            assert grid.shape == (len(ids), 3)
            assert np.asarray(seen["pixels"]).shape[0] == int(grid.prod(axis=-1).sum()) > 0

    # TRL used exactly the rules' rewards, recomputed here from the service's answers.
    assert sum(len(pairs) for pairs, _ in client.answers) > 0, "no completion had an answer: the test saw nothing"
    recorded = []
    for call, (pairs, grades) in zip(reward.calls, client.answers, strict=True):
        answers = [extract_answer(completion_text(c)) for c in call["completions"]]
        assert [a for a in answers if a is not None] == [p for _, p in pairs]
        served = iter(grades)
        categories = [
            UNPARSEABLE if a is None else (g.category if (g := next(served)).status == "ok" else ERROR) for a in answers
        ]
        assert call["rewards"] == best_of_rollout_rewards(categories, call["columns"]["sample_id"])
        recorded += categories
    used = list(trainer._logs["rewards"][reward.__name__])
    last = reward.calls[-1]["rewards"]
    assert len(used) == len(last)
    assert all((math.isnan(got) and want is None) or got == want for got, want in zip(used, last, strict=True))

    # The run's rollouts are its predictions; evaluate reports the method's figures on them.
    lines = [json.loads(line) for line in rollouts.read_text().splitlines()]
    assert [line["category"] for line in lines] == recorded
    assert {line["mode"] for line in lines} == {"train"} and {line["dataset"] for line in lines} == {"cub"}
    report = json.loads(report_prefix.with_suffix(".json").read_text())
    views = {row["view"]: row for row in report}
    assert set(views) == {"all predictions", "best of N"}
    shares = {c: 100 * recorded.count(c) / len(recorded) for c in REPORT_CATEGORIES}
    assert {c: views["all predictions"][c] for c in REPORT_CATEGORIES} == pytest.approx(shares, abs=0.005)  # rounded
    assert views["best of N"]["count"] == len({line["sample_id"] for line in lines})
    chart = Image.open(report_prefix.with_suffix(".png"))
    assert chart.format == "PNG" and chart.size[0] > 600
    assert report_prefix.with_suffix(".csv").read_text().startswith("dataset,view,count,")


def test_the_readme_command_trains_tiny_vl_with_its_own_images(live_server, tmp_path):
    """``trainer-client train trainer_client/configs/tiny-vl.yaml`` as the README runs it, with no
    dataset: the run draws and prepares its own image folder."""
    executable = shutil.which("trainer-client", path=str(Path(sys.executable).parent))
    assert executable, "trainer-client is not installed"
    with live_server(Settings(data_dir=tmp_path / "data"), {"j": judge_for_birds()}) as server:
        run = subprocess.run(
            [executable, "train", str(CONFIG), "--verifier-url", server.url, "--output-dir", str(tmp_path / "run")],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "TOKENIZERS_PARALLELISM": "false"},
        )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    summary = json.loads((tmp_path / "run" / "train_summary.json").read_text())
    assert summary["config"]["preset"] == "tiny-vl"
    assert len(list((tmp_path / "run" / "images").glob("*/*.png"))) == 12
    rollouts = (tmp_path / "run" / "rollouts.jsonl").read_text().splitlines()
    assert len(rollouts) == summary["config"]["max_steps"] * summary["config"]["per_device_train_batch_size"]
    assert (tmp_path / "run" / "final" / "adapter_config.json").is_file()  # LoRA adapters saved
