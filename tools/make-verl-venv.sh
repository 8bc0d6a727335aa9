#!/usr/bin/env bash
# Builds .venv-verl: verl 0.9.1 (it pins transformers < 5.11, the project needs >= 5.24) with the
# trainer client, so the tests can run the reward functions inside verl's own reward managers;
# and OpenRLHF 0.11.2's client code (its wheel without dependencies: the reward request of
# openrlhf/utils/agent.py imports with aiohttp and pylatexenc), to call the service as OpenRLHF does.
# Kept apart from the project's venv; it reuses that venv's packages (torch 2.13 CPU, httpx,
# ...) through a .pth file, and installs only what verl needs on top, without a second torch.
# Usage: tools/make-verl-venv.sh [PROJECT_VENV] [TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
project_venv="${1:-.venv}"
target="${2:-.venv-verl}"

python3 -m venv --clear "$target"
project_site="$("$project_venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
own_site="$("$target/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
# After the venv's own site-packages on sys.path: what is installed here (transformers 5.10) wins.
echo "$(cd "$project_site" && pwd)" > "$own_site/project-venv.pth"
# verl and tensordict without their dependencies (both would pull a CUDA torch); what verl's
# reward code imports, with theirs.
"$target/bin/pip" install --quiet --no-deps "verl==0.9.1" "tensordict==0.10.0" "pyvers>=0.1,<0.2"
"$target/bin/pip" install --quiet "transformers>=5.5.3,<5.11,!=5.6.0" "ray==2.52.1" "omegaconf>=2.3" \
    "hydra-core>=1.3" codetiming "cloudpickle>=3" "importlib_metadata" aiohttp
"$target/bin/pip" install --quiet --no-deps -e ./trainer_client "openrlhf==0.11.2"
"$target/bin/pip" install --quiet pylatexenc math-verify
"$target/bin/python" -W ignore - <<'PY'
import torch
import transformers
import verl
from verl.experimental.reward_loop.reward_manager import get_reward_manager_cls

assert torch.__version__.startswith("2.13.0") and "+cu" not in torch.__version__, torch.__version__
assert transformers.__version__ < "5.11", transformers.__version__
get_reward_manager_cls("naive")
from openrlhf.utils.agent import SingleTurnAgentExecutor  # noqa: F401
print(f"verl {verl.__version__} ready (torch {torch.__version__}, transformers {transformers.__version__})")
PY
