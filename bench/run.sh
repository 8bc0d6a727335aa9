#!/usr/bin/env bash
# Every benchmark figure of bench/README.md, in one command (after `bash .ci/run` has installed .venv).
set -euo pipefail
cd "$(dirname "$0")"
../.venv/bin/python judge_modes.py --pairs 24 --batch 8
../.venv/bin/python step_cost.py --samples "${SAMPLES:-32}" --rollouts "${ROLLOUTS:-10}" --steps "${STEPS:-2}"
../.venv/bin/python load.py --clients 16 --seconds 20 --batch 320
../.venv/bin/python warm_batch.py
../.venv/bin/python stall.py
../.venv/bin/python sglang_prefill.py --pairs 300
../.venv/bin/python reward_wait.py --steps 8
../.venv/bin/python overlap.py --groups 4 --n 8 --span 90
../.venv/bin/python scale_out.py --steps 24 --clients 4
# On a GPU machine only (not run here): python gpu_production_step.py --steps 4
