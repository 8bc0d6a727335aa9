"""Finding the response in OpenRLHF's decoded sequence (issue 31): the prompt as sent is not in it
when a Qwen2-VL-style processor expands its image placeholder, or when a long prompt was cut at its
front; reading the whole query then took the prompt's own <answer> example as every rollout's."""

import pytest

from trainer_client.extraction import extract_answer
from verifier_service.api.openrlhf_response import ResponseNotFound, response_of

INSTRUCTION = (
    "What bird is this? Think first, then answer as <answer>None</answer> if unsure, else <answer>name</answer>."
)
PROMPT = (
    "<|im_start|>system\nYou are a careful ornithologist.<|im_end|>\n<|im_start|>user\n"
    f"<|vision_start|><|image_pad|><|vision_end|>{INSTRUCTION}<|im_end|>\n<|im_start|>assistant\n"
)
RESPONSE = "The wings are gold. <answer>Golden-winged Warbler</answer><|im_end|>"


def test_the_prompt_found_whole():
    assert extract_answer(response_of(PROMPT + RESPONSE, PROMPT)) == "Golden-winged Warbler"


def test_image_placeholders_expanded_by_the_processor():
    expanded = PROMPT.replace("<|image_pad|>", "<|image_pad|>" * 324)
    assert extract_answer(response_of(expanded + RESPONSE, PROMPT)) == "Golden-winged Warbler"


def test_a_prompt_cut_at_its_front():
    cut = PROMPT[len(PROMPT) // 2 :]
    assert extract_answer(response_of(cut + RESPONSE, PROMPT)) == "Golden-winged Warbler"


def test_no_trace_of_the_prompt_is_refused_not_read_whole():
    with pytest.raises(ResponseNotFound, match="send the prompt as the model saw it"):
        response_of("something else entirely " + RESPONSE, PROMPT)
    # the whole query would have given the prompt's example answer
    assert extract_answer(PROMPT + RESPONSE) == "None"


def test_a_decoding_that_changes_whitespace():
    """A tokenizer whose decoding puts spaces between tokens and drops newlines (a word-level one, as
    the tiny processor's): the prompt's end is found with whitespace ignored."""
    decoded = " ".join(PROMPT.replace("<|image_pad|>", "<|image_pad|>" * 4).split()) + " " + RESPONSE
    assert extract_answer(response_of(decoded, PROMPT)) == "Golden-winged Warbler"
    with pytest.raises(ResponseNotFound):  # whitespace ignored is still no trace of the prompt
        response_of("some thing else entirely " + RESPONSE, PROMPT)
