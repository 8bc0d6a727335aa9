#!/usr/bin/env bash
# Builds .venv-sglang: SGLang 0.5.23's request types (GenerateReqInput, SamplingParams, the
# /generate contract check) importable on a CPU, so the tests can run SGLang's own validation on
# every request body the adapter sends. Kept apart from the project's venv (sglang is never
# installed there); it reuses that venv's packages through a .pth file instead of a second torch.
# Usage: tools/make-sglang-venv.sh [PROJECT_VENV] [TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
project_venv="${1:-.venv}"
target="${2:-.venv-sglang}"
requirements=tests/support/sglang_validation/requirements.txt

python3 -m venv --clear "$target"
project_site="$("$project_venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
own_site="$("$target/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
# After the venv's own site-packages on sys.path: what is installed here wins.
echo "$(cd "$project_site" && pwd)" > "$own_site/project-venv.pth"
"$target/bin/pip" install --quiet --no-deps -r "$requirements"
"$target/bin/python" -W ignore - <<'PY'
import sys

sys.path.insert(0, "tests/support/sglang_validation/torchvision_placeholder")  # as validate.py does
import torch
from sglang.srt.managers.io_struct import GenerateReqInput

assert torch.__version__.startswith("2.13.0") and "+cu" not in torch.__version__, torch.__version__
GenerateReqInput(input_ids=[1, 2], sampling_params={"max_new_tokens": 0}).normalize_batch_and_arguments()
print(f"SGLang request types ready (torch {torch.__version__}, no second torch)")
PY
