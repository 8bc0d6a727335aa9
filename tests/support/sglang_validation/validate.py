"""SGLang 0.5.23's own validation of ``/generate`` bodies, run in .venv-sglang
(tools/install-env sglang .venv-sglang) as a long-lived child process of the tests.

Each stdin line is ``{"body": {...}, "vocab_size": N}``; each answer line is ``{"ok": true,
"batch_size": n}`` or ``{"ok": false, "stage": ..., "error": ...}``. A body goes through what
SGLang's HTTP server and tokenizer manager do with it before any model work, in order:

1. the route's body parsing: FastAPI validates the JSON into the ``GenerateReqInput`` dataclass
   (``srt/entrypoints/http_server.py::generate_request``), done here with pydantic's TypeAdapter;
2. the contract check the route runs next (``srt/entrypoints/api_contract.py::
   generate_contract_error``, a 400 ``{"error": ...}`` in SGLang);
3. ``GenerateReqInput.normalize_batch_and_arguments()`` (``srt/managers/io_struct.py``), which the
   tokenizer manager calls first;
4. per sequence, ``SamplingParams(**sampling_params)`` with ``normalize`` and ``verify(vocab_size)``
   (``srt/managers/tokenizer_manager.py::_create_tokenized_object``), token ids inside the
   vocabulary, and the scheduler's ``logprob_start_len`` bound (``srt/managers/scheduler.py``:
   higher than the input's length aborts the request).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).with_name("torchvision_placeholder")))

from pydantic import TypeAdapter  # noqa: E402
from sglang.srt.entrypoints.api_contract import generate_contract_error  # noqa: E402
from sglang.srt.managers.io_struct import GenerateReqInput  # noqa: E402
from sglang.srt.sampling.sampling_params import SamplingParams  # noqa: E402

PARSE = TypeAdapter(GenerateReqInput)


def validate(body: dict, vocab_size: int) -> dict:
    stage = "parse"
    try:
        request = PARSE.validate_python(body)
        stage = "contract"
        error = generate_contract_error(body)
        if error is not None:
            return {"ok": False, "stage": stage, "error": error}
        stage = "normalize_batch_and_arguments"
        request.normalize_batch_and_arguments()
        stage = "per-sequence"
        sequences = [request] if request.is_single else [request[i] for i in range(request.batch_size)]
        for sequence in sequences:
            params = SamplingParams(**(sequence.sampling_params or {}))
            params.normalize(None)
            params.verify(vocab_size)
            ids = sequence.input_ids
            if ids is not None:
                if not all(0 <= token < vocab_size for token in ids):
                    return {"ok": False, "stage": stage, "error": "token id outside the vocabulary"}
                start = sequence.logprob_start_len
                if start is not None and start > len(ids):
                    error = f"logprob_start_len={start} > {len(ids)} input tokens"
                    return {"ok": False, "stage": stage, "error": error}
        return {"ok": True, "batch_size": request.batch_size}
    except Exception as exc:  # noqa: BLE001 - every rejection is reported, whatever SGLang raised
        return {"ok": False, "stage": stage, "error": f"{type(exc).__name__}: {exc}"}


def main() -> None:
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        message = json.loads(line)
        print(json.dumps(validate(message["body"], message["vocab_size"])), flush=True)


if __name__ == "__main__":
    main()
