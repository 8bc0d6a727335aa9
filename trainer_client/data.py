"""Turning an image dataset on disk into a GRPO dataset with the method's prompt.

Inputs: a folder per class (``root/<label>/<image>``), or a CSV / JSONL file with an image
path column and a label column. Output rows (JSONL), one per image:

    {"prompt": [{"role": "user", "content": PROMPT}], "image": "/abs/path.jpg",
     "ground_truth": "Golden-winged Warbler", "sample_id": "3f2a…", "dataset": "cub",
     "openrlhf_label": {"ground_truth": "Golden-winged Warbler", "sample_id": "3f2a…"}}

``prompt`` is conversational; TRL inserts the image before the first user message (its
``prepare_multimodal_messages``) from the ``image`` column. ``sample_id`` is a hash of the
dataset name, the image path relative to the root and the label: stable across runs and
machines, so rewards, logs and evaluations can be joined on it. ``openrlhf_label`` is the label
for OpenRLHF (``--data.label_key openrlhf_label``): its remote reward URL groups rollouts by prompt
and label, and every image here is asked the same question, so the label carries the sample's
identity (and, with ``group_size``, the split's rollouts per sample: an evaluation split's
``--eval.n_samples_per_prompt``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"})

PROMPT = (
    "What is shown in this image? Name it as specifically as you can: the exact species, breed, "
    "model or variant if you can tell, otherwise a broader category that you are sure of. "
    "Think first inside <think> </think>, then give only the name inside <answer> </answer>. "
    "If you cannot tell at all, answer <answer>None</answer>."
)

_NUMBERED_FOLDER = re.compile(r"^\d+[._ -]+")


def clean_folder_label(name: str) -> str:
    """'001.Black_footed_Albatross' -> 'Black footed Albatross' (CUB-style folder names)."""
    return " ".join(_NUMBERED_FOLDER.sub("", name).replace("_", " ").split())


@dataclass(frozen=True)
class Example:
    image: Path
    label: str


def sample_id(dataset: str, relative_image: str, label: str) -> str:
    return hashlib.sha1(f"{dataset}\0{relative_image}\0{label}".encode()).hexdigest()[:16]


def examples_from_folders(root: Path, *, clean_names: bool = True) -> Iterator[Example]:
    classes = sorted(p for p in root.iterdir() if p.is_dir())
    if not classes:
        raise ValueError(f"{root}: no class folders found")
    for folder in classes:
        label = clean_folder_label(folder.name) if clean_names else folder.name
        for image in sorted(folder.rglob("*")):
            if image.suffix.lower() in IMAGE_SUFFIXES and image.is_file():
                yield Example(image, label)


def examples_from_table(path: Path, *, image_column: str = "image", label_column: str = "label") -> Iterator[Example]:
    """Rows of a CSV or JSONL file; relative image paths are taken from the file's folder."""
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    elif path.suffix.lower() in (".jsonl", ".json"):
        with path.open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
    else:
        raise ValueError(f"{path}: expected a .csv or .jsonl file")
    for number, row in enumerate(rows, 1):
        image, label = row.get(image_column), row.get(label_column)
        if not isinstance(image, str) or not isinstance(label, str) or not label.strip():
            raise ValueError(f"{path}: row {number} needs string columns {image_column!r} and {label_column!r}")
        yield Example((path.parent / image).resolve(), label.strip())


def grpo_rows(
    examples: Iterator[Example], *, dataset: str, root: Path, group_size: int | None = None
) -> Iterator[dict[str, object]]:
    for example in examples:
        if not example.image.is_file():
            raise FileNotFoundError(f"image not found: {example.image}")
        try:
            relative = example.image.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            relative = example.image.resolve().as_posix()
        identity = sample_id(dataset, relative, example.label)
        label: dict[str, object] = {"ground_truth": example.label, "sample_id": identity}
        if group_size is not None:
            label["group_size"] = group_size
        yield {
            "prompt": [{"role": "user", "content": PROMPT}],
            "image": str(example.image.resolve()),
            "ground_truth": example.label,
            "sample_id": identity,
            "dataset": dataset,
            "openrlhf_label": label,
        }


def prepare_dataset(
    source: Path,
    output: Path,
    *,
    dataset: str | None = None,
    clean_names: bool = True,
    image_column: str = "image",
    label_column: str = "label",
    group_size: int | None = None,
) -> int:
    """Write the GRPO dataset for ``source`` (a class-folder root, or a CSV/JSONL) to ``output``; returns rows.
    ``group_size``: rollouts per sample, written into ``openrlhf_label`` (else OpenRLHF's URL says it)."""
    if group_size is not None and not 1 <= group_size <= 1024:
        raise ValueError(f"group_size must be 1..1024, not {group_size}")
    name = dataset or source.stem
    if source.is_dir():
        examples, root = examples_from_folders(source, clean_names=clean_names), source
    else:
        examples, root = (
            examples_from_table(source, image_column=image_column, label_column=label_column),
            source.parent,
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with output.open("w", encoding="utf-8") as fh:
        for row in grpo_rows(examples, dataset=name, root=root, group_size=group_size):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    if count == 0:
        raise ValueError(f"{source}: no images found")
    return count
