"""The ``tiny-vl`` preset's parts: the production path (Qwen2.5-VL, images, LoRA on the language
model) in miniature, built in code so that it runs offline on a CPU in seconds.

- The model: ``Qwen2_5_VLForConditionalGeneration`` from a few-layer config, randomly initialised
  (about 100k parameters): the same classes, vision tower, multimodal rotary positions and image
  token merging as Qwen2.5-VL-7B, nothing downloaded.
- The processor: Qwen2.5-VL's, with Qwen2-VL's image processor (14-pixel patches merged 2x2, as in
  production, images resized to 56x56: four image tokens) and a word-level tokenizer built here
  with Qwen's special tokens and a ChatML template that places the image as Qwen's does
  (``<|vision_start|><|image_pad|><|vision_end|>``). Its video half is left out: Qwen's video
  processor needs torchvision, which has no CPU wheel for this torch (``ImageOnlyQwenVLProcessor``).
- The vocabulary is small (answer tags, a few bird words): a random model samples from it, so
  a few steps already see parseable answers of every kind. Words of the method's prompt outside
  it read as ``<unk>``: the prompt still reaches the model, the model learns nothing; the point
  is the path, not the result.
- ``draw_image_folder`` draws a CUB-style image folder (``001.Black_footed_Albatross/...png``),
  each class its own colour and shape, for ``prepare-data``.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

# LoRA on the language model only, as in production: the attention and MLP projections of the
# decoder layers (module names of transformers 5's Qwen2.5-VL), not the vision tower.
LANGUAGE_MODEL_LORA_TARGETS = r".*language_model\.layers\.\d+\.(self_attn\.(q|k|v|o)_proj|mlp\.(gate|up|down)_proj)"

SPECIAL_TOKENS = [
    "<pad>",
    "<unk>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
]
ANSWER_TAGS = ["<answer>", "</answer>", "<think>", "</think>"]
WORDS = ["user", "assistant", "bird", "albatross", "laysan", "black", "footed", "bunting", "indigo", "cowbird"]
WORDS += ["bronzed", "seabird", "none"]

# Qwen2.5-VL's chat template, reduced to what the method sends: a user turn with an image and text.
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

# (CUB folder name, colour, shape) of the drawn classes.
CLASSES = [
    ("001.Black_footed_Albatross", (40, 40, 40), "ellipse"),
    ("002.Laysan_Albatross", (235, 235, 225), "ellipse"),
    ("014.Indigo_Bunting", (40, 60, 200), "triangle"),
    ("026.Bronzed_Cowbird", (120, 80, 30), "rectangle"),
]
IMAGE_SIDE = 56  # pixels: 4x4 patches of 14, merged 2x2 into 4 image tokens


def image_only_processor_class():
    from transformers import Qwen2_5_VLProcessor
    from transformers.processing_utils import ProcessorMixin

    class ImageOnlyQwenVLProcessor(Qwen2_5_VLProcessor):
        """Qwen2.5-VL's processor without its video processor: images go through exactly
        ``Qwen2_5_VLProcessor.__call__`` (image tokens expanded per ``image_grid_thw``)."""

        def __init__(self, image_processor=None, tokenizer=None, chat_template=None, **kwargs):
            self.image_token, self.video_token = "<|image_pad|>", "<|video_pad|>"
            self.image_token_id = tokenizer.convert_tokens_to_ids(self.image_token)
            self.video_token_id = tokenizer.convert_tokens_to_ids(self.video_token)
            ProcessorMixin.__init__(self, image_processor, tokenizer, chat_template=chat_template)

    return ImageOnlyQwenVLProcessor


def build_tiny_vl_processor():
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen2VLImageProcessorPil

    vocab = {token: i for i, token in enumerate(SPECIAL_TOKENS + ANSWER_TAGS + WORDS)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    core.decoder = decoders.WordPiece(prefix="##", cleanup=False)  # joins words with spaces
    core.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS])
    core.add_tokens([AddedToken(t, special=False, normalized=False) for t in ANSWER_TAGS])  # matched inside words
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        pad_token="<pad>",
        unk_token="<unk>",
        eos_token="<|im_end|>",
        padding_side="left",  # as TRL loads processors for generation
        truncation_side="left",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    pixels = IMAGE_SIDE * IMAGE_SIDE
    images = Qwen2VLImageProcessorPil(
        min_pixels=pixels, max_pixels=pixels, patch_size=14, merge_size=2, temporal_patch_size=2
    )
    return image_only_processor_class()(image_processor=images, tokenizer=tokenizer, chat_template=CHAT_TEMPLATE)


def build_tiny_vl_model(processor: Any, seed: int):
    import torch
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    tokenizer = processor.tokenizer
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in SPECIAL_TOKENS}
    config = Qwen2_5_VLConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "max_position_embeddings": 1024,
            # multimodal rotary sections (time, height, width) over half the 16-dim heads
            "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [4, 2, 2]},
            "pad_token_id": ids["<pad>"],
            "eos_token_id": ids["<|im_end|>"],
            "bos_token_id": None,
        },
        vision_config={
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "out_hidden_size": 32,
            "fullatt_block_indexes": [1],
            "window_size": 112,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    torch.manual_seed(seed)
    return Qwen2_5_VLForConditionalGeneration(config)


def suppressed_token_ids(processor: Any) -> list[int]:
    """Tokens a completion must never hold: a sampled image or video token would not match the
    image features (TRL suppresses the image token itself), and the others are structure."""
    tokenizer = processor.tokenizer
    return [tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS if t != "<|im_end|>"]


def draw_image_folder(
    root: Path, *, images_per_class: int = 3, seed: int = 0, size: tuple[int, int] = (96, 96)
) -> Path:
    """A CUB-style folder of PNGs (``root/001.Black_footed_Albatross/img_0.png``): each class a
    shape in its colour on a sky background, placed and sized at random."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    width, height = size
    for folder, colour, shape in CLASSES:
        directory = root / folder
        directory.mkdir(parents=True, exist_ok=True)
        for index in range(images_per_class):
            image = Image.new("RGB", size, (110 + rng.randrange(40), 160 + rng.randrange(40), 220))
            draw = ImageDraw.Draw(image)
            extent = rng.randrange(min(width, height) // 3, min(width, height) // 2)
            x, y = rng.randrange(0, width - extent), rng.randrange(0, height - extent)
            box = (x, y, x + extent, y + extent * 2 // 3)
            if shape == "ellipse":
                draw.ellipse(box, fill=colour)
            elif shape == "triangle":
                draw.polygon([(x, box[3]), (x + extent // 2, y), (box[2], box[3])], fill=colour)
            else:
                draw.rectangle(box, fill=colour)
            image.save(directory / f"img_{index}.png")
    return root
